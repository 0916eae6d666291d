"""Read and validate the feature and phenotype tables as the user's tools write them; align their samples.

Text tables are read as they are (design.md section 5): the delimiter is
sniffed (tab, semicolon, comma), a decimal comma is accepted where a whole
column is written that way, numbers may be quoted, and empty cells, ``NA``,
``NaN``, ``nan`` and ``NULL`` are missing. Parquet is chosen by extension.

Numbers are parsed by Arrow's CSV reader and its string -> float64 cast. Both
use Arrow's vendored ``fast_float`` (since Arrow 3.0, ARROW-10328; we need
pyarrow >= 14), which is correctly rounded: the nearest float64, ties to
even, as C's ``strtod`` in the C locale and Python's ``float()``. So the
same text gives the same bits on every machine and with every supported
pyarrow, pandas or numpy. pandas' own C parser is not used: its default
("high") converter is not correctly rounded in the pandas 2 releases we
support (pandas issues #17154, #39514), and the correctly rounded
``float_precision="round_trip"`` is deprecated in pandas 3.1 (it warns).
Arrow's reader is also multithreaded, as fast as pandas' on a large table.
``tests/test_tables_real.py`` checks hard halfway cases against ``float()``.

Samples are matched after R's ``make.names``, as the user's R scripts match
them. Errors name the file, the column and the row, and say what was
expected; nothing is written when a table is bad. What was detected (the
delimiter, a decimal comma, a stripped sample suffix, the spellings of
missing cells, the layout) is kept as plain sentences in ``notes``.
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import mmap
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaultkit.ahead import map_ahead
from vaultkit.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

IDENTITY = ("gene_id", "chrom", "start", "end")
SEGMENT = "segment"
# Cells that are missing, also when quoted (``""``, ``"NA"``).
MISSING = ("", "NA", "NaN", "nan", "NULL")
DELIMITER_NAMES = {"\t": "tab", ";": "semicolon", ",": "comma"}

_SEGMENT_ID = r"^(?P<gene>)(?P<chrom>[A-Za-z0-9_]+?)\.(?P<start>\d+)\.(?P<end>\d+)$"
# A number written with a decimal comma (integers too; infinities so that they are reported as such).
_COMMA_NUMBER = r"^[+-]?(?:(?:[0-9]+(?:,[0-9]*)?|,[0-9]+)(?:[eE][+-]?[0-9]+)?|[Ii][Nn][Ff](?:[Ii][Nn][Ii][Tt][Yy])?)$"
# What Arrow reads as a float64 (for messages about the cells it did not).
_DOT_NUMBER = r"^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity|nan))$"
_ENSEMBL_VERSION = r"^(ENS[A-Z]*\d+)\.\d+$"
_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9_]*$")
_SNIFF_BYTES = 1 << 16
_SNIFF_ROWS = 200

# R's reserved words (?Reserved): make.names appends a "." to them.
_R_RESERVED = frozenset(
    {
        "if",
        "else",
        "repeat",
        "while",
        "function",
        "for",
        "in",
        "next",
        "break",
        "TRUE",
        "FALSE",
        "NULL",
        "Inf",
        "NaN",
        "NA",
        "NA_integer_",
        "NA_real_",
        "NA_character_",
        "NA_complex_",
        "...",
    }
)


class TableWarning(UserWarning):
    """Something in an input table that was worked around; the CLI prints it."""


class SampleWarning(TableWarning):
    """Samples found in only one of the two tables (left out)."""


class MissingIdWarning(TableWarning):
    """Rows of the phenotype table without a sample id (skipped)."""


@dataclass(frozen=True)
class Features:
    """Per-region values: ``regions`` (gene_id, chrom, start, end) and ``values`` (regions x samples).

    ``region_table`` holds the regions as read, Arrow columns (text, text,
    int64, int64); ``regions`` is the same as a DataFrame, made on first use
    (the streamed association never makes it: a frame per chunk cost more
    than its correlation). ``samples`` are the sample names with a shared
    suffix stripped (``id.7000``); ``columns`` are the same columns as the
    file names them (``id.7000.ATAC``); ``notes`` say what was detected.
    """

    path: Path
    region_table: pa.Table
    samples: list[str]
    values: np.ndarray
    columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @cached_property
    def regions(self) -> pd.DataFrame:
        return self.region_table.to_pandas()

    def column_of(self, sample: str) -> str:
        """The file's name of a sample column (for messages)."""
        if self.columns:
            return self.columns[self.samples.index(sample)]
        return sample


@dataclass(frozen=True)
class Phenotypes:
    """One row per sample, indexed by the sample id as the file writes it; ``notes`` say what was detected."""

    path: Path
    table: pd.DataFrame
    notes: tuple[str, ...] = ()


class Alignment(tuple):
    """What :func:`align` returns: unpacks as ``values, phenotypes, samples``, plus ``notes``.

    ``matched`` pairs the feature column of each sample kept with its
    phenotype id (``("id.7000.ATAC", "id-7000")``); ``only_features`` and
    ``only_phenotypes`` are the ids left out, as their files write them;
    ``positions`` are the kept samples' columns in the feature values.
    """

    notes: tuple[str, ...]
    positions: tuple[int, ...]
    matched: tuple[tuple[str, str], ...]
    only_features: tuple[str, ...]
    only_phenotypes: tuple[str, ...]

    def __new__(
        cls,
        values: np.ndarray,
        table: pd.DataFrame,
        samples: list[str],
        *,
        notes: tuple[str, ...] = (),
        matched: tuple[tuple[str, str], ...] = (),
        only_features: tuple[str, ...] = (),
        only_phenotypes: tuple[str, ...] = (),
        positions: tuple[int, ...] = (),
    ) -> Alignment:
        self = super().__new__(cls, (values, table, samples))
        self.positions = positions
        self.notes, self.matched = notes, matched
        self.only_features, self.only_phenotypes = only_features, only_phenotypes
        return self


def make_names(name: str) -> str:
    """R's ``make.names(name)`` (unique = FALSE), from its documented behaviour.

    ``X`` is prepended when the name does not start with a letter, or starts
    with a dot followed by a digit; every character that is not a letter, a
    digit, ``.`` or ``_`` becomes ``.``; a reserved word gets a ``.``
    appended. Letters and digits are Unicode's, as R's in a UTF-8 locale.
    ``id-6620`` -> ``id.6620``, ``6620`` -> ``X6620``, ``NA`` -> ``NA.``.
    """
    first, second = name[:1], name[1:2]
    if not (first.isalpha() or first == ".") or (first == "." and second in "0123456789" and second):
        name = "X" + name
    name = "".join(c if c.isalnum() or c in "._" else "." for c in name)
    if name in _R_RESERVED or re.fullmatch(r"\.\.[0-9]+", name):
        name += "."
    return name


# ---------------------------------------------------------------- reading text and Parquet


@dataclass
class _Sniffed:
    delimiter: str
    header: list[str]
    encoding: str
    how: str
    row_names: bool = False
    missing_seen: list[str] = field(default_factory=list)
    no_hint: bool = False  # the sample columns are not all plain numbers: let Arrow infer (decimal commas)


