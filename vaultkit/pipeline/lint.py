"""``vaultkit lint``: what in a gene vault needs a look, as findings with path, line and rule."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from vaultkit.config import Settings
from vaultkit.genome.genes import gene_table
from vaultkit.genome.plotnames import parse_plot_name
from vaultkit.names import unsafe_in
from vaultkit.vault import index as vindex
from vaultkit.vault import sections
from vaultkit.vault.check import check
from vaultkit.vault.notes import UnreadableNote, read_text


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    message: str


@dataclass
class LintReport:
    notes: int
    findings: list[Finding] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"notes": self.notes, "findings": [asdict(f) for f in self.findings]}


def lint(settings: Settings) -> LintReport:
    """Broken or ambiguous links, unreadable notes, names that break links, and gene-note problems."""
    index = vindex.build(settings.vault)
    report = LintReport(notes=len(index.notes))
    found = report.findings
    links = check(index)
    found += [Finding(b["source"], b["line"], "broken-link", f"{'embed' if b['embed'] else 'link'} {b['target']!r} "
                      "resolves to no file") for b in links.broken]
    found += [Finding(a["source"], a["line"], "ambiguous-link", f"{a['target']!r} could be {', '.join(a['candidates'])}")
              for a in links.ambiguous]
    found += [Finding(u["path"], u["line"], "unreadable", u["message"]) for u in links.unreadable]
    for path in index.files:
        name = path.rsplit("/", 1)[-1]
        bad = unsafe_in(name)
        if bad:
            found.append(Finding(path, 0, "bad-name", f"{' '.join(bad)} in the name break links; rename it"))
    folder = settings.notes_dir.strip("/")
    for path in sorted(index.notes):
        if folder and not path.startswith(folder + "/"):
            continue
        _gene_note(settings, index, path, found)
    found.sort(key=lambda f: (f.path, f.line, f.rule))
    return report


def _gene_note(settings: Settings, index: vindex.VaultIndex, path: str, found: list[Finding]) -> None:
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    gene = gene_table().find(stem)
    if gene is None:
        found.append(Finding(path, 1, "unknown-gene", f"{stem!r} is not an HGNC symbol; gene notes are named by symbol"))
        return
    if gene.symbol != stem:
        found.append(Finding(path, 1, "not-a-symbol", f"{stem!r} is another name of {gene.symbol}; name the note "
                             f"{gene.symbol}.md (vaultkit links rename keeps links)"))
    try:
        text = read_text(settings.vault, path)
    except UnreadableNote:
        return
    traits = {t.casefold() for t in settings.data.traits}
    heads = sections.sections(text)
    seen: set[str] = set()
    for link in index.parsed[path].links:
        plot = parse_plot_name(link.target.rsplit("/", 1)[-1], settings.plot_name) if link.embed else None
        if plot is None:
            continue
        if plot.region.gene_id and plot.region.gene_id != gene.ensembl_id:
            found.append(Finding(path, link.line, "other-gene-plot", f"{link.target} is a plot of {plot.region.gene_id}, "
                                 f"not of {gene.symbol} ({gene.ensembl_id})"))
        under = [h for h in heads if h.start <= link.start < h.end and h.level >= 2]
        if under and under[-1].title.casefold() not in traits:
            found.append(Finding(path, link.line, "unknown-trait", f"plot under '## {under[-1].title}', which is "
                                 f"not a trait of vaultkit.toml ({', '.join(settings.data.traits)})"))
        if link.target in seen:
            found.append(Finding(path, link.line, "duplicate-embed", f"{link.target} is embedded twice"))
        seen.add(link.target)
