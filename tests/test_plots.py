"""Plots: what they show, same bytes every time, provenance, and ``vaultkit plot``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from click.testing import CliRunner

from vaultkit.cli import cli
from vaultkit.plots import OKABE_ITO, PlotData, png_bytes, png_text, scatter


def data(**kw):
    rng = np.random.default_rng(5)
    x = rng.normal(10, 2, 24)
    y = 30 + 4 * x + rng.normal(0, 4, 24)
    conds = tuple(["healthy", "pah", "ph-lung", "cteph"] * 6)
    base = {"x": x, "y": y, "conditions": conds, "title": "LIF · chr22:30,247,659-30,247,698 (GRCh38)",
            "xlabel": "ATAC-seq signal", "ylabel": "sPAP (mmHg)", "r": 0.8123, "p": 1.5e-6, "q": 2.5e-4, "n": 24}
    return PlotData(**{**base, **kw})


def test_structure_labels_annotation_legend():
    fig = scatter(data())
    (ax,) = fig.axes
    assert ax.get_title() == "LIF · chr22:30,247,659-30,247,698 (GRCh38)"
    assert ax.get_xlabel() == "ATAC-seq signal" and ax.get_ylabel() == "sPAP (mmHg)"
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["r = 0.812\np = 1.5e-06\nq = 2.5e-04\nn = 24"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:4] == ["healthy (n=6)", "pah (n=6)", "ph-lung (n=6)", "cteph (n=6)"]
    assert "least squares (all)" in legend and "95% CI (all)" in legend
    colours = [c.get_facecolor()[0][:3] for c in ax.collections[:4]]
    from matplotlib.colors import to_rgb

    assert [tuple(round(v, 3) for v in c) for c in colours] == [tuple(round(v, 3) for v in to_rgb(h)) for h in OKABE_ITO[:4]]
    # One black all-sample line plus one line per condition.
    assert len(ax.lines) == 5 and ax.lines[-1].get_color() == "black"


def test_size_is_readable_in_obsidian():
    fig = scatter(data())
    w, h = fig.get_size_inches() * fig.dpi
    assert (w, h) == (700, 500)


def test_same_data_same_bytes_and_provenance():
    a = png_bytes(scatter(data()), {"vaultkit:trait": "sPAP"})
    b = png_bytes(scatter(data()), {"vaultkit:trait": "sPAP"})
    assert a == b and a.startswith(b"\x89PNG")
    assert png_text(a) == {"vaultkit:trait": "sPAP"}
    assert png_bytes(scatter(data(r=0.5)), {}) != a


def test_missing_values_and_no_conditions_still_draw():
    d = data(conditions=None)
    d.x[3] = np.nan
    (ax,) = scatter(d).axes
    assert len(ax.collections[0].get_offsets()) == 23  # the sample without a value is left out
    assert np.isfinite(ax.collections[0].get_offsets()).all()
    assert ax.get_legend() is not None


def _vault(tmp_path, extra=""):
    rng = np.random.default_rng(9)
    n = 20
    pheno = pd.DataFrame({"sample": [f"S{i}" for i in range(n)], "sPAP": rng.normal(45, 12, n),
                          "condition": (["healthy", "pah"] * n)[:n]})
    pheno["mPAP"] = 0.61 * pheno["sPAP"] + 2 + rng.normal(0, 3, n)
    z = (pheno["sPAP"] - pheno["sPAP"].mean()).to_numpy()
    feats = pd.DataFrame(rng.normal(size=(3, n)) + np.outer([0.2, -0.2, 0.0], z), columns=pheno["sample"])
    feats.insert(0, "region", ["ENSG00000128342_chr22.30247659.30247698", "ENSG00000204217_chr2.202376000.202376100",
                               "ENSG00000136997_chr8.127737154.127737343"])
    root = tmp_path / "v"
    (root / "data").mkdir(parents=True)
    feats.to_csv(root / "data/features.tsv", sep="\t", index=False)
    pheno.to_csv(root / "data/phenotypes.tsv", sep="\t", index=False)
    (root / "vaultkit.toml").write_text('attachments_dir = "plots"\n' + extra)
    runner = CliRunner()
    res = runner.invoke(cli, ["associate", "--features", str(root / "data/features.tsv"), "--phenotypes",
                              str(root / "data/phenotypes.tsv"), "--traits", "sPAP,mPAP", "--out", str(tmp_path / "r.tsv")])
    assert res.exit_code == 0, res.output
    return root, tmp_path / "r.tsv"


def test_plot_command_draws_selected_then_keeps_unchanged(tmp_path):
    root, results = _vault(tmp_path)
    runner = CliRunner()
    first = runner.invoke(cli, ["plot", str(root), "--results", str(results), "--jobs", "2"])
    assert first.exit_code == 0, first.output
    names = sorted(p.name for p in (root / "plots").iterdir())
    assert len(names) == 4  # two planted regions x two traits; the third region is noise
    assert all(n.startswith("X") and n.endswith(".png") for n in names)
    lif = next(n for n in names if "ENSG00000128342" in n)
    text = png_text((root / "plots" / lif).read_bytes())
    assert text["vaultkit:region"] == "ENSG00000128342_chr22.30247659.30247698" and "LIF" in text["Title"]
    mtimes = {p: p.stat().st_mtime_ns for p in (root / "plots").iterdir()}
    second = runner.invoke(cli, ["plot", str(root), "--results", str(results)])
    assert "0 drawn, 4 unchanged" in second.stderr
    assert {p: p.stat().st_mtime_ns for p in (root / "plots").iterdir()} == mtimes


def test_plot_top_and_fdr_select(tmp_path):
    root, results = _vault(tmp_path)
    res = CliRunner().invoke(cli, ["plot", str(root), "--results", str(results), "--fdr", "1", "--dry-run"])
    assert res.stdout.count("would draw") == 6
    assert not (root / "plots").exists()


def test_two_plots_with_one_name_is_an_error(tmp_path):
    root, results = _vault(tmp_path, 'plot_name = "{symbol}_{chrom}_{start}_{end}.png"\n')
    res = CliRunner().invoke(cli, ["plot", str(root), "--results", str(results)])
    assert res.exit_code == 2 and "would both be named" in res.stderr
    assert not (root / "plots").exists()
