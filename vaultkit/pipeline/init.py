"""``vaultkit init``: a vault folder with a vaultkit.toml of every setting at its default, each with its help."""

from __future__ import annotations

from pathlib import Path

from vaultkit.config import CONFIG_FILE, toml_template
from vaultkit.vault.write import write_if_changed


def init_vault(vault: Path) -> bool:
    """Create ``vault`` and its settings file; False if the settings file already existed."""
    vault.mkdir(parents=True, exist_ok=True)
    path = vault / CONFIG_FILE
    if path.exists():
        return False
    write_if_changed(path, toml_template().encode("utf-8"))
    return True
