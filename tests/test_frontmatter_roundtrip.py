"""Frontmatter edits keep every byte of the user's YAML that is not the value being changed."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit.vault import frontmatter

KEYS = ["zeta", "tags", "name", "aliases", "r_sPAP", "symbol", "notes"]
WORD = st.text("abcxyz+", min_size=1, max_size=5)  # "+": also a block scalar's keep indicator

# Each style renders a key's lines exactly as a user may write them.
STYLES = {
    "plain": lambda k, w: [f"{k}: {w[0]}\n"],
    "comment": lambda k, w: [f"{k}: {w[0]}   # why {w[1]}\n"],
    "single": lambda k, w: [f"{k}: '{w[0]}''s'\n"],
    "double": lambda k, w: [f'{k}: "{w[0]} \\"q\\""  # c\n'],
    "int": lambda k, w: [f"{k}: {len(w[0])}\n"],
    "plain_lines": lambda k, w: [f"{k}: {w[0]}\n", f"  {w[1]}\n", f"  {w[2]}\n"],
    "double_lines": lambda k, w: [f'{k}: "{w[0]}\n', f'  {w[1]}"\n'],
    "literal": lambda k, w: [f"{k}: |\n", f"  {w[0]}\n", f"    {w[1]}\n", f"  # not a comment {w[2]}\n"],
    "folded": lambda k, w: [f"{k}: >-\n", f"  {w[0]}\n", f"  {w[1]}\n"],
    "flow": lambda k, w: [f"{k}: [{w[0]}, '{w[1]}']  # flow\n"],
    "block": lambda k, w: [f"{k}:\n", f"  - {w[0]}\n", f"  # between {w[2]}\n", f"  - '{w[1]}'\n"],
    "block_flush": lambda k, w: [f"{k}:\n", f"- {w[0]}\n", f"- {w[1]}\n"],
    "empty": lambda k, w: [f"{k}:\n"],
}
FILLERS = ["# a full-line comment\n", "\n", "#\n"]


@st.composite
def notes(draw):
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=5))
    lines: list[str] = []
    entries: dict[str, tuple[int, int]] = {}
    for key in keys:
        lines += draw(st.lists(st.sampled_from(FILLERS), max_size=2))
        words = draw(st.lists(WORD, min_size=3, max_size=3))
        start = len(lines)
        lines += STYLES[draw(st.sampled_from(sorted(STYLES)))](key, words)
        entries[key] = (start + 1, len(lines) + 1)  # +1: the opening fence
    lines += draw(st.lists(st.sampled_from(FILLERS), max_size=2))
    body = draw(st.sampled_from(["body\n", "body", "", "# Title\n\ntext\n"]))
    note = ["---\n", *lines, "---\n", *body.splitlines(keepends=True)]
    if draw(st.booleans()):
        note = [line.replace("\n", "\r\n") for line in note]
    return note, entries


VALUES = st.one_of(
    st.integers(-3, 300),
    st.text("ab :#'\"-\n", max_size=8),
    st.sampled_from(["yes", "null", "1.5", "[x]", "{a: 1}", "- a", "x # y"]),
    st.lists(st.text("ab :#'-", min_size=1, max_size=4), max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(notes(), st.sampled_from(KEYS), VALUES)
def test_only_the_changed_keys_lines_change(note, key, value):
    lines, entries = note
    text = "".join(lines)
    original = yaml.safe_load(text.split("---", 2)[1].replace("\r\n", "\n")) or {}
    out = frontmatter.update(text, {key: value})
    assert frontmatter.find(out).data == {**original, key: value}
    out_lines = out.splitlines(keepends=True)
    if key in original and original[key] == value and type(original[key]) is type(value):
        assert out == text
    elif key in entries:
        start, end = entries[key]
        assert out_lines[:start] == lines[:start]
        tail = lines[end:]
        assert out_lines[len(out_lines) - len(tail) :] == tail
        assert len(out_lines) - len(tail) > start
    else:  # appended at the end of the frontmatter, before the closing fence
        close = lines.index("---" + lines[0][3:], 1)
        assert out_lines[:close] == lines[:close]
        assert out_lines[len(out_lines) - (len(lines) - close) :] == lines[close:]
    nl = "\r\n" if "\r\n" in text else "\n"
    assert all(line.endswith(nl) for line in out_lines[:-1])


@settings(max_examples=200, deadline=None)
@given(notes(), st.sampled_from(KEYS))
def test_removing_a_key_removes_exactly_its_lines(note, key):
    lines, entries = note
    text = "".join(lines)
    out = frontmatter.update(text, {key: None})
    if key not in entries:
        assert out == text
    else:
        start, end = entries[key]
        assert out == "".join(lines[:start] + lines[end:])


def change(yaml_lines: str, **changes) -> str:
    note = f"---\n{yaml_lines}---\nbody\n"
    out = frontmatter.update(note, changes)
    assert out.startswith("---\n") and out.endswith("---\nbody\n")
    return out[4 : -len("---\nbody\n")]


def test_trailing_comment_and_key_spelling_kept_for_a_one_line_value():
    assert change("'zeta': 1   # count\nb: 2\n", zeta=2) == "'zeta': 2   # count\nb: 2\n"


@pytest.mark.parametrize(
    ("before", "value", "after"),
    [
        ("name: 'old'  # q\n", "it's", "name: 'it''s'  # q\n"),
        ('name: "old"\n', 'say "hi"', 'name: "say \\"hi\\""\n'),
        ("name: old\n", "yes", "name: 'yes'\n"),
        ("tags: [a, b]   # flow style kept\n", ["a", "b", "gene"], "tags: [a, b, gene]   # flow style kept\n"),
    ],
)
def test_quoting_and_flow_style_kept(before, value, after):
    key = before.split(":")[0]
    assert change(before + "z: 1\n", **{key: value}) == after + "z: 1\n"


def test_multiline_quoted_value_replaced_whole_and_nothing_after_touched():
    before = 'a: "first\n  second"\n# keep me\nb: [x,   y]\n'
    assert change(before, a="new") == "a: new\n# keep me\nb: [x,   y]\n"


def test_multiline_plain_value_replaced_whole():
    assert change("a: one\n  two\n  three\nb: 1\n", a=["x"]) == "a:\n  - x\nb: 1\n"


@pytest.mark.parametrize("indicator", ["|", ">", "|-", ">+", "|2"])
def test_block_scalars_replaced_whole(indicator):
    before = f"# c\na: {indicator}\n    x\n    # not a comment\n\nb: 1  # t\n"
    out = change(before, a="v")
    assert out.endswith("b: 1  # t\n") and out.startswith("# c\na: v\n")
    assert yaml.safe_load(out) == {"a": "v", "b": 1}


def test_block_scalar_unchanged_is_untouched():
    before = "a: |\n  x\n\n  y\nb: 1\n"
    assert change(before, a="x\n\ny\n", b=2) == "a: |\n  x\n\n  y\nb: 2\n"


def test_block_list_with_comments_inside_replaced_whole_trailing_comment_kept():
    before = "tags:\n  - a\n  # inside\n  - b\n# after the list\n\nz: 1\n"
    assert change(before, tags=["a", "b", "gene"]) == "tags:\n  - a\n  - b\n  - gene\n# after the list\n\nz: 1\n"


def test_a_plus_in_a_value_is_not_a_keep_indicator():
    # Only a "|+" or ">+" block scalar keeps the blank lines and comments after it; a "+" in a list item does not.
    before = "tags:\n  - a+b\n# after the list\n\nz: 1\n"
    assert change(before, tags=["c"]) == "tags:\n  - c\n# after the list\n\nz: 1\n"


@pytest.mark.parametrize("yaml_lines", ["", "# only a comment\n", "\n"])
def test_keys_added_to_a_frontmatter_without_keys_are_not_indented(yaml_lines):
    assert change(yaml_lines, a=1, b=["x"]) == yaml_lines + "a: 1\nb:\n  - x\n"


def test_new_key_appended_after_trailing_comments():
    assert change("a: 1\n# last words\n", new="v") == "a: 1\n# last words\nnew: v\n"


def test_unknown_keys_and_order_kept():
    before = "zz: {nested: [1, 2]}\naa: 1\nmm: !!str 3\n"
    assert change(before, aa=2) == "zz: {nested: [1, 2]}\naa: 2\nmm: !!str 3\n"


def test_crlf_and_missing_final_newline():
    note = "---\r\na: 1\r\nb:\r\n  - x\r\n---\r\nbody"
    assert frontmatter.update(note, {"b": ["y"], "c": 3}) == "---\r\na: 1\r\nb:\r\n  - y\r\nc: 3\r\n---\r\nbody"


def test_alias_to_a_changed_value_is_refused_not_broken():
    note = "---\na: &x 1\nb: *x\n---\n"
    with pytest.raises(ValueError, match="by hand"):
        frontmatter.update(note, {"a": 2})


def test_indented_mapping_keeps_its_indent():
    assert change("  a: 1\n  b:\n    - x\n", b=["y"], c=1) == "  a: 1\n  b:\n    - y\n  c: 1\n"
