"""What is a link: every syntax rule of obsidian-links.md."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit.vault import markdown
from vaultkit.vault.linkparse import parse


def targets(text: str) -> list[str]:
    return [link.target for link in parse(text).links]


def test_wiki_forms_and_parts():
    links = parse("[[a]] [[b|Shown]] [[c#Head]] [[d#H#Sub]] [[e#^blk]] [[#Local]] ![[p.png]]").links
    assert [(lk.target, lk.subpath, lk.display, lk.embed) for lk in links] == [
        ("a", "", None, False),
        ("b", "", "Shown", False),
        ("c", "#Head", None, False),
        ("d", "#H#Sub", None, False),
        ("e", "#^blk", None, False),
        ("", "#Local", None, False),
        ("p.png", "", None, True),
    ]


def test_display_starts_at_first_pipe_and_subpath_at_first_hash_before_it():
    (link,) = parse("[[a#b|c#d|e]]").links
    assert (link.target, link.subpath, link.display) == ("a", "#b", "c#d|e")


def test_image_size_sits_in_display_slot():
    assert [lk.display for lk in parse("![[p.png|300]] ![[q.png|300x200]] ![r|300](plots/r.png)").links] == [
        "300",
        "300x200",
        "r|300",
    ]


def test_escaped_pipe_in_table_row():
    text = "| a | b |\n|---|---|\n| [[OSM\\|osm]] | ![[p.png\\|100]] |\n"
    links = parse(text).links
    assert [(lk.target, lk.display, lk.in_table, lk.escaped_pipe) for lk in links] == [
        ("OSM", "osm", True, True),
        ("p.png", "100", True, True),
    ]


def test_a_pipe_line_without_dashes_makes_no_table():
    # GFM needs dashes in the delimiter row; a loose "|" line must not cut the link above at its pipe.
    for text in ("See [[LIF|the gene]] and `code`\n|\n", "![[b.png|3]]\n| x |\n"):
        (link,) = parse(text).links
        assert link.target in ("LIF", "b.png") and not link.in_table


def test_markdown_links_are_percent_decoded_and_angle_form():
    links = parse("[t](Gene%20Notes/OSM%20receptor.md) [u](<Gene Notes/OSM receptor.md>) ![alt](p.png)").links
    assert [(lk.kind, lk.target, lk.embed, lk.angle) for lk in links] == [
        ("markdown", "Gene Notes/OSM receptor.md", False, False),
        ("markdown", "Gene Notes/OSM receptor.md", False, True),
        ("markdown", "p.png", True, False),
    ]


def test_raw_space_and_external_urls_are_not_vault_links():
    assert targets("[t](Gene Notes/x.md) [w](https://x.org/a) [m](mailto:a@b.c) [o](obsidian://open?x)") == []


def test_frontmatter_quoted_links_only():
    text = '---\nrelated: "[[OSM]]"\nlist:\n  - "[[IL6]]"\nnested: [[NotALink]]\n---\nbody\n'
    links = parse(text).links
    assert [(lk.kind, lk.target, lk.line) for lk in links] == [("frontmatter", "OSM", 2), ("frontmatter", "IL6", 4)]


def test_code_hides_links_but_comments_do_not():
    text = (
        "`[[inline]]`\n\n```\n[[fenced]]\n```\n\n~~~\n[[tilde]]\n~~~\n\n    [[indented]]\n\n"
        "%% [[commented]] %%\n\n[[real]]\n"
    )
    links = parse(text).links
    assert [(lk.target, lk.in_comment) for lk in links] == [("commented", True), ("real", False)]
    # The span of the real link is the real one, not the copy inside code.
    (real,) = [lk for lk in links if lk.target == "real"]
    assert text[real.start : real.end] == "[[real]]" and real.line == 15


def test_link_after_code_with_same_text_gets_the_right_span():
    text = "`[[x]]` and [[x]]\n"
    (link,) = parse(text).links
    assert link.start == text.rindex("[[x]]")


def test_trimming_line_breaks_and_nesting():
    assert targets("[[ LIF ]]") == ["LIF"]
    assert targets("[[a\nb]]") == []
    assert targets("[[Sq]uare]]") == ["Sq]uare"]
    assert targets("[[Outer [[Inner]] x]]") == ["Inner"]
    assert targets("an unclosed [[x here") == []
    assert targets("[[]]") == []


def test_line_numbers_count_frontmatter():
    text = "---\na: 1\n---\n\n[[x]]\n"
    assert [lk.line for lk in parse(text).links] == [5]


def test_headings_and_block_ids():
    note = parse("# One\n## Two #\ntext ^blk-1\n```\n# not\n```\n")
    assert note.headings == ("One", "Two")
    assert note.block_ids == ("blk-1",)


def test_target_span_is_only_the_path():
    text = "see ![[ p.png |300]] and [t](a%20b.md#h)\n"
    spans = [text[lk.tstart : lk.tend] for lk in parse(text).links]
    assert spans == ["p.png", "a%20b.md"]


_words = st.text(alphabet="abcXYZ é#|![]()`%\n-*_> =\t$", max_size=40)


# Pieces that make structure the plain scan must notice or leave to the parser: tables (with and without
# pipes in the dashes, in a quote), quotes and list items with four blanks after the marker (indented code).
_STRUCTURE = ["a|\n---\n", "| x | y |\n|---|---|\n", "> a|b\n> -|-\n", ">     ", "-     ", "\n    ", "\n> ", "\n- "]


@settings(max_examples=800, deadline=None)
@given(
    st.lists(
        st.one_of(
            _words,
            st.sampled_from(["[[a]]", "![[b.png|3]]", "[c](d.md)", "[[e#f|g]]", "\n## H\n", "\n# T #\n", *_STRUCTURE]),
        ),
        max_size=8,
    )
)
def test_plain_scan_agrees_with_the_parser_when_no_code_is_possible(parts):
    # Links with their place and whether they are in a table (a rename escapes their "|" there), headings.
    body = "".join(parts)
    if markdown.needs_parser(body):
        return
    plain = markdown._scan_plain(body)
    parsed = markdown._scan_parsed(body)
    assert plain[0] == parsed[0]
    assert plain[1] == parsed[1]
