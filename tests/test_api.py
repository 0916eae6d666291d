"""The public library (design.md section 11): every call gives what its command gives.

Reports equal the commands' ``--json`` documents, ``vaultkit.associate`` on
DataFrames equals ``vaultkit associate`` on the same tables, ``__all__`` is
what the README documents, and the docstrings' examples run.
"""

from __future__ import annotations

import doctest
import json
import re
import shutil
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import vaultkit
import vaultkit.api
from vaultkit.cli import cli
from vaultkit.tables import SampleWarning

ROOT = Path(__file__).resolve().parents[1]

# Two genes whose regions follow sPAP (LIF up, MYC down), deterministic: no random numbers.
LIF, MYC = "ENSG00000128342_chr22.30247659.30247698", "ENSG00000136997_chr8.127737154.127737343"
SAMPLES = [f"S{i:02d}" for i in range(12)]


def cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(features, phenotypes) as DataFrames, the layouts the command reads from files."""
    spap = [30.0 + 3 * i + (i % 3) * 1.5 for i in range(12)]
    pheno = pd.DataFrame(
        {
            "sample": SAMPLES,
            "sPAP": spap,
            "mPAP": [round(0.6 * s + (i % 4), 1) for i, s in enumerate(spap)],
            "age": [40 + (i * 7) % 23 for i in range(12)],
            "sex": ["f", "m", "m", "f", "m", "f", "f", "m", "f", "m", "m", "f"],
        }
    )
    rows = {
        LIF: [round(2 + 0.1 * s + 0.3 * ((i * 5) % 3), 3) for i, s in enumerate(spap)],
        MYC: [round(9 - 0.08 * s + 0.2 * ((i * 7) % 4), 3) for i, s in enumerate(spap)],
        "ENSG00000136014_chr12.95551956.95552145": [round(5 + ((i * 3) % 5) * 0.4, 3) for i in range(12)],
    }
    features = pd.DataFrame([[region, *values] for region, values in rows.items()], columns=["region", *SAMPLES])
    return features, pheno


def gene_vault(root: Path) -> Path:
    """A vault with data/ and vaultkit.toml (sources off), two notes that link, an orphaned image."""
    features, pheno = cohort()
    (root / "data").mkdir(parents=True)
    (root / ".obsidian").mkdir()
    features.iloc[:2].to_csv(root / "data" / "features.tsv", sep="\t", index=False)
    pheno.to_csv(root / "data" / "phenotypes.tsv", sep="\t", index=False)
    (root / "vaultkit.toml").write_text(
        'notes_dir = "Genes"\nattachments_dir = "plots"\n[data]\ntraits = ["sPAP", "mPAP"]\n[sources]\nenabled = []\n'
    )
    (root / "Genes").mkdir()
    (root / "Genes" / "LIF.md").write_text("# LIF\n\nInduced by [[MYC]].\n")
    (root / "Genes" / "MYC.md").write_text("# MYC\n\n## Function\n\nAn oncogene.\n")
    (root / "plots").mkdir()
    (root / "plots" / "old.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return root


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------- the docstrings' examples


def _examples() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder()
    return [t for module in (vaultkit, vaultkit.api) for t in finder.find(module) if t.examples]


@pytest.mark.parametrize("test", _examples(), ids=lambda t: t.name)
def test_docstring_examples_run(test, tmp_path, monkeypatch):
    gene_vault(tmp_path / "my-vault")
    (tmp_path / "notes").mkdir()  # a folder in no vault
    monkeypatch.chdir(tmp_path)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    runner.run(test, out=out.append)
    assert runner.tries and runner.failures == 0, "".join(out)


def test_every_public_call_has_an_example():
    names = {t.name for t in _examples()}
    for call in ("Vault", "Vault.check_links", "Vault.resolve", "Vault.rename", "Vault.refresh", "associate"):
        assert f"vaultkit.api.{call}" in names, call


# ---------------------------------------------------------------- Vault: the commands' documents


@pytest.fixture
def messy(vault):
    """A vault with a finding of every kind `links check` reports."""
    return vault(
        {
            "Genes/LIF.md": "---\naliases: [leukemia inhibitory factor]\n---\n# LIF\n## Plots\n",
            "Genes/a.md": "[[LIF#Plots]] [[LIF#Nowhere]] [[leukemia inhibitory factor]] [[dup]] ![[gone.png]] [[../../x]]\n",
            "A/dup.md": "",
            "B/dup.md": "",
            "Genes/bad.md": "---\nkey: [unclosed\n---\ntext\n",
            "plots/orphan.png": b"\x89PNG",
        }
    )


def test_check_links_report_is_the_json_document(messy):
    code, stdout, _ = invoke("links", "check", str(messy), "--json")
    document = json.loads(stdout)
    report = vaultkit.Vault(messy).check_links()
    assert report.to_json() == document
    assert list(report.to_json()) == list(document)  # the same keys in the same order
    for key, value in document.items():
        assert getattr(report, key) == value, key
    assert report.broken and report.ambiguous and report.missing_anchors and report.orphans and report.unreadable
    assert any("suggestion" in b for b in report.broken) and any("reason" in b for b in report.broken)
    assert (code, report.ok) == (1, False)


def test_the_report_is_frozen_and_its_document_a_copy(messy):
    report = vaultkit.Vault(messy).check_links()
    with pytest.raises(AttributeError):
        report.notes = 0  # type: ignore[misc]
    document = report.to_json()
    document["orphans"].append("x")
    document["broken"][0]["line"] = -1
    assert "x" not in report.orphans and report.broken[0]["line"] != -1


def test_resolve_answers_as_the_command(messy):
    vault = vaultkit.Vault(messy / "Genes")
    for link in ("LIF", "[[LIF#Plots|plots]]", "leukemia inhibitory factor", "dup", "nothing", "![[plots/orphan.png]]"):
        code, stdout, _ = invoke("links", "resolve", str(messy), "Genes/a.md", link)
        assert vault.resolve("Genes/a.md", link) == (stdout.strip() if code == 0 else None), link
    assert vault.resolve("Genes/a.md", "LIF") == "Genes/LIF.md"


def test_rename_dry_run_is_the_commands_diff_and_writes_nothing(tmp_path):
    root = gene_vault(tmp_path / "v")
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    code, stdout, stderr = invoke("links", "rename", "--dry-run", str(root), "Genes/MYC.md", "Genes/Oncogene.md")
    assert code == 0, stderr
    report = vaultkit.Vault(root).rename("Genes/MYC.md", "Genes/Oncogene.md", dry_run=True)
    assert report.diff == stdout and "+Induced by [[Oncogene]]." in report.diff
    assert (report.moves, report.rewritten, report.notes) == (
        {"Genes/MYC.md": "Genes/Oncogene.md"},
        1,
        ["Genes/LIF.md"],
    )
    assert report.dry_run and "diff" not in report.to_json()
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before


def test_rename_moves_and_rewrites_as_the_command(tmp_path):
    ours, theirs = gene_vault(tmp_path / "ours"), gene_vault(tmp_path / "theirs")
    code, _, stderr = invoke("links", "rename", str(theirs), "Genes/MYC.md", "Genes/Oncogene.md")
    assert code == 0, stderr
    report = vaultkit.Vault(ours).rename("Genes/MYC.md", "Genes/Oncogene.md")
    assert (report.rewritten, report.diff, report.dry_run) == (1, "", False)
    assert f"rewrote {report.rewritten} links in {len(report.notes)} notes; 1 files moved" in stderr
    for rel in ("Genes/LIF.md", "Genes/Oncogene.md"):
        assert (ours / rel).read_bytes() == (theirs / rel).read_bytes()
    assert not (ours / "Genes" / "MYC.md").exists()


def test_a_rename_that_cannot_be_done_raises_and_writes_nothing(tmp_path):
    root = gene_vault(tmp_path / "v")
    with pytest.raises(vaultkit.VaultError, match="already exists"):
        vaultkit.Vault(root).rename("Genes/MYC.md", "Genes/LIF.md")
    with pytest.raises(vaultkit.VaultError, match="no such file"):
        vaultkit.Vault(root).rename("Genes/BMPR2.md", "Genes/X.md")
    assert (root / "Genes" / "MYC.md").is_file()


def test_refresh_report_is_the_json_document(tmp_path):
    ours, theirs = gene_vault(tmp_path / "ours"), gene_vault(tmp_path / "theirs")
    code, stdout, stderr = invoke("refresh", str(theirs), "--offline", "--json")
    assert code == 0, stderr
    document = json.loads(stdout)
    report = vaultkit.Vault(ours).refresh(offline=True)
    assert report.to_json() == document and list(report.to_json()) == list(document)
    for key, value in document.items():
        assert getattr(report, key) == value, key
    assert report.ok and not report.skipped and report.plots["drawn"] and report.diff == ""
    assert sorted(report.notes["updated"]) == ["Genes/LIF.md", "Genes/MYC.md"]
    assert (ours / "Genes" / "LIF.md").read_bytes() == (theirs / "Genes" / "LIF.md").read_bytes()
    again = vaultkit.Vault(ours).refresh(offline=True)
    code, stdout, _ = invoke("refresh", str(theirs), "--offline", "--json")
    assert again.skipped and again.to_json() == json.loads(stdout)


def test_refresh_dry_run_diff_is_what_the_command_prints(tmp_path):
    ours, theirs = gene_vault(tmp_path / "ours"), gene_vault(tmp_path / "theirs")
    code, stdout, stderr = invoke("refresh", str(theirs), "--offline", "--dry-run")
    assert code == 0, stderr
    report = vaultkit.Vault(ours).refresh(offline=True, dry_run=True)
    assert report.diff == stdout and "+++ b/Genes/LIF.md" in report.diff
    assert (ours / "Genes" / "LIF.md").read_text() == "# LIF\n\nInduced by [[MYC]].\n"


def test_refresh_errors_are_raised_not_printed(tmp_path):
    root = gene_vault(tmp_path / "v")
    (root / "data" / "features.tsv").unlink()
    with pytest.raises(vaultkit.InputError, match=r"features\.tsv: no such file"):
        vaultkit.Vault(root).refresh(offline=True)
    (root / "vaultkit.toml").write_text("notes_dir = [\n")
    with pytest.raises(vaultkit.ConfigError, match="broken TOML"):
        vaultkit.Vault(root).refresh(offline=True)


# ---------------------------------------------------------------- Vault: finding the vault


def test_the_vault_is_found_from_a_folder_inside_it(tmp_path):
    root = gene_vault(tmp_path / "v")
    assert vaultkit.Vault(root / "Genes").root == root
    assert vaultkit.Vault(str(root)).root == root
    assert repr(vaultkit.Vault(root)) == f"Vault({str(root)!r})"


def test_a_folder_in_no_vault_is_a_vault_error(tmp_path):
    (tmp_path / "notes").mkdir()
    with pytest.raises(vaultkit.VaultError, match=r"not inside a vault.*vaultkit init"):
        vaultkit.Vault(tmp_path / "notes")
    with pytest.raises(vaultkit.VaultError, match="not a folder"):
        vaultkit.Vault(tmp_path / "missing")
    assert issubclass(vaultkit.VaultError, vaultkit.VaultkitError)


# ---------------------------------------------------------------- associate: the command's numbers


def command_results(tmp_path: Path, features: pd.DataFrame, pheno: pd.DataFrame, *options: str) -> pd.DataFrame:
    """``vaultkit associate`` on the tables as TSV files (repr'd floats: the same numbers after reading)."""
    features.to_csv(tmp_path / "features.tsv", sep="\t", index=False)
    pheno.to_csv(tmp_path / "phenotypes.tsv", sep="\t", index=False)
    out = tmp_path / "results.parquet"
    code, _, stderr = invoke(
        "associate",
        "--features",
        str(tmp_path / "features.tsv"),
        "--phenotypes",
        str(tmp_path / "phenotypes.tsv"),
        "--out",
        str(out),
        *options,
    )
    assert code == 0, stderr
    return pd.read_parquet(out)


@pytest.mark.parametrize(
    ("options", "kwargs"),
    [
        (["--traits", "sPAP,mPAP"], {"traits": ["sPAP", "mPAP"]}),
        (
            ["--traits", "sPAP", "--method", "pearson", "--covariates", "age,sex", "--categorical", "sex"],
            {"traits": ["sPAP"], "method": "pearson", "covariates": ["age", "sex"], "categorical": ["sex"]},
        ),
        (
            ["--traits", "mPAP,sPAP", "--q-method", "storey", "--storey-lambda", "0.3", "--covariates", "age"],
            {"traits": ["mPAP", "sPAP"], "q_method": "storey", "storey_lambda": 0.3, "covariates": "age"},
        ),
    ],
)
def test_associate_gives_the_commands_results(tmp_path, options, kwargs):
    features, pheno = cohort()
    expected = command_results(tmp_path, features, pheno, *options)
    results = vaultkit.associate(features, pheno, **kwargs)
    pd.testing.assert_frame_equal(results, expected, check_exact=True)
    assert list(results.columns) == ["gene_id", "chrom", "start", "end", "trait", "n", "r", "p", "q", "method"]


def test_associate_reads_ids_from_the_index_and_matches_samples_as_r_does(tmp_path):
    features, pheno = cohort()
    expected = command_results(tmp_path, features, pheno, "--traits", "sPAP")
    # Region ids as the index; sample ids as the index, written as R's make.names leaves them; sex a Categorical.
    by_index = features.set_index("region")
    pheno_r = pheno.assign(sample=[s.replace("S", "S-") for s in SAMPLES], sex=pheno["sex"].astype("category"))
    by_index.columns = [s.replace("S", "S.") for s in SAMPLES]
    results = vaultkit.associate(by_index, pheno_r.set_index("sample"), traits=["sPAP"])
    pd.testing.assert_frame_equal(results, expected, check_exact=True)
    assert_paths_and_more = vaultkit.associate(
        tmp_path / "features.tsv", str(tmp_path / "phenotypes.tsv"), traits="sPAP"
    )
    pd.testing.assert_frame_equal(assert_paths_and_more, expected, check_exact=True)


def test_a_row_number_index_is_no_column(tmp_path):
    """A filtered frame keeps its row numbers as the index: they are no region ids and no sample."""
    features, pheno = cohort()
    ids = features.pop("region").str.extract(r"^(?P<gene_id>\w+?)_(?P<chrom>\w+?)\.(?P<start>\d+)\.(?P<end>\d+)$")
    identity = pd.concat([ids.astype({"start": "int64", "end": "int64"}), features], axis=1)
    expected = command_results(tmp_path, identity.iloc[1:], pheno, "--traits", "sPAP")
    filtered = identity.iloc[1:]
    assert list(filtered.index) == [1, 2]
    pd.testing.assert_frame_equal(
        vaultkit.associate(filtered, pheno.iloc[::-1], traits=["sPAP"]), expected, check_exact=True
    )
    named = filtered.set_axis([f"row{i}" for i in range(2)])  # text, but the columns name the regions already
    pd.testing.assert_frame_equal(vaultkit.associate(named, pheno, traits=["sPAP"]), expected, check_exact=True)


def test_associate_refuses_what_the_command_refuses_naming_the_dataframe(tmp_path):
    features, pheno = cohort()
    with pytest.raises(vaultkit.InputError, match=r"^the phenotypes DataFrame: trait column 'sPAP' has the single"):
        vaultkit.associate(features, pheno.assign(sPAP=1.0), traits=["sPAP"])
    with pytest.raises(vaultkit.InputError, match=r"^the phenotypes DataFrame: no sample id column 'id'"):
        vaultkit.associate(features, pheno, traits=["sPAP"], sample_column="id")
    with pytest.raises(
        vaultkit.InputError, match=r"^the features DataFrame: column 'S03', row 4 .*'high' is not a num"
    ):
        vaultkit.associate(features.assign(S03=["1", "2", "high"]), pheno, traits=["sPAP"])
    with pytest.raises(vaultkit.InputError, match="not among the covariates"):
        vaultkit.associate(features, pheno, traits=["sPAP"], categorical=["sex"])
    with pytest.raises(vaultkit.InputError, match="method must be"):
        vaultkit.associate(features, pheno, traits=["sPAP"], method="kendall")  # type: ignore[arg-type]
    with pytest.raises(vaultkit.InputError) as caught:
        vaultkit.associate(features, pheno.assign(sample=[f"X{i}" for i in range(12)]), traits=["sPAP"])
    assert "no sample in common between the features DataFrame" in str(caught.value)
    assert ".parquet" not in str(caught.value) and "vaultkit-associate" not in str(caught.value)


def test_samples_in_one_table_only_are_left_out_with_a_warning_naming_the_dataframe():
    features, pheno = cohort()
    with pytest.warns(SampleWarning, match="only in the features DataFrame") as caught:
        results = vaultkit.associate(features.drop(columns=["S00"]), pheno.iloc[:-1], traits=["sPAP"])
    assert set(results["n"]) == {10}
    assert all("parquet" not in str(w.message) for w in caught)


def test_associate_leaves_no_temporary_file(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    features, pheno = cohort()
    vaultkit.associate(features, pheno, traits=["sPAP"])
    with pytest.raises(vaultkit.InputError):
        vaultkit.associate(features, pheno.assign(sPAP=1.0), traits=["sPAP"])
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- what is public


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def test_all_is_exactly_what_the_readme_documents():
    section = readme_section("Python API")
    listed = section[section.index("Public names") :]
    listed = listed[: listed.index("\n\n", listed.index("\n- "))]
    names = {m.group(1) for m in re.finditer(r"`([A-Za-z_]\w*)[(`]", listed)}
    assert names == set(vaultkit.__all__)
    assert len(vaultkit.__all__) == len(set(vaultkit.__all__))


def test_every_public_name_is_there_and_nothing_else_leaks():
    for name in vaultkit.__all__:
        assert getattr(vaultkit, name) is not None
        assert name in dir(vaultkit)
    with pytest.raises(AttributeError):
        vaultkit.no_such_name  # noqa: B018


def test_the_readme_example_runs(tmp_path, monkeypatch):
    gene_vault(tmp_path / "my-vault")
    monkeypatch.chdir(tmp_path)
    code = readme_section("Python API").split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})


