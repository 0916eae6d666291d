"""The one markdown reading: links, sections and adoption see the same structure, at the right offsets."""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit.vault import markdown, sections
from vaultkit.vault.linkparse import parse

# Pieces that make markdown structure: code, quotes, lists, tables, comments, math, HTML, line ends.
_PIECES = [
    "[[a]]",
    "![[p.png|300]]",
    "[t](n%20b.md#h)",
    "[[e#f|g]]",
    "\n## Head\n",
    "\n# Top #\n",
    "\n```\n[[in fence]]\n# not a heading\n```\n",
    "`[[code]]`",
    "``a ` [[b]]``",
    "\n> quoted [[q]]\n",
    "\n> # quoted heading\n",
    "\n- item [[li]]\n",
    "\n  - nested `c` [[n]]\n",
    "\n\n    indented [[ind]]\n",
    "\n| a | b |\n|---|---|\n| [[OSM\\|osm]] | `x` |\n",
    "%%",
    "$",
    "$$",
    "<span>",
    "</span>",
    "\n<div>\n[[html]]\n</div>\n",
    "\r\n",
    "\n",
    " ",
    "\t",
    "\\",
]
_notes = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(alphabet="ab #-*>|`[]\n", max_size=12)), max_size=14)


@settings(max_examples=400, deadline=None)
@given(_notes)
def test_every_link_is_found_where_it_is_written(parts):
    text = "".join(parts)
    for found in markdown.read(text).links:
        assert text[found.start : found.start + len(found.raw)] == found.raw
    for link in parse(text).links:
        raw = text[link.start : link.end]
        assert raw.startswith(("[", "!")) and raw.endswith(("]]", ")"))
        assert link.start <= link.tstart <= link.tend <= link.end
        assert text.count("\n", 0, link.start) + 1 == link.line


@settings(max_examples=400, deadline=None)
@given(_notes)
def test_links_and_sections_see_the_same_headings(parts):
    text = "".join(parts)
    assert [s.title for s in sections.sections(text)] == list(parse(text).headings)
    for s in sections.sections(text):
        assert markdown.HEADING_LINE.match(text[s.start : s.body_start].rstrip("\r\n"))


def test_code_hides_headings_and_links_from_everyone():
    text = "# Gene\n\n```\n## Plots\n[[x]]\n```\n\n~~~\n## sPAP\n~~~\n\n## Notes\n[[y]]\n"
    assert [s.title for s in sections.sections(text)] == ["Gene", "Notes"]
    assert [lk.target for lk in parse(text).links] == ["y"]


def test_the_reading_does_not_depend_on_whether_a_note_has_code():
    # A backtick anywhere sends a note to the parser; headings and links must not change with it.
    plain = "# A\n> # quoted\n- # listed\nText\n===\n## B ##\n[[x]] and [[y|z]]\n"
    with_code = plain + "`c`\n"
    assert markdown.needs_parser(with_code) and not markdown.needs_parser(plain)
    for text in (plain, with_code):
        assert [s.title for s in sections.sections(text)] == ["A", "B"]
        assert parse(text).headings == ("A", "B")
        assert [lk.target for lk in parse(text).links] == ["x", "y"]


def test_offsets_in_quotes_lists_and_crlf_notes_with_code():
    text = "# T\r\n\r\n> see `[[no]]` and [[a]]\r\n> - item [[b]]\r\n\r\n- x\r\n\r\n    [[c]] `k`\r\n"
    links = parse(text).links
    assert [lk.target for lk in links] == ["a", "b", "c"]
    assert [text[lk.start : lk.end] for lk in links] == ["[[a]]", "[[b]]", "[[c]]"]
    assert [lk.line for lk in links] == [3, 4, 8]


def test_offsets_on_indented_continuation_lines_and_in_closed_headings():
    for text in ("a `c`\n   [[x]]\n", "- a `c`\n     [[x]]\n", "> a `c`\n>    [[x]]\n", "## `c` [[x]] ##\n"):
        (link,) = parse(text).links
        assert text[link.start : link.end] == "[[x]]", text


def test_a_link_after_a_code_span_that_spans_lines_keeps_its_place():
    text = "> a `code\n> [[no]] more` then [[yes]]\n"
    (link,) = parse(text).links
    assert text[link.start : link.end] == "[[yes]]"


def test_table_links_keep_their_escaped_pipe_and_place():
    text = "> | a | b |\n> |---|---|\n> | `[[no]]` | [[OSM\\|osm]] |\n"
    (link,) = parse(text).links
    assert (link.target, link.display, link.escaped_pipe, link.in_table) == ("OSM", "osm", True, True)
    assert text[link.start : link.end] == "[[OSM\\|osm]]"


def test_comments_hide_headings_from_everyone_but_not_links():
    text = "# A\n%%\n## Hidden\n[[x]]\n%%\n## Shown `c`\n```\n%%\n```\n## After\n"
    assert [s.title for s in sections.sections(text)] == ["A", "Shown `c`", "After"]
    assert parse(text).headings == ("A", "Shown `c`", "After")
    ((link),) = parse(text).links
    assert link.in_comment


