"""``links rename``: exactly the links that resolved to the moved file change, in the author's form."""

from __future__ import annotations

import json
import string

from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.helpers import snapshot, write_vault
from vaultkit.cli import cli
from vaultkit.pipeline.links import links_rename
from vaultkit.vault import index as vindex
from vaultkit.vault.rename import plan_rename


def rename(root, old, new, *extra):
    return CliRunner().invoke(cli, ["links", "rename", str(root), old, new, *extra])


def read(root, rel):
    return (root / rel).read_text(encoding="utf-8")


def test_rename_keeps_every_form(vault):
    root = vault(
        {
            "Genes/LIF.md": "# Top\n",
            "a.md": (
                "[[LIF]] [[LIF|shown]] [[LIF#Top]] [[LIF.md]] [[Genes/LIF]] [[lif]]\n"
                "![[LIF]] [t](Genes/LIF.md) [u](<Genes/LIF.md>)\n`[[LIF]]`\n"
                "| x |\n|---|\n| [[LIF\\|alias]] |\n%% [[LIF]] %%\n"
            ),
            "b.md": '---\nrelated: "[[LIF]]"\ntags: [x]\n---\n[[Other]]\n',
            "Other.md": "",
        }
    )
    result = rename(root, "Genes/LIF.md", "Genes/Cytokines/LIF factor.md")
    assert result.exit_code == 0, result.output
    assert read(root, "a.md") == (
        "[[LIF factor]] [[LIF factor|shown]] [[LIF factor#Top]] [[LIF factor.md]] [[Genes/Cytokines/LIF factor]] [[LIF factor]]\n"
        "![[LIF factor]] [t](Genes/Cytokines/LIF%20factor.md) [u](<Genes/Cytokines/LIF factor.md>)\n`[[LIF]]`\n"
        "| x |\n|---|\n| [[LIF factor\\|alias]] |\n%% [[LIF factor]] %%\n"
    )
    assert read(root, "b.md") == '---\nrelated: "[[LIF factor]]"\ntags: [x]\n---\n[[Other]]\n'
    assert (root / "Genes/Cytokines/LIF factor.md").exists() and not (root / "Genes/LIF.md").exists()


def test_only_links_that_resolved_to_the_file_change(vault):
    root = vault({"a/Note.md": "", "b/Note.md": "", "a/src.md": "[[Note]]\n", "b/src.md": "[[Note]]\n"})
    assert rename(root, "a/Note.md", "a/Renamed.md").exit_code == 0
    assert read(root, "a/src.md") == "[[Renamed]]\n"
    assert read(root, "b/src.md") == "[[Note]]\n"


def test_move_that_creates_a_capturing_duplicate_adds_a_path(vault):
    root = vault({"deep/x/Note.md": "", "b/Note.md": "", "src.md": "[[Note]]\n"})
    # [[Note]] resolves to b/Note.md (shortest); moving the other to the root would capture it.
    assert rename(root, "deep/x/Note.md", "Note.md").exit_code == 0
    assert read(root, "src.md") == "[[b/Note]]\n"


def test_moved_note_relative_links_are_recomputed(vault):
    root = vault({"a/b/src.md": "[[../x]] [[./y]] [t](y.md)\n", "a/x.md": "", "a/b/y.md": ""})
    assert rename(root, "a/b/src.md", "c/src.md").exit_code == 0
    # [t](y.md) still finds a/b/y.md vault-wide, so it is left as written.
    assert read(root, "c/src.md") == "[[../a/x]] [[../a/b/y]] [t](y.md)\n"


