"""The user's tables read as they are (design.md section 5): the real formats, generated tables, every error.

``tests/fixtures/real_formats/`` copies the format of the user's own tables
with invented values: a semicolon CSV from a spreadsheet (quoted cells,
decimal commas, ``""`` for missing, a row without id) and the ATAC TSV their
R scripts read (``segment`` + ``gene_id``, columns ``id.7000.ATAC``).
"""

from __future__ import annotations

import gzip
import math
import struct
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit.cli import cli
from vaultkit.errors import InputError
from vaultkit.tables import (
    MissingIdWarning,
    SampleWarning,
    align,
    make_names,
    read_features,
    read_phenotypes,
    read_table,
)

REAL = Path(__file__).parent / "fixtures" / "real_formats"
ATAC = REAL / "atac_format_sample.tsv"
CLINICAL = REAL / "clinical_format_sample.csv"
TRAITS = ["sPAP.excl..ZVD", "mPAP", "HZV_Fick", "DLCO"]


def clinical(**kw):
    with pytest.warns(MissingIdWarning, match=r"skipped 1 row\(s\) without a sample id .*row\(s\) 9"):
        return read_phenotypes(
            CLINICAL,
            sample_column="rna.final.ids",
            traits=TRAITS,
            covariates=["age", "gender", "weight"],
            condition_column="condition",
            **kw,
        )


def bits(x: float) -> int:
    return struct.unpack("<q", struct.pack("<d", x))[0]


# ---------------------------------------------------------------- the real formats


def test_atac_table_as_the_r_scripts_read_it():
    f = read_features(ATAC)
    assert f.samples[:3] == ["id.7000", "id.7078", "id.7026"] and len(f.samples) == 11
    assert f.columns[0] == "id.7000.ATAC" and f.column_of("id.7999") == "id.7999.ATAC"
    assert f.regions["gene_id"].tolist() == [
        "ENSG00000128342",
        "ENSG00000136014",
        "MYC",
        "ENSG00000204217",
        "ENSG00000164509",
    ]
    row = f.regions.iloc[2]
    assert (row["chrom"], row["start"], row["end"]) == ("chr8", 127736231, 127736594)
    assert f.values.dtype == np.float64 and f.values.shape == (5, 11)
    assert f.values[0, 0] == 15.616292 and f.values[4, 10] == 38.617310 and f.values[3, 0] == 0.196233
    j = f.samples.index("id.7039")
    assert np.isnan(f.values[[0, 1, 4], j]).all() and f.values[2, j] == 32.599760
    assert np.isnan(f.values[1, f.samples.index("id.7104")])
    notes = "\n".join(f.notes)
    assert "delimiter: tab" in notes
    assert "segment column" in notes and "gene_id" in notes
    assert "'.ATAC' stripped" in notes
    assert "ENSG00000136014.12 -> ENSG00000136014" in notes and "MYC" in notes
    assert "missing: 4 cell(s)" in notes and "'NA'" in notes


def test_clinical_table_as_the_spreadsheet_exports_it():
    p = clinical()
    t = p.table
    assert list(t.index) == [
        "id-7000",
        "id-7013",
        "id-7026",
        "id-7039",
        "id-7052",
        "id-7065",
        "id-7078",
        "id-7104",
        "id-7117",
    ]  # the row without an id (row 9) is skipped
    assert 83 not in t["age"].tolist()
    assert t.loc["id-7000", "weight"] == 88.8 and t.loc["id-7078", "weight"] == 102.9  # "88,8", "102,9"
    assert t.loc["id-7013", "HZV_Fick"] == 6.56 and t.loc["id-7026", "DLCO"] == 86.6
    assert math.isnan(t.loc["id-7000", "sPAP.excl..ZVD"]) and t.loc["id-7013", "sPAP.excl..ZVD"] == 82  # ""
    assert math.isnan(t.loc["id-7013", "DLCO"]) and math.isnan(t.loc["id-7117", "DLCO"])
    assert t.loc["id-7117", "mPAP"] == 59 and t.loc["id-7052", "age"] == 66
    assert t.loc["id-7039", "condition"] == "cteph" and t.loc["id-7013", "gender"] == "F"
    notes = "\n".join(p.notes)
    assert "delimiter: semicolon" in notes
    assert "decimal comma in" in notes and "weight" in notes and "HZV_Fick" in notes
    assert "skipped 1 row(s) without a sample id: row(s) 9" in notes
    assert "id-7000 -> id.7000" in notes


