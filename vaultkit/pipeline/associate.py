"""``vaultkit associate``: every region with every trait, streamed through the feature table.

The feature table is read in chunks (:class:`vaultkit.tables.FeatureStream`)
while a thread reads the next one; each chunk's r, n and p are computed by
:func:`vaultkit.stats.correlate`, a pure function of the chunk. q needs
every p of a trait, so only the p-values are kept as arrays; the chunks'
results are held in memory up to ``SPILL_BYTES`` and beyond that go to a
temporary Parquet file beside ``out``. Once the table is read, q is
computed and the results are written trait by trait to a temporary file
that then replaces ``out`` (a failed run leaves no half-written table).

Memory is bounded by a few chunks (``CHUNK_BYTES`` of text each: up to
``PARSE_AHEAD`` being parsed, ``READ_AHEAD`` parsed and waiting, and the one
in use with a few same-sized copies while ranking), ``SPILL_BYTES``, the
results table's batches while it is written (``WRITE_ROWS`` rows, read back
and written: up to about 0.3 GB, reached at a million regions), and 16
bytes per region and trait (p, and q while it is computed) plus 8 per region
(the duplicate check): 5,000,000 regions x 2 traits add about 0.2 GB,
whatever the number of samples. Measured peaks, 100 samples: 0.27-0.30 GB
for 200,000 regions, 0.52 GB for 1,000,000 (text); 0.99 GB for 5,000,000 x
200 (Parquet, row groups of 50,000 rows).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaultkit.errors import InputError
from vaultkit.gcpause import no_gc
from vaultkit.progress import SILENT, Progress

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from vaultkit.tables import Features, FeatureStream, Phenotypes

SPILL_BYTES = 64 << 20  # results held in memory before they are spilled to a temporary file
# Chunks parsed and waiting: while the phenotypes are read and pandas imports (0.3-0.4 s on one core before
# the first chunk is used) the reader goes on parsing on the other. 200,000 x 100: 1.25 s with one chunk waiting and two pieces
# in flight (tables.PARSE_AHEAD), 1.19 s with four and three (8 interleaved runs).
READ_AHEAD = 4
WRITE_ROWS = 1 << 20  # rows per write of the results table (Parquet row groups of about this size)


@dataclass(frozen=True)
class Design:
    """What every chunk of a feature table is correlated with: a pure value, cheap to send to workers.

    ``positions`` are the feature columns of the samples in ``ys`` (traits as
    columns) and ``covariates`` (samples x k, or None), in the same order.
    """

    traits: tuple[str, ...]
    method: str
    ys: np.ndarray
    covariates: np.ndarray | None
    positions: np.ndarray
    notes: tuple[str, ...] = ()


def design_for(
    first: Features,
    pheno: Phenotypes,
    *,
    traits: list[str],
    method: str = "spearman",
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
) -> Design:
    """The Design of a cohort: the samples of ``first`` (any chunk of the feature table) matched with the
    phenotypes; InputError (naming the columns) for a design no correlation can be computed with."""
    import numpy as np

    from vaultkit import stats
    from vaultkit.pipeline.analysis import check_design
    from vaultkit.tables import align

    if method not in ("pearson", "spearman"):
        raise InputError(f"method must be 'pearson' or 'spearman', not {method!r}")
    aligned = align(first, pheno)
    check_design(
        aligned[1],
        traits=list(traits),
        covariates=list(covariates),
        categorical=list(categorical),
        path=pheno.path,
        columns={t: t for t in traits},
    )
    ys = np.column_stack([aligned[1][t].to_numpy(dtype=np.float64) for t in traits])
    matrix = stats.design_matrix(aligned[1], list(covariates), list(categorical))
    return Design(tuple(traits), method, ys, matrix, np.asarray(aligned.positions), aligned.notes)


def associate_chunk(chunk: Features, design: Design, known: dict[str, str] | None = None) -> pa.Table:
    """n, r and p of every region of ``chunk`` with every trait: one row per region, the columns gene_id,
    chrom, start, end, then n0, r0, p0, n1, ... by trait. A pure function of its inputs (``known`` only
    caches HGNC look-ups), so chunks may be computed anywhere, in any order."""
    from vaultkit import stats

    values = chunk.values
    if len(design.positions) != values.shape[1] or (design.positions != range(values.shape[1])).any():
        values = values[:, design.positions]
    # One thread: the streamed table is parsed on the other cores meanwhile, and a pool per chunk only
    # added threads contending for them (and for the GIL) for no shorter run.
    r, n, p = stats.correlate(values, design.ys, method=design.method, covariates=design.covariates, workers=1)
    return _part(chunk.region_table, {} if known is None else known, r, n, p)


def write_parts(
    parts: Iterable[pa.Table],
    out: Path,
    *,
    traits: list[str],
    method: str,
    q_method: str = "bh",
    storey_lambda: float = 0.5,
    spill_bytes: int = SPILL_BYTES,
) -> int:
    """Write the results table from the parts :func:`associate_chunk` made, in region order: q within each
    trait from every p, then one row per region and trait. Returns the rows written. ``parts`` may be a
    generator: only the p-values and ``spill_bytes`` of parts are held, the rest goes to a temporary file."""
    from vaultkit.pipeline.analysis import result_format

    result_format(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    held = _Parts(out.with_name(f".{out.name}.vaultkit-{os.getpid()}.parquet"), spill_bytes)
    try:
        p_values: list[list[np.ndarray]] = [[] for _ in traits]
        for part in parts:
            held.add(part)
            for j in range(len(traits)):
                p_values[j].append(part[f"p{j}"].to_numpy(zero_copy_only=False))
        held.close()
        return _write(held, out, list(traits), _q_values(p_values, q_method, storey_lambda), method)
    finally:
        held.discard()


def _q_values(p_values: list[list[np.ndarray]], q_method: str, storey_lambda: float) -> list[np.ndarray]:
    """q of each trait from its p-values (the lists are emptied as they are used)."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from vaultkit import stats

    def one(j: int) -> np.ndarray:
        p = np.concatenate(p_values[j]) if p_values[j] else np.empty(0)
        p_values[j] = []
        try:
            return stats.q_values(p, method=q_method, storey_lambda=storey_lambda)
        except ValueError as exc:
            raise InputError(f'q_method = "storey": {exc}; choose another storey_lambda or q_method = "bh"') from None

    # Traits on threads: the sort of each trait's p (numpy releases the GIL) is most of the time, and nothing
    # else runs while q is computed.
    with ThreadPoolExecutor(max_workers=min(len(p_values), os.cpu_count() or 1) or 1) as pool:
        return list(pool.map(one, range(len(p_values))))


