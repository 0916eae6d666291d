"""Sections of a gene note that are about another gene: text pasted from that gene's page.

The rule (``vaultkit lint --help`` states it too): a section names the note's
gene 0 times and one other gene at least ``MIN_MENTIONS`` times, that gene
being at least three quarters of all gene mentions (symbols, unique aliases,
HGNC names, "5-HT2A receptor"). Neighbouring sections about the same gene,
and empty ones between them, make one finding. A section whose markdown heading
(or a parent heading) names that gene is the author's own choice of subject and is
left alone, as are sections on partners (a heading with "receptor",
"ligand", "interaction", "complex", "paralog" ...) and reference lists. A pasted page keeps its headings as plain
lines, so a short title-like line ("Expression Pattern") also opens a section.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from vaultkit.genome.genes import Gene
from vaultkit.genome.mentions import mention_finder
from vaultkit.vault import frontmatter, sections
from vaultkit.vault.notetables import Lines, blank, without_code

MIN_MENTIONS = 4
SHARE = 3 / 4  # a partner section names the other partners too (LIFR with IL6ST): it stays below
_REFERENCES = re.compile(
    r"^\W*(?:references?\b|bibliograph|literature\b|(?:key |selected )?publications\b|citations?\b|"
    r"see also\b|further reading\b|external links?\b|related\b|links?\W*$|sources?\W*$)",
    re.I,
)
# Headings under which another gene is the expected subject: the author wrote about a partner.
_PARTNERS = re.compile(r"partner|interact|ligand|receptor|binding|complex|paralog|homolog|ortholog|famil", re.I)
_TAG = re.compile(r"<[^>\n]{0,500}>")
_URL = re.compile(r"\]\([^)\n]{0,2000}\)|https?://[^\s<>\]\"'`)]{1,2000}|<[^>\n]{0,500}>")
_TITLE = re.compile(r"^[A-Z0-9][^.:;,!?<>|\[\]{}*=#\n]{0,58}[^.:;,!?<>|\[\]{}*=#\s]$|^[A-Z]$")


@dataclass(frozen=True)
class ForeignSection:
    """Lines ``start``..``end`` (titles ``first``..``last``) are about ``other`` (``count`` mentions), not the gene."""

    start: int
    end: int
    first: str
    last: str
    other: str
    count: int

    def message(self, gene: Gene) -> str:
        through = "" if self.first == self.last else f' through "{self.last}"'
        return f'section "{self.first}"{through} is about {self.other} ({self.count} mentions), not {gene.symbol} (0)'


@dataclass
class _Part:
    title: str
    start: int  # offset of the heading line (or of the note body)
    end: int
    headings: tuple[str, ...]  # its own and its parents' titles
    counts: Counter[str]
    chosen: tuple[str, ...] = ()  # the markdown headings among them: titles the note's author wrote


def foreign_sections(text: str, gene: Gene, *, own_names: Iterable[str] = ()) -> list[ForeignSection]:
    """The runs of sections of ``text`` that are about one other gene and never name ``gene``."""
    fm = frontmatter.span(text)
    body_start = fm[2] if fm else 0
    masked = " " * body_start + blank(without_code(text[body_start:]), _URL)
    parts = _parts(text, masked, body_start)
    finder = mention_finder()
    own = (*own_names, *_names_given(masked, gene))
    for each in parts:
        each.counts = Counter(m.symbol for m in finder.find(masked[each.start : each.end], own=gene, own_names=own))
    lines = Lines(text)
    out = []
    run: list[_Part] = []
    for part in [*parts, None]:
        other = _about(part, gene) if part is not None else None
        if part is not None and (other or not part.counts) and not any(_REFERENCES.search(h) for h in part.headings):
            if other and run and (lead := _lead(run)) and lead != other:
                out += _judge(run, gene, lines, text)
                run = []
            if other or run:
                run.append(part)
            continue
        out += _judge(run, gene, lines, text)
        run = []
    return out


def _names_given(text: str, gene: Gene) -> list[str]:
    """Names the note gives its gene: "LIF (Leukemia Inhibitory Factor)", "Leukemia inhibitory factor (LIF)",
    "LIF — Leukemia Inhibitory Factor". A section that says "leukemia inhibitory factor" speaks of LIF."""
    sym = re.escape(gene.symbol)
    name = r"([A-Za-z][A-Za-z0-9-]*(?: [A-Za-z0-9-]+){1,7})"
    patterns = (rf"\b{sym} ?\({name}\)", rf"\b{name} ?\({sym}\)", rf"^[ \t]*{sym} ?[—–:-] ?{name}[ \t]*$")
    found: set[str] = set()
    # Before "(LIF)" only as many words as the symbol has initials: "expression of leukemia inhibitory factor".
    initials = len(re.findall(r"[A-Za-z]|\d+", gene.symbol))
    for i, p in enumerate(patterns):
        for m in re.finditer(p, text[:200_000], re.M | re.I):
            words = re.sub(r"^(?:the|a|an) ", "", m.group(1), flags=re.I).split()
            found.add(" ".join(words[-initials:] if i == 1 else words))
    return sorted(n for n in found if n and gene.symbol.casefold() not in n.casefold().split())


def _about(part: _Part, gene: Gene) -> str | None:
    """The other gene a section is mostly about, if it names the note's gene nowhere."""
    if not part.counts or part.counts[gene.symbol]:
        return None
    symbol, n = part.counts.most_common(1)[0]
    if n < SHARE * sum(part.counts.values()):
        return None
    # Only a markdown heading is the author's choice of subject: a pasted page's own title lines
    # ("HTR2A", "Receptor Pharmacology") say nothing about why the text is in this note.
    titles = " ".join(part.chosen)
    if _PARTNERS.search(titles) or any(m.symbol == symbol for m in mention_finder().find(titles, own=gene)):
        return None
    return symbol