def test_quoted_numbers_and_quoted_missing_cells():
    t = read_table(CLINICAL)
    assert t["TAPSE"].tolist()[:3] == [25, 18, 23]  # "25": quoted integers
    assert math.isnan(t["NYHA"].iloc[0]) and t["NYHA"].iloc[1] == 1  # "" and "1"
    assert t["rna.final.ids"].isna().sum() == 1


def test_samples_matched_in_make_names_form_and_the_rest_left_out():
    f, p = read_features(ATAC), clinical()
    with pytest.warns(
        SampleWarning,
        match=r"left out 2 sample\(s\) only in atac_format_sample.tsv "
        r"\['id.7999.ATAC', 'id.7091.ATAC'\] and 0 only in",
    ):
        aligned = align(f, p)
    values, table, samples = aligned
    assert samples == [
        "id.7000",
        "id.7078",
        "id.7026",
        "id.7065",
        "id.7039",
        "id.7013",
        "id.7052",
        "id.7104",
        "id.7117",
    ]
    assert list(table.index) == samples
    assert ("id.7000.ATAC", "id-7000") in aligned.matched
    assert table.loc["id.7000", "weight"] == 88.8  # id-7000 of the clinical table
    assert values[0, 0] == 15.616292 and values.shape == (5, 9)
    assert np.array_equal(values[:, samples.index("id.7013")], f.values[:, f.samples.index("id.7013")], equal_nan=True)
    assert aligned.only_features == ("id.7999.ATAC", "id.7091.ATAC") and aligned.only_phenotypes == ()
    notes = "\n".join(aligned.notes)
    assert "9 matched" in notes and "id.7000.ATAC = id-7000" in notes and "id.7999.ATAC" in notes