@dataclass
class _Loaded:
    """An input table as Arrow columns, with the file's column names and what was detected."""

    path: Path
    table: pa.Table  # columns renamed to unique names (``names``)
    header: list[str]  # the names as the file writes them
    names: list[str]  # unique: a repeated name gets ``.1``, ``.2`` as pandas does
    notes: list[str]
    comma_decimals: bool = False  # a decimal comma may be read (the delimiter is not a comma)
    missing_seen: list[str] = field(default_factory=list)  # spellings of missing cells in the sniffed rows
    decimal_comma: list[str] = field(default_factory=list)  # columns read with a decimal comma
    row0: int = 0  # rows of the file before this table's first (a table read in chunks)

    def row(self, pos: int) -> int:
        """The file's row number of the table's row ``pos`` (the header is row 1)."""
        return pos + 2 + self.row0

    def duplicated(self) -> dict[str, list[int]]:
        """Header names that appear more than once -> their 1-based column numbers."""
        seen: dict[str, list[int]] = {}
        for i, n in enumerate(self.header):
            seen.setdefault(n, []).append(i + 1)
        return {n: cols for n, cols in seen.items() if len(cols) > 1}

    def name_of(self, header_name: str) -> str:
        """The table's column of a header name (the first, if the name is repeated)."""
        if not hasattr(self, "_first"):
            self._first = {}
            for h, n in zip(self.header, self.names, strict=True):
                self._first.setdefault(h, n)
        return self._first[header_name]


def _head(path: Path, gz: bool) -> tuple[bytes, bool]:
    """The first complete lines of the file (at least the header), and whether that is all of it."""
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read(_SNIFF_BYTES)
            while data and b"\n" not in data and len(data) < (64 << 20):
                more = fh.read(_SNIFF_BYTES)
                if not more:
                    break
                data += more
            rest = fh.read(1)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    if rest and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    return data, not rest


def _sniff(path: Path, data: bytes, whole: bool, name: str) -> _Sniffed:
    """The delimiter (tab, semicolon or comma), the header and the encoding, from the first lines."""
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError(f"{path}: this is an Excel workbook, not a text table; save it as CSV or TSV")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text"
        text, encoding = data[: len(data) // 2 * 2].decode("utf-16", errors="ignore"), "utf-16"
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "utf8"
        except UnicodeDecodeError:
            text, encoding = data.decode("cp1252", errors="replace"), "cp1252"
    if not text.strip():
        raise InputError(f"{path}: the file is empty; expected a header line and one row per line")
    candidates = {}
    for d in ("\t", ";", ","):
        rows = []
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=d, quotechar='"', strict=False):
            if row:
                rows.append(row)
            if len(rows) > _SNIFF_ROWS:
                break
        if not whole and len(rows) > 1 and len(rows) <= _SNIFF_ROWS:
            rows = rows[:-1]  # the last line read may be cut by the read
        candidates[d] = rows
    consistent = []
    for order, (d, rows) in enumerate(candidates.items()):
        width, body = len(rows[0]), [len(r) for r in rows[1:]]
        same = all(n == width for n in body)
        rownames = bool(body) and all(n == width + 1 for n in body)
        if (same or rownames) and max(width, *body, 0) > 1:
            consistent.append((max(width, *body, 0), -order, d, rownames))
    if consistent:
        _, _, delim, rownames = max(consistent)
        rows = candidates[delim]
        how = f"sniffed from the header and {len(rows) - 1} row(s)"
    else:
        widths = {d: len(rows[0]) for d, rows in candidates.items()}
        delim = max(widths, key=lambda d: (widths[d], -list(widths).index(d)))
        if widths[delim] == 1:
            delim = "," if name.endswith(".csv") else "\t"
            how = "one column; by the file's extension"
        else:
            how = "from the header (rows have other widths)"
        rows, rownames = candidates[delim], False
    header = list(rows[0])
    if rownames:
        header.insert(0, "")
    seen = sorted({c.strip() for r in rows[1:] for c in r if c.strip() in MISSING}, key=MISSING.index)
    return _Sniffed(delim, header, encoding, how, rownames, seen)


def _unique(header: list[str]) -> list[str]:
    """Unique column names: a repeated name gets ``.1``, ``.2``, ... (as pandas does)."""
    taken, out = set(header), []
    counts: dict[str, int] = {}
    for n in header:
        if n in counts:
            k = counts[n]
            while f"{n}.{k}" in taken:
                k += 1
            counts[n] = k + 1
            n = f"{n}.{k}"
            taken.add(n)
        else:
            counts[n] = 1
        out.append(n)
    return out


def _read_text(
    path: Path, sniffed: _Sniffed, text_columns: set[str], float_columns: set[str], source: Any = None
) -> pa.Table:
    """The table as Arrow columns: ``text_columns`` as text, the others typed by Arrow's inference.

    ``float_columns`` are expected to hold numbers: declaring them float64
    spares the inference (a faster read of a large feature table); if one
    holds anything else the table is read again with inference (and
    ``sniffed.no_hint`` says so for the next chunk). ``source`` is a buffer
    of rows without the header (a chunk), else the whole file is read.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = _unique(sniffed.header)
    types: dict[str, Any] = {n: pa.string() for n, h in zip(names, sniffed.header, strict=True) if h in text_columns}
    hinted = {
        n: pa.float64()
        for n, h in zip(names, sniffed.header, strict=True)
        if h in float_columns and h not in text_columns
    }
    types.update(hinted)
    encoding, multiline = sniffed.encoding, False
    for _ in range(6):
        try:
            table = pcsv.read_csv(
                path if source is None else pa.BufferReader(source),
                # A chunk is parsed on one thread: the chunks' reader already runs beside the correlation,
                # and Arrow's threads on a few MB cost a quarter more CPU for no shorter wait.
                read_options=pcsv.ReadOptions(
                    column_names=names,
                    skip_rows=1 if source is None else 0,
                    encoding=encoding,
                    use_threads=source is None,
                ),
                parse_options=pcsv.ParseOptions(
                    delimiter=sniffed.delimiter, quote_char='"', double_quote=True, newlines_in_values=multiline
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types=types,
                    null_values=list(MISSING),
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                    true_values=[],
                    false_values=[],
                ),
            )
        except pa.ArrowInvalid as exc:
            msg = str(exc)
            if "UTF8" in msg and encoding == "utf8":
                encoding = "cp1252"
                continue
            if hinted and "conversion error" in msg:
                for n in hinted:
                    del types[n]
                hinted = {}
                sniffed.no_hint = True
                continue
            if "Expected" in msg and "columns" in msg and not multiline:
                multiline = True  # a quoted cell may hold a line break
                continue
            what = DELIMITER_NAMES[sniffed.delimiter]
            where = _ragged_row(path, sniffed) if "Expected" in msg else ""
            raise InputError(f"{path}: cannot read as a {what}-separated table ({sniffed.how}){where}: {msg}") from None
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot read: {exc}") from None
        retype = {
            n: pa.string()
            for n, t in zip(table.column_names, table.schema.types, strict=True)
            if pa.types.is_temporal(t) and n not in types
        }
        if encoding == "utf8" and any(pa.types.is_binary(t) for t in table.schema.types):
            encoding = "cp1252"
            continue
        if retype:  # dates stay text, as pandas and R read them
            types.update(retype)
            continue
        if encoding != sniffed.encoding:
            sniffed.encoding = encoding
        return table
    raise InputError(f"{path}: cannot read as a {DELIMITER_NAMES[sniffed.delimiter]}-separated table")


def _ragged_row(path: Path, sniffed: _Sniffed) -> str:
    """Where the first row whose number of cells is not the header's is (for an error message)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    width = len(sniffed.header)
    with opener(
        path,
        "rt",
        encoding="utf-8-sig" if sniffed.encoding == "utf8" else sniffed.encoding,
        errors="replace",
        newline="",
    ) as fh:
        reader = csv.reader(fh, delimiter=sniffed.delimiter, quotechar='"', strict=False)
        next(reader, None)
        for row in reader:
            if row and len(row) != width:
                return f"; row {reader.line_num} has {len(row)} cell(s), the header {width}"
    return ""


