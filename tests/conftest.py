"""Shared helpers: small vaults written in the tests, and the user's real notes."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = FIXTURES / "vault_examples"


def write_vault(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create a vault under ``root`` with the given files (str as UTF-8)."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (dot-folders of vaultkit's own state excluded)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".vaultkit" not in p.parts
    }


@pytest.fixture
def vault(tmp_path: Path):
    """A factory: ``vault({"a.md": "..."})`` returns the vault's path."""
    return lambda files: write_vault(tmp_path / "vault", files)
