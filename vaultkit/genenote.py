"""Gene -> note: which sections, which text, which embeds. The only place genes meet the vault.

A note is never re-rendered: every change is a splice (a property's lines,
an embed's target, a managed block of text) into the text as the user left
it. Here is what a gene's note says: its properties, its managed blocks
(``blocks``), its plot embeds under each trait's heading. How a block or a
property is merged with what the user wrote (hashes, conflicts, ``--force``)
is ``vault.managed``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from vaultkit.genome.genes import SPANS_RELEASE, Gene, Span
from vaultkit.genome.plotnames import parse_plot_name
from vaultkit.genome.regions import Region
from vaultkit.vault import sections
from vaultkit.vault.linkformat import encode_markdown_path, new_link
from vaultkit.vault.linkparse import parse
from vaultkit.vault.managed import Block, NoteUpdate, ensure_section, merge_block, merge_properties, own_body
from vaultkit.vault.obsidian import AppSettings
from vaultkit.vault.resolve import Resolver

PLOTS, INFO = "Plots", "Info"
# How users spell the two top headings (compared as sections.title_key does: case and punctuation aside).
PLOTS_TITLES = (PLOTS, "Plot")
INFO_TITLES = (INFO, "Infos", "Information")
_INFO_KEYS = {t.casefold() for t in INFO_TITLES}
_SEGMENT = re.compile(r"^segment ?(\d+)$")  # the user's "### segment 2", as a title_key


@dataclass(frozen=True)
class PlotRef:
    """One plot to embed: its trait, region and vault path."""

    trait: str
    region: Region
    rel: str


@dataclass(frozen=True)
class TraitStats:
    r: float
    p: float
    q: float
    n: int
    region: Region | None = None  # the region these numbers are of (a gene may have several selected)


@dataclass(frozen=True)
class Summary:
    """A source's text for a section and the page it came from (already made safe by the source)."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class Reference:
    """One paper of the literature section."""

    title: str
    first_author: str
    journal: str
    year: str
    url: str = ""
    label: str = ""  # e.g. "doi:10.1000/x" or "PMID 123"


@dataclass
class GeneFacts:
    """Everything vaultkit knows of a gene for its note; None means "not known now" (keep what is there)."""

    gene: Gene
    build: str = "GRCh38"
    span: Span | None = None
    traits: tuple[str, ...] = ()
    plots: dict[str, list[PlotRef]] = field(default_factory=dict)
    stats: dict[str, TraitStats] = field(default_factory=dict)
    ncbi: Summary | None = None
    uniprot: Summary | None = None
    papers: list[Reference] | None = None
    consensus_search: tuple[str, str] | None = None  # (question, search link)
    synthetic: bool = False

    @property
    def symbol(self) -> str:
        return self.gene.symbol


def _sig(x: float) -> float:
    return float(f"{x:.3g}")


def properties(facts: GeneFacts) -> dict[str, Any]:
    """Flat frontmatter, one type per key (Obsidian Properties, Bases and Dataview read it)."""
    g = facts.gene
    props: dict[str, Any] = {
        "symbol": g.symbol,
        "name": g.name,
        "aliases": list(g.aliases),
        "hgnc_id": g.hgnc_id,
        "entrez_id": g.entrez_id,
        "ensembl_id": g.ensembl_id,
        "uniprot": g.uniprot_ids[0] if g.uniprot_ids else "",
        "omim": g.omim_id,
        "location": g.location,
    }
    if facts.span is not None:
        props.update(chrom=facts.span.chrom, start=facts.span.start, end=facts.span.end, strand=facts.span.strand)
    props["assembly"] = facts.build
    props["tags"] = ["gene"]
    for trait in facts.traits:
        s = facts.stats.get(trait)
        if s is not None:
            props.update(
                {f"r_{trait}": round(s.r, 4), f"p_{trait}": _sig(s.p), f"q_{trait}": _sig(s.q), f"n_{trait}": int(s.n)}
            )
    return props


