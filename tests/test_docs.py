"""The docs match the code: README's input table examples parse, every command's help ends with an example that parses."""

from __future__ import annotations

import gzip
import re
import shlex
import warnings
from pathlib import Path

import click
import pytest

from vaultkit.cli import cli
from vaultkit.tables import align, read_features, read_phenotypes

README = Path(__file__).resolve().parent.parent / "README.md"
# The README's example tables: a fenced block whose info string is a language and a file name.
BLOCK = re.compile(r"^```(?:tsv|csv) (\S+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
PHENOTYPES = {  # file -> (sample column, traits, covariates)
    "phenotypes.tsv": ("sample", ["sPAP", "mPAP"], ["age"]),
    "clinical.csv": ("rna.final.ids", ["sPAP.excl..ZVD", "mPAP"], ["age"]),
}


def readme_tables(folder: Path) -> dict[str, Path]:
    tables = {}
    for name, body in BLOCK.findall(README.read_text(encoding="utf-8")):
        (folder / name).write_text(body, encoding="utf-8")
        tables[name] = folder / name
    return tables


def test_readme_feature_tables_parse_in_every_layout(tmp_path):
    tables = readme_tables(tmp_path)
    features = {n: p for n, p in tables.items() if n.startswith("features")}
    assert len(features) == 3, "README shows the three feature layouts"
    for path in features.values():
        read = read_features(path)
        assert read.regions["chrom"].tolist() == ["chr22", "chr8"], path.name
        assert read.regions["start"].tolist()[0] == 30247659
        assert len(read.samples) == 4
    segments = read_features(features["features-segments.tsv"])
    assert segments.samples[0] == "id.6620"  # the shared .ATAC stripped
    assert segments.regions["gene_id"].tolist()[0] == "ENSG00000128342"  # the version stripped
    # The same table gzipped, or as Parquet, reads the same.
    columns = features["features-columns.tsv"]
    zipped = tmp_path / "features.tsv.gz"
    zipped.write_bytes(gzip.compress(columns.read_bytes()))
    parquet = tmp_path / "features.parquet"
    import pandas as pd

    pd.read_csv(columns, sep="\t").to_parquet(parquet, index=False)
    for other in (zipped, parquet):
        assert read_features(other).regions.equals(read_features(columns).regions)
        assert (read_features(other).values[~pd.isna(read_features(other).values)] > 0).all()


def test_readme_phenotype_tables_parse_and_match_by_make_names(tmp_path):
    tables = readme_tables(tmp_path)
    assert set(PHENOTYPES) <= set(tables)
    plain = read_phenotypes(tables["phenotypes.tsv"], sample_column="sample", traits=["sPAP", "mPAP"])
    assert len(plain.table) == 4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clinical = read_phenotypes(
            tables["clinical.csv"], sample_column="rna.final.ids", traits=["sPAP.excl..ZVD", "mPAP"]
        )
        assert clinical.table["sPAP.excl..ZVD"].tolist()[:2] == [25.5, 82.0]  # decimal commas
        _, _, samples = align(read_features(tables["features-segments.tsv"]), clinical)
    assert samples == ["id.6620", "id.6621", "id.6622"]
    messages = " ".join(str(w.message) for w in caught)
    assert "without a sample id" in messages and "id.6623" in messages


def leaf_commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += [((*path, name), command), *leaf_commands(command, (*path, name))]
        else:
            out.append(((*path, name), command))
    return out


@pytest.mark.parametrize(("path", "command"), leaf_commands(cli), ids=[" ".join(p) for p, _ in leaf_commands(cli)])
def test_every_help_ends_with_an_example_that_parses(tmp_path, monkeypatch, path, command):
    help_text = command.get_help(click.Context(command, info_name=" ".join(("vaultkit", *path))))
    last = help_text.rstrip().rsplit("\n\n", 1)[-1].strip()  # after the options: the last thing read
    assert last.startswith("Example: vaultkit "), f"vaultkit {' '.join(path)} --help ends with {last!r}"
    assert "\n" not in last, "the example is one line, to copy and run"
    args = shlex.split(last.removeprefix("Example: "))[1:]
    assert tuple(args[: len(path)]) == path
    if isinstance(command, click.Group):
        return
    # Parsed (not run) inside a folder where the example's vault exists, so VAULT resolves as for a user.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my-vault").mkdir()
    (tmp_path / "my-vault/vaultkit.toml").write_text("")
    command.make_context(" ".join(path), args[len(path) :])


def test_readme_layout_names_every_module():
    layout = README.read_text(encoding="utf-8").split("### Layout", 1)[1].split("```", 2)[1]
    package = Path(__file__).resolve().parent.parent / "vaultkit"
    for path in sorted(package.rglob("*.py")):
        if path.name in ("__init__.py", "cli_main.py") or path.parent.name in ("data", "genome", "sources"):
            continue
        assert path.name in layout, f"README's Layout does not name {path.relative_to(package)}"