def _lead(run: list[_Part]) -> str | None:
    total: Counter[str] = Counter()
    for p in run:
        total.update(p.counts)
    return total.most_common(1)[0][0] if total else None


def _judge(run: list[_Part], gene: Gene, lines: Lines, text: str) -> list[ForeignSection]:
    while run and not run[-1].counts:
        run = run[:-1]
    if not run:
        return []
    total: Counter[str] = Counter()
    for p in run:
        total.update(p.counts)
    other, n = total.most_common(1)[0]
    if n < MIN_MENTIONS or n < SHARE * sum(total.values()):
        return []
    end = len(text[: run[-1].end].rstrip())
    return [
        ForeignSection(
            lines(run[0].start),
            lines(max(end - 1, run[0].start)),
            run[0].title or "(top of the note)",
            run[-1].title or "(top of the note)",
            other,
            n,
        )
    ]


def _parts(text: str, masked: str, body_start: int) -> list[_Part]:
    """The note body cut at every heading, markdown or title-like plain line, in order."""
    # A pasted page's HTML tags are the page's markup, not the note's: read with them blanked, its
    # headings are those the page showed (in the note itself, a "<table>" line would make everything
    # up to the next blank line one raw HTML block, with no headings in it).
    paste = blank(text, _TAG) if "<" in text else text
    cuts: list[tuple[int, int, str]] = [(s.start, s.level, s.title) for s in sections.sections(paste)]
    pos = body_start
    for line in masked[body_start:].splitlines(keepends=True):
        raw = text[pos : pos + len(line)].strip()
        if _TITLE.match(raw) and raw == line.strip() and len(raw.split()) <= 6 and not raw.startswith(("- ", "+ ")):
            cuts.append((pos, 7, raw))
        pos += len(line)
    cuts.sort()
    parts = [_Part("", body_start, cuts[0][0] if cuts else len(text), (), Counter())]
    stack: list[tuple[int, str]] = []
    for i, (start, level, title) in enumerate(cuts):
        stack = [(lv, t) for lv, t in stack if lv < level]
        chosen = tuple(t for _, t in stack) + ((title,) if level < 7 else ())
        headings = (*(t for _, t in stack), title)
        if level < 7:
            stack.append((level, title))
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
        parts.append(_Part(title, start, end, headings, Counter(), chosen))
    return [p for p in parts if p.end > p.start]