def run_associate(
    *,
    features: Path,
    phenotypes: Path,
    traits: list[str],
    out: Path,
    method: str = "spearman",
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    sample_column: str = "sample",
    q_method: str = "bh",
    storey_lambda: float = 0.5,
    sample_suffix: str = "",
    chunk_bytes: int | None = None,
    spill_bytes: int = SPILL_BYTES,
    progress: Progress = SILENT,
) -> tuple[int, tuple[str, ...]]:
    """Associate every region with every trait and write the results table; returns its rows and what
    reading the tables found. ``chunk_bytes``: how much of the feature table is read at a time;
    ``spill_bytes``: results held in memory before they go to a temporary file."""

    from vaultkit.pipeline.analysis import mapped_notes, result_format
    from vaultkit.tables import CHUNK_BYTES, FeatureStream, read_phenotypes

    if method not in ("pearson", "spearman"):
        raise InputError(f"method must be 'pearson' or 'spearman', not {method!r}")
    if q_method not in ("bh", "storey"):
        raise InputError(f"q_method must be 'bh' or 'storey', not {q_method!r}")
    result_format(out)  # an unknown extension fails before the work, not after
    stream = FeatureStream(features, sample_suffix=sample_suffix, chunk_bytes=chunk_bytes or CHUNK_BYTES)
    found: dict[str, str] = {}
    designs: list[Design] = []
    # The feature table is read from now on, while pandas imports (a GIL-free Arrow parse beside a few
    # tenths of a second of imports); a bad phenotype table still fails first, and stops the reader.
    with _ReadAhead(stream) as chunks:
        # Collections paused while pandas and scipy load (a few hundred thousand objects): each of the
        # hundred the imports triggered walked those made so far, 70 ms before the first chunk; one, after.
        with no_gc():
            pheno = read_phenotypes(
                phenotypes, sample_column=sample_column, traits=list(traits), covariates=list(covariates)
            )
            from vaultkit.special import ufuncs

            ufuncs()  # scipy's compiled functions, loaded while the first chunks are read too

        rows = write_parts(
            _parts(
                chunks, stream, pheno, designs, found, features.name, traits, method, covariates, categorical, progress
            ),
            out,
            traits=list(traits),
            method=method,
            q_method=q_method,
            storey_lambda=storey_lambda,
            spill_bytes=spill_bytes,
        )
    notes = (
        *(f"{features.name}: {n}" for n in stream.notes),
        *(f"{phenotypes.name}: {n}" for n in pheno.notes),
        *designs[0].notes,
        *mapped_notes(found),
    )
    return rows, notes