def test_import_and_the_command_line_start_without_heavy_modules():
    code = (
        "import sys, vaultkit, vaultkit.cli; vaultkit.Vault; vaultkit.LinkReport; vaultkit.InputError; "
        "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow', 'matplotlib', 'scipy', 'requests', 'markdown_it') "
        "if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert found.stdout.strip() == "[]", found.stdout


def test_the_wheel_ships_py_typed():
    assert (ROOT / "vaultkit" / "py.typed").is_file()
    with open(ROOT / "pyproject.toml", "rb") as fh:
        package_data = tomllib.load(fh)["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data["vaultkit"]


def test_mypy_config_is_strict_on_the_public_modules():
    with open(ROOT / "pyproject.toml", "rb") as fh:
        config = tomllib.load(fh)["tool"]["mypy"]
    strict = [o for o in config["overrides"] if o.get("disallow_untyped_defs") and o.get("warn_return_any")]
    modules = {m for o in strict for m in ([o["module"]] if isinstance(o["module"], str) else o["module"])}
    assert {"vaultkit", "vaultkit.api", "vaultkit.reports", "vaultkit.vault.discovery"} <= modules


MYPY = shutil.which("mypy", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(MYPY is None, reason="mypy is not installed beside this Python")
def test_mypy_sees_the_public_types_as_a_user_does(tmp_path):
    user = tmp_path / "notebook.py"
    user.write_text(
        "import vaultkit\n"
        "report: vaultkit.LinkReport = vaultkit.Vault('v').check_links()\n"
        "broken: list[vaultkit.BrokenLink] = report.broken\n"
        "line: int = broken[0]['line']\n"
        "target: str | None = vaultkit.Vault('v').resolve('a.md', 'b')\n"
        "count: int = vaultkit.Vault('v').refresh(offline=True).notes['unchanged']\n"
        "bad: str = report.notes\n"
    )
    found = subprocess.run(
        [str(MYPY), "--no-incremental", "--strict", "--follow-imports=silent", str(user)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    errors = [line for line in found.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and "notebook.py:7:" in errors[0], found.stdout


def test_warnings_filters_of_the_caller_apply():
    features, pheno = cohort()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SampleWarning)
        vaultkit.associate(features.drop(columns=["S00"]), pheno, traits=["sPAP"])
