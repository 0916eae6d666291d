"""What vaultkit last wrote into each note (``.vaultkit/state.json``), so user edits can be told apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vaultkit.vault.write import STATE_DIR, write_if_changed

STATE_FILE = "state.json"


def load_state(root: Path) -> dict[str, Any]:
    """Per-note state by vault path; a missing or broken file means nothing is known."""
    try:
        data = json.loads((root / STATE_DIR / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("notes", {}) if isinstance(data, dict) else {}


def save_state(root: Path, notes: dict[str, Any]) -> bool:
    """Write the state (sorted, so unchanged state is unchanged bytes); True if written."""
    payload = json.dumps({"version": 1, "notes": notes}, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return write_if_changed(root / STATE_DIR / STATE_FILE, payload.encode("utf-8"))
