"""Gene identifiers in a gene note that are not the note's gene's: properties, tables, identifier links.

Whose identifier a place means decides what it is compared with:

- frontmatter properties, table rows and "Label: value" lines labelled
  "NCBI Gene ID", "OMIM" and the like (an infobox) speak of the note's gene;
- a table with a header and a gene column (or a gene named in the row)
  speaks of that row's gene, so a table of partners is no finding;
- a link speaks of the gene its text names ("[USP49](…gene=USP49)" is a
  paralog's card, not a mistake); a link whose text names no gene, only
  the database or nothing ("[](…/gene/3976)", "[NCBI Gene: LIF](…)"),
  speaks of the note's gene; a link in prose about something else is left
  alone. An id behind a link that is in no human gene's record (a mouse
  ortholog, a phenotype entry) is reported only when the link names the
  note's gene.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vaultkit.genome.facts import Verdict, ids_in, ids_in_url, judge, kind_of_label
from vaultkit.genome.genes import Gene, gene_table
from vaultkit.genome.mentions import mention_finder
from vaultkit.vault import frontmatter
from vaultkit.vault.notetables import Lines, Table, blank, tables, without_code

_MD_LINK = re.compile(r"\[([^\[\]\n]{0,300})\]\(\s*<?(https?://[^\s)>]{1,2000})>?[^)\n]{0,300}\)")
_A_LINK = re.compile(
    r"<a\b[^>\n]{0,500}?href\s*=\s*[\"'](https?://[^\"'\s]{1,2000})[\"'][^>\n]{0,500}>(.{0,300}?)</a\s*>", re.I | re.S
)
_BARE = re.compile(r"https?://[^\s<>()\[\]\"'`]{1,2000}")
_LABEL_LINE = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+)?[*_]{0,3}([A-Za-z][A-Za-z0-9 _./()-]{1,40}?)[*_]{0,3}[ \t]*(?::|\t)"
    r"[*_]{0,3}[ \t]*(\S[^\n]{0,300}?)[ \t]*$",
    re.M,
)
# The value is read in a lookahead, so a value line may be the next pair's label ("Introduction", "Gene Symbol", "LIF").
_LABEL_ABOVE = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+)?[*_]{0,3}([A-Za-z][A-Za-z0-9 _./()-]{1,40}?)[*_]{0,3}[ \t]*\n"
    r"(?=[ \t]*[*_]{0,3}(\S[^\n]{0,60}?)[*_]{0,3}[ \t]*$)",
    re.M,
)
# Columns that say which gene a row is about, in a table with a header (a table of partners).
_NAMING = ("symbol", "name")
# Words a link text may hold and still name no gene: the database, the page, the id itself.
_PLAIN = re.compile(
    r"\b(?:ncbi|nih|nlm|gene|genes|entrez|omim|mim|uniprot|uniprotkb|swiss|prot|swissprot|ensembl|genecards|hgnc"
    r"|human|protein|atlas|entry|record|card|page|link|here|see|view|on|at|in|of|for|the|and|id|ids|accession"
    r"|number|summary|database|external|source|[A-Z0-9]{1,10}_HUMAN|HGNC:\d+|ENSG\d+|[A-Z]\d[A-Z0-9]{3,8}|\d+)\b",
    re.I,
)


@dataclass(frozen=True)
class WrongId:
    """An identifier at ``line`` that is not its subject's; ``key`` is the property holding it, if any."""

    line: int
    verdict: Verdict
    key: str | None = None


def wrong_ids(text: str, gene: Gene) -> list[WrongId]:
    """Every identifier in the note ``text`` that ``judge`` finds wrong or unknown, one per line, kind and value."""
    lines = Lines(text)
    found: list[WrongId] = []
    fm = frontmatter.find(text)
    body = text
    if fm is not None:
        if fm.data:
            found += _properties(text, fm, gene, lines)
        body = re.sub(r"[^\n]", " ", text[: fm.body_start]) + text[fm.body_start :]
    body = without_code(body)
    for table in tables(body):
        found += _table(table, gene)
    found += _label_lines(body, gene, lines)
    found += _links(body, gene, lines)
    seen: set[tuple[int, str, str]] = set()
    out = []
    for w in found:
        key = (w.line, w.verdict.kind, w.verdict.value.upper())
        if key not in seen:
            seen.add(key)
            out.append(w)
    return sorted(out, key=lambda w: w.line)


def _judged(subject: Gene, kind: str, value: str, line: int, key: str | None = None) -> list[WrongId]:
    """The ids of one value that are not ``subject``'s; none when one of them is.

    A value that holds the gene's own id with others ("3976 (human), 16878
    (mouse)", isoforms, orthologs) is a list the author meant, not a mistake.
    """
    verdicts = [judge(subject, kind, i) for i in ids_in(kind, value)]
    if any(v is None for v in verdicts):
        return []
    return [WrongId(line, v, key) for v in verdicts if v is not None]


def _values(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str | int) and not isinstance(v, bool)]
    return [str(value)] if isinstance(value, str | int) and not isinstance(value, bool) else []


