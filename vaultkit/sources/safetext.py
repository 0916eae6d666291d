"""Text from the web made inert: it can never become a link, embed, comment, tag, heading or HTML in a note."""

from __future__ import annotations

import html
import re
from typing import Any

MAX_CHARS = 4000
MAX_SECTION_CHARS = 20_000  # one fetched section of a note (a UniProt text, a list of papers)
_TAG = re.compile(r"<[^<>]{0,500}>")
_MD_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\(\s*[^()\s]*\s*\)")
_SPACE = re.compile(r"\s+")
# Bidi overrides and isolates (the "Trojan Source" characters), other invisible format characters,
# and C0/C1 controls: none belongs in a title, and each can make a note show what it does not hold.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
# Only what can start markdown is escaped; "[provided by RefSeq]" stays as NCBI wrote it:
# "\" itself (so no escape of ours can be undone), "[[", "]]", "](", "][", "]:", "![", "[^" (footnote),
# the "(" of "](", "^" (block id, inline footnote), "$" (math), "<", ">" (HTML,
# quote, callout), "`", and "#" at the start or after a space (heading, tag).
_ESCAPE = re.compile(r"\\|\[(?=[\[^])|(?<=\])\]|\](?=[(\[:])|(?<=\])\(|(?<=!)\[|[<>`$^]|(?:^|(?<=\s))#")
_DOI = re.compile(r"10\.\d{4,9}/[-._;()/:A-Za-z0-9]{1,200}")
_DIGITS = re.compile(r"[0-9]{1,12}")
_YEAR = re.compile(r"(1[5-9]|20)[0-9]{2}")


def clean(text: Any, *, limit: int = MAX_CHARS) -> str:
    """One line of plain, escaped markdown from untrusted ``text`` ("" for anything not a string or number).

    HTML tags are dropped (entities decoded), markdown links keep only their
    text (so ``javascript:`` targets vanish), invisible and bidi control
    characters are removed, brackets and other markdown sequences are
    backslash-escaped (no ``[[link]]``, ``![[embed]]``, ``[x](y)``, ``[^1]``,
    ``^block``, ``$math$``), ``%%`` cannot open a comment, ``#`` can start
    neither a tag nor a heading, and the result is one line of at most
    ``limit`` characters.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        return ""
    text = _INVISIBLE.sub("", str(text))
    text = _TAG.sub(" ", text)
    text = _INVISIBLE.sub("", html.unescape(text))
    text = _TAG.sub(" ", text)  # entities may have hidden tags
    text = _SPACE.sub(" ", text).strip()  # before links: a newline inside one must not hide it
    while True:  # "[[a](b)](c)": the outer link appears once the inner one is gone
        text, n = _MD_LINK.subn(r"\1", text)
        if not n:
            break
    text = re.sub(r"(?i)javascript\s*:", "javascript :", text)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = _ESCAPE.sub(lambda m: "\\" + m.group(0), text)
    return re.sub(r"%(?=%)", r"%\\", text)  # "%%%" -> "%\%\%": no "%%" left to open a comment


def doi(value: Any) -> str:
    """``value`` if it is a DOI (``10.NNNN/...``, no brackets, spaces or quotes), else ""."""
    value = value.strip() if isinstance(value, str) else ""
    return value if _DOI.fullmatch(value) else ""


def digits(value: Any) -> str:
    """``value`` as a string of digits (a PMID, an Entrez or OMIM id), else ""."""
    value = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return value if _DIGITS.fullmatch(value) else ""


def year(value: Any) -> str:
    """A four-digit year (1500-2099), else ""."""
    value = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return value if _YEAR.fullmatch(value) else ""


def url_path(value: str) -> str:
    """``value`` with the characters that could end a markdown link destination percent-encoded."""
    return value.replace("%", "%25").replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def cap(text: str, limit: int = MAX_SECTION_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, at a line end when there is one (a section's budget)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[:cut] if cut > 0 else text[: limit - 1] + "…"
