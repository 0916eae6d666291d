"""Characters a vault file name must not hold (shared by the vault layer and the plot names).

Obsidian refuses ``* " \\ / < > : | ?`` in file names; ``# ^ [ ] %%`` are allowed by the
file system but break links (obsidian-links.md). vaultkit never creates either.
"""

from __future__ import annotations

FORBIDDEN_CHARS = frozenset('*"\\/<>:|?')
LINK_BREAKING = ("#", "^", "[", "]", "%%")


def unsafe_in(name: str) -> list[str]:
    """The forbidden or link-breaking characters in one file name (not a path), sorted."""
    return sorted(FORBIDDEN_CHARS.intersection(name)) + [s for s in LINK_BREAKING if s in name]