def blocks(facts: GeneFacts) -> list[Block]:
    """The managed blocks of a gene's note, in the order new notes show them."""
    s = facts.symbol
    out: list[Block] = []
    if facts.synthetic:
        out.append(
            Block(
                "synthetic",
                PLOTS,
                "> [!note] Synthetic data\n> The associations and plots here come "
                "from the synthetic example cohort (scripts/make_example_data.py), not from patients.",
                mode="intro",
                level=1,
                aliases=PLOTS_TITLES[1:],
            )
        )
    if facts.consensus_search:
        q, link = facts.consensus_search
        out.append(
            Block("consensus-search", "Consensus", f"[Search Consensus: {q}]({link})", mode="line", parent=INFO_TITLES)
        )
    if facts.ncbi is not None and facts.ncbi.text:
        out.append(
            Block(
                "ncbi",
                f"NCBI Gene Summary for {s} Gene",
                f"[]({facts.ncbi.url})\n\n- {facts.ncbi.text}",
                parent=INFO_TITLES,
            )
        )
    out.append(
        Block(
            "genecards-link",
            f"GeneCards Summary for {s} Gene",
            f"[GeneCards: {s}](https://www.genecards.org/cgi-bin/carddisp.pl?gene={s})",
            mode="line",
            parent=INFO_TITLES,
        )
    )
    if facts.uniprot is not None:
        out.append(
            Block("uniprot", f"UniProtKB/Swiss-Prot Summary for {s} Gene", facts.uniprot.text, parent=INFO_TITLES)
        )
    if facts.papers:
        lines = [
            f"- {p.title}. {p.first_author}{' et al.' if p.first_author else ''}, *{p.journal}* ({p.year})."
            + (f" [{p.label or 'link'}]({p.url})" if p.url else "")
            for p in facts.papers
        ]
        out.append(Block("literature", "Literature (Europe PMC)", "\n".join(lines), parent=INFO_TITLES))
    out.append(Block("overview", "Gene overview (open sources)", _overview(facts), parent=INFO_TITLES))
    return out


def _overview(facts: GeneFacts) -> str:
    g = facts.gene
    lines = [f"- Name: {g.name} (HGNC {g.hgnc_id})", f"- Cytoband: {g.location} (HGNC)"]
    if facts.span is not None:
        sp = facts.span
        lines.append(f"- {facts.build} span: {sp.chrom}:{sp.start:,}-{sp.end:,} ({sp.strand} strand; {SPANS_RELEASE})")
    if g.aliases or g.prev_symbols:
        lines.append(f"- Also known as: {', '.join(g.aliases + g.prev_symbols)} (HGNC)")
    if g.omim_id:
        lines.append(f"- OMIM: [{g.omim_id}](https://omim.org/entry/{g.omim_id}) (HGNC)")
    if g.uniprot_ids:
        lines.append(
            f"- UniProt: [{g.uniprot_ids[0]}](https://www.uniprot.org/uniprotkb/{g.uniprot_ids[0]}/entry) (HGNC)"
        )
    return "\n".join(lines)


def skeleton(facts: GeneFacts) -> str:
    """The headings of a new note; ``update`` fills them."""
    return f"# {PLOTS}\n" + "".join(f"## {t}\n\n" for t in facts.traits) + f"# {INFO}\n"


def update(
    text: str,
    facts: GeneFacts,
    state: dict[str, Any],
    *,
    note: str,
    resolver: Resolver,
    app: AppSettings,
    force: bool = False,
    only: set[str] | None = None,
) -> NoteUpdate:
    """Bring a note's managed content up to date; ValueError if its frontmatter cannot be read.

    ``only`` limits the update to some parts: ``"properties"``, ``"plots"``
    and block ids such as ``"ncbi"`` (None: everything).
    """
    result = NoteUpdate(
        text,
        {
            "blocks": dict(state.get("blocks", {})),
            "props": dict(state.get("props", {})),
            "plots": dict(state.get("plots", {})),
        },
    )
    if only is None or "properties" in only:
        merge_properties(result, properties(facts), force)
    if only is None or "plots" in only:
        for trait in facts.traits:
            if facts.plots.get(trait):
                _plots(result, facts, trait, note=note, resolver=resolver, app=app)
    for block in blocks(facts):
        if only is None or block.id in only:
            merge_block(result, block, force)
    return result