def test_folder_rename_and_canvas(vault):
    root = vault(
        {
            "plots/p.png": b"png",
            "plots/q.png": b"png",
            "n.md": "![[plots/p.png]] ![[q.png|300]]\n",
            "c.canvas": json.dumps({"nodes": [{"id": "1", "type": "file", "file": "plots/p.png", "x": 0}]}, indent=1),
        }
    )
    assert rename(root, "plots", "img/plots").exit_code == 0
    # [[plots/p.png]] still reaches img/plots/p.png (paths match by their end): it stays as written.
    assert read(root, "n.md") == "![[plots/p.png]] ![[q.png|300]]\n"
    assert rename(root, "img/plots", "pictures").exit_code == 0
    assert read(root, "n.md") == "![[pictures/p.png]] ![[q.png|300]]\n"
    assert json.loads(read(root, "c.canvas"))["nodes"][0]["file"] == "pictures/p.png"
    assert (root / "pictures/q.png").exists()


def test_dry_run_prints_a_diff_and_writes_nothing(vault):
    root = vault({"LIF.md": "", "a.md": "[[LIF]]\n"})
    before = snapshot(root)
    result = rename(root, "LIF.md", "LIF2.md", "--dry-run")
    assert result.exit_code == 0
    assert "-[[LIF]]\n+[[LIF2]]\n" in result.stdout and "rename LIF.md -> LIF2.md" in result.stdout
    assert snapshot(root) == before and not (root / ".vaultkit").exists()


def test_bad_renames_exit_2_and_write_nothing(vault):
    root = vault({"a.md": "[[b]]", "b.md": "", "c.md": ""})
    before = snapshot(root)
    for old, new in [
        ("nope.md", "x.md"),
        ("b.md", "c.md"),
        ("b.md", "bad:name.md"),
        ("b.md", "../../out.md"),
        ("b.md", 'q"uote.md'),
    ]:
        result = rename(root, old, new)
        assert result.exit_code == 2, (old, new, result.output)
        assert "error:" in result.output
    assert snapshot(root) == before


def test_a_path_link_to_the_other_duplicate_is_left_alone(vault):
    root = vault({"a/Note.md": "", "b/Note.md": "", "src.md": "[[a/Note]] [[Note]]\n"})
    plan = plan_rename(vindex.build(root), "b/Note.md", "b/Other.md")
    assert plan.texts == {}  # neither link pointed at b/Note.md, and both still reach a/Note.md
    assert rename(root, "b/Note.md", "b/Other.md").exit_code == 0
    assert (root / "src.md").read_text() == "[[a/Note]] [[Note]]\n"


def test_unchanged_files_are_not_written(vault):
    root = vault({"LIF.md": "", "a.md": "[[LIF]]\n", "z.md": "[[other]]\n"})
    mtime = (root / "z.md").stat().st_mtime_ns
    links_rename(root, "LIF.md", "LIF2.md")
    assert (root / "z.md").stat().st_mtime_ns == mtime


_name = st.text(alphabet=string.ascii_letters + " é", min_size=1, max_size=8).map(str.strip).filter(bool)


@st.composite
def vaults(draw):
    folders = ["", "A/", "A/B/", "C/"]
    names = draw(st.lists(_name, min_size=2, max_size=5, unique_by=str.casefold))
    paths = [draw(st.sampled_from(folders)) + n + ".md" for n in names]
    files = {}
    for p in paths:
        chunks = []
        for _ in range(draw(st.integers(0, 5))):
            t = draw(st.sampled_from(paths))[:-3]
            form = draw(
                st.sampled_from(["[[{b}]]", "[[{p}|x]]", "![[{b}#H]]", "[l]({e})", "`[[{b}]]`", "%% [[{b}]] %%"])
            )
            chunks.append(form.format(b=t.rsplit("/", 1)[-1], p=t, e=t.replace(" ", "%20") + ".md"))
            chunks.append(draw(st.sampled_from([" ", "\n", " text ", "\n\n# H\n"])))
        files[p] = "".join(chunks)
    old = draw(st.sampled_from(paths))
    new = draw(st.sampled_from(folders)) + draw(_name) + ".md"
    return files, old, new