def _properties(text: str, fm: frontmatter.Frontmatter, gene: Gene, lines: Lines) -> list[WrongId]:
    out = []
    for key, value in (fm.data or {}).items():
        kind = kind_of_label(str(key).replace("_", " "))
        if kind is None:
            continue
        at = re.search(rf"^[\"']?{re.escape(str(key))}[\"']?[ \t]*:", text[fm.start : fm.end], re.M)
        line = lines(fm.start + at.start()) if at else 1
        for item in _values(value):
            urls = ids_in_url(item)
            if urls:
                out += [WrongId(line, v, str(key)) for k, i in urls if (v := judge(gene, k, i)) is not None]
            else:
                out += _judged(gene, kind, item, line, str(key))
    return out


def _gene_in(text: str, gene: Gene) -> Gene | None:
    """The one gene ``text`` names (the note's gene wins); None for none or several."""
    symbols = {m.symbol for m in mention_finder().find(text, own=gene)}
    if gene.symbol in symbols:
        return gene
    return gene_table().find(symbols.pop()) if len(symbols) == 1 else None


def _table(table: Table, gene: Gene) -> list[WrongId]:
    out = []
    kinds = [kind_of_label(c.text) for c in table.header]
    rows = table.rows
    if len(kinds) == 2 and kinds[0] and not kinds[1]:
        # "| NCBI Gene ID | 3977 |" over "|---|---|": a two-column infobox whose first pair became the header.
        kinds, rows = [], (table.header, *rows)
    if any(k and k not in _NAMING for k in kinds):
        for row in table.rows:
            names = [c.text for c, k in zip(row, kinds, strict=False) if k is None or k in _NAMING]
            subject = _gene_in(" ; ".join(names), gene) if any(n.strip() for n in names) else gene
            if subject is None:
                continue
            for cell, kind in zip(row, kinds, strict=False):
                if kind is not None and kind not in _NAMING:
                    out += _judged(subject, kind, cell.text, cell.line)
        return out
    for row in rows:
        kind = kind_of_label(row[0].text) if len(row) >= 2 else None
        if kind is not None:
            subject = _value_subject(kind, row[1].text, gene, strict=False)
            if subject is not None:
                out += _judged(subject, kind, row[1].text, row[1].line)
    return out


def _value_subject(kind: str, value: str, gene: Gene, *, strict: bool) -> Gene | None:
    """Whose id a value gives: a gene it names beside the id ("3977 (LIFR)"), else the note's gene.

    ``strict`` (a line of prose): other words beside the id mean it may be of something else
    ("OMIM: 178600, pulmonary hypertension"), so it is left alone.
    """
    if kind in ("symbol", "location", "chromosome", "name"):
        return gene
    rest = value
    for i in ids_in(kind, value):
        rest = rest.replace(i, " ")
    named = _gene_in(rest, gene)
    if named is not None or mention_finder().find(rest, own=gene):
        return named
    if strict and re.sub(r"[\W_]+", " ", _PLAIN.sub(" ", rest)).strip():
        return None
    return gene


def _label_lines(body: str, gene: Gene, lines: Lines) -> list[WrongId]:
    """ "NCBI Gene ID: 3977", "- **OMIM:** 159446", "Entrez<TAB>3977", or the label on a line of its own
    above the value: an infobox pasted as text."""
    out = []
    for m in [*_LABEL_LINE.finditer(body), *_LABEL_ABOVE.finditer(body)]:
        kind = kind_of_label(m.group(1))
        if kind is None or "|" in m.group():
            continue
        subject = _value_subject(kind, m.group(2), gene, strict=True)
        if subject is not None:
            out += _judged(subject, kind, m.group(2), lines(m.start(2)))
    return out


def _links(body: str, gene: Gene, lines: Lines) -> list[WrongId]:
    out = []
    spans: list[tuple[int, str, str | None]] = [(m.start(), m.group(2), m.group(1)) for m in _MD_LINK.finditer(body)]
    spans += [(m.start(), m.group(1), re.sub(r"<[^>]*>", " ", m.group(2))) for m in _A_LINK.finditer(body)]
    taken = blank(blank(body, _MD_LINK), _A_LINK)
    for m in _BARE.finditer(taken):
        start = body.rfind("\n", 0, m.start()) + 1
        end = body.find("\n", m.end())
        line_text = body[start : end if end >= 0 else len(body)]
        spans.append((m.start(), m.group(), line_text.replace(m.group(), " ")))
    own_ids: dict[int, set[tuple[str, str]]] = {}
    for at, url, _ in spans:
        for kind, value in ids_in_url(url):
            if judge(gene, kind, value) is None:
                own_ids.setdefault(lines(at), set()).add((kind, value))
    for at, url, label in spans:
        pairs = ids_in_url(url)
        subject = _label_subject(label or "", gene) if pairs else None
        if subject is None:
            continue
        named = _gene_in(label or "", gene) is not None
        line = lines(at)
        for kind, value in pairs:
            v = judge(subject, kind, value)
            # An id in no human gene's record behind a bare link may be a mouse ortholog or a phenotype
            # entry: unknown only when the link says it is this gene's. A line that also links the gene's
            # own id of that kind is a row of orthologs, not a mistake.
            if v is None or (v.owner is None and not named) or any(k == kind for k, _ in own_ids.get(line, ())):
                continue
            out.append(WrongId(line, v))
    return out


def _label_subject(label: str, gene: Gene) -> Gene | None:
    named = _gene_in(label, gene)
    if named is not None:
        return named
    if mention_finder().find(label, own=gene):
        return None  # several genes: whose id it is cannot be told
    rest = re.sub(r"[\W_]+", " ", _BARE.sub(" ", _PLAIN.sub(" ", label))).strip()
    return gene if not rest else None
