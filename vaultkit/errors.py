"""Exceptions raised by vaultkit's library code; only the CLI prints them.

Every message says what is wrong, where (file, line or column) and how to fix it.
"""

from __future__ import annotations


class VaultkitError(Exception):
    """Base class: anything vaultkit reports to the user instead of a traceback."""

    exit_code = 2


class InputError(VaultkitError):
    """Bad input file or argument: nothing was written (exit 2)."""


class ConfigError(VaultkitError):
    """A broken or invalid ``vaultkit.toml`` (exit 2)."""


class VaultError(VaultkitError):
    """A vault operation that cannot be done as asked (exit 2, nothing written)."""


class VaultLockedError(VaultError):
    """Another vaultkit process holds the vault's lock."""


class SourceError(VaultkitError):
    """A web source failed: rate-limited, unreachable, or answered nonsense (exit 1)."""

    exit_code = 1
