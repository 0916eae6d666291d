"""The cyclic garbage collector paused while a burst of objects with no cycles is made.

Each of Python's collections walks every object made since the last one
reached the oldest generation: while hundreds of thousands of small objects
are made (a vault's parsed links, the modules of pandas and scipy), the
collections that their number triggers walk them again and again, and find
nothing to free. Paused, one collection walks them once, when it resumes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_gc() -> Iterator[None]:
    """The collector paused inside the block (left as it was found: a caller's pause stays)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