def _to_number(column: pa.ChunkedArray, comma: bool) -> tuple[pa.ChunkedArray | None, bool]:
    """A text column as float64 if every non-missing cell is a number; (None, False) if not.

    With ``comma``, a column whose every cell is a number written with a
    decimal comma (``58,4``) is read as such; the flag says so.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_trim_whitespace(column)
    text = pc.if_else(pc.is_in(text, value_set=pa.array(MISSING)), pa.scalar(None, pa.string()), text)
    try:
        return pc.cast(text, pa.float64()), False
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if (
        comma
        and pc.all(pc.match_substring_regex(text, _COMMA_NUMBER)).as_py() is not False
        and pc.any(pc.match_substring(text, ",")).as_py()
    ):
        return pc.cast(pc.replace_substring(text, ",", "."), pa.float64()), True
    return None, False


def _load(
    path: Path,
    *,
    text: Callable[[list[str]], set[str]] = lambda header: set(),
    floats: Callable[[list[str]], set[str]] = lambda header: set(),
    comma_note: bool = True,
) -> _Loaded:
    """Read a table; the columns ``text(header)`` names stay text, other text columns holding only
    numbers become float64; ``floats(header)`` are expected to be numbers (a hint for speed).
    ``comma_note``: say in ``notes`` which columns had a decimal comma (a caller reading chunks says it
    once for all)."""
    import pyarrow as pa

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    name = path.name.lower()
    gz = name.endswith(".gz")
    name = name.removesuffix(".gz")
    if name.endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq  # here only: a text table does without its import (and pyarrow.fs's)

        try:
            return _parquet_loaded(path, pq.read_table(path), text)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"{path}: cannot read as a Parquet table: {exc}") from None
    data, whole = _head(path, gz)
    sniffed = _sniff(path, data, whole, name)
    keep_text = text(sniffed.header)
    table = _read_text(path, sniffed, keep_text, floats(sniffed.header))
    loaded = _text_loaded(path, sniffed, table, keep_text)
    if comma_note:
        loaded.notes.extend(_comma_note(loaded.decimal_comma))
    return loaded


def _text_notes(sniffed: _Sniffed) -> list[str]:
    notes = [f"delimiter: {DELIMITER_NAMES[sniffed.delimiter]} ({sniffed.how})"]
    if sniffed.encoding != "utf8":
        notes.append(f"encoding: {sniffed.encoding} (the file is not UTF-8)")
    if sniffed.row_names:
        notes.append("the header has one name fewer than the rows: the first column is R's row names")
    return notes


def _parquet_loaded(path: Path, table: pa.Table, text: Callable[[list[str]], set[str]]) -> _Loaded:
    """A Parquet table (or batch of one): the columns ``text(header)`` names as text."""
    import pyarrow as pa

    header = [str(c) for c in table.column_names]
    keep_text = text(header)
    cast = []
    for h, col in zip(header, table.columns, strict=True):
        if h in keep_text and not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            col = col.cast(pa.string())
        cast.append(col)
    loaded = _Loaded(path, pa.table(cast, names=_unique(header)), header, _unique(header), ["format: Parquet"])
    _numbers_from_text(loaded, keep_text)
    return loaded


def _numbers_from_text(loaded: _Loaded, keep_text: set[str]) -> None:
    """Text columns that hold only numbers (padded, or with a decimal comma) become float64, in place.

    A column with no value at all becomes float64 (text if it is to stay text), as pandas reads it.
    """
    import pyarrow as pa

    table = loaded.table
    for i, (h, n) in enumerate(zip(loaded.header, loaded.names, strict=True)):
        col = table.column(i)
        if pa.types.is_null(col.type):
            table = table.set_column(i, n, col.cast(pa.string() if h in keep_text else pa.float64()))
            continue
        if h in keep_text or not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            continue
        number, decimal_comma = _to_number(col, loaded.comma_decimals)
        if number is not None:
            table = table.set_column(i, n, number)
            if decimal_comma:
                loaded.decimal_comma.append(h)
    loaded.table = table


def _comma_note(columns: list[str]) -> list[str]:
    more = " ..." if len(columns) > 8 else ""
    return [f"decimal comma in {len(columns)} column(s): {', '.join(columns[:8])}{more}"] if columns else []


def _missing_note(loaded: _Loaded, columns: list[str], rows: list[int] | None = None) -> list[str]:
    """A note counting the missing cells of ``columns`` (of ``rows``), with the spellings seen."""
    import pyarrow as pa

    table = loaded.table.select([loaded.name_of(c) for c in columns])
    if rows is not None:
        table = table.take(pa.array(rows, pa.int64()))
    count = sum(col.null_count for col in table.columns)
    if not count:
        return []
    seen = loaded.missing_seen
    spelled = f" (written {', '.join(repr(s) if s else 'empty' for s in seen)} in the first rows)" if seen else ""
    return [f"missing: {count} cell(s) in the columns used{spelled}"]


def read_table(path: Path) -> pd.DataFrame:
    """A TSV, CSV or Parquet file as a DataFrame: delimiter sniffed, numbers parsed (see the module's doc)."""
    loaded = _load(Path(path))
    return loaded.table.to_pandas()


# ---------------------------------------------------------------- cells and messages


def _is_numeric(t: Any) -> bool:
    import pyarrow as pa

    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_null(t) or pa.types.is_decimal(t)


def _floats(loaded: _Loaded, header_name: str) -> np.ndarray:
    import numpy as np

    col = loaded.table.column(loaded.name_of(header_name))
    return col.to_numpy().astype(np.float64, copy=False) if len(col) else np.empty(0)


def _first_bad_cell(loaded: _Loaded, header_name: str) -> tuple[int, str]:
    """(row position, cell text) of the first non-missing cell of a text column that is not a number."""
    col = loaded.table.column(loaded.name_of(header_name)).to_pylist()
    comma = loaded.comma_decimals
    for pos, cell in enumerate(col):
        text = "" if cell is None else str(cell).strip()
        if text in MISSING or re.match(_DOT_NUMBER, text) or (comma and re.match(_COMMA_NUMBER, text)):
            continue
        return pos, str(cell)
    for pos, cell in enumerate(col):  # every cell is a number, but decimal points and commas are mixed
        if cell is not None and "," in str(cell):
            return pos, str(cell)
    return 0, str(col[0])


def _not_numeric(loaded: _Loaded, header_name: str, what: str, row_name: Any) -> InputError:
    pos, cell = _first_bad_cell(loaded, header_name)
    mixed = ""
    if re.match(_COMMA_NUMBER, cell.strip()):
        mixed = (
            "; the column mixes decimal commas and decimal points"
            if loaded.comma_decimals
            else "; a decimal comma is read only in files whose delimiter is not a comma"
        )
    return InputError(
        f"{loaded.path}: column {header_name!r}, row {loaded.row(pos)} ({what} {row_name(pos)}): "
        f"{cell!r} is not a number{mixed}; expected numeric {what} values (empty, NA, NaN or NULL for missing)"
    )


def _infinite(loaded: _Loaded, header_name: str, pos: int, value: float, what: str, row_name: Any) -> InputError:
    return InputError(
        f"{loaded.path}: column {header_name!r}, row {loaded.row(pos)} ({what} {row_name(pos)}): the value is "
        f"{'-' if value < 0 else ''}infinite (inf, Inf or beyond float64 such as 1e999); "
        f"expected finite numbers (empty, NA, NaN or NULL for missing)"
    )


# ---------------------------------------------------------------- features


def _layout(header: list[str]) -> str:
    if set(IDENTITY) <= set(header):
        return "identity"
    if SEGMENT in header:
        return "segment"
    return "id"


def _feature_text_columns(header: list[str]) -> set[str]:
    layout = _layout(header)
    if layout == "identity":
        return {"gene_id", "chrom"}
    if layout == "segment":
        return {SEGMENT, "gene_id"}
    return {header[0]} if header else set()


def _feature_sample_columns(header: list[str]) -> set[str]:
    layout = _layout(header)
    identity = {"identity": set(IDENTITY), "segment": {SEGMENT, "gene_id"}}.get(layout, set(header[:1]))
    return set(header) - identity


def _strings(loaded: _Loaded, header_name: str) -> pa.Array:
    """A text column as one array, stripped, missing as ``""``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = loaded.table.column(loaded.name_of(header_name)).combine_chunks()
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        col = col.cast(pa.string())
    return pc.fill_null(pc.utf8_trim_whitespace(col), "")


def _parse_ids(loaded: _Loaded, column: str, patterns: list[str], hint: str) -> dict[str, pa.Array]:
    """gene/chrom/start/end of every id of ``column``; InputError naming the first id that is none."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = _strings(loaded, column)
    n = len(ids)
    parts: list[tuple[np.ndarray | None, Any]] = []  # (rows, the matches of a pattern); None: every row
    todo = np.ones(n, dtype=bool)
    for pattern in patterns:
        if not todo.any():
            break
        idx = None if not parts else np.flatnonzero(todo)
        found = pc.extract_regex(ids if idx is None else ids.take(pa.array(idx)), pattern)
        ok = pc.is_valid(found).to_numpy(zero_copy_only=False)
        if not ok.any():
            continue
        if ok.all() and idx is None:
            parts.append((None, found))
            todo[:] = False
            break
        hit = np.flatnonzero(ok) if idx is None else idx[ok]
        parts.append((hit, found.filter(pa.array(ok))))
        todo[hit] = False
    if todo.any():
        pos = int(np.flatnonzero(todo)[0])
        text = ids[pos].as_py()
        what = "an empty id" if not text else f"{text!r} is not a region id"
        raise InputError(f"{loaded.path}: column {column!r}, row {loaded.row(pos)}: {what}; expected {hint}")
    # Each pattern's matches in row order: the rows of every pattern, then put back in the file's order.
    back = None
    if parts[0][0] is not None:
        back = np.empty(n, dtype=np.int64)
        back[np.concatenate([hit for hit, _ in parts])] = np.arange(n)

    def field_of(name: str) -> pa.Array:
        if back is None:
            return parts[0][1].field(name)
        return pa.concat_arrays([found.field(name) for _, found in parts]).take(pa.array(back))

    columns: dict[str, pa.Array] = {"gene_id": field_of("gene"), "chrom": field_of("chrom")}
    for name in ("start", "end"):
        digits = pc.replace_substring(field_of(name), ",", "")
        try:
            columns[name] = pc.cast(digits, pa.int64())
        except pa.ArrowInvalid:
            bad = next((i for i, d in enumerate(digits.to_pylist()) if int(d) >= 1 << 63), 0)
            raise InputError(
                f"{loaded.path}: column {column!r}: a position is too large for a whole number "
                f"near row {loaded.row(bad)}"
            ) from None
    return columns


@dataclass
class _Tally:
    """Counts behind the notes on a feature table, summed over the chunks it is read in and said once."""

    gene_column: str | None = None
    ensembl: int = 0
    versioned: int = 0
    version_example: str = ""
    symbols: int = 0
    symbol_examples: list[str] = field(default_factory=list)
    empty: int = 0
    missing: int = 0
    missing_seen: list[str] = field(default_factory=list)
    regions: int = 0
    samples: int = 0
    decimal_comma: dict[str, None] = field(default_factory=dict)  # columns, in the order first seen

    def notes(self, header: list[str]) -> list[str]:
        order: dict[str, int] = {}
        for i, h in enumerate(header):
            order.setdefault(h, i)
        out = _comma_note(sorted(self.decimal_comma, key=lambda c: order.get(c, len(order))))  # as the file has them
        if self.gene_column is not None:
            parts = [f"{self.ensembl} Ensembl id(s)"]
            if self.versioned:
                example = self.version_example
                parts.append(f"{self.versioned} with a version, stripped ({example} -> {example.rsplit('.', 1)[0]})")
            if self.symbols:
                some = self.symbol_examples
                more = " ..." if len(some) > 3 else ""
                parts.append(f"{self.symbols} gene symbol(s) kept as written ({', '.join(some[:3])}{more})")
            if self.empty:
                parts.append(f"{self.empty} empty")
            out.append(f"{self.gene_column}: " + "; ".join(parts))
        if self.missing:
            seen = self.missing_seen
            spelled = (
                f" (written {', '.join(repr(s) if s else 'empty' for s in seen)} in the first rows)" if seen else ""
            )
            out.append(f"missing: {self.missing} cell(s) in the columns used{spelled}")
        out.append(f"{self.regions} region(s), {self.samples} sample column(s)")
        return out


def _gene_ids(loaded: _Loaded, column: str | None, tally: _Tally) -> pa.Array | None:
    """The gene ids of a ``gene_id`` column: Ensembl versions stripped, symbols kept as written."""
    import pyarrow.compute as pc

    if column is None:
        return None
    genes = _strings(loaded, column)
    versioned = pc.match_substring_regex(genes, _ENSEMBL_VERSION)
    n_versioned = pc.sum(versioned).as_py() or 0
    ensembl = pc.match_substring_regex(genes, r"^ENS[A-Z]*\d+(\.\d+)?$")
    empty = pc.equal(genes, "")
    symbols = pc.invert(pc.or_(ensembl, empty))
    n_symbols = pc.sum(symbols).as_py() or 0
    tally.gene_column = column
    tally.ensembl += pc.sum(ensembl).as_py() or 0
    if n_versioned:
        tally.versioned += n_versioned
        tally.version_example = tally.version_example or genes.filter(versioned)[0].as_py()
    if n_symbols:
        tally.symbols += n_symbols
        if len(tally.symbol_examples) < 4:
            for g in genes.filter(symbols).unique().to_pylist():
                if g not in tally.symbol_examples and len(tally.symbol_examples) < 4:
                    tally.symbol_examples.append(g)
    tally.empty += pc.sum(empty).as_py() or 0
    if n_versioned:
        genes = pc.replace_substring_regex(genes, _ENSEMBL_VERSION, r"\1")
    return genes


def _regions(loaded: _Loaded, notes: list[str], tally: _Tally) -> tuple[pa.Table, list[str], str]:
    """(regions, sample columns, where a region is named: "column 'segment'") by the table's layout."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from vaultkit.genome.regions import COLON_ID, DOTTED_ID

    header, n = loaded.header, loaded.table.num_rows
    layout = _layout(header)
    if layout == "identity":
        notes.append("layout: columns gene_id, chrom, start, end")
        columns = {"gene_id": _gene_ids(loaded, "gene_id", tally), "chrom": _strings(loaded, "chrom")}
        for c in ("start", "end"):
            col = loaded.table.column(loaded.name_of(c))
            values = col.to_numpy() if _is_numeric(col.type) else None
            if values is None:
                bad = np.ones(n, dtype=bool)
            else:
                values = values.astype(np.float64)
                bad = np.isnan(values) | (np.mod(np.nan_to_num(values), 1) != 0)
            if bad.any():
                pos = int(np.flatnonzero(bad)[0])
                raise InputError(
                    f"{loaded.path}: column {c!r}, row {loaded.row(pos)}: {col[pos].as_py()!r}: "
                    f"expected a whole-number position"
                )
            columns[c] = pa.array(values.astype(np.int64))
        return _region_table(columns), [h for h in header if h not in IDENTITY], "columns gene_id, chrom, start, end"
    if layout == "segment":
        columns = _parse_ids(
            loaded,
            SEGMENT,
            [_SEGMENT_ID, COLON_ID],
            "chrom.start.end such as chr7.26617805.26617894 (or chr7:26617805-26617894)",
        )
        has_gene = "gene_id" in header
        notes.append(
            "layout: a segment column (chrom.start.end)"
            + (" beside a gene_id column" if has_gene else "; no gene_id column, so no gene notes")
        )
        genes = _gene_ids(loaded, "gene_id", tally) if has_gene else pa.repeat(pa.scalar("", pa.string()), n)
        columns["gene_id"] = genes
        return _region_table(columns), [h for h in header if h not in (SEGMENT, "gene_id")], f"column {SEGMENT!r}"
    id_col = header[0]
    columns = _parse_ids(
        loaded,
        id_col,
        [DOTTED_ID, COLON_ID],
        "ENSG00000128342_chr22.30247659.30247698 or chr22:30247659-30247698, or columns "
        "gene_id, chrom, start, end, or columns segment and gene_id",
    )
    label = repr(id_col) if id_col else "of R row names"
    notes.append(f"layout: one id column {label} (gene_chrom.start.end or chrom:start-end)")
    genes = columns["gene_id"]
    if pc.any(pc.match_substring(genes, ".")).as_py():
        columns["gene_id"] = pc.replace_substring_regex(genes, _ENSEMBL_VERSION, r"\1")
    return _region_table(columns), header[1:], f"column {id_col!r}" if id_col else "the row names"


def _region_table(columns: dict[str, Any]) -> pa.Table:
    """The regions' Arrow table: gene_id, chrom (text), start, end (int64), in that order."""
    import pyarrow as pa

    return pa.table({c: columns[c] for c in IDENTITY})


def _strip_suffix(path: Path, columns: list[str], sample_suffix: str, notes: list[str]) -> list[str]:
    """Sample names: a suffix shared by every sample column (``.ATAC``) stripped, or the one given."""
    if sample_suffix:
        lacking = [c for c in columns if not c.endswith(sample_suffix) or c == sample_suffix]
        if lacking:
            raise InputError(
                f"{path}: sample column(s) {lacking[:5]}{' ...' if len(lacking) > 5 else ''} do not end "
                f"with the sample suffix {sample_suffix!r}; expected every sample column to "
                '(set sample_suffix = "" to detect it, or rename the columns)'
            )
        suffix, how = sample_suffix, "as set"
    else:
        found = {m.group(0) if (m := _SUFFIX.search(c)) and len(c) > len(m.group(0)) else None for c in columns}
        if len(columns) < 2 or len(found) != 1 or None in found:
            return list(columns)
        suffix, how = found.pop(), "shared by every sample column"
    stripped = [c[: -len(suffix)] for c in columns]
    notes.append(f"sample suffix {suffix!r} stripped ({how}): {columns[0]} -> {stripped[0]}")
    return stripped


def _no_twins(path: Path, ids: list[str], where: Callable[[int, int], str]) -> None:
    """InputError when two ids become the same name after make.names; ``where(i, j)`` places them."""
    first: dict[str, int] = {}
    for j, s in enumerate(ids):
        key = make_names(s)
        i = first.setdefault(key, j)
        if i != j:
            raise InputError(
                f"{path}: {where(i, j)}: {ids[i]!r} and {ids[j]!r} are the same sample id after "
                f"R's make.names ({key!r}); expected ids that stay distinct"
            )


def _features(
    loaded: _Loaded,
    *,
    sample_suffix: str,
    tally: _Tally,
    notes: list[str],
    columns: list[str] | None = None,
    samples: list[str] | None = None,
) -> Features:
    """The Features of one table (a whole file, or a chunk of one, ``columns`` and their ``samples`` fixed by
    the first chunk)."""
    import numpy as np
    import pyarrow as pa

    path = loaded.path
    if loaded.table.num_rows == 0 or len(loaded.header) < 2:
        raise InputError(f"{path}: the feature table is empty; expected one row per region and one column per sample")
    regions, found, where = _regions(loaded, notes, tally)
    if columns is None:
        columns = found
        if not columns:
            raise InputError(f"{path}: no sample columns besides the region identity")
        dup = {n: cols for n, cols in loaded.duplicated().items() if n in columns}
        if dup:
            raise InputError(
                f"{path}: duplicated sample column(s) {sorted(dup)} (columns "
                f"{'; '.join(', '.join(map(str, c)) for c in dup.values())}); "
                "expected one column per sample"
            )
        n = loaded.table.num_rows
        dropped = [c for c in columns if not c.strip() and loaded.table.column(loaded.name_of(c)).null_count == n]
        if dropped:
            columns = [c for c in columns if c not in dropped]
            notes.append(f"{len(dropped)} unnamed empty column(s) left out (a delimiter at the end of the lines)")
    if samples is None:
        samples = _strip_suffix(path, columns, sample_suffix, notes)
        _no_twins(path, samples, lambda i, j: f"sample columns {columns[i]!r} and {columns[j]!r}")
    else:
        samples = list(samples)  # each chunk its own list, as when they were found again for each
    backwards = regions.column("end").to_numpy() < regions.column("start").to_numpy()
    if backwards.any():
        pos = int(np.flatnonzero(backwards)[0])
        raise InputError(
            f"{path}: {where}, row {loaded.row(pos)}: region {_key(regions, pos)} ends before it "
            "starts; expected start <= end"
        )

    def region(pos: int) -> str:
        return _key(regions, pos)

    # Row-major: the correlations sort and rank rows, and a column-major chunk cost them a transposing copy
    # of every block in the thread that waits for them (3% of `associate` on 200,000 x 100); Arrow writes
    # the rows here, in the thread that reads ahead.
    values = np.empty((loaded.table.num_rows, len(columns)), dtype=np.float64)
    if not _copy_floats(loaded, columns, values):
        for j, c in enumerate(columns):
            col = loaded.table.column(loaded.name_of(c))
            if not _is_numeric(col.type):
                raise _not_numeric(loaded, c, "region", region)
            if col.type != pa.float64():
                values[:, j] = _floats(loaded, c)
                continue
            row = 0
            for piece in col.chunks:  # Arrow's pieces copied in place: to_numpy would join them first
                values[row : row + len(piece), j] = piece.to_numpy(zero_copy_only=False)
                row += len(piece)
    inf = np.isinf(values)
    if inf.any():
        r, c = np.argwhere(inf)[0]  # the first in reading order: by row, then by column
        raise _infinite(loaded, columns[c], int(r), float(values[r, c]), "region", region)
    tally.decimal_comma.update(dict.fromkeys(loaded.decimal_comma))
    tally.missing += sum(loaded.table.column(loaded.name_of(c)).null_count for c in columns)
    tally.missing_seen = tally.missing_seen or loaded.missing_seen
    tally.regions += regions.num_rows
    tally.samples = len(columns)
    return Features(path, regions, samples, values, tuple(columns), tuple(notes))


def _copy_floats(loaded: _Loaded, columns: list[str], values: np.ndarray) -> bool:
    """Sample columns that are all integers or floats copied into ``values`` (row-major, float64) by Arrow, a
    batch at a time; False (``values`` left to the caller) for other types (text, decimals), or a pyarrow
    without ``to_tensor(null_to_nan=)``.
    One call per batch, not one per column and batch: the Python of a hundred columns cost twice the copy."""
    import numpy as np
    import pyarrow as pa

    table = loaded.table.select([loaded.name_of(c) for c in columns])
    types = table.schema.types
    if not all(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_null(t) for t in types):
        return False
    row = 0
    try:
        if any(t != pa.float64() for t in types):
            # Integer counts and float32 (Parquet) made float64 by Arrow at once, as _floats makes them one
            # column at a time (unsafe: integers beyond 2^53 round, as numpy's astype rounds them, not fail).
            table = table.cast(pa.schema([pa.field(n, pa.float64()) for n in table.column_names]), safe=False)
        for batch in table.to_batches():
            values[row : row + batch.num_rows] = np.asarray(batch.to_tensor(null_to_nan=True, row_major=True))
            row += batch.num_rows
    except (AttributeError, TypeError, pa.ArrowException):  # pyarrow before 15: the per-column copy
        return False
    return True


def _twice(path: Path, where: str, key: str, first: int, again: int) -> InputError:
    return InputError(
        f"{path}: {where}, row {again}: region {key} appears twice (rows {first} and {again}); "
        "expected one row per region"
    )


def read_features(path: Path, *, sample_suffix: str = "") -> Features:
    """Read a feature table: one row per region, one column per sample (see design.md section 5)."""
    stream = FeatureStream(path, sample_suffix=sample_suffix, chunk_bytes=None)
    ((features, _),) = list(stream)
    return Features(
        features.path, features.region_table, features.samples, features.values, features.columns, stream.notes
    )


# Text read per chunk. Each chunk costs a fixed ~10 ms of Python and Arrow set-up: at 2 MB that was a
# third of the time of a 150 MB table (71 chunks); 4 MB halves it for ~30 MB more peak memory.
CHUNK_BYTES = 4 << 20
# Threads parsing the pieces of a streamed text table, and pieces in flight. One core is left to the thread
# that uses the chunks: on two cores, two parse threads beside it slowed its imports and its correlations (the
# critical path), and `associate` of 200,000 x 100 took 1.32 s with two, 1.25 s with one (10 interleaved runs).
# Pieces in flight beyond the threads keep that thread parsing while the reader turns the last piece into
# Features, and at the start while the reader waits for pandas to import (pyarrow imports it at the first
# conversion of a Python value): with three in flight the parse thread stood idle for 0.17 s of it, and
# associate took 1.12 s against 1.06 s with ten (10 interleaved runs), for ~7 MB of peak memory a piece.
# More threads would hold more pieces for no faster read.
PARSE_THREADS = max(1, min(2, (os.cpu_count() or 1) - 1))
PARSE_AHEAD = 8


class FeatureStream:
    """A feature table read in chunks, so that memory does not grow with the number of regions.

    Iterating yields ``(features, done)``: the Features of the next rows
    (``regions`` indexed from 0 in each chunk) and how much of the file is
    read (``total`` is the whole: bytes of text, or rows of Parquet). A text
    table is cut at line ends (outside quoted cells) every ``chunk_bytes``
    and each piece is parsed as the whole file would be; Parquet is read in
    batches of about as many cells. ``chunk_bytes=None`` reads it whole.
    Sample columns are fixed by the first chunk. A region that appears
    twice is found at the end (64-bit hashes of every region, checked
    against the rows themselves, which are read again), as are the totals
    in ``notes``.
    """

    def __init__(self, path: Path, *, sample_suffix: str = "", chunk_bytes: int | None = CHUNK_BYTES) -> None:
        self.path = Path(path)
        self.sample_suffix = sample_suffix
        self.chunk_bytes = chunk_bytes
        self.notes: tuple[str, ...] = ()
        if not self.path.exists():
            raise InputError(f"{self.path}: no such file")
        name = self.path.name.lower()
        self.parquet = name.removesuffix(".gz").endswith((".parquet", ".pq"))
        self.total = self._parquet_rows() if self.parquet else self.path.stat().st_size

    def __iter__(self) -> Iterator[tuple[Features, int]]:
        import numpy as np

        from vaultkit.rowhash import hash_rows

        tally = _Tally()
        columns: list[str] | None = None
        samples: list[str] | None = None
        notes: list[str] = []
        header: list[str] = []
        hashes = []
        row0 = 0
        for loaded, done in self._tables():
            loaded.row0 = row0
            if columns is None:
                notes, header = list(loaded.notes), loaded.header
            else:
                # The encoding is sniffed from the file's head; a chunk after it may find a byte that is no
                # UTF-8, and the note goes where a whole read puts it, after the delimiter's.
                notes[1:1] = [n for n in loaded.notes if n.startswith("encoding:") and n not in notes]
            chunk = _features(
                loaded,
                sample_suffix=self.sample_suffix,
                tally=tally,
                notes=notes if columns is None else [],
                columns=columns,
                samples=samples,
            )
            columns, samples = list(chunk.columns), chunk.samples
            row0 += loaded.table.num_rows
            del loaded  # the Arrow columns are copied into ``values``: not held while the chunk is used
            hashes.append(hash_rows(chunk.region_table))
            yield chunk, done
        self._no_repeats(np.concatenate(hashes))
        self.notes = (*notes, *tally.notes(header))

    def _tables(self) -> Iterator[tuple[_Loaded, int]]:
        text, floats = _feature_text_columns, _feature_sample_columns
        if self.parquet:
            yield from self._parquet_batches()
            return
        gz = self.path.name.lower().endswith(".gz")
        data, whole = _head(self.path, gz)
        if self.chunk_bytes is None or self.total <= self.chunk_bytes:
            yield _load(self.path, text=text, floats=floats, comma_note=False), self.total
            return
        sniffed = _sniff(self.path, data, whole, self.path.name.lower().removesuffix(".gz"))
        if sniffed.encoding == "utf-16":  # line ends are two bytes: read it whole
            yield _load(self.path, text=text, floats=floats, comma_note=False), self.total
            return
        keep_text, hint = text(sniffed.header), floats(sniffed.header)
        head_lines = _header_lines(data, sniffed)

        def parse(item: tuple[memoryview, int, tuple[str, bool], _Sniffed]) -> _Loaded:
            return _load_piece(self.path, item[3], item[0], keep_text, hint)

        # Pieces are parsed on other threads (Arrow releases the GIL), each with its own copy of what the
        # sniffing found: a piece that changes it (no float hint, another encoding) changes it for the pieces
        # after it, which are then parsed again as a single thread would have parsed them.
        pieces = (
            (piece, done, (sniffed.encoding, sniffed.no_hint), copy.copy(sniffed))
            for piece, done in self._pieces(head_lines, gz)
        )
        for (piece, done, before, state), parsed in map_ahead(parse, pieces, workers=PARSE_THREADS, ahead=PARSE_AHEAD):
            if before != (sniffed.encoding, sniffed.no_hint):
                parsed.cancel()
                yield _load_piece(self.path, sniffed, piece, keep_text, hint), done
                continue
            loaded = parsed.result()
            sniffed.encoding, sniffed.no_hint = state.encoding, state.no_hint
            yield loaded, done

    def _pieces(self, head_lines: int, gz: bool) -> Iterator[tuple[memoryview, int]]:
        """The text after the header in pieces of whole lines, with how much of the file is read."""
        if not gz:
            yield from self._mapped_pieces(head_lines)
            return
        with gzip.open(self.path, "rb") as fh:
            raw = fh.fileobj  # progress counts the file's bytes, compressed
            for _ in range(head_lines):
                fh.readline()
            carry = b""
            while True:
                block = fh.read(self.chunk_bytes)
                buf = carry + block
                cut = len(buf) if not block else _cut(buf)
                if cut:
                    piece, carry = memoryview(buf)[:cut], buf[cut:]  # the piece not copied: Arrow reads it
                    if len(piece) > 4096 or bytes(piece).strip():  # blank lines at the end are no rows
                        yield piece, raw.tell()
                else:
                    carry = buf
                if not block:
                    return

    def _mapped_pieces(self, head_lines: int) -> Iterator[tuple[memoryview, int]]:
        """:meth:`_pieces` of an uncompressed file, each a view of the file mapped in memory: the text is not
        copied (two copies of each 4 MB, read then joined to the previous line's end, cost a tenth of the
        parse, in the reader's thread), and a piece's pages are let go with the piece."""
        with open(self.path, "rb") as fh:
            for _ in range(head_lines):
                fh.readline()
            start = stop = fh.tell()
            size = os.fstat(fh.fileno()).st_size
            # Cut where _pieces cuts a file it reads: at the last line end before each multiple of chunk_bytes
            # (a piece holds the lines its read completed), the rest once the file is read.
            while True:
                final = stop >= size
                stop = min(size, stop + self.chunk_bytes)
                if start == stop:
                    return
                base = start - start % mmap.ALLOCATIONGRANULARITY
                window = mmap.mmap(fh.fileno(), stop - base, offset=base, access=mmap.ACCESS_READ)
                lo, hi = start - base, stop - base
                if final:
                    cut = hi - lo
                elif window.find(b'"', lo, hi) < 0:
                    cut = max(window.rfind(b"\n", lo, hi) + 1 - lo, 0)
                else:
                    cut = _cut(window[lo:hi])  # quoted cells (rare in feature tables): on a copy
                if cut:
                    piece = memoryview(window)[lo : lo + cut]
                    if len(piece) > 4096 or bytes(piece).strip():  # blank lines at the end are no rows
                        yield piece, stop
                    start += cut
                if final:
                    return

    def _parquet_rows(self) -> int:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(self.path).metadata.num_rows
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"{self.path}: cannot read as a Parquet table: {exc}") from None

    def _parquet_batches(self) -> Iterator[tuple[_Loaded, int]]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.chunk_bytes is None:
            yield _load(self.path, text=_feature_text_columns), self.total
            return
        try:
            # Without pre_buffer=False, pyarrow reads whole row groups ahead and holds them (6.8 GB for a
            # 6 GB file); a buffered stream keeps one page at a time.
            pf = pq.ParquetFile(self.path, pre_buffer=False, buffer_size=1 << 20)
            rows = max(1, self.chunk_bytes // 8 // max(1, len(pf.schema_arrow.names)))  # as many cells as text
            done = 0
            for batch in pf.iter_batches(batch_size=rows, use_threads=False):
                done += batch.num_rows
                yield _parquet_loaded(self.path, pa.Table.from_batches([batch]), _feature_text_columns), done
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"{self.path}: cannot read as a Parquet table: {exc}") from None

    def _no_repeats(self, hashes: np.ndarray) -> None:
        """InputError for the first region (in reading order) that an earlier row already had."""
        import numpy as np

        order = np.argsort(hashes, kind="stable")
        ranked = hashes[order]
        same = ranked[1:] == ranked[:-1]
        if not same.any():
            return
        # Every row that shares its hash with another, compared by its key with all of them: rows A, B, A
        # of one hash hold a repeat that no two neighbours show.
        shared = np.zeros(len(order), dtype=bool)
        shared[1:] |= same
        shared[:-1] |= same
        keys = self._keys_at({int(i) for i in order[shared]})
        first_at: dict[str, int] = {}
        for row in sorted(keys):  # reading order: the first repeat is the one reported
            key, where = keys[row]
            if key in first_at:
                raise _twice(self.path, where, key, first_at[key] + 2, row + 2)
            first_at[key] = row

    def _keys_at(self, rows: set[int]) -> dict[int, tuple[str, str]]:
        """Region keys (and where regions are named) of rows at these positions, read again."""
        out, row0 = {}, 0
        for loaded, _ in self._tables():
            regions, _, where = _regions(loaded, [], _Tally())
            for pos in sorted(r - row0 for r in rows if row0 <= r < row0 + regions.num_rows):
                out[row0 + pos] = (_key(regions, pos), where)
            row0 += regions.num_rows
            if len(out) == len(rows):
                break
        return out


