"""Which file a link points to: every resolution rule of obsidian-links.md."""

from __future__ import annotations

from vaultkit.vault.resolve import Resolver


def r(paths, target, source="src.md"):
    return Resolver(paths).resolve(target, source)


def test_md_extension_optional_for_notes_only():
    paths = ["Genes/LIF.md", "plots/plot.png", "plot.md"]
    assert r(paths, "LIF").path == "Genes/LIF.md"
    assert r(paths, "LIF.md").path == "Genes/LIF.md"
    assert r(paths, "plot.png").path == "plots/plot.png"
    assert r(["plots/plot.png"], "plot").path is None


def test_case_and_unicode_normalisation():
    assert r(["Genes/LIF.md"], "lif").path == "Genes/LIF.md"
    assert r(["Café.md"], "cafe\u0301").path == "Café.md"  # NFD spelling finds the NFC name


def test_relative_links_are_exact_with_no_fallback():
    paths = ["a/b/x.md", "a/x.md", "x.md"]
    assert r(paths, "./x", "a/b/src.md").path == "a/b/x.md"
    assert r(paths, "../x", "a/b/src.md").path == "a/x.md"
    assert r(paths, "./y", "a/b/src.md").path is None
    assert r(["a/y.md", "y.md"], "./y", "b/src.md").path is None  # no search fallback
    res = r(paths, "../../../x", "a/src.md")
    assert res.path is None and res.outside


def test_exact_vault_path_wins():
    paths = ["Genes/LIF.md", "Other/Genes/LIF.md", "Note.md", "a/Note.md"]
    assert r(paths, "Genes/LIF").path == "Genes/LIF.md"
    assert r(paths, "Note", "a/src.md").path == "Note.md"


def test_suffix_match_is_by_whole_components():
    paths = ["a/x/Deep.md", "keynote.md"]
    assert r(paths, "x/Deep").path == "a/x/Deep.md"
    assert r(paths, "note").path is None
    assert r(["ax/Deep.md"], "x/Deep").path is None


def test_same_folder_wins_then_shortest_path():
    paths = ["long/folder/Note.md", "b/Note.md", "src/Note.md"]
    assert r(paths, "Note", "src/me.md").path == "src/Note.md"
    assert r(paths, "Note", "elsewhere/me.md").path == "b/Note.md"
    # Parent folders give no advantage.
    assert r(["long/Note.md", "b/Note.md"], "Note", "long/sub/me.md").path == "b/Note.md"


def test_equal_lengths_are_ambiguous_and_deterministic():
    res = r(["b/Note.md", "a/Note.md"], "Note", "c/me.md")
    assert res.path == "a/Note.md" and res.ambiguous and res.candidates == ("a/Note.md", "b/Note.md")


def test_self_link_and_markdown_relative_first():
    assert r(["n.md"], "", "n.md").path == "n.md"
    res = Resolver(["Genes/a b.md", "a b.md"])
    assert res.resolve_markdown("a b.md", "Genes/src.md").path == "Genes/a b.md"
    assert res.resolve_markdown("Genes/a b.md", "Genes/src.md").path == "Genes/a b.md"
    assert res.resolve_markdown("a b.md", "other/src.md").path == "a b.md"
