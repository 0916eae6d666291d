"""vaultkit: build and keep an Obsidian vault of per-gene research notes.

The public library is what ``__all__`` names (README "Python API"); the rest
of the package may change. The names are imported when first used, so
``import vaultkit`` (and the command line's start) stays instant.

>>> import vaultkit
>>> vault = vaultkit.Vault("my-vault")
>>> vault.check_links().broken
[]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "AmbiguousLink",
    "BrokenLink",
    "ConfigError",
    "Conflict",
    "FileCounts",
    "InputError",
    "LinkReport",
    "MissingAnchor",
    "NoteCounts",
    "PastedKept",
    "PlotCounts",
    "RefreshReport",
    "RenameReport",
    "SourceError",
    "Unreadable",
    "Vault",
    "VaultError",
    "VaultLockedError",
    "VaultkitError",
    "associate",
]

if TYPE_CHECKING:  # what the names are, for type checkers; at run time __getattr__ imports them
    from vaultkit.api import Vault, associate
    from vaultkit.errors import ConfigError, InputError, SourceError, VaultError, VaultkitError, VaultLockedError
    from vaultkit.reports import (
        AmbiguousLink,
        BrokenLink,
        Conflict,
        FileCounts,
        LinkReport,
        MissingAnchor,
        NoteCounts,
        PastedKept,
        PlotCounts,
        RefreshReport,
        RenameReport,
        Unreadable,
    )

_HOME = {
    **dict.fromkeys(["Vault", "associate"], "vaultkit.api"),
    **dict.fromkeys(
        ["ConfigError", "InputError", "SourceError", "VaultError", "VaultLockedError", "VaultkitError"],
        "vaultkit.errors",
    ),
    **dict.fromkeys(
        [
            "AmbiguousLink",
            "BrokenLink",
            "Conflict",
            "FileCounts",
            "LinkReport",
            "MissingAnchor",
            "NoteCounts",
            "PastedKept",
            "PlotCounts",
            "RefreshReport",
            "RenameReport",
            "Unreadable",
        ],
        "vaultkit.reports",
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'vaultkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # found once; later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