def _outside_targets(text):
    from vaultkit.vault.linkparse import parse

    out, pos = [], 0
    for link in sorted(parse(text).links, key=lambda lk: lk.tstart):
        out.append(text[pos : link.tstart])
        pos = link.tend
    return [*out, text[pos:]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vaults())
def test_rename_then_inverse_is_identity_and_only_link_spans_change(tmp_path_factory, case):
    files, old, new = case
    new_name = new.rsplit("/", 1)[-1].casefold()
    # A rename that creates or removes a duplicate name legitimately turns bare links into
    # paths (to keep them on target); the identity holds for renames that do not.
    assume(not any(p.rsplit("/", 1)[-1].casefold() == new_name for p in files))
    # Moving between the root and a folder turns a full path into a bare name (as Obsidian
    # does), which the inverse cannot tell from a bare name the author wrote.
    assume(("/" in old) == ("/" in new))
    root = write_vault(tmp_path_factory.mktemp("v"), files)
    before = snapshot(root)
    plan = plan_rename(vindex.build(root, use_cache=False), old, new)
    for old_text, new_text in plan.texts.values():
        assert _outside_targets(old_text) == _outside_targets(new_text)
    links_rename(root, old, new)
    links_rename(root, plan.moves[old], old)
    assert snapshot(root) == before


def test_canvas_path_spelled_with_other_escapes_is_refused_not_corrupted(vault):
    canvas = '{"nodes":[{"id":"1","type":"file","file":"plots\\/p.png"}]}'
    root = vault({"plots/p.png": b"png", "c.canvas": canvas})
    before = snapshot(root)
    result = rename(root, "plots/p.png", "plots/q.png")
    assert result.exit_code == 2 and "spelled unusually" in result.output
    assert snapshot(root) == before


def test_author_spelling_kept_when_the_link_still_reads_the_same(vault):
    # The moved file keeps its name, so the bare link stays; %C3%A9 is not re-spelled as é.
    root = vault({"Café.md": "", "a.md": "[x](Caf%C3%A9.md) [[Café]]\n"})
    assert rename(root, "Café.md", "sub/Café.md").exit_code == 0
    assert (root / "a.md").read_text() == "[x](Caf%C3%A9.md) [[Café]]\n"
    assert (root / "sub/Café.md").exists()


def test_rename_keeps_the_authors_case_when_the_link_still_resolves(vault):
    root = vault(
        {
            "Plugins/Command palette.md": "# Use it\n",
            "a.md": "[[command palette]] [[command palette#use it|cp]] [[plugins/command palette]] "
            "[x](Plugins/command%20palette.md)\n",
        }
    )
    assert rename(root, "Plugins", "Core plugins").exit_code == 0
    # Bare names still resolve: untouched. Paths lose their folder: only the folder part changes,
    # the author's "command palette" stays lower case.
    assert read(root, "a.md") == (
        "[[command palette]] [[command palette#use it|cp]] [[Core plugins/command palette]] "
        "[x](Core%20plugins/command%20palette.md)\n"
    )


def test_rename_changes_only_the_path_part_keeping_alias_anchor_and_style(vault):
    root = vault({"LIF.md": "# Top\n", "a.md": "[[lif#top|the factor]] ![[LIF\\|x]] [l](<LIF.md#Top>)\n"})
    assert rename(root, "LIF.md", "LIF cytokine.md").exit_code == 0
    assert read(root, "a.md") == "[[LIF cytokine#top|the factor]] ![[LIF cytokine\\|x]] [l](<LIF cytokine.md#Top>)\n"


def test_dry_run_diff_of_notes_without_a_final_line_break_keeps_each_header_on_its_line(vault):
    root = vault({"LIF.md": "", "a.md": "[[LIF]]", "b.md": "see [[LIF]]"})
    result = rename(root, "LIF.md", "LIF2.md", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines.count("\\ No newline at end of file") == 4
    assert "+++ b/b.md" in lines and "rename LIF.md -> LIF2.md" in lines
