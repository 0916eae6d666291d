"""The feature table read in chunks gives what reading it whole gives: values, notes, errors, results.

Chunks are made tiny here (a few hundred bytes), so every table of the
tests is cut many times, also inside quoted cells that hold line breaks.
"""

from __future__ import annotations

import gzip
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit.errors import InputError
from vaultkit.pipeline.analysis import associate_cohort, load_cohort, write_results
from vaultkit.pipeline.associate import READ_AHEAD, _ReadAhead, run_associate
from vaultkit.progress import Progress
from vaultkit.tables import FeatureStream, _cut, read_features, read_table

REAL = Path(__file__).parent / "fixtures" / "real_formats"
ATAC, CLINICAL = REAL / "atac_format_sample.tsv", REAL / "clinical_format_sample.csv"


def chunked(path: Path, chunk_bytes: int, **kw) -> tuple[pd.DataFrame, np.ndarray, list[str], tuple[str, ...], int]:
    stream = FeatureStream(path, chunk_bytes=chunk_bytes, **kw)
    parts = list(stream)
    regions = pd.concat([f.regions for f, _ in parts], ignore_index=True)
    values = np.vstack([f.values for f, _ in parts])
    assert parts[-1][1] == stream.total  # progress ends at the whole file
    return regions, values, parts[0][0].samples, stream.notes, len(parts)


def assert_same_as_whole(path: Path, chunk_bytes: int = 200, **kw) -> int:
    whole = read_features(path, **kw)
    regions, values, samples, notes, n = chunked(path, chunk_bytes, **kw)
    pd.testing.assert_frame_equal(regions, whole.regions)
    assert np.array_equal(values, whole.values, equal_nan=True)
    assert samples == whole.samples
    assert notes == whole.notes
    return n


