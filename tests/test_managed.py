"""vault.managed: what vaultkit wrote is rewritten, what the user wrote is kept, --force hands it over."""

from __future__ import annotations

import pytest

from vaultkit.vault import managed
from vaultkit.vault.managed import Block, NoteUpdate, merge_block, merge_file, merge_properties

NCBI = Block("ncbi", "NCBI", "new summary", parent=("Info",))


def update(text: str, state: dict | None = None) -> NoteUpdate:
    state = state or {}
    return NoteUpdate(text, {"blocks": dict(state.get("blocks", {})), "props": dict(state.get("props", {}))})


def test_block_written_then_rewritten_while_unedited():
    first = update("# Info\n")
    merge_block(first, NCBI, force=False)
    assert first.text == "# Info\n### NCBI\nnew summary\n"
    second = update(first.text, first.state)
    merge_block(second, Block("ncbi", "NCBI", "newer summary", parent=("Info",)), force=False)
    assert second.text == "# Info\n### NCBI\nnewer summary\n" and not second.conflicts


@pytest.mark.parametrize("force", [False, True])
def test_edited_block_is_a_conflict_unless_forced(force):
    first = update("# Info\n")
    merge_block(first, NCBI, force=False)
    edited = update(first.text.replace("new summary", "my words"), first.state)
    merge_block(edited, Block("ncbi", "NCBI", "newer", parent=("Info",)), force=force)
    if force:
        assert "newer" in edited.text and edited.trashed == [("ncbi", "my words\n")]
    else:
        assert "my words" in edited.text and edited.conflicts


def test_pasted_section_is_kept_and_deleted_one_stays_deleted():
    pasted = update("# Info\n### NCBI\npasted by hand\n")
    merge_block(pasted, NCBI, force=False)
    assert pasted.kept == ["NCBI"] and "pasted by hand" in pasted.text
    deleted = update("# Info\n", {"blocks": {"ncbi": {"text": "old", "sha": managed.digest("old")}}})
    merge_block(deleted, NCBI, force=False)
    assert deleted.text == "# Info\n"


def test_property_changed_by_hand_is_kept():
    note = update("---\nsymbol: LIF\n---\n", {"props": {"symbol": "OLD"}})
    merge_properties(note, {"symbol": "NEW"}, force=False)
    assert note.text == "---\nsymbol: LIF\n---\n" and note.conflicts


def test_whole_file_merge():
    last = managed.file_record("v1")["file"]
    never = {"force": False, "ours": lambda _t: False}
    assert merge_file(None, "v2", None, **never).write  # new
    assert not merge_file(None, "v2", last, **never).write  # the user deleted it
    assert merge_file("v2", "v2", last, **never).current
    assert merge_file("v1", "v2", last, **never).write  # still ours
    assert merge_file("edited", "v2", last, **never).conflict
    assert merge_file("theirs", "v2", None, **never).kept
    assert merge_file("old format", "v2", None, force=False, ours=lambda t: t == "old format").write
    forced = merge_file("edited", "v2", last, force=True, ours=lambda _t: False)
    assert forced.write and forced.trash_old