def add_consensus(text: str, snippet: str, url: str) -> str:
    """``text`` with ``snippet`` appended under the Consensus heading (created under Info if missing).

    Unchanged if the link is already in the note: a snippet is never added twice.
    """
    if url in text:
        return text
    result = NoteUpdate(text, {})
    sec = ensure_section(result, "Consensus", parent=INFO_TITLES, level=3)
    own = own_body(result.text, sec)
    own_sec = sections.Section(sec.level, sec.title, sec.start, sec.body_start, sec.body_start + len(own))
    return sections.insert_block(result.text, sections.content_end(result.text, own_sec), snippet)


def trait_section(text: str, trait: str) -> sections.Section | None:
    """The section that holds a trait's plots in a note, as its author laid it out.

    Under the plots heading (``# Plots``, ``# Plot``, any level, any case) if
    there is one; else a heading named after the trait at any level (``# sPAP``
    as a top heading) that is not inside the Info part.
    """
    found = sections.find(text, trait, parent=PLOTS_TITLES)
    if found is not None:
        return found
    key = sections.title_key(trait)
    heads = sections.sections(text)
    infos = [s for s in heads if sections.title_key(s.title) in _INFO_KEYS]
    return next(
        (
            s
            for s in heads
            if sections.title_key(s.title) == key and key and not any(i.start < s.start < i.end for i in infos)
        ),
        None,
    )


def plot_trait(text: str, at: int, traits: tuple[str, ...] | list[str]) -> str | None:
    """The trait whose section holds offset ``at`` of a note (an embed's start), or None.

    For lint and anyone else asking "which trait is this plot under": the
    nearest enclosing trait heading, past headings of the user's own such as
    ``### segment 2``.
    """
    best: tuple[int, str] | None = None
    for trait in traits:
        sec = trait_section(text, trait)
        if sec is not None and sec.body_start <= at < sec.end and (best is None or sec.start > best[0]):
            best = (sec.start, trait)
    return best[1] if best else None


def _trait_section_or_new(result: NoteUpdate, facts: GeneFacts, trait: str) -> sections.Section:
    """The trait's section, created where the author's layout puts it if the note has none."""
    found = trait_section(result.text, trait)
    if found is not None:
        return found
    text = result.text
    siblings = [s for t in facts.traits if t != trait and (s := trait_section(text, t)) is not None]
    if siblings:
        # Beside the other traits, at their level: "# sPAP" gets "# mPAP", not "# Plots" / "## mPAP".
        last = max(siblings, key=lambda s: s.start)
        at, level = sections.content_end(text, last), last.level
    else:
        scope = sections.find(text, PLOTS_TITLES)
        if scope is None:
            text = _insert_plots_heading(text, facts.symbol)
            scope = sections.find(text, PLOTS_TITLES)
            assert scope is not None
        at, level = sections.content_end(text, scope), min(6, scope.level + 1)
    result.text = sections.insert_block(text, at, f"{'#' * level} {trait}")
    return trait_section(result.text, trait)  # type: ignore[return-value]


def _insert_plots_heading(text: str, symbol: str) -> str:
    """``text`` with a plots heading where the author's layout puts one.

    Before the note's first heading (the user's format starts with the
    plots), after any free text the note opens with; in a note titled by a
    ``# SYMBOL`` heading, under that title, before its first sub-heading.
    """
    heads = sections.sections(text)
    if heads and sections.title_key(heads[0].title) == sections.title_key(symbol) and heads[0].level < 6:
        title = heads[0]
        subs = sections.subsections(text, title)
        if subs:
            return sections.insert_block(text, subs[0].start, f"{'#' * (title.level + 1)} {PLOTS}")
        return sections.insert_block(text, sections.content_end(text, title), f"{'#' * (title.level + 1)} {PLOTS}")
    return sections.insert_block(text, heads[0].start if heads else len(text), f"# {PLOTS}")


