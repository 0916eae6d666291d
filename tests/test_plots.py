"""Plots: what they show, same bytes every time, provenance, and ``vaultkit plot``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from vaultkit.cli import cli
from vaultkit.errors import InputError
from vaultkit.pipeline import plot as plot_command
from vaultkit.pipeline.analysis import Cohort
from vaultkit.plots import OKABE_ITO, PlotData, png_bytes, png_text, scatter, stats_text


def data(**kw):
    rng = np.random.default_rng(5)
    x = rng.normal(10, 2, 24)
    y = 30 + 4 * x + rng.normal(0, 4, 24)
    conds = tuple(["healthy", "pah", "ph-lung", "cteph"] * 6)
    base = {
        "x": x,
        "y": y,
        "conditions": conds,
        "title": "LIF · chr22:30,247,659-30,247,698 (GRCh38)",
        "xlabel": "ATAC-seq signal",
        "ylabel": "sPAP (mmHg)",
        "r": 0.8123,
        "p": 1.5e-6,
        "q": 2.5e-4,
        "n": 24,
    }
    return PlotData(**{**base, **kw})


def test_structure_labels_annotation_legend():
    fig = scatter(data())
    (ax,) = fig.axes
    assert ax.get_title() == "LIF · chr22:30,247,659-30,247,698 (GRCh38)"
    assert ax.get_xlabel() == "ATAC-seq signal" and ax.get_ylabel() == "sPAP (mmHg)"
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["Pearson r = 0.812\np = 1.5e-06\nq = 2.5e-04\nn = 24"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:4] == ["healthy (n=6)", "pah (n=6)", "ph-lung (n=6)", "cteph (n=6)"]
    assert "least squares (all 24)" in legend and "95% CI (all 24)" in legend
    colours = [c.get_facecolor()[0][:3] for c in ax.collections[:4]]
    from matplotlib.colors import to_rgb

    assert [tuple(round(v, 3) for v in c) for c in colours] == [
        tuple(round(v, 3) for v in to_rgb(h)) for h in OKABE_ITO[:4]
    ]
    # One black all-sample line plus one line per condition.
    assert len(ax.lines) == 5 and ax.lines[-1].get_color() == "black"


def test_size_is_readable_in_obsidian():
    fig = scatter(data())
    w, h = fig.get_size_inches() * fig.dpi
    assert (w, h) == (700, 500)
    wide = scatter(data(condition_panel=True))
    assert tuple(wide.get_size_inches() * wide.dpi) == (1000, 500) and wide.dpi == 100


def test_statistics_and_legend_never_cover_the_data():
    fig = scatter(data(condition_panel=True, covariates=("age", "gender")))
    fig.canvas.draw()
    scatter_ax, panel_ax = fig.axes
    box = scatter_ax.texts[0].get_window_extent()
    legend = scatter_ax.get_legend().get_window_extent()
    right = max(scatter_ax.get_window_extent().x1, panel_ax.get_window_extent().x1)
    assert box.x0 > right and legend.x0 > right  # in a column right of both panels
    assert legend.y1 < box.y0  # the legend below the box, not over it
    assert box.x1 <= 1000 and legend.x1 <= 1000 and legend.y0 >= 0  # inside the picture


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


def _offsets(ax):
    """The points drawn on ``ax`` (scatter collections only; the band is a collection too)."""
    from matplotlib.collections import PathCollection

    return {tuple(np.round(p, 9)) for c in ax.collections if isinstance(c, PathCollection) for p in c.get_offsets()}


def test_panel_beside_the_scatter_same_colours_markers_and_order():
    d = data(condition_panel=True)
    fig = scatter(d)
    scatter_ax, panel_ax = fig.axes
    assert scatter_ax.get_position().x1 < panel_ax.get_position().x0  # beside, to the right
    assert [t.get_text() for t in panel_ax.get_xticklabels()] == ["healthy", "pah", "ph-lung", "cteph"]
    assert panel_ax.get_ylabel() == "ATAC-seq signal"
    # The panel's y is the scatter's x, on the same scale.
    assert panel_ax.get_ylim() == scatter_ax.get_xlim()
    points = panel_ax.collections
    assert len(points) == 4 and len(panel_ax.patches) == 4  # points and a box per condition
    for i, (cond, pts, twin) in enumerate(
        zip(["healthy", "pah", "ph-lung", "cteph"], points, scatter_ax.collections, strict=False)
    ):
        assert np.allclose(pts.get_facecolor()[0], twin.get_facecolor()[0])
        assert np.allclose(pts.get_paths()[0].vertices, twin.get_paths()[0].vertices)  # same marker
        mine = np.array([c == cond for c in d.conditions])
        assert sorted(pts.get_offsets()[:, 1]) == sorted(d.x[mine])  # the signal of that condition
        assert np.all(np.abs(pts.get_offsets()[:, 0] - i) <= 0.2)  # jittered about its box


def test_panel_needs_its_axes_when_drawing_on_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax, panel = fig.subplots(1, 2)
    with pytest.raises(ValueError, match="panel_ax"):
        scatter(data(condition_panel=True), ax=ax)
    assert scatter(data(condition_panel=True), ax=ax, panel_ax=panel) is fig
    assert [t.get_text() for t in panel.get_xticklabels()] == ["healthy", "pah", "ph-lung", "cteph"]


def test_hidden_conditions_are_not_drawn_and_the_plot_says_so():
    d = data(plot_conditions=("healthy", "pah", "ph-lung"), condition_panel=True)
    fig = scatter(d)
    scatter_ax, panel_ax = fig.axes
    cteph = np.array([c == "cteph" for c in d.conditions])
    assert _offsets(scatter_ax) == {(round(a, 9), round(b, 9)) for a, b in zip(d.x[~cteph], d.y[~cteph], strict=True)}
    assert not any(round(v, 9) in {round(a, 9) for a in d.x[cteph]} for _, v in _offsets(panel_ax))
    assert [t.get_text() for t in panel_ax.get_xticklabels()] == ["healthy", "pah", "ph-lung"]
    legend = [t.get_text() for t in scatter_ax.get_legend().get_texts()]
    assert legend == ["healthy (n=6)", "pah (n=6)", "ph-lung (n=6)", "95% CI (all 24)", "least squares (all 24)"]
    # One dashed line per shown condition; the black line is the fit of all 24 samples of the statistics.
    dashed = [ln for ln in scatter_ax.lines if ln.get_linestyle() == "--"]
    assert len(dashed) == 3 and not any(ln.get_color() == OKABE_ITO[3] for ln in dashed)
    black = scatter_ax.lines[-1]
    slope, intercept = np.polyfit(d.x, d.y, 1)
    assert np.allclose(black.get_ydata(), intercept + slope * black.get_xdata())
    (box,) = scatter_ax.texts
    assert box.get_text().startswith(stats_text(d) + "\n")
    assert "not shown: cteph (n=6)" in box.get_text() and "n = 24" in box.get_text()


def test_a_condition_keeps_its_colour_when_another_is_hidden():
    (ax,) = scatter(data(plot_conditions=("healthy", "ph-lung", "cteph"))).axes
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["healthy (n=6)", "ph-lung (n=6)", "cteph (n=6)"]
    from matplotlib.colors import to_rgb

    colours = [tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in ax.collections[:3]]
    assert colours == [tuple(np.round(to_rgb(OKABE_ITO[i]), 3)) for i in (0, 2, 3)]
    assert "pah (n=6)" in ax.texts[0].get_text()


def test_the_box_names_the_method_and_the_covariates():
    assert stats_text(data()) == "Pearson r = 0.812\np = 1.5e-06\nq = 2.5e-04\nn = 24"
    partial = data(method="spearman", covariates=("age", "gender"))
    assert (
        stats_text(partial) == "Spearman ρ = 0.812\npartial, adjusted for age, gender\np = 1.5e-06\nq = 2.5e-04\nn = 24"
    )
    (ax,) = scatter(partial).axes
    drawn = ax.texts[0].get_text()
    assert drawn.startswith("Spearman ρ = 0.812\npartial, adjusted for") and "age, gender" in drawn
    assert stats_text(data(r=float("nan"), p=float("nan"))).startswith("Pearson r = NA\np = NA")


def test_fingerprint_follows_what_is_drawn():
    base = plot_command.fingerprint(data())
    changed = [
        data(plot_conditions=("healthy", "pah", "ph-lung")),
        data(condition_panel=True),
        data(covariates=("age",)),
        data(covariates=("age", "gender")),
        data(method="spearman"),
    ]
    prints = [plot_command.fingerprint(d) for d in changed]
    assert base not in prints and len(set(prints)) == len(prints)
    assert plot_command.fingerprint(data()) == base


def test_same_data_same_bytes_with_panel_and_hidden_conditions():
    d = data(
        plot_conditions=("healthy", "pah", "ph-lung"),
        condition_panel=True,
        method="spearman",
        covariates=("age", "gender"),
    )
    a = png_bytes(scatter(d), {"vaultkit:trait": "sPAP"})
    b = png_bytes(scatter(d), {"vaultkit:trait": "sPAP"})
    assert a == b
    assert png_bytes(scatter(data(condition_panel=True)), {}) != a


def _cohort():
    pheno = pd.DataFrame(
        {
            "sPAP": [30.0, 42.0, 55.0, 61.0, 38.0, 70.0],
            "age": [50, 61, np.nan, 45, 70, 66],
            "condition": ["healthy", "pah", "pah", "cteph", "healthy", "pah"],
        }
    )
    regions = pd.DataFrame({"gene_id": ["ENSG00000128342"], "chrom": ["chr22"], "start": [30247659], "end": [30247698]})
    values = np.array([[1.0, 2.0, 3.0, 4.0, 1.5, 3.5]])
    selected = pd.DataFrame(
        {
            "gene_id": ["ENSG00000128342"],
            "chrom": ["chr22"],
            "start": [30247659],
            "end": [30247698],
            "trait": ["sPAP"],
            "n": [5],
            "r": [0.9],
            "p": [0.01],
            "q": [0.02],
            "method": ["spearman"],
        }
    )
    return selected, Cohort(regions, values, pheno, [f"S{i}" for i in range(6)])


def _jobs(tmp_path, **kw):
    selected, cohort = _cohort()
    return plot_command.build_jobs(
        selected,
        cohort,
        vault=tmp_path,
        folder="plots",
        template="legacy",
        build="GRCh38",
        feature_label="ATAC-seq signal",
        units={},
        condition_column="condition",
        symbols={"ENSG00000128342": "LIF"},
        **kw,
    )


def test_build_jobs_passes_plot_settings_and_keeps_old_calls(tmp_path):
    (old,) = _jobs(tmp_path)
    assert old.data.plot_conditions == () and not old.data.condition_panel and old.data.covariates == ()
    (job,) = _jobs(tmp_path, plot_conditions=("healthy", "pah"), condition_panel=True, covariates=("age",))
    assert job.data.plot_conditions == ("healthy", "pah") and job.data.condition_panel
    assert job.data.covariates == ("age",) and "partial, adjusted for age" in job.text["vaultkit:stats"]
    assert job.text["vaultkit:stats"].startswith("Spearman rho = 0.900; ")
    # The sample without an age is not in the statistics, so it is not drawn.
    assert np.isnan(job.data.x[2]) and np.isfinite(job.data.x[[0, 1, 3, 4, 5]]).all()
    assert job.digest != old.digest


def test_build_jobs_rejects_an_unknown_plot_condition(tmp_path):
    with pytest.raises(InputError, match=r"plot_conditions: \['CTEPH'\] not among the conditions"):
        _jobs(tmp_path, plot_conditions=("healthy", "CTEPH"))


def _vault(tmp_path, extra=""):
    rng = np.random.default_rng(9)
    n = 20
    pheno = pd.DataFrame(
        {
            "sample": [f"S{i}" for i in range(n)],
            "sPAP": rng.normal(45, 12, n),
            "condition": (["healthy", "pah"] * n)[:n],
        }
    )
    pheno["mPAP"] = 0.61 * pheno["sPAP"] + 2 + rng.normal(0, 3, n)
    z = (pheno["sPAP"] - pheno["sPAP"].mean()).to_numpy()
    feats = pd.DataFrame(rng.normal(size=(3, n)) + np.outer([0.2, -0.2, 0.0], z), columns=pheno["sample"])
    feats.insert(
        0,
        "region",
        [
            "ENSG00000128342_chr22.30247659.30247698",
            "ENSG00000204217_chr2.202376000.202376100",
            "ENSG00000136997_chr8.127737154.127737343",
        ],
    )
    root = tmp_path / "v"
    (root / "data").mkdir(parents=True)
    feats.to_csv(root / "data/features.tsv", sep="\t", index=False)
    pheno.to_csv(root / "data/phenotypes.tsv", sep="\t", index=False)
    (root / "vaultkit.toml").write_text('attachments_dir = "plots"\n' + extra)
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "associate",
            "--features",
            str(root / "data/features.tsv"),
            "--phenotypes",
            str(root / "data/phenotypes.tsv"),
            "--traits",
            "sPAP,mPAP",
            "--out",
            str(tmp_path / "r.tsv"),
        ],
    )
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
