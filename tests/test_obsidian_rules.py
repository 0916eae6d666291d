"""Anchors, math, code and markdown links exactly as Obsidian reads them: one named test per rule of obsidian-links.md."""

from __future__ import annotations

import pytest

from vaultkit.vault import index as vindex
from vaultkit.vault.check import check
from vaultkit.vault.linkparse import parse
from vaultkit.vault.resolve import Resolver


def missing(vault, note: str, links: str) -> list[str]:
    """The anchors ``links check`` reports as missing when ``links`` (in a.md) point into ``note`` (n.md)."""
    root = vault({"n.md": note, "a.md": links})
    return [m["anchor"] for m in check(vindex.build(root, use_cache=False)).missing_anchors]


def targets(text: str) -> list[str]:
    return [link.target for link in parse(text).links]


# --- heading anchors: ASCII punctuation stripped on both sides, whitespace collapsed, case ignored ---


def test_anchor_rule_punctuation_is_stripped_on_both_sides(vault):
    assert missing(
        vault, "## What's new?\n", "[[n#Whats new]] [[n#What's new?]] [[n#What-s new]] [[n#What s new]]"
    ) == ["#What s new"]


def test_anchor_rule_a_heading_inside_a_comment_is_no_heading(vault):
    note = "## Seen\n%%\n## Hidden\n## Both\n%%\n## Both\n"
    assert missing(vault, note, "[[n#Seen]] [[n#Hidden]] [[n#Both]]") == ["#Hidden"]


def test_anchor_rule_backticks_are_punctuation_too(vault):
    assert missing(vault, "# `move`\n## `git` log\n", "[[n#`move`]] [[n#move]] [[n#git log]] [[n#`git` `log`]]") == []


def test_anchor_rule_backtick_link_to_the_same_note(vault):
    root = vault({"a.md": "# `move`\n[[#`move`]] [[#`gone`]]\n"})
    assert [m["anchor"] for m in check(vindex.build(root, use_cache=False)).missing_anchors] == ["#`gone`"]


def test_anchor_rule_whitespace_is_collapsed(vault):
    assert missing(vault, "# Q:  what   next\n", "[[n#q what next]] [[n#Q:\twhat next]]") == []


def test_anchor_rule_case_is_ignored(vault):
    # Lower-cased as JavaScript does (Obsidian's toLowerCase): "ß" is not "ss".
    assert missing(vault, "# Über Größe\n", "[[n#über größe]] [[n#ÜBER GRÖẞE]] [[n#über grösse]]") == ["#über grösse"]


def test_anchor_rule_stripping_joins_words_it_does_not_split_them(vault):
    # "a:b" is "ab" once stripped, never "a b": a different anchor.
    assert missing(vault, "# a:b\n", "[[n#ab]] [[n#a b]]") == ["#a b"]


def test_anchor_rule_non_ascii_punctuation_stays(vault):
    assert missing(vault, "# Gene «X»\n", "[[n#Gene «X»]] [[n#Gene X]]") == ["#Gene X"]


def test_anchor_rule_every_part_of_a_nested_subpath_must_exist(vault):
    assert missing(vault, "# A\n## B?\n", "[[n#a#b]] [[n#A#C]]") == ["#A#C"]


def test_anchor_rule_markdown_link_anchors_are_percent_decoded(vault):
    assert missing(vault, "## What's new?\n", "[t](n.md#What's%20new) [u](n.md#Nope%20here)") == ["#Nope here"]


# --- what is not a link: math and code; comments still count -------------------------------------


def test_math_rule_inline_dollars_hide_links():
    assert targets("$a [[in]] b$ and [[out]]") == ["out"]


def test_math_rule_block_dollars_hide_links_across_lines():
    assert targets("$$\n\\text{[[in]]}\n$$\n[[out]]\n") == ["out"]
    assert targets("inline $$ [[in]] $$ then [[out]]") == ["out"]


def test_math_rule_prices_are_not_math():
    # Pandoc's rule: no space after the opening $, none before the closing one, no digit after it.
    assert targets("costs $5 and [[a]] or $6") == ["a"]
    assert targets("from $ 5 [[b]] to 6 $") == ["b"]


def test_math_rule_escaped_dollar_opens_nothing():
    assert targets(r"\$x [[a]] y$ z") == ["a"]


def test_math_rule_a_dollar_in_code_opens_nothing():
    assert targets("`$x` [[a]] `y$`") == ["a"]
    assert targets("```\n$$\n```\n[[a]]\n```\n$$\n```\n") == ["a"]


def test_math_rule_a_dollar_inside_a_link_opens_nothing():
    assert targets("[[a|cost $x]] and [[b|$y]]") == ["a", "b"]
    assert targets("$[[in]]$ [[out]]") == ["out"]


def test_math_rule_a_link_after_math_keeps_its_place():
    text = "$x$ [[a]]\n"
    (link,) = parse(text).links
    assert text[link.start : link.end] == "[[a]]"


def test_code_rule_inline_fenced_and_indented_code_hide_links():
    assert targets("`[[a]]`\n\n```\n[[b]]\n```\n\n~~~\n[[c]]\n~~~\n\n    [[d]]\n\n[[e]]\n") == ["e"]


def test_comment_rule_comments_do_not_hide_links():
    links = parse("%% [[a]] %%\n%%\n[[b]]\n%%\n").links
    assert [(lk.target, lk.in_comment) for lk in links] == [("a", True), ("b", True)]


# --- resolution: markdown links relative to the note first; wiki links by vault path -------------

PATHS = ["x.md", "a/x.md", "a/b/y.md", "y.md", "a/pic.png", "pic.png"]


@pytest.mark.parametrize(
    ("dest", "want"),
    [
        ("x.md", "a/x.md"),
        ("pic.png", "a/pic.png"),
        ("b/y.md", "a/b/y.md"),
        ("y.md", "y.md"),
        ("./x.md", "a/x.md"),
        ("../x.md", "x.md"),
    ],
)
def test_markdown_rule_relative_to_the_note_first(dest, want):
    (link,) = parse(f"[t]({dest})").links
    assert Resolver(PATHS).resolve_link(link, "a/src.md").path == want


def test_markdown_rule_relative_destination_has_no_fallback():
    (link,) = parse("[t](./y.md)").links
    assert Resolver(PATHS).resolve_link(link, "a/src.md").path is None


def test_wiki_rule_exact_vault_path_wins_over_the_notes_folder():
    (link,) = parse("[[x]]").links
    assert Resolver(PATHS).resolve_link(link, "a/src.md").path == "x.md"
    (link,) = parse("[[pic.png]]").links
    assert Resolver(PATHS).resolve_link(link, "a/src.md").path == "pic.png"


def test_markdown_rule_percent_decoded_before_resolving():
    (link,) = parse("[t](b/y%2Emd) [u](<b/y.md>)").links[:1]
    assert Resolver(PATHS).resolve_link(link, "a/src.md").path == "a/b/y.md"