def feature_table(rows: int = 60, samples: int = 7, seed: int = 1, missing: float = 0.1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.normal(10, 3, (rows, samples)).round(3)
    values[rng.random(values.shape) < missing] = np.nan
    df = pd.DataFrame(values, columns=[f"id.{7000 + i}.ATAC" for i in range(samples)])
    df.insert(0, "gene_id", [f"ENSG{i % 9:011d}.{i % 3}" if i % 5 else "LIF" for i in range(rows)])
    df.insert(0, "segment", [f"chr{1 + i % 3}.{1000 + 40 * i}.{1030 + 40 * i}" for i in range(rows)])
    return df


def test_the_real_atac_table_in_chunks():
    assert assert_same_as_whole(ATAC, chunk_bytes=100) > 3


@pytest.mark.parametrize("variant", ["tsv", "european csv", "gz", "crlf", "row names", "parquet", "identity"])
def test_every_format_reads_the_same_in_chunks(tmp_path, variant):
    df = feature_table()
    path = tmp_path / "f.tsv"
    if variant == "tsv":
        df.to_csv(path, sep="\t", index=False, na_rep="NA")
    elif variant == "european csv":  # quoted cells, decimal commas, ';'
        path = tmp_path / "f.csv"
        text = (
            df.astype(str)
            .replace("nan", "")
            .apply(lambda c: c.str.replace(".", ",", regex=False) if c.name.startswith("id") else c)
        )
        text.columns = [c for c in df.columns]
        text.to_csv(path, sep=";", index=False, quoting=1)
    elif variant == "gz":
        path = tmp_path / "f.tsv.gz"
        with gzip.open(path, "wt") as fh:
            df.to_csv(fh, sep="\t", index=False)
    elif variant == "crlf":
        df.to_csv(path, sep="\t", index=False, lineterminator="\r\n")
    elif variant == "row names":  # R's write.table: the header has one name fewer
        body = df.drop(columns=["gene_id", "segment"])
        body.index = [f"{g.split('.')[0]}_{s}" for g, s in zip(df["gene_id"], df["segment"], strict=True)]
        path.write_text("\t".join(body.columns) + "\n" + body.to_csv(sep="\t", header=False, na_rep="NA"))
    elif variant == "parquet":
        path = tmp_path / "f.parquet"
        df.to_parquet(path, index=False)
        assert assert_same_as_whole(path, chunk_bytes=8 * 8 * 10) > 3
        return
    elif variant == "identity":
        parts = df["segment"].str.split(".", expand=True)
        ident = pd.DataFrame(
            {"gene_id": df["gene_id"], "chrom": parts[0], "start": parts[1].astype(int), "end": parts[2].astype(int)}
        )
        pd.concat([ident, df.drop(columns=["segment", "gene_id"])], axis=1).to_csv(path, sep="\t", index=False)
    assert assert_same_as_whole(path) > 3, "the table was not cut"


@pytest.mark.parametrize("late", ["padded number", "decimal comma", "cp1252"])
def test_what_a_later_chunk_finds_applies_to_the_chunks_parsed_beside_it(tmp_path, late):
    # Pieces are parsed on several threads; one that finds the float hint or the encoding wrong changes how
    # the pieces after it are read, exactly as one thread reading them in turn would.
    # The encoding is sniffed from the first 64 kB: a cp1252 byte after them is found by a later chunk.
    rows, row, chunk = (1500, 1400, 2000) if late == "cp1252" else (120, 90, 200)
    df = feature_table(rows=rows)
    if late == "decimal comma":  # whole numbers up to row 90: the float hint holds until then
        df[df.columns[2:]] = df[df.columns[2:]].round()
    lines = df.to_csv(sep="\t", index=False, na_rep="NA", float_format="%g").splitlines()
    cells = lines[row].split("\t")
    if late == "padded number":
        cells[3] = f" {cells[3]} "
    elif late == "decimal comma":
        cells[3] = "7,5"
    else:
        cells[1] = "LIF\u00e9"
    lines[row] = "\t".join(cells)
    path = tmp_path / "f.tsv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    try:
        read_features(path)
    except InputError as exc:
        with pytest.raises(InputError) as streamed:
            chunked(path, chunk)
        assert str(streamed.value) == str(exc)
        return
    assert assert_same_as_whole(path, chunk) > 10  # notes too: "encoding: cp1252" found by a later chunk
    if late == "cp1252":
        assert "LIF\u00e9" in set(read_features(path).regions["gene_id"])


def test_a_quoted_cell_with_line_breaks_is_never_cut(tmp_path):
    df = feature_table(rows=40)
    df["gene_id"] = df["gene_id"].where(df.index % 4 != 1, "two\nlines")
    path = tmp_path / "f.csv"
    df.to_csv(path, sep=";", index=False, quoting=1, decimal=",")
    regions, *_ = chunked(path, 120)
    assert (regions["gene_id"] == "two\nlines").sum() == 10
    assert_same_as_whole(path, chunk_bytes=120)


@given(st.binary(max_size=300).map(lambda b: b.replace(b"\r", b"")))
def test_cut_ends_a_chunk_only_at_a_line_end_outside_quotes(buf):
    end = _cut(buf)
    assert 0 <= end <= len(buf)
    if end:
        assert buf[end - 1 : end] == b"\n" and buf.count(b'"', 0, end) % 2 == 0


def test_float_columns_copied_at_once_equal_the_copy_column_by_column(tmp_path, monkeypatch):
    import vaultkit.tables as tables

    path = tmp_path / "f.tsv"
    feature_table(rows=300, missing=0.2).to_csv(path, sep="\t", index=False, na_rep="NA")
    at_once = read_features(path).values
    monkeypatch.setattr(tables, "_copy_floats", lambda *a: False)
    one_by_one = read_features(path).values
    assert at_once.flags.c_contiguous and np.isnan(at_once).any()
    np.testing.assert_array_equal(at_once, one_by_one)


def test_integer_and_float32_columns_copied_at_once_equal_the_copy_column_by_column(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    import vaultkit.tables as tables

    rng = np.random.default_rng(4)
    n = 500
    counts = rng.poisson(50, (n, 3))
    columns = {
        "region": pa.array([f"chr1:{1000 + 10 * i}-{1005 + 10 * i}" for i in range(n)]),
        "S1": pa.array(counts[:, 0], pa.int64(), mask=rng.random(n) < 0.1),  # counts with gaps
        "S2": pa.array(counts[:, 1], pa.int32()),
        "S3": pa.array(rng.normal(size=n).astype(np.float32), pa.float32()),
        "S4": pa.array([2**53 + 1] * n, pa.int64()),  # beyond float64's integers: rounded as numpy rounds
        "S5": pa.array(rng.normal(size=n)),
    }
    path = tmp_path / "counts.parquet"
    pq.write_table(pa.table(columns), path)
    copies = []
    real = tables._copy_floats
    monkeypatch.setattr(tables, "_copy_floats", lambda *a: copies.append(real(*a)) or copies[-1])
    at_once = read_features(path).values
    monkeypatch.setattr(tables, "_copy_floats", lambda *a: False)
    one_by_one = read_features(path).values
    # pyarrow before 15 has no to_tensor(null_to_nan=): the copy column by column there, as for text.
    assert copies == [int(pa.__version__.split(".")[0]) >= 15] and np.isnan(at_once[:, 0]).any()
    np.testing.assert_array_equal(at_once, one_by_one)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from(["1.5\t2", "", "  ", '"a\nb"\t1', '"q"\t3', "7.25" * 40]), max_size=30),
    st.sampled_from(["", "\n", "\n\n"]),
    st.integers(1, 300),
)
def test_a_mapped_file_is_cut_where_a_read_one_is(tmp_path, lines, end, chunk_bytes):
    # An uncompressed table is cut on a memory map, a compressed one on reads: the same pieces either way.
    text = "\n".join(["region\tS1", *lines]) + end
    plain, packed = tmp_path / "f.tsv", tmp_path / "f.tsv.gz"
    plain.write_text(text)
    packed.write_bytes(gzip.compress(text.encode()))
    mapped = [bytes(p) for p, _ in FeatureStream(plain, chunk_bytes=chunk_bytes)._pieces(1, gz=False)]
    read = [bytes(p) for p, _ in FeatureStream(packed, chunk_bytes=chunk_bytes)._pieces(1, gz=True)]
    assert mapped == read