def _header_lines(data: bytes, sniffed: _Sniffed) -> int:
    """Physical lines of the header row (a quoted name may hold a line break), blank lines before it included."""
    text = data.decode("utf-8-sig" if sniffed.encoding == "utf8" else sniffed.encoding, errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniffed.delimiter, quotechar='"', strict=False)
    for row in reader:
        if row:
            return reader.line_num
    return 1


def _cut(buf: bytes) -> int:
    """Where to end a chunk: after the last line end that is outside quoted cells (0: none yet)."""
    end = buf.rfind(b"\n") + 1
    if b'"' not in buf:
        return end
    for _ in range(1000):  # a quoted cell holding line breaks: an earlier line end, or a longer chunk
        if end <= 0 or buf.count(b'"', 0, end) % 2 == 0:
            return max(end, 0)
        end = buf.rfind(b"\n", 0, end - 1) + 1
    return 0


def _text_loaded(path: Path, sniffed: _Sniffed, table: pa.Table, keep_text: set[str]) -> _Loaded:
    """A text table (whole or a chunk) as read, its numeric-looking text columns made numbers."""
    loaded = _Loaded(
        path,
        table,
        sniffed.header,
        list(table.column_names),
        _text_notes(sniffed),
        sniffed.delimiter != ",",
        sniffed.missing_seen,
    )
    _numbers_from_text(loaded, keep_text)
    return loaded