def test_html_blocks_hide_headings_and_links():
    text = "# A\n<!--\n## Old\n[[x]]\n-->\n<div>\n[[y]]\n</div>\n\n## B\n"
    assert [s.title for s in sections.sections(text)] == ["A", "B"]
    assert parse(text).links == ()


def test_a_list_continuation_is_not_indented_code():
    text = "- item\n\n    [[kept]] `c`\n"
    assert [lk.target for lk in parse(text).links] == ["kept"]


def test_a_tab_after_spaces_makes_indented_code_too():
    for text in (" \t[[x]]\n", "a\n\n   \t[[x]]\n"):
        assert markdown.needs_parser(text)
        assert parse(text).links == ()


def test_a_table_without_other_structure_is_read_as_a_table():
    table = "| a | b |\n|---|---|\n| [[OSM]] | c |\n"  # no escape, code or HTML: the table alone needs it
    plain = "See [[x]] and [t](y.md), a-b | c\n"
    assert markdown.needs_parser(table) and not markdown.needs_parser(plain)
    assert [(lk.target, lk.in_table) for lk in parse(table).links] == [("OSM", True)]
    assert [(lk.target, lk.in_table) for lk in parse(plain).links] == [("x", False), ("y.md", False)]


def test_code_blocks_are_whole_lines_of_the_note_and_leave_html_alone():
    text = "---\na: 1\n---\n<table><tr><td>LIF</td></tr></table>\n\n```\ncode\n```\n\n    indented\n"
    blocks = markdown.read(text).code_blocks
    assert [text[a:b] for a, b in blocks] == ["```\ncode\n```\n", "    indented\n"]


def test_a_nul_character_moves_no_link_and_stays_in_the_raw_text():
    # markdown-it turns NUL into U+FFFD; the offsets and raw text must still be the note's own.
    for text in ("> [[a]]\x00\n`c`\n", "# H [[a]]`\x00\n", "- x `c` [[a\x00b]] [[d]]\n"):
        assert markdown.needs_parser(text)
        found = markdown.read(text).links
        assert found
        for link in found:
            assert text[link.start : link.start + len(link.raw)] == link.raw, (text, link)
        for link in parse(text).links:
            assert text[link.start : link.end].startswith("[["), (text, link)


def test_a_lone_carriage_return_reads_the_same_with_code_or_without():
    # Obsidian ends lines at "\n" only: a "\r" is a character of the line, whichever path reads it.
    for plain in ("a\n\r# H\n", "# H\r[[a]]\n", "## Plots ##\r\n", "# H\r"):
        with_code = plain + "\n`c`\n"
        assert not markdown.needs_parser(plain) and markdown.needs_parser(with_code)
        heads = [h[:3] for h in markdown.read(with_code).headings]
        assert heads == [h[:3] for h in markdown.read(plain).headings], plain


def test_a_paragraph_opening_with_a_line_of_unicode_blanks_keeps_its_links_in_place():
    # markdown-it strips a paragraph's content with str.strip: a first line of only U+00A0 (no blank
    # line to markdown-it) is dropped from the content, and the lines after it must not move up.
    for text in ("\xa0\n[[a]] `c`\n", "> \xa0\n> [[a]] `c`\n", "x\n\n\u2003\n\xa0\nsee [[a]] `c`\n"):
        (link,) = markdown.read(text).links
        assert text[link.start : link.start + len(link.raw)] == "[[a]]", text
        assert link.line == text.count("\n", 0, link.start) + 1


def test_a_link_reference_definition_reads_the_same_with_code_or_without():
    # "[a]: dest" is a definition to markdown-it (no text of the note): the plain scan must not see
    # a link there that a backtick elsewhere in the note would hide.
    for plain in ("[a]: [[a]]\n", "> [x]:\n> [t](b.md)\n", "see [[c]]\n\n[a]: [[a]]\n"):
        with_code = plain + "\n`c`\n"
        assert markdown.needs_parser(with_code)
        assert markdown.read(plain).links == markdown.read(with_code).links, plain


def test_lone_carriage_returns_are_no_indent():
    # A "\r" not before "\n" is a character of its line to Obsidian, not a blank: four of them do
    # not make an indented code block of the line.
    plain = "\r\r\r\r[[a]]\n"
    with_code = plain + "\n`c`\n"
    assert [lk.start for lk in markdown.read(with_code).links] == [4]
    assert markdown.read(with_code).links == markdown.read(plain).links


def test_a_comment_mark_in_code_opens_no_comment_in_any_paragraph():
    # Whether the paragraph with the code span also holds a "[" must not decide what is hidden.
    for first in ("Write `%%` to hide text.", "Write `%%` to hide [text]."):
        text = first + "\n\n## Plots\n\nLater, %% a real comment %%\n"
        assert [s.title for s in sections.sections(text)] == ["Plots"], first