def test_associate_reads_the_real_formats(tmp_path):
    out = tmp_path / "r.tsv"
    result = CliRunner().invoke(
        cli,
        [
            "associate",
            "--features",
            str(ATAC),
            "--phenotypes",
            str(CLINICAL),
            "--sample-column",
            "rna.final.ids",
            "--traits",
            "mPAP,sPAP.excl..ZVD",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "skipped 1 row(s) without a sample id" in result.stderr
    assert "left out 2 sample(s)" in result.stderr and "id.7999.ATAC" in result.stderr
    res = read_table(out)
    assert len(res) == 10
    assert res["gene_id"].tolist()[:3] == ["ENSG00000128342", "ENSG00000136014", "ENSG00000136997"]  # MYC, by HGNC
    assert res[res["trait"] == "mPAP"]["n"].tolist() == [8, 7, 9, 9, 8]


def test_sample_suffix_given_and_checked(tmp_path):
    assert read_features(ATAC, sample_suffix=".ATAC").samples[0] == "id.7000"
    path = tmp_path / "f.tsv"
    path.write_text("segment\tgene_id\tid.1.ATAC\tid.2.RNA\tid.3.ATAC\nchr1.1.40\tLIF\t1\t2\t3\n")
    with pytest.raises(
        InputError,
        match=r"f.tsv: sample column\(s\) \['id.2.RNA'\] do not end with the sample "
        r"suffix '.ATAC'",
    ):
        read_features(path, sample_suffix=".ATAC")
    f = read_features(path)  # no suffix shared by all: the names stay as written
    assert f.samples == ["id.1.ATAC", "id.2.RNA", "id.3.ATAC"]
    assert not any("suffix" in n for n in f.notes)


def test_segment_beside_gene_id_in_any_column_order(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(
        "S1,gene_id,S2,segment\n1.5,ENSG00000128342.4,2.5,chr22.30247659.30247698\n3,MYC,4,chr8:127736231-127736594\n"
    )
    f = read_features(path)
    assert f.samples == ["S1", "S2"]
    assert f.regions.to_dict("list") == {
        "gene_id": ["ENSG00000128342", "MYC"],
        "chrom": ["chr22", "chr8"],
        "start": [30247659, 127736231],
        "end": [30247698, 127736594],
    }
    assert f.values.tolist() == [[1.5, 2.5], [3.0, 4.0]]


def test_other_layouts_still_read(tmp_path):
    path = tmp_path / "f.tsv"
    path.write_text("region\tS1\tS2\nENSG00000128342.4_chr22.30247659.30247698\t1\t2\nchr1:1,000-2,000\t3\t4\n")
    f = read_features(path)
    assert f.regions["gene_id"].tolist() == ["ENSG00000128342", ""]
    assert f.regions["start"].tolist() == [30247659, 1000]
    path.write_text("chrom\tS1\tend\tgene_id\tstart\nchr1\t0.5\t40\tLIF\t1\n")
    f = read_features(path)
    assert f.samples == ["S1"] and f.regions.iloc[0].tolist() == ["LIF", "chr1", 1, 40]


def test_r_row_names_and_gz_and_bom(tmp_path):
    path = tmp_path / "f.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:  # R's write.table: no name above the row names
        fh.write('\ufeff"S1"\t"S2"\n"LIF_chr22.30247659.30247698"\t"1,5"\t2\n')
    f = read_features(path)
    assert f.samples == ["S1", "S2"] and f.values.tolist() == [[1.5, 2.0]]
    assert any("row names" in n for n in f.notes)


def test_spreadsheet_encodings(tmp_path):
    cp = tmp_path / "p.csv"
    cp.write_bytes("sample;sPAP;Bemerkung\nid-1;58,4;Grün\nid-2;NULL;x\n".encode("cp1252"))
    t = read_phenotypes(cp, sample_column="sample", traits=["sPAP"], covariates=["Bemerkung"]).table
    assert t["sPAP"].iloc[0] == 58.4 and t["Bemerkung"].iloc[0] == "Grün"
    u16 = tmp_path / "p.txt"
    u16.write_text("sample\tsPAP\nid-1\t58,4\nid-2\t\n", encoding="utf-16")  # Excel's "Unicode text"
    assert read_table(u16)["sPAP"].iloc[0] == 58.4


def test_decimal_comma_only_for_whole_columns_and_not_in_comma_files(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text('sample;a;b;c\nS1;"1,5";1.5;x,y\nS2;2;2.5;z\n')
    t = read_table(path)
    assert t["a"].tolist() == [1.5, 2.0] and t["b"].tolist() == [1.5, 2.5] and t["c"].tolist() == ["x,y", "z"]
    path.write_text('sample,a\nS1,"1,5"\nS2,2\n')  # a comma-separated file keeps "1,5" as text
    assert read_table(path)["a"].tolist() == ["1,5", "2"]


# ---------------------------------------------------------------- make.names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("id-6620", "id.6620"),
        ("id.6620", "id.6620"),
        ("a and b", "a.and.b"),
        ("6620", "X6620"),
        ("", "X"),
        ("1x", "X1x"),
        (".1x", "X.1x"),
        (".x", ".x"),
        ("_x", "X_x"),
        ("x_y.z", "x_y.z"),
        ("NA", "NA."),
        ("TRUE", "TRUE."),
        ("if", "if."),
        ("in", "in."),
        ("..1", "..1."),
        ("...", "...."),
        ("Inf", "Inf."),
        ("ça-va", "ça.va"),
        ("-x", "X.x"),
        ("x$y", "x.y"),
    ],
)
def test_make_names_as_r(name, expected):
    assert make_names(name) == expected


# ---------------------------------------------------------------- numbers: correctly rounded, any spelling

HARD = [
    "0.1",
    "2.2250738585072011e-308",
    "2.2250738585072012e-308",
    "4.9406564584124654e-324",
    "2.4703282292062327e-324",
    "2.4703282292062328e-324",
    "1.7976931348623157e308",
    "1.00000000000000011102230246251565404236316680908203125",
    "1.00000000000000011102230246251565404236316680908203126",
    "9007199254740993",
    "7.038531e-26",
    "8.41e21",
    "1e23",
    "8.988465674311579e307",
    "-0",
    "123456789012345678901234567890",
    ".5",
    "5.",
]


@pytest.mark.parametrize("sep", ["\t", ";", ","])
def test_hard_numbers_are_correctly_rounded(tmp_path, sep):
    """Plain, quoted, and (unless the delimiter is a comma) with a decimal comma, plain and quoted."""
    spellings = [lambda h: h, lambda h: f'"{h}"']
    if sep != ",":
        spellings += [lambda h: h.replace(".", ","), lambda h: f'"{h.replace(".", ",")}"']
    path = tmp_path / "f.txt"
    path.write_text(
        sep.join(["segment", "gene_id", *[f"S{j}" for j in range(len(spellings))]])
        + "\n"
        + "".join(
            sep.join([f"chr1.{i + 1}.{i + 2}", "LIF", *[s(h) for s in spellings]]) + "\n" for i, h in enumerate(HARD)
        )
    )
    f = read_features(path)
    for i, h in enumerate(HARD):
        assert {bits(v) for v in f.values[i]} == {bits(float(h))}, h


MISSING_CELLS = ["", "NA", "NaN", "NULL", '""', '"NA"', '"NaN"', '"NULL"']


@st.composite
def written_tables(draw):
    sep = draw(st.sampled_from(["\t", ";", ","]))
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 4))
    number = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(10**20), 10**20))
    cols, texts = [], []
    for _ in range(n_cols):
        comma = sep != "," and draw(st.booleans())
        values, cells = [], []
        for _ in range(n_rows):
            x = draw(st.one_of(st.none(), number))
            if x is None:
                values.append(math.nan)
                cells.append(draw(st.sampled_from(MISSING_CELLS)))
                continue
            text = (
                str(x)
                if isinstance(x, int)
                else draw(st.sampled_from(["{!r}", "{:.17g}", "{:.3e}", "{:.25f}"])).format(x)
            )
            if math.isinf(float(text)):  # 1.798e+308: rounded up beyond float64
                text = repr(x)
            if comma:
                text = text.replace(".", ",")
            values.append(float(text.replace(",", ".")))  # Python's float() is correctly rounded
            cells.append(f'"{text}"' if draw(st.booleans()) else text)
        cols.append(values)
        texts.append(cells)
    quote_header = draw(st.booleans())
    return sep, n_rows, np.array(cols, dtype=np.float64).T.reshape(n_rows, n_cols), texts, quote_header