def _load_piece(path: Path, sniffed: _Sniffed, piece: memoryview, keep_text: set[str], hint: set[str]) -> _Loaded:
    """A chunk of a text table's rows, read as :func:`_load` reads the whole file."""
    import pyarrow as pa

    table = _read_text(path, sniffed, keep_text, set() if sniffed.no_hint else hint, source=pa.py_buffer(piece))
    return _text_loaded(path, sniffed, table, keep_text)


def _key(regions: pa.Table, pos: int) -> str:
    gene, chrom, start, end = (regions.column(c)[pos].as_py() for c in IDENTITY)
    return f"{gene}_{chrom}.{start}.{end}"


# ---------------------------------------------------------------- phenotypes


def read_phenotypes(
    path: Path,
    *,
    sample_column: str,
    traits: list[str],
    covariates: list[str] = (),
    condition_column: str | None = None,
) -> Phenotypes:
    """Read a phenotype table: one row per sample; traits numeric, the traits and covariates columns.

    Rows without a sample id are skipped with a MissingIdWarning. Ids are
    stripped of surrounding spaces; two that R's make.names makes equal are
    an error.
    """
    import numpy as np

    path = Path(path)
    loaded = _load(path, text=lambda header: {sample_column})
    notes = list(loaded.notes)
    if loaded.table.num_rows == 0:
        raise InputError(f"{path}: the phenotype table is empty; expected one row per sample")
    header = loaded.header
    if sample_column not in header:
        raise InputError(
            f"{path}: no sample id column {sample_column!r}; columns are {header} "
            "(set [data].sample_column in vaultkit.toml)"
        )
    for kind, names in (("trait", traits), ("covariate", covariates)):
        missing = [n for n in names if n not in header]
        if missing:
            raise InputError(f"{path}: {kind} column(s) {missing} not found; columns are {header}")
    keep = [*traits, *[c for c in covariates if c not in traits]]
    if condition_column and condition_column in header and condition_column not in keep:
        keep.append(condition_column)
    dup = {n: cols for n, cols in loaded.duplicated().items() if n in (sample_column, *keep)}
    if dup:
        name, cols = next(iter(dup.items()))
        raise InputError(
            f"{path}: column {name!r} appears {len(cols)} times (columns {', '.join(map(str, cols))}); "
            "expected one column of that name"
        )

    ids_arr = _strings(loaded, sample_column)
    ids = [str(s) for s in ids_arr.to_pylist()]
    no_id = [i for i, s in enumerate(ids) if not s]
    if no_id:
        rows = [i + 2 for i in no_id]
        warnings.warn(
            f"{path.name}: skipped {len(rows)} row(s) without a sample id in column {sample_column!r}: "
            f"row(s) {', '.join(map(str, rows[:10]))}{' ...' if len(rows) > 10 else ''}",
            MissingIdWarning,
            stacklevel=2,
        )
        notes.append(f"skipped {len(rows)} row(s) without a sample id: row(s) {', '.join(map(str, rows[:10]))}")
    kept = [i for i, s in enumerate(ids) if s]
    if not kept:
        raise InputError(f"{path}: column {sample_column!r} holds no sample id; expected one id per row")
    seen: dict[str, int] = {}
    for i in kept:
        if ids[i] in seen:
            raise InputError(
                f"{path}: column {sample_column!r}, row {i + 2}: sample {ids[i]!r} appears twice "
                f"(rows {seen[ids[i]] + 2} and {i + 2}); expected one row per sample"
            )
        seen[ids[i]] = i
    _no_twins(
        path, [ids[i] for i in kept], lambda i, j: f"column {sample_column!r}, rows {kept[i] + 2} and {kept[j] + 2}"
    )
    renamed = [(ids[i], make_names(ids[i])) for i in kept if make_names(ids[i]) != ids[i]]
    if renamed:
        notes.append(
            f"{len(renamed)} sample id(s) matched in R's make.names form: "
            + ", ".join(f"{a} -> {b}" for a, b in renamed[:3])
            + (" ..." if len(renamed) > 3 else "")
        )

    def sample(pos: int) -> str:
        return repr(ids[pos]) if ids[pos] else "without id"

    for name in keep:
        col = loaded.table.column(loaded.name_of(name))
        numeric = _is_numeric(col.type)
        if name in traits and not numeric:
            raise _not_numeric(loaded, name, "sample", sample)
        if numeric:
            values = _floats(loaded, name)
            inf = np.flatnonzero(np.isinf(values[kept]) if len(values) else [])
            if len(inf):
                pos = kept[int(inf[0])]
                raise _infinite(loaded, name, pos, float(values[pos]), "sample", sample)
    table = loaded.table.select([loaded.name_of(c) for c in keep])
    table = table.take(kept) if no_id else table
    df = table.to_pandas()
    df.columns = keep
    df.index = [ids[i] for i in kept]
    df.index.name = sample_column
    notes.extend(_missing_note(loaded, keep, kept))
    notes.append(
        f"{len(kept)} sample(s); traits {list(traits)}" + (f", covariates {list(covariates)}" if covariates else "")
    )
    return Phenotypes(path, df, tuple(notes))


