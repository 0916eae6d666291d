"""``links check`` and ``links resolve`` through the CLI, on small vaults and the user's real notes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from click.testing import CliRunner

from tests.helpers import EXAMPLES, age
from vaultkit.cli import cli


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result


def check_json(root):
    result = run("links", "check", root, "--json")
    return result.exit_code, json.loads(result.stdout)


def test_check_json_contract(vault):
    root = vault(
        {
            "a.md": "[[b]] [[missing]] ![[gone.png]]\n",
            "b.md": "[[Dup]] ![[used.png]]\n",
            "x/Dup.md": "",
            "y/Dup.md": "",
            "used.png": b"png",
            "orphan.png": b"png",
            "vaultkit.toml": "",
            "Genes.base": "views: []",
            "c.canvas": json.dumps({"nodes": [{"id": "1", "type": "file", "file": "canvas.png"}]}),
            "canvas.png": b"png",
            ".obsidian/app.json": "{}",
            ".trash/old.md": "[[nowhere]]",
        }
    )
    code, data = check_json(root)
    assert code == 1
    assert data["notes"] == 4 and data["files"] == 10 and data["links"] == 6
    assert data["broken"] == [
        {"source": "a.md", "line": 1, "target": "missing", "embed": False},
        {"source": "a.md", "line": 1, "target": "gone.png", "embed": True},
    ]
    assert data["ambiguous"] == [
        {"source": "b.md", "line": 1, "target": "Dup", "embed": False, "candidates": ["x/Dup.md", "y/Dup.md"]}
    ]
    assert data["orphans"] == ["orphan.png"]  # settings and .base files are not attachments


def test_clean_vault_exits_zero_and_json_is_alone_on_stdout(vault):
    root = vault({"a.md": "[[b]]\n", "b.md": "[[a#Nope]]\n"})
    code, data = check_json(root)
    assert code == 0 and data["broken"] == []
    assert data["missing_anchors"][0]["anchor"] == "#Nope"


def test_heading_anchors_as_obsidian_links_them(vault):
    root = vault(
        {"n.md": "# Q: what [next]?\n## Sub\n", "a.md": "[[n#Q what next ?]] [[n#q  WHAT next ?#Sub]] [[n#Nope]]"}
    )
    _code, data = check_json(root)
    assert [m["anchor"] for m in data["missing_anchors"]] == ["#Nope"]


def test_alias_is_not_a_link_but_suggested(vault):
    root = vault(
        {"LIF.md": "---\naliases:\n  - leukemia inhibitory factor\n---\n", "a.md": "[[leukemia inhibitory factor]]"}
    )
    code, data = check_json(root)
    assert code == 1
    assert data["broken"][0]["suggestion"] == "[[LIF|leukemia inhibitory factor]]"


def test_self_link_does_not_save_an_orphan_and_climbing_out_is_broken(vault):
    root = vault({"a.md": "[[../../outside]] [[#Top]]\n# Top\n"})
    _code, data = check_json(root)
    assert data["broken"][0]["reason"] == "climbs out of the vault"


def test_unreadable_notes_are_findings_and_the_rest_go_on(vault):
    root = vault(
        {
            "bad_yaml.md": "---\nkey: [unclosed\n---\n[[missing1]]\n",
            "latin1.md": "caf\xe9 [[x]]".encode("latin-1"),
            "binary.md": b"\x00\x01\x02",
            "good.md": "[[missing2]]\n",
        }
    )
    code, data = check_json(root)
    assert code == 1
    assert {u["path"] for u in data["unreadable"]} == {"bad_yaml.md", "latin1.md", "binary.md"}
    assert [b["target"] for b in data["broken"]] == ["missing1", "missing2"]
    bad = next(u for u in data["unreadable"] if u["path"] == "bad_yaml.md")
    assert bad["line"] >= 2


def test_symlink_loop_does_not_hang(vault):
    root = vault({"a/n.md": "[[n]]"})
    (root / "a" / "loop").symlink_to(root / "a", target_is_directory=True)
    _code, data = check_json(root)
    assert data["notes"] == 1


def _real_vault(tmp_path, with_pngs):
    root = tmp_path / "real"
    shutil.copytree(EXAMPLES / "GeneDump", root / "GeneDump")
    (root / ".obsidian").mkdir()
    if with_pngs:
        shutil.copytree(EXAMPLES / "plot_dump", root / "plot_dump")
    return root


def test_real_notes_with_their_plots(tmp_path):
    _code, data = check_json(_real_vault(tmp_path, True))
    lif_embeds = [b for b in data["broken"] if b["source"] == "GeneDump/LIF.md"]
    assert lif_embeds == [] and data["orphans"] == []
    # The Zotero citation link has no note; it is the only broken non-embed.
    assert [b["target"] for b in data["broken"] if not b["embed"]] == ["@sommerCurrentFutureTreatments2021"]


def test_real_notes_without_plots_report_each_embed_with_its_line(tmp_path):
    code, data = check_json(_real_vault(tmp_path, False))
    embeds = {(b["source"], b["line"]) for b in data["broken"] if b["embed"]}
    assert embeds == {
        ("GeneDump/LIF.md", 3),
        ("GeneDump/LIF.md", 6),
        ("GeneDump/MYC.md", 3),
        ("GeneDump/MYC.md", 5),
        ("GeneDump/USP44.md", 3),
        ("GeneDump/USP44.md", 5),
    }
    assert code == 1


def test_resolve_prints_path_or_exits_1(vault):
    root = vault({"Genes/LIF.md": "", "Genes/src.md": "", "b/LIF.md": "", "plot.png": b""})
    assert run("links", "resolve", root, "Genes/src.md", "LIF").stdout == "Genes/LIF.md\n"
    assert run("links", "resolve", root, "Genes/src.md", "[[b/LIF|x]]").stdout == "b/LIF.md\n"
    assert run("links", "resolve", root, "Genes/src.md", "![[plot.png|300]]").stdout == "plot.png\n"
    miss = run("links", "resolve", root, "Genes/src.md", "Nope")
    assert miss.exit_code == 1 and miss.stdout == ""


def test_second_check_uses_the_cache_and_sees_changes(vault):
    root = vault({"a.md": "[[b]]\n", "b.md": ""})
    assert check_json(root)[0] == 0
    assert (root / ".vaultkit" / "links.cache").exists()
    (root / "a.md").write_text("[[b]] [[c]] and more text\n")
    code, data = check_json(root)
    assert code == 1 and data["broken"][0]["target"] == "c"


def test_prune_moves_orphaned_plots_only_unless_all(vault):
    plot = "X0.5_ENSG00000128342_chr22.1.40.png"
    root = vault(
        {
            f"plots/{plot}": b"png",
            "plots/used.png": b"png",
            "plots/X0.1_ENSG00000128342_chr22.5.9.png": b"p",
            "notes.pdf": b"pdf",
            "data.tsv": b"t",
            "a.md": "![[used.png]] ![[X0.1_ENSG00000128342_chr22.5.9.png]]",
        }
    )
    dry = run("links", "prune", root, "--dry-run")
    assert dry.exit_code == 0 and f"would move plots/{plot}" in dry.stdout
    assert (root / "plots" / plot).exists()
    assert run("links", "prune", root).exit_code == 0
    assert not (root / "plots" / plot).exists() and (root / ".trash/plots" / plot).exists()
    assert (root / "notes.pdf").exists() and (root / "plots/used.png").exists()
    assert run("links", "prune", root, "--all").exit_code == 0
    assert (root / ".trash/notes.pdf").exists() and (root / "plots/used.png").exists()
    assert (root / "data.tsv").exists()


def test_huge_note_is_a_finding(vault, monkeypatch):
    from vaultkit.vault import notes

    monkeypatch.setattr(notes, "MAX_NOTE_BYTES", 100)
    root = vault({"big.md": "x" * 500 + " [[a]]", "small.md": "[[a]]", "a.md": ""})
    _code, data = check_json(root)
    assert data["unreadable"][0]["path"] == "big.md" and "larger than" in data["unreadable"][0]["message"]
    assert data["links"] == 1


def test_rename_carries_ownership_state(tmp_path):
    from tests.helpers import make_gene_vault

    root = make_gene_vault(tmp_path / "v")
    assert CliRunner().invoke(cli, ["refresh", str(root), "--offline"]).exit_code == 0
    assert run("links", "rename", root, "Genes/LIF.md", "Genes/Cytokines/LIF.md").exit_code == 0
    state = json.loads((root / ".vaultkit/state.json").read_text())["notes"]
    assert "Genes/Cytokines/LIF.md" in state and "Genes/LIF.md" not in state
    # The next refresh keeps working on the moved note instead of making a second one.
    again = CliRunner().invoke(cli, ["refresh", str(root), "--offline", "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["notes"]["created"] == []
    assert not (root / "Genes/LIF.md").exists()


def test_nfd_file_names_on_disk_are_found_and_rewritten(vault):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Café.md")
    root = vault({nfd: "# Menu\n", "a.md": "[[Café#Menu]] [[cafe\u0301]]\n"})
    code, data = check_json(root)
    assert code == 0 and data["broken"] == [] and data["missing_anchors"] == []
    assert run("links", "rename", root, nfd, "Bistro.md").exit_code == 0
    assert (root / "a.md").read_text() == "[[Bistro#Menu]] [[Bistro]]\n"


def test_vault_defaults_to_the_current_folder(vault, monkeypatch):
    root = vault({"Genes/LIF.md": "", "a.md": "[[LIF]]\n"})
    monkeypatch.chdir(root)
    assert run("links", "resolve", "a.md", "LIF").stdout == "Genes/LIF.md\n"
    assert run("links", "check").exit_code == 0
    assert run("links", "rename", "Genes/LIF.md", "Genes/LIF2.md").exit_code == 0
    assert (root / "a.md").read_text() == "[[LIF2]]\n"
    bad = run("links", "rename", "only-one-arg")
    assert bad.exit_code == 2 and "expected [VAULT] OLD NEW" in bad.output


def test_check_of_a_vault_without_frontmatter_loads_no_yaml_and_a_warm_one_no_parser(vault):
    root = vault({"a.md": "# A\n[[b]] ![[p.png]]\n", "b.md": "[[a#A]]\n", "p.png": b"png"})
    age(root)  # older than the report, which is kept
    code = (
        "import sys\nfrom vaultkit.cli import main\nsys.argv = ['vaultkit', 'links', 'check', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "print(sorted(m for m in ('yaml', 'vaultkit.vault.linkparse', 'pandas', 'numpy') if m in sys.modules))"
    )
    loaded = [
        subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    ]
    assert loaded[0].splitlines()[-1] == "['vaultkit.vault.linkparse']"  # cold: parsed, without PyYAML
    assert loaded[1].splitlines()[-1] == "[]"  # warm: the kept report