def _own_trait_part(text: str, sec: sections.Section, trait: str, traits: tuple[str, ...]) -> sections.Section:
    """``sec`` up to the first heading nested in it that is another trait's (``# sPAP`` / ``## mPAP``)."""
    others = {sections.title_key(t) for t in traits} - {sections.title_key(trait)}
    nested = next((s.start for s in sections.subsections(text, sec) if sections.title_key(s.title) in others), sec.end)
    return sections.Section(sec.level, sec.title, sec.start, sec.body_start, nested)


def _plots(
    result: NoteUpdate, facts: GeneFacts, trait: str, *, note: str, resolver: Resolver, app: AppSettings
) -> None:
    sec = _own_trait_part(result.text, _trait_section_or_new(result, facts, trait), trait, facts.traits)
    gene_id = facts.gene.ensembl_id
    existing = []  # (link, its plot name, the file it points to) for this gene's plots under ## trait
    for link in parse(result.text).links:
        # A commented-out embed (%% ![[old.png]] %%) shows nothing: it is the user's text, not a plot to follow.
        if link.embed and not link.in_comment and sec.body_start <= link.start < sec.end:
            name = parse_plot_name(link.target.rsplit("/", 1)[-1])
            if name is not None and name.region.gene_id == gene_id:
                existing.append((link, name, resolver.resolve_link(link, note).path))
    wanted = list(facts.plots[trait])
    ours = set(result.state["plots"].get(trait, []))
    pairs = []
    # The same region's embed follows its new plot (new r, new name). Another region's embed is
    # replaced only if vaultkit put it there: one the user placed is theirs.
    for same_region in (True, False):
        for plot in list(wanted):
            hit = next((e for e in existing if (e[1].region == plot.region if same_region else e[2] in ours)), None)
            if hit is not None:
                existing.remove(hit)
                pairs.append((hit[0], hit[2], plot))
                wanted.remove(plot)
    edits: list[tuple[int, int, str]] = []
    for link, old, plot in pairs:
        if old == plot.rel:
            continue
        new_target = plot.rel if "/" in link.target else plot.rel.rsplit("/", 1)[-1]
        if link.kind == "markdown" and not link.angle:
            new_target = encode_markdown_path(new_target)
        edits.append((link.tstart, link.tend, new_target))
        if old is not None:
            result.retired.append(old)
    result.state["plots"][trait] = [p.rel for p in facts.plots[trait]]
    for start, end, new in sorted(edits, reverse=True):
        result.text = result.text[:start] + new + result.text[end:]
    if wanted:
        _add_embeds(result, facts, trait, [new_link(p.rel, note, resolver, app, embed=True) for p in wanted])


def _add_embeds(result: NoteUpdate, facts: GeneFacts, trait: str, embeds: list[str]) -> None:
    """New embeds at the end of the trait's section, or in the author's ``### segment N`` layout.

    An empty segment heading of the author's takes the first new plot; any
    further one gets a heading with the next number.
    """
    sec = _own_trait_part(result.text, trait_section(result.text, trait), trait, facts.traits)  # type: ignore[arg-type]
    segments = [s for s in sections.subsections(result.text, sec) if _SEGMENT.match(sections.title_key(s.title))]
    if not segments:
        result.text = sections.insert_block(result.text, sections.content_end(result.text, sec), "\n".join(embeds))
        return
    last = segments[-1]
    word = re.sub(r"\d+\s*$", "", last.title)
    n = max(int(_SEGMENT.match(sections.title_key(s.title)).group(1)) for s in segments)  # type: ignore[union-attr]
    empty = [s for s in segments if not any(lk.embed for lk in parse(s.body(result.text)).links)]
    # Into the empty ones from the last up, so the offsets of those before stay right.
    for seg, embed in reversed(list(zip(empty, embeds, strict=False))):
        result.text = sections.insert_block(result.text, sections.content_end(result.text, seg), embed)
    new_segments = [f"{'#' * last.level} {word}{n + i + 1}\n{e}" for i, e in enumerate(embeds[len(empty) :])]
    if new_segments:
        sec = _own_trait_part(result.text, trait_section(result.text, trait), trait, facts.traits)  # type: ignore[arg-type]
        result.text = sections.insert_block(
            result.text, sections.content_end(result.text, sec), "\n".join(new_segments)
        )