# ---------------------------------------------------------------- alignment


def align(features: Features, phenotypes: Phenotypes) -> Alignment:
    """Samples in both tables, in the feature table's order: (values, phenotypes, sample ids), plus notes.

    Ids are matched in R's ``make.names`` form (``id-7000`` = ``id.7000``).
    The phenotype rows come indexed by the feature table's sample names.
    Samples in only one table are left out with a SampleWarning; none in
    common is an InputError.
    """
    pheno_ids = [str(i) for i in phenotypes.table.index]
    by_key: dict[str, int] = {}
    for i, s in enumerate(pheno_ids):
        by_key.setdefault(make_names(s), i)
    column_of = dict(zip(features.samples, features.columns or features.samples, strict=True))
    rows, cols, common, matched, only_f = [], [], [], [], []
    for j, s in enumerate(features.samples):
        i = by_key.get(make_names(s))
        if i is None:
            only_f.append(column_of[s])
            continue
        rows.append(i)
        cols.append(j)
        common.append(s)
        matched.append((column_of[s], pheno_ids[i]))
    if not common:
        raise InputError(
            f"no sample in common between {features.path} (columns such as {list(features.columns or features.samples)[:3]}) "
            f"and {phenotypes.path} (ids such as {pheno_ids[:3]}); samples are matched by id in R's make.names form "
            f"(such as {[make_names(s) for s in features.samples[:2]]} and {[make_names(s) for s in pheno_ids[:2]]})"
        )
    used = set(rows)
    only_p = [s for i, s in enumerate(pheno_ids) if i not in used]
    if only_f or only_p:
        warnings.warn(
            f"left out {len(only_f)} sample(s) only in {features.path.name} {only_f[:5]} and "
            f"{len(only_p)} only in {phenotypes.path.name} {only_p[:5]}",
            SampleWarning,
            stacklevel=2,
        )
    notes = [f"samples: {len(common)} matched between {features.path.name} and {phenotypes.path.name}"]
    differ = [(f, p) for f, p in matched if f != p]
    if differ:
        notes.append(
            "matched by id in R's make.names form: "
            + ", ".join(f"{f} = {p}" for f, p in differ[:3])
            + (" ..." if len(differ) > 3 else "")
        )
    if only_f:
        notes.append(
            f"left out {len(only_f)} only in {features.path.name}: {', '.join(only_f[:10])}"
            + (" ..." if len(only_f) > 10 else "")
        )
    if only_p:
        notes.append(
            f"left out {len(only_p)} only in {phenotypes.path.name}: {', '.join(only_p[:10])}"
            + (" ..." if len(only_p) > 10 else "")
        )
    values = features.values if len(cols) == len(features.samples) else features.values[:, cols]
    table = phenotypes.table.iloc[rows].copy()
    table.index = list(common)
    table.index.name = phenotypes.table.index.name
    return Alignment(
        values,
        table,
        list(common),
        notes=tuple(notes),
        matched=tuple(matched),
        only_features=tuple(only_f),
        only_phenotypes=tuple(only_p),
        positions=tuple(cols),
    )
