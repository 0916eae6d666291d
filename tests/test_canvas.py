"""``Associations.canvas``: JSON Canvas 1.0, one group per trait, rewritten only when the selection changes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.helpers import make_gene_vault, write_cohort
from vaultkit.cli import cli

CANVAS = "Associations.canvas"


def refresh(root, *extra):
    return CliRunner().invoke(cli, ["refresh", str(root), "--offline", *extra])


def load(root):
    return json.loads((root / CANVAS).read_text(encoding="utf-8"))


def test_canvas_is_json_canvas_with_a_group_per_trait_and_plots_linked_to_their_notes(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    data = load(root)
    nodes = {n["id"]: n for n in data["nodes"]}
    for node in data["nodes"]:
        assert node["type"] in ("group", "file")
        assert all(isinstance(node[k], int) for k in ("x", "y", "width", "height"))
    groups = [n for n in data["nodes"] if n["type"] == "group"]
    assert [g["label"] for g in groups] == ["sPAP: strongest associations", "mPAP: strongest associations"]
    assert data["nodes"][: len(groups)] == groups  # drawn behind their cards
    files = [n for n in data["nodes"] if n["type"] == "file"]
    assert all((root / n["file"]).exists() for n in files)
    plots = [n for n in files if n["file"].endswith(".png")]
    assert len(plots) == 12 and len(files) == 24
    for edge in data["edges"]:
        src, dst = nodes[edge["fromNode"]], nodes[edge["toNode"]]
        assert src["file"].endswith(".png") and dst["file"].startswith("Genes/") and dst["file"].endswith(".md")
    # Every card sits inside its trait's group.
    for group in groups:
        inside = [
            n
            for n in files
            if group["x"] <= n["x"]
            and n["x"] + n["width"] <= group["x"] + group["width"]
            and group["y"] <= n["y"]
            and n["y"] + n["height"] <= group["y"] + group["height"]
        ]
        assert len(inside) == 12
    check = json.loads(CliRunner().invoke(cli, ["links", "check", str(root), "--json"]).stdout)
    assert check["broken"] == [] and check["orphans"] == []


def test_unchanged_selection_leaves_the_canvas_as_the_user_arranged_it(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    data = load(root)
    data["nodes"][3]["x"] += 500
    moved = json.dumps(data, indent=2)
    (root / CANVAS).write_text(moved)
    (root / "Genes/LIF.md").write_text((root / "Genes/LIF.md").read_text() + "\nmy words\n")  # no skipped run
    result = refresh(root, "--json")
    assert result.exit_code == 0, result.output
    assert CANVAS not in json.loads(result.stdout)["files"]["updated"]
    assert (root / CANVAS).read_text() == moved


def test_a_new_selection_keeps_the_users_nodes_and_edges_and_the_places_of_cards_still_shown(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    data = load(root)
    lif = next(n for n in data["nodes"] if n["id"].startswith("vk-note-") and n["file"] == "Genes/LIF.md")
    lif["x"], lif["y"] = -900, -900
    data["nodes"].append(
        {"id": "mine1", "type": "text", "text": "my idea", "x": -500, "y": -500, "width": 200, "height": 100}
    )
    data["edges"].append({"id": "myedge", "fromNode": "mine1", "toNode": lif["id"]})
    (root / CANVAS).write_text(json.dumps(data, indent="\t"))
    old_plots = {n["file"] for n in data["nodes"] if n.get("file", "").endswith(".png")}
    write_cohort(root / "data", seed=7)  # new r: new plot names
    result = refresh(root, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert CANVAS in report["files"]["updated"]
    new = load(root)
    by_id = {n["id"]: n for n in new["nodes"]}
    assert by_id["mine1"]["text"] == "my idea" and any(e["id"] == "myedge" for e in new["edges"])
    assert (by_id[lif["id"]]["x"], by_id[lif["id"]]["y"]) == (-900, -900)
    new_plots = {n["file"] for n in new["nodes"] if n.get("file", "").endswith(".png")}
    assert new_plots and not new_plots & old_plots
    # The canvas does not keep the replaced plots alive: they are retired as before.
    assert set(report["plots"]["retired"]) == old_plots


def test_a_deleted_canvas_stays_deleted_until_force_and_a_broken_one_is_left_alone(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    (root / CANVAS).unlink()
    write_cohort(root / "data", seed=7)
    assert refresh(root).exit_code == 0
    assert not (root / CANVAS).exists()
    assert refresh(root, "--force").exit_code == 0
    assert (root / CANVAS).exists()
    (root / CANVAS).write_text("{not json")
    write_cohort(root / "data", seed=8)
    result = refresh(root)
    assert result.exit_code == 1 and f"conflict: {CANVAS}" in result.stderr
    assert (root / CANVAS).read_text() == "{not json"


def test_the_users_own_canvas_is_not_touched(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    own = '{"nodes":[{"id":"a","type":"text","text":"x","x":0,"y":0,"width":1,"height":1}],"edges":[]}'
    (root / "PlotCollection.canvas").write_text(own)
    assert refresh(root).exit_code == 0
    assert (root / "PlotCollection.canvas").read_text() == own


def test_a_gene_with_several_selected_regions_shows_the_plot_of_its_best_one():
    from vaultkit import genenote
    from vaultkit.genome.genes import gene_table
    from vaultkit.genome.regions import Region
    from vaultkit.pipeline import canvas

    lif = gene_table().lookup("LIF")
    weak, strong = (Region("chr22", s, s + 40, lif.ensembl_id) for s in (100, 200))
    facts = {
        "LIF": genenote.GeneFacts(
            gene=lif,
            traits=("sPAP",),
            plots={
                "sPAP": [
                    genenote.PlotRef("sPAP", weak, "plots/weak.png"),
                    genenote.PlotRef("sPAP", strong, "plots/strong.png"),
                ]
            },
            stats={"sPAP": genenote.TraitStats(0.9, 1e-6, 1e-5, 30, strong)},
        )
    }
    (card,) = canvas.select(facts, lambda s: f"Genes/{s}.md", ["sPAP"])
    assert (card.plot, card.note) == ("plots/strong.png", "Genes/LIF.md")
