"""Frontmatter: bytes untouched unless a key changes; then only that key's lines."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit.vault import frontmatter

NOTE = "---\n# my comment\nzeta: 1\ntags: [a, b]   # flow style kept\nlist:\n  - x\n  - y\nname: 'quoted'\n---\nbody\n"


def test_unchanged_values_leave_bytes_alone():
    assert frontmatter.update(NOTE, {"zeta": 1, "tags": ["a", "b"], "name": "quoted"}) == NOTE


def test_changed_key_rewritten_in_place_others_untouched():
    out = frontmatter.update(NOTE, {"zeta": 2, "new": "v"})
    assert (
        out
        == "---\n# my comment\nzeta: 2\ntags: [a, b]   # flow style kept\nlist:\n  - x\n  - y\nname: 'quoted'\nnew: v\n---\nbody\n"
    )


def test_list_value_replaced_and_key_removed():
    out = frontmatter.update(NOTE, {"list": ["z"], "name": None})
    assert out == "---\n# my comment\nzeta: 1\ntags: [a, b]   # flow style kept\nlist:\n  - z\n---\nbody\n"


def test_note_without_frontmatter_gets_one_and_crlf_kept():
    assert frontmatter.update("body\n", {"a": 1}) == "---\na: 1\n---\nbody\n"
    crlf = "---\r\na: 1\r\n---\r\nbody\r\n"
    assert frontmatter.update(crlf, {"a": 2}) == "---\r\na: 2\r\n---\r\nbody\r\n"


def test_broken_yaml_is_never_rewritten():
    with pytest.raises(ValueError, match="broken YAML"):
        frontmatter.update("---\na: [x\n---\n", {"a": 1})
    fm = frontmatter.find("---\nok: 1\nbad: [x\n---\n")
    assert fm.data is None and fm.error_line == 4


def test_no_final_newline_kept():
    assert frontmatter.update("---\na: 1\n---\nbody", {"b": 2}) == "---\na: 1\nb: 2\n---\nbody"


_keys = st.from_regex(r"[a-z][a-z_]{0,6}", fullmatch=True)
_values = st.one_of(
    st.integers(-5, 5),
    st.text("abc xyz", max_size=6),
    st.lists(st.text("abc", min_size=1, max_size=3), max_size=3),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=5), st.dictionaries(_keys, _values, max_size=3))
def test_update_sets_exactly_the_changes(original, changes):
    text = "---\n" + yaml.safe_dump(original, sort_keys=False) + "---\nbody\n" if original else "body\n"
    out = frontmatter.update(text, changes)
    data = frontmatter.find(out).data if frontmatter.find(out) else {}
    expected = {**original, **changes}
    expected = {k: v for k, v in expected.items() if not (k in changes and changes[k] is None)}
    assert data == expected
    assert out.endswith("body\n")
