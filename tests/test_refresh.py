"""``vaultkit refresh``: notes created and adopted, user text kept, conflicts, idempotence, bad input."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import yaml
from click.testing import CliRunner

from tests.helpers import EXAMPLES, make_gene_vault, snapshot, write_cohort
from vaultkit.cli import cli
from vaultkit.vault.linkparse import parse


def refresh(root, *extra):
    return CliRunner().invoke(cli, ["refresh", str(root), "--offline", *extra])


def frontmatter_of(text):
    return yaml.safe_load(text.split("---\n")[1])


def mtimes(root):
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_new_notes_in_the_users_format(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    result = refresh(root, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert sorted(report["notes"]["created"]) == [
        "Genes/BMPR2.md",
        "Genes/IFITM3.md",
        "Genes/IL31RA.md",
        "Genes/LIF.md",
        "Genes/MYC.md",
        "Genes/USP44.md",
    ]
    assert len(report["plots"]["drawn"]) == 12
    text = (root / "Genes/LIF.md").read_text()
    props = frontmatter_of(text)
    for key in [
        "symbol",
        "name",
        "aliases",
        "hgnc_id",
        "entrez_id",
        "ensembl_id",
        "uniprot",
        "omim",
        "location",
        "chrom",
        "start",
        "end",
        "strand",
        "assembly",
        "tags",
        "r_sPAP",
        "p_sPAP",
        "q_sPAP",
        "n_sPAP",
        "r_mPAP",
        "q_mPAP",
    ]:
        assert key in props, key
    assert props["symbol"] == "LIF" and props["tags"] == ["gene"] and props["n_sPAP"] == 24
    body = text.split("---\n", 2)[2]
    assert body.startswith("# Plots\n## sPAP\n![[X0.")
    assert (
        "\n# Info\n" in body
        and "### GeneCards Summary for LIF Gene\n[GeneCards: LIF](https://www.genecards.org/cgi-bin/carddisp.pl?gene=LIF)"
        in body
    )
    embeds = [lk.target for lk in parse(text).links if lk.embed]
    assert len(embeds) == 2 and all((root / "plots" / e).exists() for e in embeds)
    assert (root / "Genes.base").exists() and "r_sPAP" in (root / "Genes.base").read_text()
    check = CliRunner().invoke(cli, ["links", "check", str(root), "--json"])
    assert json.loads(check.stdout)["broken"] == []


def test_second_run_writes_nothing_at_all(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    before = mtimes(root)
    second = refresh(root, "--json")
    assert second.exit_code == 0
    data = json.loads(second.stdout)
    assert data["notes"]["created"] == [] and data["notes"]["updated"] == [] and data["plots"]["drawn"] == []
    assert mtimes(root) == before


def _lines_in_order(old: str, new: str) -> bool:
    it = iter(new.splitlines())
    return all(any(line == candidate for candidate in it) for line in old.splitlines())


def test_users_real_notes_are_adopted(tmp_path):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    # A note of a gene that is not in the data: it must stay exactly as it is.
    shutil.copy(root / "Genes/IL31RA.md", root / "Genes/TP53.md")
    originals = {p.name: p.read_text() for p in (root / "Genes").glob("*.md")}
    result = refresh(root, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for name, old in originals.items():
        new = (root / "Genes" / name).read_text()
        changed_embeds = {ln for ln in old.splitlines() if ln.startswith("![[X")}
        kept = "\n".join(ln for ln in old.splitlines() if ln not in changed_embeds)
        assert _lines_in_order(kept, new), name
    lif = (root / "Genes/LIF.md").read_text()
    # The embeds were rewritten in place to the new plots; the old images went to the trash.
    assert "![[X0.567330246986036" not in lif and lif.count("![[X") == 2
    assert sorted(report["plots"]["retired"]) == sorted(
        f"plot_dump/{p.name}" for p in (EXAMPLES / "plot_dump").iterdir()
    )
    assert (root / ".trash/plot_dump").is_dir() and not list((root / "plot_dump").iterdir())
    # The pasted NCBI summary is kept, not replaced.
    assert report["conflicts"] == [] and result.exit_code == 0  # (the report's conflicts are {path, message})
    assert "[provided by RefSeq, Mar 2012]" in lif
    assert (root / "Genes/TP53.md").read_text() == originals["TP53.md"]
    # IFITM3's own "# Consensus" top heading is used, not duplicated under a new "# Info".
    ifitm3 = (root / "Genes/IFITM3.md").read_text()
    assert ifitm3.count("Consensus\n") == 1 and "# Consensus\nstudies suggest" in ifitm3
    # IL31RA's one line and its Zotero link stay on top; the plots follow.
    il31ra = (root / "Genes/IL31RA.md").read_text()
    body = il31ra.split("---\n", 2)[2]
    assert body.startswith("**Zytokine** reported as Inflammatory mediators [[@sommerCurrentFutureTreatments2021]]\n")
    assert "\n# Plots\n## sPAP\n![[X" in body


def test_golden_adopted_notes(tmp_path):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    assert refresh(root).exit_code == 0
    golden = EXAMPLES.parent / "golden"
    for name in ("LIF.md", "MYC.md", "USP44.md", "IFITM3.md", "IL31RA.md"):
        assert (root / "Genes" / name).read_text() == (golden / name).read_text(), name


def test_user_lines_under_our_headings_survive_data_changes(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    note = root / "Genes/LIF.md"
    text = note.read_text()
    text = text.replace("## sPAP\n", "## sPAP\nmy remark on sPAP\n", 1)
    text = text.replace("# Info\n", "# Info\nmy info line\n", 1)
    text += "\nmy closing words\n"
    note.write_text(text)
    write_cohort(root / "data", seed=5)  # new data: new r, new plot names
    result = refresh(root)
    assert result.exit_code == 0, result.output
    new = note.read_text()
    for line in ("my remark on sPAP", "my info line", "my closing words"):
        assert line in new
    assert new != text and frontmatter_of(new)["r_sPAP"] != frontmatter_of(text)["r_sPAP"]


def test_edited_block_is_a_conflict_until_force(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    note = root / "Genes/LIF.md"
    edited = note.read_text().replace("- Cytoband: 22q12.2 (HGNC)", "- Cytoband: 22q12.2 (checked by me)")
    edited = edited.replace("symbol: LIF\n", "symbol: LIF-custom\n")
    note.write_text(edited)
    result = refresh(root)
    assert result.exit_code == 1
    assert "conflict: Genes/LIF.md" in result.stderr and note.read_text() == edited
    forced = refresh(root, "--force")
    assert forced.exit_code == 0, forced.output
    text = note.read_text()
    assert "(checked by me)" not in text and "symbol: LIF\n" in text
    trashed = list((root / ".trash/Genes").glob("LIF.md.overview*.md"))
    assert trashed and "(checked by me)" in trashed[0].read_text()
    kept = list((root / ".trash/Genes").glob("LIF.md.property-symbol*.md"))
    assert kept and kept[0].read_text() == "symbol: LIF-custom\n"


def test_dry_run_prints_diff_and_writes_nothing(tmp_path):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    before = snapshot(root)
    result = refresh(root, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+++ b/Genes/LIF.md" in result.stdout and "+++ b/Genes/BMPR2.md" in result.stdout
    assert snapshot(root) == before and not (root / "plots").exists()
    assert not (root / ".vaultkit").exists()  # a dry run creates nothing, not even vaultkit's state


def test_bad_input_exits_2_and_writes_nothing(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    feats = pd.read_csv(root / "data/features.tsv", sep="\t")
    feats[feats.columns[3]] = feats[feats.columns[3]].astype(object)
    feats.loc[2, feats.columns[3]] = "oops"
    feats.to_csv(root / "data/features.tsv", sep="\t", index=False)
    before = snapshot(root)
    result = refresh(root)
    assert result.exit_code == 2 and "features.tsv" in result.stderr and "'oops'" in result.stderr
    assert snapshot(root) == before
    (root / "vaultkit.toml").write_text("notes_dir = [broken\n")
    result = refresh(root)
    assert result.exit_code == 2 and "vaultkit.toml" in result.stderr


def test_unreadable_notes_are_reported_and_the_rest_refreshed(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    (root / "Genes").mkdir()
    (root / "Genes/LIF.md").write_text("---\nsymbol: [broken\n---\nmy text\n")
    (root / "Genes/MYC.md").write_bytes("caf\xe9 notes".encode("latin-1"))
    lif, myc = (root / "Genes/LIF.md").read_bytes(), (root / "Genes/MYC.md").read_bytes()
    result = refresh(root, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert {u["path"] for u in data["unreadable"]} == {"Genes/LIF.md", "Genes/MYC.md"}
    assert (root / "Genes/LIF.md").read_bytes() == lif and (root / "Genes/MYC.md").read_bytes() == myc
    assert (root / "Genes/USP44.md").exists() and (root / "Genes/BMPR2.md").exists()


def test_genes_without_selection_keep_their_plots(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    lif = (root / "Genes/LIF.md").read_text()
    write_cohort(root / "data", seed=0, strength=0.0)  # nothing significant any more
    assert refresh(root).exit_code == 0
    assert (root / "Genes/LIF.md").read_text() == lif
    assert all((root / "plots" / lk.target).exists() for lk in parse(lif).links if lk.embed)


def test_init_writes_settings_once(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(tmp_path / "new")]).exit_code == 0
    toml = (tmp_path / "new/vaultkit.toml").read_text()
    assert 'notes_dir = "Genes"' in toml and "fdr = 0.05" in toml
    (tmp_path / "new/vaultkit.toml").write_text("# mine\n")
    runner.invoke(cli, ["init", str(tmp_path / "new")])
    assert (tmp_path / "new/vaultkit.toml").read_text() == "# mine\n"


def test_embeds_the_user_placed_stay_ours_move_with_the_top_region(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    note = root / "Genes/LIF.md"
    # The user adds, under sPAP, a plot of another LIF region they care about.
    mine = "X0.1_ENSG00000128342_chr22.30000000.30000040.png"
    (root / "plots" / mine).write_bytes(b"\x89PNG mine")
    text = note.read_text().replace("## sPAP\n", f"## sPAP\n![[{mine}]]\n", 1)
    note.write_text(text)
    ours_before = [lk.target for lk in parse(text).links if lk.embed and "30247659" in lk.target]
    # New data: LIF's best region is now the other one (the planted region loses its signal).
    import pandas as pd

    feats = pd.read_csv(root / "data/features.tsv", sep="\t")
    planted = feats["region"].str.contains("chr22.30247659")
    other = feats["region"].str.contains("ENSG00000128342_chr22.302486")
    feats.loc[planted | other, feats.columns[1:]] = feats.loc[other | planted, feats.columns[1:]].to_numpy()[::-1]
    feats.to_csv(root / "data/features.tsv", sep="\t", index=False)
    result = refresh(root)
    assert result.exit_code == 0, result.output
    new = note.read_text()
    assert f"![[{mine}]]" in new  # the user's embed is theirs: untouched
    embeds = [lk.target for lk in parse(new).links if lk.embed]
    assert not set(ours_before) & set(embeds)  # vaultkit's embeds moved to the new top region
    assert sum("30248" in e for e in embeds) == 2


def test_crlf_notes_keep_their_line_endings(tmp_path):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    lif = root / "Genes/LIF.md"
    original = lif.read_text().replace("\n", "\r\n")
    lif.write_bytes(original.encode())
    assert refresh(root).exit_code == 0
    data = lif.read_bytes().decode()
    assert "\n" not in data.replace("\r\n", "")  # no bare LF was introduced
    for line in original.split("\r\n"):
        if not line.startswith("![[X"):
            assert line in data.split("\r\n")
    assert refresh(root, "--json").exit_code == 0 and lif.read_bytes().decode() == data