@pytest.mark.parametrize(
    ("row", "cell", "expected"),
    [
        (50, "abc", "column 'id.7002.ATAC', row 52 (region LIF_chr3.3000.3030): 'abc' is not a number"),
        (41, "Inf", "row 43"),
        (57, "-1e999", "row 59"),
    ],
)
def test_errors_in_a_later_chunk_name_the_row_of_the_file(tmp_path, row, cell, expected):
    df = feature_table(missing=0).astype(object)
    df.iloc[row, 4] = cell
    path = tmp_path / "f.tsv"
    df.to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError) as whole:
        read_features(path)
    with pytest.raises(InputError) as streamed:
        chunked(path, 200)
    assert str(streamed.value) == str(whole.value)
    assert expected in str(streamed.value)


@pytest.mark.parametrize("rows", [(3, 55), (0, 59), (20, 21)])
def test_a_region_in_two_chunks_is_named_with_both_rows(tmp_path, rows):
    df = feature_table()
    df.iloc[rows[1], :2] = df.iloc[rows[0], :2]
    path = tmp_path / "f.tsv"
    df.to_csv(path, sep="\t", index=False)
    gene = df.iloc[rows[0], 1].split(".")[0]  # the Ensembl version is stripped
    message = (
        f"row {rows[1] + 2}: region {gene}_{df.iloc[rows[0], 0]} appears twice (rows {rows[0] + 2} and {rows[1] + 2})"
    )
    for read in (lambda: read_features(path), lambda: chunked(path, 200)):
        with pytest.raises(InputError) as err:
            read()
        assert message in str(err.value)


# ---------------------------------------------------------------- associate


