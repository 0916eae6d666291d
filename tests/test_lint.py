"""``vaultkit lint``."""

from __future__ import annotations

import json

from click.testing import CliRunner

from vaultkit.cli import cli


def test_lint_rules(vault):
    root = vault(
        {
            "Genes/LIF.md": (
                "# Plots\n## sPAP\n![[X0.5_ENSG00000128342_chr22.1.40.png]]\n![[X0.5_ENSG00000128342_chr22.1.40.png]]\n"
                "## Weight\n![[X0.2_ENSG00000128342_chr22.1.40.png]]\n![[X0.3_ENSG00000136997_chr8.1.40.png]]\n[[Nowhere]]\n"
            ),
            "Genes/HILDA.md": "",
            "Genes/NotAGene.md": "",
            "X0.5_ENSG00000128342_chr22.1.40.png": b"p",
            "X0.2_ENSG00000128342_chr22.1.40.png": b"p",
            "X0.3_ENSG00000136997_chr8.1.40.png": b"p",
            "bad#name.png": b"p",
        }
    )
    result = CliRunner().invoke(cli, ["lint", str(root), "--json"])
    assert result.exit_code == 1
    rules = {(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]}
    assert rules == {
        ("Genes/LIF.md", "duplicate-embed"),
        ("Genes/LIF.md", "unknown-trait"),
        ("Genes/LIF.md", "other-gene-plot"),
        ("Genes/LIF.md", "broken-link"),
        ("Genes/HILDA.md", "not-a-symbol"),
        ("Genes/NotAGene.md", "unknown-gene"),
        ("bad#name.png", "bad-name"),
    }


def test_lint_clean_vault_exits_0(vault):
    root = vault(
        {
            "Genes/LIF.md": "# Plots\n## sPAP\n![[X0.5_ENSG00000128342_chr22.1.40.png]]\n",
            "X0.5_ENSG00000128342_chr22.1.40.png": b"p",
        }
    )
    assert CliRunner().invoke(cli, ["lint", str(root)]).exit_code == 0


def test_plots_in_the_users_own_layouts_are_under_their_trait(vault):
    """Segment sub-headings, a trait as a top heading, case and spacing variants: what refresh adopts,
    lint does not call foreign."""
    plot = "X0.5_ENSG00000128342_chr22.1.40.png"
    for body in (
        f"# Plots\n## sPAP\n### segment 1\n![[{plot}]]\n",
        f"# sPAP\n## segment 2\n![[{plot}]]\n",
        f"## Plot\n### spap \n![[{plot}]]\n",
    ):
        root = vault({"Genes/LIF.md": body, plot: b"p"})
        result = CliRunner().invoke(cli, ["lint", str(root), "--json"])
        rules = [f["rule"] for f in json.loads(result.stdout)["findings"]]
        assert "unknown-trait" not in rules, (body, rules)


def test_every_link_finding_says_the_fix(vault):
    root = vault(
        {
            "Genes/LIF.md": "[[@smith2021]] [[Cytokine-Notes]] ![[X0.5_ENSG00000128342_chr22.1.40.png]] [[Nowhere]] [[Dup]]\n",
            "Topics/Cytokine notes.md": "",
            "a/Dup.md": "",
            "b/Dup.md": "",
        }
    )
    result = CliRunner().invoke(cli, ["lint", str(root), "--json"])
    messages = {
        f["message"].split("'")[1]: f["message"]
        for f in json.loads(result.stdout)["findings"]
        if f["rule"] in ("broken-link", "ambiguous-link")
    }
    assert "citation key" in messages["@smith2021"]
    assert "did you mean 'Topics/Cytokine notes.md'" in messages["Cytokine-Notes"]
    assert "vaultkit refresh" in messages["X0.5_ENSG00000128342_chr22.1.40.png"]
    assert "create the note" in messages["Nowhere"]
    assert "write the path" in messages["Dup"]