def _write(path: Path, sep: str, header: list[str], rows: list[list[str]], quote_header: bool) -> None:
    head = [f'"{h}"' for h in header] if quote_header else header
    path.write_text(sep.join(head) + "\n" + "".join(sep.join(r) + "\n" for r in rows), encoding="utf-8")


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit, NaN for NaN; the sign of a zero aside (``-0`` in a column of integers reads as 0, as in R)."""
    a, b = a + 0.0, b + 0.0
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    return bool((nan_a == nan_b).all() and (a[~nan_a].view(np.int64) == b[~nan_b].view(np.int64)).all())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=written_tables(), suffix=st.sampled_from(["", ".ATAC"]))
def test_generated_feature_tables_read_back_the_same_float64(tmp_path, table, suffix):
    sep, n_rows, expected, texts, quote_header = table
    header = ["gene_id", *[f"id-{j}{suffix}" for j in range(len(texts))], "segment"]
    rows = [[f"ENSG{i:011d}.1", *[col[i] for col in texts], f"chr1.{i + 1}.{i + 40}"] for i in range(n_rows)]
    path = tmp_path / "features.csv"
    _write(path, sep, header, rows, quote_header)
    f = read_features(path)
    assert _same_bits(f.values, expected)
    assert f.regions["start"].tolist() == list(range(1, n_rows + 1))
    strip = suffix if len(texts) > 1 else ""
    assert f.samples == [f"id-{j}{suffix}".removesuffix(strip) for j in range(len(texts))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=written_tables())
def test_generated_phenotype_tables_read_back_the_same_float64(tmp_path, table):
    sep, n_rows, expected, texts, quote_header = table
    traits = [f"trait.{j}" for j in range(len(texts))]
    rows = [[f'"id-{i}"', *[col[i] for col in texts]] for i in range(n_rows)]
    path = tmp_path / "pheno.txt"
    _write(path, sep, ["rna.final.ids", *traits], rows, quote_header)
    p = read_phenotypes(path, sample_column="rna.final.ids", traits=traits)
    assert _same_bits(p.table[traits].to_numpy(dtype=np.float64), expected)
    assert list(p.table.index) == [f"id-{i}" for i in range(n_rows)]


# ---------------------------------------------------------------- errors: file, column, row, what was expected


def _features(tmp_path, body: str, name="f.tsv") -> Path:
    path = tmp_path / name
    path.write_text("segment\tgene_id\tS1.ATAC\tS2.ATAC\n" + body)
    return path


def _pheno(tmp_path, body: str, name="p.csv") -> Path:
    path = tmp_path / name
    path.write_text('"id";"sPAP";"age";"sex"\n' + body)
    return path


def _error(func, *args, **kw) -> str:
    with pytest.raises(InputError) as info:
        func(*args, **kw)
    return str(info.value)


def read_p(path, **kw):
    return read_phenotypes(path, sample_column="id", traits=["sPAP"], covariates=["age", "sex"], **kw)


def test_non_numeric_values(tmp_path):
    path = _features(tmp_path, "chr1.1.40\tLIF\t1\t2\nchr1.50.90\tLIF\t3\thigh\n")
    msg = _error(read_features, path)
    assert "f.tsv" in msg and "column 'S2.ATAC', row 3" in msg and "'high' is not a number" in msg
    assert "region LIF_chr1.50.90" in msg and "expected numeric" in msg
    msg = _error(read_p, _pheno(tmp_path, 'id-1;"58,4";30;F\nid-2;"?";40;M\n'))
    assert "p.csv" in msg and "column 'sPAP', row 3" in msg and "\"'?'\"" not in msg and "'?' is not a number" in msg


def test_mixed_decimal_marks_are_named(tmp_path):
    msg = _error(read_p, _pheno(tmp_path, 'id-1;"58,4";30;F\nid-2;58.5;40;M\n'))
    assert "column 'sPAP', row 2" in msg and "'58,4'" in msg and "mixes decimal commas and decimal points" in msg


@pytest.mark.parametrize("cell", ["inf", "-Inf", "1e999", '"Infinity"', "-1,5e999"])
def test_infinite_values_in_features(tmp_path, cell):
    path = _features(tmp_path, f"chr1.1.40\tLIF\t1\t2\nchr1.50.90\tMYC\t{cell}\t4\n")
    msg = _error(read_features, path)
    assert "f.tsv" in msg and "column 'S1.ATAC', row 3" in msg and "infinite" in msg and "expected finite" in msg


@pytest.mark.parametrize(
    ("body", "column", "row"),
    [
        ("id-1;inf;30;F\nid-2;2;40;M\n", "sPAP", 2),
        ('id-1;"1,5";30;F\nid-2;"-Inf";40;M\n', "sPAP", 3),
        ("id-1;1;30;F\nid-2;2;1e999;M\n", "age", 3),
    ],
)
def test_infinite_values_in_traits_and_covariates(tmp_path, body, column, row):
    msg = _error(read_p, _pheno(tmp_path, body))
    assert "p.csv" in msg and f"column {column!r}, row {row}" in msg and "infinite" in msg


def test_duplicated_ids(tmp_path):
    msg = _error(read_features, _features(tmp_path, "chr1.1.40\tLIF\t1\t2\nchr1.5.9\tX\t1\t2\nchr1.1.40\tLIF\t3\t4\n"))
    assert "f.tsv" in msg and "column 'segment', row 4" in msg and "appears twice (rows 2 and 4)" in msg
    msg = _error(read_p, _pheno(tmp_path, "id-1;1;30;F\nid-2;2;40;M\nid-1;3;50;F\n"))
    assert "p.csv" in msg and "column 'id', row 4" in msg and "'id-1' appears twice (rows 2 and 4)" in msg
    path = tmp_path / "f2.tsv"
    path.write_text("segment\tgene_id\tS1\tS2\tS1\nchr1.1.40\tLIF\t1\t2\t3\n")
    msg = _error(read_features, path)
    assert "f2.tsv" in msg and "duplicated sample column(s) ['S1'] (columns 3, 5)" in msg


def test_ids_equal_after_make_names(tmp_path):
    msg = _error(read_p, _pheno(tmp_path, "id-1;1;30;F\nid.2;2;40;M\nid.1;3;50;F\n"))
    assert "p.csv: column 'id', rows 2 and 4: 'id-1' and 'id.1' are the same sample id" in msg
    assert "make.names ('id.1')" in msg
    path = tmp_path / "f.tsv"
    path.write_text("segment\tgene_id\tid-7.ATAC\tid.7.ATAC\nchr1.1.40\tLIF\t1\t2\n")
    msg = _error(read_features, path)
    assert "f.tsv: sample columns 'id-7.ATAC' and 'id.7.ATAC': 'id-7' and 'id.7' are the same" in msg


def test_rows_without_id_are_skipped_with_a_warning(tmp_path):
    path = _pheno(tmp_path, 'id-1;1;30;F\n"";2;40;M\nNA;3;50;F\n  ;4;60;M\nid-2;5;70;M\n')
    with pytest.warns(
        MissingIdWarning,
        match=r"p.csv: skipped 3 row\(s\) without a sample id in column 'id': "
        r"row\(s\) 3, 4, 5",
    ):
        p = read_p(path)
    assert list(p.table.index) == ["id-1", "id-2"] and p.table["sPAP"].tolist() == [1, 5]


def test_empty_tables(tmp_path):
    assert "f.tsv: the feature table is empty" in _error(read_features, _features(tmp_path, ""))
    assert "p.csv: the phenotype table is empty" in _error(read_p, _pheno(tmp_path, ""))
    blank = tmp_path / "blank.csv"
    blank.write_text("")
    assert "blank.csv: the file is empty" in _error(read_p, blank)


def test_trait_or_covariate_not_a_column(tmp_path):
    path = _pheno(tmp_path, "id-1;1;30;F\n")
    msg = _error(read_phenotypes, path, sample_column="id", traits=["mPAP"])
    assert "p.csv: trait column(s) ['mPAP'] not found" in msg and "'sPAP'" in msg
    msg = _error(read_phenotypes, path, sample_column="id", traits=["sPAP"], covariates=["bmi"])
    assert "covariate column(s) ['bmi'] not found" in msg
    assert "no sample id column 'sample'" in _error(read_phenotypes, path, sample_column="sample", traits=["sPAP"])


def test_bad_segment_and_ragged_rows(tmp_path):
    msg = _error(read_features, _features(tmp_path, "chr1.1.40\tLIF\t1\t2\nchr1-50-90\tLIF\t3\t4\n"))
    assert "f.tsv: column 'segment', row 3: 'chr1-50-90' is not a region id; expected chrom.start.end" in msg
    msg = _error(read_features, _features(tmp_path, "chr1.1.40\tLIF\t1\t2\nchr1.50.90\tLIF\t3\t4\t5\n"))
    assert "f.tsv" in msg and "row 3 has 5 cell(s), the header 4" in msg


def test_no_sample_in_common_names_the_make_names_form(tmp_path):
    f = read_features(_features(tmp_path, "chr1.1.40\tLIF\t1\t2\n"))
    p = read_p(_pheno(tmp_path, "id-1;1;30;F\n"))
    msg = _error(align, f, p)
    assert "no sample in common" in msg and "'S1.ATAC'" in msg and "'id.1'" in msg


def test_excel_workbook_is_refused_with_advice(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 64)
    assert "Excel workbook" in _error(read_table, path)


def test_identity_columns_need_whole_positions(tmp_path):
    path = tmp_path / "f.tsv"
    path.write_text("gene_id\tchrom\tstart\tend\tS1\nLIF\tchr1\t1\t40\t0.5\nMYC\tchr2\t1.5\t40\t0.5\n")
    msg = _error(read_features, path)
    assert "f.tsv: column 'start', row 3: 1.5: expected a whole-number position" in msg
    path.write_text("gene_id\tchrom\tstart\tend\tS1\nLIF\tchr1\t1\t40\t0.5\nLIF\tchr1\t1\t40\t0.7\n")
    msg = _error(read_features, path)
    assert "columns gene_id, chrom, start, end, row 3: region LIF_chr1.1.40 appears twice (rows 2 and 3)" in msg


def test_the_cell_named_is_the_one_arrow_could_not_read(tmp_path):
    path = _features(tmp_path, "chr1.1.40\tLIF\t1\t2\nchr1.50.90\tLIF\t1_000\t4\n")  # float() would take 1_000
    assert "column 'S1.ATAC', row 3 (region LIF_chr1.50.90): '1_000' is not a number" in _error(read_features, path)