def pheno_table(samples: int = 7, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    spap = rng.normal(45, 12, samples).round(1)
    return pd.DataFrame(
        {
            "sample": [f"id-{7000 + i}" for i in range(samples)],
            "sPAP": spap,
            "mPAP": (0.6 * spap + rng.normal(0, 3, samples)).round(1),
            "age": rng.integers(20, 80, samples),
            "gender": rng.choice(["F", "M"], samples),
        }
    )


def whole_results(features: Path, phenotypes: Path, **kw) -> pd.DataFrame:
    """The results as refresh computes them: the whole matrix in memory."""
    traits = kw.pop("traits")
    cohort = load_cohort(
        features,
        phenotypes,
        sample_column="sample",
        traits=traits,
        covariates=kw.get("covariates", []),
        categorical=kw.get("categorical", []),
    )
    return associate_cohort(cohort, traits=traits, **kw)


@pytest.mark.parametrize(
    "kw",
    [
        {"method": "spearman"},
        {"method": "pearson"},
        {"method": "spearman", "covariates": ["age", "gender"], "categorical": ["gender"]},
        {"method": "pearson", "q_method": "storey", "storey_lambda": 0.3},
    ],
)
@pytest.mark.parametrize("out_name", ["r.parquet", "r.tsv"])
@pytest.mark.parametrize("spill_bytes", [0, 1 << 20], ids=["spilled to a file", "held in memory"])
def test_streamed_results_equal_the_whole_matrix_results(tmp_path, kw, out_name, spill_bytes):
    features, phenotypes = tmp_path / "f.tsv", tmp_path / "p.tsv"
    feature_table(rows=90, samples=12).to_csv(features, sep="\t", index=False)
    pheno_table(12).to_csv(phenotypes, sep="\t", index=False)
    out = tmp_path / out_name
    rows, notes = run_associate(
        features=features,
        phenotypes=phenotypes,
        traits=["sPAP", "mPAP"],
        out=out,
        chunk_bytes=300,
        spill_bytes=spill_bytes,
        **kw,
    )
    assert rows == 180
    expected = whole_results(features, phenotypes, traits=["sPAP", "mPAP"], **kw)
    write_results(expected, tmp_path / f"expected{out.suffix}")
    # The scan's last bits depend on how rows are blocked for BLAS (only the exact recomputation of what is
    # plotted is bit-stable, see vaultkit.exact); Spearman's ranks are whole numbers, so its r is exact here.
    exact = kw["method"] == "spearman" and "covariates" not in kw
    if out.suffix == ".tsv" and exact:  # the same bytes; Parquet's differ in row groups and metadata
        assert out.read_bytes() == (tmp_path / "expected.tsv").read_bytes()
    pd.testing.assert_frame_equal(
        read_table(out), read_table(tmp_path / f"expected{out.suffix}"), check_exact=exact, rtol=1e-12
    )
    assert any("LIF -> ENSG" in n for n in notes) and any("90 region(s)" in n for n in notes)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["f.tsv", "p.tsv", out_name, f"expected{out.suffix}"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.integers(1, 40), missing=st.sampled_from([0.0, 0.3]), chunk=st.integers(60, 400), seed=st.integers(0, 1000)
)
def test_streamed_results_equal_whole_for_any_cut(tmp_path_factory, rows, missing, chunk, seed):
    tmp = tmp_path_factory.mktemp("s")
    features, phenotypes = tmp / "f.tsv", tmp / "p.tsv"
    feature_table(rows=rows, samples=9, seed=seed, missing=missing).to_csv(features, sep="\t", index=False)
    pheno_table(9, seed).to_csv(phenotypes, sep="\t", index=False)
    run_associate(
        features=features,
        phenotypes=phenotypes,
        traits=["sPAP", "mPAP"],
        out=tmp / "r.parquet",
        chunk_bytes=chunk,
        spill_bytes=seed % 3 * 2000,
    )
    got = pd.read_parquet(tmp / "r.parquet")
    pd.testing.assert_frame_equal(
        got,
        whole_results(features, phenotypes, traits=["sPAP", "mPAP"], method="spearman"),
        check_dtype=False,
        check_exact=True,
    )


def test_a_repeat_is_found_among_more_than_two_rows_of_one_hash(tmp_path, monkeypatch):
    # Rows of equal hash are compared all with all: A, then B (same hash, another region), then A again.
    import numpy as np

    import vaultkit.rowhash

    monkeypatch.setattr(vaultkit.rowhash, "hash_rows", lambda table: np.zeros(table.num_rows, dtype=np.uint64))
    df = feature_table()
    df.iloc[40, :2] = df.iloc[3, :2]
    path = tmp_path / "f.tsv"
    df.to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match=r"row 42: region .* appears twice \(rows 5 and 42\)"):
        chunked(path, 200)


def test_a_failed_run_leaves_no_results_and_no_scratch(tmp_path):
    df = feature_table(rows=60, samples=7)
    df.iloc[55, :2] = df.iloc[2, :2]  # found only when the whole table is read
    features, phenotypes = tmp_path / "f.tsv", tmp_path / "p.tsv"
    df.to_csv(features, sep="\t", index=False)
    pheno_table().to_csv(phenotypes, sep="\t", index=False)
    out = tmp_path / "out" / "r.tsv"
    with pytest.raises(InputError, match="appears twice"):
        run_associate(
            features=features, phenotypes=phenotypes, traits=["sPAP"], out=out, chunk_bytes=200, spill_bytes=0
        )
    assert not out.exists() and list(out.parent.iterdir()) == []


def test_an_existing_results_table_is_replaced_whole_or_not_at_all(tmp_path):
    features, phenotypes = tmp_path / "f.tsv", tmp_path / "p.tsv"
    feature_table().to_csv(features, sep="\t", index=False)
    pheno_table().to_csv(phenotypes, sep="\t", index=False)
    out = tmp_path / "r.tsv"
    out.write_text("old\n")
    with pytest.raises(InputError, match="trait column"):
        run_associate(features=features, phenotypes=phenotypes, traits=["nope"], out=out, chunk_bytes=200)
    assert out.read_text() == "old\n"
    run_associate(features=features, phenotypes=phenotypes, traits=["sPAP"], out=out, chunk_bytes=200)
    assert len(read_table(out)) == 60


