"""Text from the web made inert: it can never become a link, embed, comment, tag or HTML in a note."""

from __future__ import annotations

import html
import re

MAX_CHARS = 4000
_TAG = re.compile(r"<[^<>]{0,500}>")
_MD_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\(\s*[^()\s]*\s*\)")
_SPACE = re.compile(r"\s+")
# Only what can start a link, an embed or HTML is escaped; "[provided by RefSeq]" stays as NCBI wrote it.
_ESCAPE = re.compile(r"\[(?=\[)|(?<=\])\]|\](?=\()|(?<=!)\[|[<>`]")
_HASHTAG = re.compile(r"(^|\s)#(?=[^\s#])")


def clean(text: str, *, limit: int = MAX_CHARS) -> str:
    """One line of plain, escaped markdown from untrusted ``text``.

    HTML tags are dropped (entities decoded), markdown links keep only their
    text (so ``javascript:`` targets vanish), brackets and other markdown
    sequences are backslash-escaped (no ``[[link]]``, ``![[embed]]`` or ``[x](y)``),
    ``%%`` cannot open a comment, ``#word`` cannot become a tag, and the
    result is one line (no heading can start) of at most ``limit`` characters.
    """
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _TAG.sub(" ", text)  # entities may have hidden tags
    text = _MD_LINK.sub(r"\1", text)
    text = re.sub(r"(?i)javascript\s*:", "javascript\u200b:", text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = _ESCAPE.sub(lambda m: "\\" + m.group(0), text)
    text = re.sub(r"%(?=%)", r"%\\", text)  # "%%%" -> "%\%\%": no "%%" left to open a comment
    return _HASHTAG.sub(r"\1\\#", text)
