"""The vault's own Obsidian settings (``.obsidian/app.json``) that vaultkit honours.

Obsidian's paths are vault paths: a leading ``/`` means the vault's root, as in
Obsidian itself. Where one of them says where vaultkit writes, it is confined to
the vault (``..`` or a symlink that leads out is refused).
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path

from vaultkit.vault.paths import confined


@dataclass(frozen=True)
class AppSettings:
    """The keys of ``app.json`` that change how links are written and where files go.

    Missing keys take Obsidian's defaults.
    """

    use_markdown_links: bool = False
    new_link_format: str = "shortest"  # shortest | relative | absolute
    attachment_folder: str = "/"  # "/" root, "folder", "./" beside the note, "./sub"
    always_update_links: bool = False
    trash_option: str = "system"

    def attachment_dir(self, note_rel: str = "") -> str:
        """Vault-relative folder for a new attachment of the note ``note_rel`` ("" = root)."""
        folder = self.attachment_folder.strip()
        if folder in ("", "/"):
            return ""
        if folder.startswith("./"):
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(note_rel), folder[2:]))
            return "" if joined == "." else joined
        return folder.strip("/")

    def attachment_dir_in(self, root: Path, note_rel: str = "") -> str:
        """``attachment_dir`` checked to lie inside the vault ``root`` (symlinks followed), normalised.

        Raises ConfigError naming ``attachmentFolderPath`` and the ``app.json`` when it leads out.
        """
        what = f"attachmentFolderPath {self.attachment_folder!r} in {root / '.obsidian' / 'app.json'}"
        full = confined(root, self.attachment_dir(note_rel), what)
        return "" if full == root else full.relative_to(root).as_posix()


def load_app_settings(root: Path) -> AppSettings:
    """Read ``.obsidian/app.json``; a missing or broken file means Obsidian's defaults."""
    try:
        data = json.loads((root / ".obsidian" / "app.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return AppSettings()
    if not isinstance(data, dict):
        return AppSettings()
    return AppSettings(
        use_markdown_links=bool(data.get("useMarkdownLinks", False)),
        new_link_format=str(data.get("newLinkFormat", "shortest")),
        attachment_folder=str(data.get("attachmentFolderPath", "/")),
        always_update_links=bool(data.get("alwaysUpdateLinks", False)),
        trash_option=str(data.get("trashOption", "system")),
    )