def test_progress_counts_the_file_in_megabytes_to_the_end(tmp_path):
    class Record(Progress):
        def __init__(self):
            self.calls = []

        def start(self, label, total):
            self.calls.append(("start", label, total))

        def advance(self, steps=1):
            self.calls.append(("advance", steps))

    features, phenotypes = tmp_path / "f.tsv", tmp_path / "p.tsv"
    feature_table(rows=30000, samples=7, missing=0).to_csv(features, sep="\t", index=False)
    pheno_table().to_csv(phenotypes, sep="\t", index=False)
    progress = Record()
    run_associate(
        features=features,
        phenotypes=phenotypes,
        traits=["sPAP"],
        out=tmp_path / "r.parquet",
        chunk_bytes=1 << 18,
        progress=progress,
    )
    _, label, total = progress.calls[0]
    assert "MB read" in label and total == -(-features.stat().st_size // (1 << 20))
    assert sum(c[1] for c in progress.calls if c[0] == "advance") == total


def test_read_ahead_raises_the_readers_error_and_stops_when_left():
    def items():
        yield 1
        raise InputError("bad row")

    got = []
    with pytest.raises(InputError, match="bad row"):
        for x in _ReadAhead(items()):
            got.append(x)
    assert got == [1]

    produced = []

    def endless():
        for i in range(10**6):
            produced.append(i)
            yield i

    before = threading.active_count()
    for x in _ReadAhead(endless()):
        if x == 3:
            break
    time.sleep(0.3)
    # Taken 0..3, READ_AHEAD waiting, one more made and held at the full queue: nothing after it.
    assert len(produced) <= 4 + READ_AHEAD + 1 and threading.active_count() <= before


def test_the_feature_table_is_read_while_the_phenotypes_are_and_a_bad_phenotype_table_stops_it(tmp_path, monkeypatch):
    import vaultkit.tables as tables

    features = tmp_path / "f.tsv"
    feature_table(rows=400).to_csv(features, sep="\t", index=False)
    pheno = tmp_path / "p.tsv"
    pheno_table().to_csv(pheno, sep="\t", index=False)
    started = threading.Event()
    real_tables = tables.FeatureStream._tables

    def watched(self):
        started.set()
        yield from real_tables(self)

    def phenotypes(*args, **kw):
        assert started.wait(5), "the feature table was not being read while the phenotypes were"
        raise InputError("bad phenotypes")

    monkeypatch.setattr(tables.FeatureStream, "_tables", watched)
    monkeypatch.setattr(tables, "read_phenotypes", phenotypes)
    before = threading.active_count()
    with pytest.raises(InputError, match="bad phenotypes"):
        run_associate(features=features, phenotypes=pheno, traits=["sPAP"], out=tmp_path / "r.tsv", chunk_bytes=300)
    assert threading.active_count() == before  # the reader stopped with the error
    assert not (tmp_path / "r.tsv").exists()


@pytest.mark.parametrize(("workers", "ahead"), [(1, 3), (2, 0), (2, 5)])
def test_map_ahead_keeps_the_order_and_bounds_what_is_in_flight(workers, ahead):
    from vaultkit.ahead import map_ahead

    started, ran_on, lock = [], set(), threading.Lock()

    def double(x):
        with lock:
            started.append(x)
            ran_on.add(threading.get_ident())
        return 2 * x

    in_flight = max(workers, ahead)
    got = []
    for item, future in map_ahead(double, range(12), workers=workers, ahead=ahead):
        time.sleep(0.005)  # room for the threads to run as far ahead as they may
        with lock:
            assert len(started) <= item + in_flight  # the held item and those after it, no more
        got.append((item, future.result()))
    assert got == [(i, 2 * i) for i in range(12)]
    assert threading.get_ident() not in ran_on  # parsed beside the consumer, not in its thread


def test_map_ahead_with_one_item_in_flight_runs_in_the_consumers_thread():
    from vaultkit.ahead import map_ahead

    ran_on = set()
    out = [f.result() for _, f in map_ahead(lambda x: ran_on.add(threading.get_ident()) or x, range(3), workers=1)]
    assert out == [0, 1, 2] and ran_on == {threading.get_ident()}
