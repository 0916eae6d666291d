"""Consensus (consensus.app) share links: the answer and question ride in the URL.

Consensus has no open API for its answers, so vaultkit never fetches it; a
user pastes a share link and vaultkit turns it into the note's snippet line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote_plus, urlsplit

from vaultkit.errors import InputError
from vaultkit.sources.safetext import clean

HOSTS = {"consensus.app", "www.consensus.app"}
# The characters of a URL as Consensus writes it (RFC 3986, no brackets or parentheses): nothing else
# reaches the note, where "[[", "](", "<", a space or a "%%" could make a link, HTML or a comment.
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#@!&'*+,;=%]+")


@dataclass(frozen=True)
class ConsensusAnswer:
    question: str
    answer: str
    url: str

    def snippet(self) -> str:
        """The user's own format: the answer, then the link in parentheses."""
        return f"{self.answer}({self.url})"


def parse_share_link(url: str) -> ConsensusAnswer:
    """Question and answer of a consensus.app share link; InputError for anything else."""
    url = url.strip()
    parts = urlsplit(url)
    if (
        parts.scheme != "https"
        or (parts.hostname or "") not in HOSTS
        or parts.port is not None
        or parts.username is not None
        or parts.password is not None
    ):
        raise InputError(f"{url!r} is not a consensus.app link; paste the share link of a Consensus answer")
    query = parse_qs(parts.query)
    answer = (query.get("extracted-answer") or [""])[0].strip()
    if not answer:
        raise InputError(
            f"{url!r} carries no answer (no 'extracted-answer' parameter); copy the share link "
            "of an answer, not of the search page"
        )
    question = (query.get("q") or [""])[0].strip()
    if not _URL_CHARS.fullmatch(url) or "%%" in url:
        raise InputError(f"{url!r} has spaces or brackets; paste the link as Consensus gives it")
    return ConsensusAnswer(clean(question, limit=500), clean(answer, limit=2000), url)


def search_link(question: str) -> str:
    """A consensus.app search link for ``question``."""
    return f"https://consensus.app/results/?q={quote_plus(question)}&synthesize=on&copilot=on&lang=en"