# Notes whose only structure is code: fences (closed, open, longer, with info), code spans, links
# beside and inside them, and what makes the fenced scan hand a note to the parser.
_CODE_PIECES = [
    "[[a]]",
    "![[p.png|300]]",
    "[t](n%20b.md#h)",
    "[x](a`b)",
    "[a]( b)",
    "[[x`y]]",
    "\n## Head\n",
    "\n# Top `x` #\n",
    "\n```\n[[in fence]]\n# not a heading\n```\n",
    "\n```py\n[[f]]\n",
    "\n````\n```\n[[x]]\n````\n",
    "\n  ```\n",
    "`[[code]]`",
    "``a ` [[b]]``",
    "\n> quoted [[q]]\n",
    "\n- item `c` [[li]]\n",
    "%%",
    "$",
    "`",
    "``",
    "```",
    "](",
    "|\n---\n",  # a table's head: no fence, no code span where markdown-it sees a table
    "\n",
    "\n\n",
    " ",
]
_code_notes = st.lists(
    st.one_of(st.sampled_from(_CODE_PIECES), st.text(alphabet="ab #->`[]()!\n", max_size=10)), max_size=16
)


@settings(max_examples=600, deadline=None)
@given(_code_notes)
def test_the_fenced_scan_reads_code_as_the_parser_does(parts):
    body = "".join(parts)
    fenced = markdown._scan_fenced(body) if markdown._only_code(body) else None
    if fenced is None:
        return
    found, heads, _, blocks = markdown._scan_parsed(body)
    assert (fenced[0], fenced[1], fenced[3]) == (found, heads, blocks)
    with patch.object(markdown, "_only_code", return_value=False):
        by_parser = markdown.read(body)
    assert markdown.read(body) == by_parser


def test_a_note_with_fences_and_code_spans_is_read_without_the_parser():
    # The fast path for notes with code: it must stay taken for what most notes with code look like.
    for body in (
        "# Gene\n\n```python\nx = [[1]]\n```\n\nSee [[MYC]] and `code` here.\n",
        "Use `[[x]]` in text.\n```\nunclosed [[y]]\n",
        "## Plots\n````\n```\n````\n- item `a` [[b]]\n",
    ):
        assert markdown.needs_parser(body) and markdown._scan_fenced(body) is not None, body


def test_code_the_fenced_scan_cannot_place_goes_to_the_parser():
    for body in (
        "- ```\n  [[a]]\n  ```\n",  # a fence inside a list item
        "> ```\n> [[a]]\n",  # inside a quote
        "  ```\n[[a]]\n```\n",  # indented
        "a `code\nacross` [[b]]\n",  # a code span over two lines
        "[a]( b`) [[L]] `c\n",  # markdown-it's link rule takes the first backtick
        ">     [[x]] `c`\n",  # indented code inside a quote
    ):
        assert not markdown._only_code(body) or markdown._scan_fenced(body) is None, body


def test_a_table_whose_dashes_have_no_pipe_or_sit_in_a_quote_is_a_table_in_every_path():
    # markdown-it reads "a|" over "---" as a one-column table, and a quoted table as a table: a link
    # there is in a table (its "|" is escaped when rewritten), whether or not the note has code.
    for plain in ("a|\n---\n[[x]]\n", "> | a | b |\n> |---|---|\n> | [[x]] | c |\n", "```~|\n---\n[[x]]\n"):
        assert markdown.needs_parser(plain)
        assert [lk.in_table for lk in parse(plain).links] == [True], plain
        with_code = plain + "\n`c`\n"
        assert [lk.in_table for lk in parse(with_code).links] == [True], plain


def test_long_runs_of_blanks_pipes_and_lines_are_read_in_one_pass():
    # Notes a hostile or broken tool may write: each of these took minutes when a pattern could try every
    # split of a run (a heading's blanks before its last word, a table's blanks, "|" or blank lines).
    for text in (
        "# a" + " " * 30000 + "b\n",
        "|-\n" + "\n" * 30000,
        "|-\n" + "\r" * 30000,
        "a|\n" + " " * 30000 + "x\n",
        "-\n" + "|" * 30000 + "\n",
        "> " + " \t" * 15000 + "[[x]]\n",
        "](`" * 30000,  # a "](" beside code on one long line: each checked against the spans it may be in
        "`a` ](" * 20000,
    ):
        for with_code in (text, text + "\n`c`\n"):
            markdown.read(with_code)
            sections.sections(with_code)


def test_a_closing_run_is_no_part_of_a_heading_in_any_path():
    for line, title in (
        ("## Plots ##", "Plots"),
        ("## Plots#", "Plots#"),
        ("# # #", "#"),
        ("# ###", "###"),
        ("## a ## b", "a ## b"),
        ("## sPAP %% mine %% ##", "sPAP"),
        ("#\tx \t#\t ", "x"),
    ):
        for text in (line + "\n", line + "\r\n", line + "\n`c`\n"):
            assert [h.title for h in markdown.read(text).headings] == [title], (text, title)