def _parts(
    chunks: Iterable[tuple[Features, int]],
    stream: FeatureStream,
    pheno: Phenotypes,
    designs: list[Design],
    found: dict[str, str],
    name: str,
    traits: Sequence[str],
    method: str,
    covariates: Sequence[str],
    categorical: Sequence[str],
    progress: Progress,
) -> Iterator[pa.Table]:
    """Each chunk's results, the design made from the first chunk (kept in ``designs``)."""
    unit, unit_name = (1, "rows") if stream.parquet else (1 << 20, "MB")
    progress.start(
        f"associating {name} with {len(traits)} trait(s) ({unit_name} read)", max(1, -(-stream.total // unit))
    )
    done_before = 0
    try:
        for chunk, done in chunks:
            if not designs:
                designs.append(
                    design_for(
                        chunk,
                        pheno,
                        traits=list(traits),
                        method=method,
                        covariates=list(covariates),
                        categorical=list(categorical),
                    )
                )
            yield associate_chunk(chunk, designs[0], found)
            progress.advance(-(-done // unit) + (done_before // -unit))  # whole units, rounded up as the total
            done_before = done
    finally:
        progress.stop()


def _part(regions: pa.Table, known: dict[str, str], r: np.ndarray, n: np.ndarray, p: np.ndarray) -> pa.Table:
    """One chunk's results, wide: the region (gene symbols named by their Ensembl id), then n, r and p of
    each trait."""
    import pyarrow as pa

    from vaultkit.pipeline.analysis import ensembl_gene_ids

    columns = {
        "gene_id": ensembl_gene_ids(regions.column("gene_id").combine_chunks(), known),
        "chrom": regions.column("chrom"),
        "start": regions.column("start"),
        "end": regions.column("end"),
    }
    for j in range(r.shape[1]):
        columns[f"n{j}"] = pa.array(n[:, j], pa.int64())
        columns[f"r{j}"] = pa.array(r[:, j], pa.float64())
        columns[f"p{j}"] = pa.array(p[:, j], pa.float64())
    return pa.table(columns)


class _Parts:
    """The chunks' results: held in memory up to ``budget`` bytes, then spilled to a Parquet file."""

    def __init__(self, scratch: Path, budget: int) -> None:
        self.scratch, self.budget = scratch, budget
        self.held: list[pa.Table] = []
        self.size = 0
        self.writer: Any = None
        self.spilled = False

    def add(self, part: pa.Table) -> None:
        import pyarrow.parquet as pq

        if not self.spilled:
            self.held.append(part)
            self.size += part.nbytes
            if self.size <= self.budget:
                return
            self.writer = pq.ParquetWriter(self.scratch, part.schema, compression="none", use_dictionary=False)
            self.spilled = True
            held, self.held = self.held, []
            for t in held:
                self.writer.write_table(t)
            return
        self.writer.write_table(part)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def discard(self) -> None:
        self.close()
        self.held = []
        self.scratch.unlink(missing_ok=True)

    def read(self, columns: list[str]) -> Iterator[pa.Table]:
        """The parts in order, these columns only, joined into tables of about ``WRITE_ROWS`` rows."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.spilled:
            source = pq.ParquetFile(self.scratch)
            pieces: Iterable[pa.Table] = (
                source.read_row_group(g, columns=columns) for g in range(source.num_row_groups)
            )
        else:
            pieces = (t.select(columns) for t in self.held)
        batch, rows = [], 0
        for piece in pieces:
            batch.append(piece)
            rows += piece.num_rows
            if rows >= WRITE_ROWS:
                yield pa.concat_tables(batch)
                batch, rows = [], 0
        if batch:
            yield pa.concat_tables(batch)


def _write(parts: _Parts, out: Path, traits: list[str], q_all: list[np.ndarray], method: str) -> int:
    """The results, trait by trait in region order, to ``out`` through a temporary file; the row count."""
    from vaultkit.pipeline.analysis import result_format

    kind, sep = result_format(out)
    temp = out.with_name(f".{out.name}.vaultkit-{os.getpid()}.tmp")
    try:
        quoting = "none"
        while True:
            try:
                rows = _write_to(temp, parts, traits, q_all, method, kind, sep, quoting)
                break
            except _NeedsQuotes:
                quoting = "needed"
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    return rows


class _NeedsQuotes(Exception):
    """A value holds the delimiter: write again with quotes."""


def _write_to(
    temp: Path,
    parts: _Parts,
    traits: list[str],
    q_all: list[np.ndarray],
    method: str,
    kind: str,
    sep: str,
    quoting: str,
) -> int:
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from vaultkit.pipeline.analysis import csv_options

    writer, rows = None, 0
    try:
        for j, trait in enumerate(traits):
            offset = 0
            for part in parts.read(["gene_id", "chrom", "start", "end", f"n{j}", f"r{j}", f"p{j}"]):
                m = part.num_rows
                table = pa.table(
                    {
                        "gene_id": part["gene_id"],
                        "chrom": part["chrom"],
                        "start": part["start"],
                        "end": part["end"],
                        "trait": pa.repeat(pa.scalar(trait, pa.string()), m),
                        "n": part[f"n{j}"],
                        "r": part[f"r{j}"],
                        "p": part[f"p{j}"],
                        "q": pa.array(q_all[j][offset : offset + m], pa.float64()),
                        "method": pa.repeat(pa.scalar(method, pa.string()), m),
                    }
                )
                offset += m
                rows += m
                if writer is None:
                    # Dictionaries only where values repeat: on gene_id (nearly unique) the encoder's attempt
                    # costs four times the rest of the write.
                    writer = (
                        pq.ParquetWriter(temp, table.schema, use_dictionary=["chrom", "trait", "method"])
                        if kind == "parquet"
                        else pcsv.CSVWriter(temp, table.schema, write_options=csv_options(sep, quoting))
                    )
                try:
                    writer.write_table(table)
                except pa.ArrowInvalid:
                    if quoting == "none":
                        raise _NeedsQuotes from None
                    raise
    finally:
        if writer is not None:
            writer.close()
    return rows


class _ReadAhead:
    """``items`` produced by a thread up to ``READ_AHEAD`` items ahead, from the moment this is made: the next
    chunks are parsed (Arrow releases the GIL) while this one is computed, and the first while the caller
    still imports and reads the phenotypes. An exception in the thread is raised where the item would have
    been; ``close`` (also on leaving a ``with`` block, iterated or not) stops the thread."""

    _END = object()

    def __init__(self, items: Iterable[Any]) -> None:
        self._box: queue.Queue = queue.Queue(maxsize=READ_AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, args=(items,), name="vaultkit-read-ahead", daemon=True)
        self._thread.start()

    def _produce(self, items: Iterable[Any]) -> None:
        try:
            for item in items:
                while not self._stop.is_set():
                    try:
                        self._box.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
            self._box.put((self._END, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            self._box.put((self._END, exc))

    def __iter__(self) -> Iterator[Any]:
        try:
            while True:
                item, exc = self._box.get()
                if exc is not None:
                    raise exc
                if item is self._END:
                    return
                yield item
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._box.get_nowait()
            except queue.Empty:
                self._thread.join(0.05)

    def __enter__(self) -> _ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
