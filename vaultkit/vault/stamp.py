"""What made a cache: the link layer's own source files, so no cache outlives a change to the code that made it.

A version number is bumped by hand and can be forgotten (a change to the
parser that nobody marked); the size and mtime of each module of this folder
change with any edit, a checkout of another branch or an upgrade. An installed
vaultkit's files never change, so its caches stay valid. The markdown parser
(markdown-it-py) is part of the link code too: its package file is stamped
the same way, so upgrading it re-reads every note.
"""

from __future__ import annotations

import os


def code_stamp() -> str:
    """Name, size and mtime (ns) of each Python module of ``vaultkit/vault``, as one string."""
    folder = os.path.dirname(os.path.abspath(__file__))
    parts = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.endswith(".py"):
                    st = entry.stat()
                    parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    except OSError:
        return "?"  # a frozen or zipped install: its files cannot change under it
    return ";".join(sorted(parts)) + ";" + _parser_stamp()


def _parser_stamp() -> str:
    import importlib.util

    try:
        spec = importlib.util.find_spec("markdown_it")  # finds the package without importing it
        origin = spec.origin if spec is not None else None
        st = os.stat(origin) if origin else None
    except (ImportError, ValueError, OSError):
        return "markdown_it:?"
    return f"markdown_it:{st.st_size}:{st.st_mtime_ns}" if st else "markdown_it:?"
