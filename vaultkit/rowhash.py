"""64-bit hashes of the rows of an Arrow table, in numpy: how a streamed feature table finds a region it
has already seen while holding 8 bytes per region.

Not a cryptographic hash, and equal hashes are not taken as equal rows:
the caller compares the rows themselves (read again). What matters is that
different rows rarely collide and that no pandas object is made per chunk
(hashing through pandas cost more than the chunk's correlation).
Text is hashed from Arrow's UTF-8 bytes, so the result does not depend on
the platform's string types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

_PRIME = np.uint64(0x100000001B3)  # FNV's 64-bit prime: odd, so each byte's weight is a unit mod 2**64


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves about half of the output bits."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _text(column: pa.Array) -> np.ndarray:
    """A hash per string: its bytes as a polynomial in _PRIME (mod 2**64), mixed with its length."""
    import pyarrow as pa

    if not pa.types.is_large_string(column.type) and column.type != pa.string():
        column = column.cast(pa.string())
    width = 8 if pa.types.is_large_string(column.type) else 4
    n = len(column)
    _, offsets_buf, data_buf = column.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=f"<i{width}", count=n + 1, offset=column.offset * width)
    offsets = offsets.astype(np.int64)
    begin, end = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(data_buf, dtype=np.uint8, count=end - begin, offset=begin) if end > begin else np.empty(0)
    lengths = np.diff(offsets)
    starts = offsets[:-1] - begin
    # Each byte weighted by _PRIME to the power of its place in its string; a string's hash is the sum, taken
    # as a difference of running sums (uint64 arithmetic wraps, which is the mod 2**64 wanted).
    place = np.arange(len(data), dtype=np.int64) - np.repeat(starts, lengths)
    powers = np.cumprod(np.full(int(lengths.max(initial=0)) + 1, _PRIME, dtype=np.uint64)) if n else np.empty(0)
    running = np.zeros(len(data) + 1, dtype=np.uint64)
    np.cumsum((data.astype(np.uint64) + np.uint64(1)) * powers[place], out=running[1:])
    return running[starts + lengths] - running[starts] + lengths.astype(np.uint64)


def hash_rows(table: pa.Table) -> np.ndarray:
    """One uint64 per row of ``table``, from every column (text, or integers); nulls hash as zero."""
    import pyarrow as pa

    h = np.zeros(table.num_rows, dtype=np.uint64)
    for i, column in enumerate(table.columns):
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if pa.types.is_integer(column.type):
            part = column.fill_null(0).to_numpy().astype(np.int64).view(np.uint64)
        else:
            part = _text(column.fill_null(""))
        h = _mix(h ^ _mix(part + np.uint64(i)))
    return h
