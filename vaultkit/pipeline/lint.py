"""``vaultkit lint``: what in a gene vault needs a look, as findings with path, line, code and rule.

Each rule has a stable code (``CODES``) that ``[lint] ignore`` in
vaultkit.toml silences, everywhere or for the notes a glob names. ``fix``
corrects wrong ids in the properties vaultkit manages (``MANAGED_KEYS``),
through the same careful writer as refresh; the user's own text (tables,
links, prose, their own properties) is only ever reported.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from vaultkit import genenote
from vaultkit.config import CONFIG_FILE, Settings
from vaultkit.errors import ConfigError
from vaultkit.genome.facts import ids_in, judge, kind_of_label
from vaultkit.genome.genes import Gene, gene_table
from vaultkit.genome.plotnames import parse_plot_name
from vaultkit.names import unsafe_in
from vaultkit.pipeline.lint_ids import wrong_ids
from vaultkit.pipeline.lint_sections import foreign_sections
from vaultkit.pipeline.notewriter import NoteWriter
from vaultkit.vault import frontmatter, sections
from vaultkit.vault import index as vindex
from vaultkit.vault.check import check
from vaultkit.vault.managed import NoteUpdate
from vaultkit.vault.notes import UnreadableNote, read_text
from vaultkit.vault.write import vault_lock

# Never renumbered: users silence findings by these codes.
CODES = {
    "broken-link": "VK101",
    "ambiguous-link": "VK102",
    "unreadable": "VK103",
    "bad-name": "VK104",
    "unknown-gene": "VK201",
    "not-a-symbol": "VK202",
    "other-gene-plot": "VK203",
    "unknown-trait": "VK204",
    "duplicate-embed": "VK205",
    "wrong-id": "VK301",
    "unknown-id": "VK302",
    "wrong-location": "VK303",
    "other-gene-section": "VK304",
}


def managed_keys() -> frozenset[str]:
    """The identifier properties vaultkit writes into gene notes, and so may correct."""
    props = genenote.properties(genenote.GeneFacts(gene=gene_table().find("LIF")))  # type: ignore[arg-type]
    return frozenset(k for k in props if kind_of_label(k.replace("_", " ")) is not None)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    message: str
    end_line: int = 0  # the last line of a range (a section), else 0
    fix: tuple[str, Any] | None = None  # (property, right value) that --fix may write
    fixed: bool = False

    @property
    def code(self) -> str:
        return CODES[self.rule]

    @property
    def where(self) -> str:
        span = f"{self.line}-{self.end_line}" if self.end_line > self.line else str(self.line)
        return f"{self.path}:{span}"


@dataclass
class LintReport:
    notes: int
    findings: list[Finding] = field(default_factory=list)
    ignored: int = 0
    conflicts: list[dict[str, str]] = field(default_factory=list)
    diff: str = ""

    @property
    def fixed(self) -> int:
        return sum(f.fixed for f in self.findings)

    @property
    def remaining(self) -> list[Finding]:
        return [f for f in self.findings if not f.fixed]

    @property
    def exit_code(self) -> int:
        """1 while a finding is left (not fixed) or a fix met a conflict."""
        return 1 if self.remaining or self.conflicts else 0

    def as_json(self) -> dict[str, Any]:
        findings = [
            {
                "path": f.path,
                "line": f.line,
                "end_line": f.end_line or f.line,
                "code": f.code,
                "rule": f.rule,
                "message": f.message,
                "fixable": f.fix is not None,
                "fixed": f.fixed,
            }
            for f in self.findings
        ]
        out: dict[str, Any] = {"notes": self.notes, "ignored": self.ignored, "fixed": self.fixed, "findings": findings}
        if self.diff:
            out["diff"] = self.diff  # --fix --dry-run: what --fix would write
        if self.conflicts:
            out["conflicts"] = self.conflicts
        return out


def lint(settings: Settings, *, fix: bool = False, dry_run: bool = False) -> LintReport:
    """Broken or ambiguous links, unreadable notes, names that break links, gene-note problems and wrong facts.

    With ``fix``, wrong ids in vaultkit's own properties are corrected (``dry_run``: the diff only).
    """
    silence = _silencer(settings)
    index = vindex.build(settings.vault)
    report = LintReport(notes=len(index.notes))
    found: list[Finding] = []
    links = check(index)
    near = _near_names(index)
    found += [
        Finding(
            b["source"],
            b["line"],
            "broken-link",
            f"{'embed' if b['embed'] else 'link'} {b['target']!r} "
            f"resolves to no file; {_broken_fix(b['target'], near, settings)}",
        )
        for b in links.broken
    ]
    found += [
        Finding(
            a["source"],
            a["line"],
            "ambiguous-link",
            f"{a['target']!r} could be {', '.join(a['candidates'])}; "
            "write the path of the one you mean (Obsidian picks one for you)",
        )
        for a in links.ambiguous
    ]
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
    kept = [f for f in found if not silence(f)]
    report.ignored = len(found) - len(kept)
    report.findings = sorted(kept, key=lambda f: (f.path, f.line, f.code, f.message))
    if fix:
        _fix(settings, report, dry_run=dry_run)
    return report


def _loose(name: str) -> str:
    """A name without case, spacing and punctuation: how a misspelt link may still be recognised."""
    return "".join(c for c in name.casefold() if c.isalnum())


def _near_names(index: vindex.VaultIndex) -> dict[str, str]:
    """Loose name -> the vault path it stands for (only names that are loose-unique)."""
    near: dict[str, str] = {}
    taken: set[str] = set()
    for path in index.files:
        stem = path.rsplit("/", 1)[-1]
        stem = stem.removesuffix(".md") if stem.endswith(".md") else stem
        key = _loose(stem)
        if key in near and near[key] != path:
            taken.add(key)
        near.setdefault(key, path)
    return {k: v for k, v in near.items() if k not in taken and k}


def _broken_fix(target: str, near: dict[str, str], settings: Settings) -> str:
    """What to do about a link that reaches nothing: the fix a user can act on."""
    name = target.rsplit("/", 1)[-1]
    if name.startswith("@"):
        return "a citation key: create its literature note (Zotero Integration, Citations) or remove the link"
    guess = near.get(_loose(name.removesuffix(".md")))
    if guess:
        return f"did you mean {guess!r}? (vaultkit links rename keeps links when you rename a file)"
    if parse_plot_name(name, settings.plot_name) is not None:
        return (
            "a plot name: `vaultkit refresh` draws it if its region is selected, or put the PNG in the "
            "vault (`vaultkit ingest`)"
        )
    return "create the note or file, or correct the link"


def _silencer(settings: Settings) -> Callable[[Finding], bool]:
    rules: list[tuple[str, str]] = []
    for entry in settings.lint_ignore:
        what, _, glob = entry.partition(":")
        rule = next((r for r, c in CODES.items() if what.strip() in (r, c)), None)
        if rule is None:
            raise ConfigError(
                f"{settings.vault / CONFIG_FILE} [lint].ignore: {entry!r} is no lint code or rule; "
                f"codes: {', '.join(f'{c} {r}' for r, c in CODES.items())}"
            )
        rules.append((rule, glob.strip()))
    return lambda f: any(f.rule == r and (not g or fnmatch.fnmatchcase(f.path, g)) for r, g in rules)


def _gene_note(settings: Settings, index: vindex.VaultIndex, path: str, found: list[Finding]) -> None:
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    gene = gene_table().find(stem)
    if gene is None:
        found.append(
            Finding(path, 1, "unknown-gene", f"{stem!r} is not an HGNC symbol; gene notes are named by symbol")
        )
        return
    if gene.symbol != stem:
        found.append(
            Finding(
                path,
                1,
                "not-a-symbol",
                f"{stem!r} is another name of {gene.symbol}; name the note "
                f"{gene.symbol}.md (vaultkit links rename keeps links)",
            )
        )
    try:
        text = read_text(settings.vault, path)
    except UnreadableNote:
        return
    _plots(settings, index, path, gene, text, found)
    _facts(path, gene, text, found)


def _plots(
    settings: Settings, index: vindex.VaultIndex, path: str, gene: Gene, text: str, found: list[Finding]
) -> None:
    heads = sections.sections(text)
    seen: set[str] = set()
    for link in index.parsed[path].links:
        plot = parse_plot_name(link.target.rsplit("/", 1)[-1], settings.plot_name) if link.embed else None
        if plot is None:
            continue
        if plot.region.gene_id and plot.region.gene_id != gene.ensembl_id:
            found.append(
                Finding(
                    path,
                    link.line,
                    "other-gene-plot",
                    f"{link.target} is a plot of {plot.region.gene_id}, not of {gene.symbol} ({gene.ensembl_id})",
                )
            )
        under = [h for h in heads if h.start <= link.start < h.end and h.level >= 2]
        # A trait is found as refresh finds it: at any level, in any case or spacing, past the author's own
        # sub-headings (### segment 2), so the user's own layouts are no finding.
        if under and genenote.plot_trait(text, link.start, settings.data.traits) is None:
            found.append(
                Finding(
                    path,
                    link.line,
                    "unknown-trait",
                    f"plot under '## {under[-1].title}', which is "
                    f"not a trait of vaultkit.toml ({', '.join(settings.data.traits)})",
                )
            )
        if link.target in seen:
            found.append(Finding(path, link.line, "duplicate-embed", f"{link.target} is embedded twice"))
        seen.add(link.target)


# Facts are read from the first 2 MB of a note: a gene note is a few pages; more is a dump, and
# scanning 20 MB for mentions would make lint take minutes.
MAX_FACT_CHARS = 2_000_000


def _facts(path: str, gene: Gene, text: str, found: list[Finding]) -> None:
    text = text[:MAX_FACT_CHARS]
    fm = frontmatter.find(text)
    if fm is not None and fm.data is None:
        return  # reported as unreadable by the link check
    managed = managed_keys()
    right = genenote.properties(genenote.GeneFacts(gene=gene))
    for w in wrong_ids(text, gene):
        v = w.verdict
        rule = (
            "wrong-location"
            if v.kind in ("location", "chromosome")
            else "wrong-id"
            if v.owner is not None
            else "unknown-id"
        )
        fix = (w.key, right[w.key]) if w.key in managed and right.get(w.key) else None
        found.append(Finding(path, w.line, rule, v.message, fix=fix))
    own_names = _own_names(fm.data if fm is not None else None)
    for s in foreign_sections(text, gene, own_names=own_names):
        found.append(Finding(path, s.start, "other-gene-section", s.message(gene), end_line=s.end))


def _own_names(data: dict[str, Any] | None) -> list[str]:
    """The note's own ``name`` and ``aliases`` properties: what its author calls the gene."""
    if not data:
        return []
    names = [data.get("name")] + (data.get("aliases") if isinstance(data.get("aliases"), list) else [])
    return [n for n in names if isinstance(n, str) and n.strip()]


def _fix(settings: Settings, report: LintReport, *, dry_run: bool) -> None:
    by_note: dict[str, dict[str, Any]] = {}
    for f in report.findings:
        if f.fix is not None:
            by_note.setdefault(f.path, {})[f.fix[0]] = f.fix[1]
    if not by_note:
        return
    with vault_lock(settings.vault, dry_run=dry_run):
        writer = NoteWriter(settings, dry_run=dry_run)
        for rel, changes in sorted(by_note.items()):
            writer.edit(rel, lambda old, changes=changes: None if old is None else (old, _fixer(changes)))
        notes = writer.finish()
    report.diff = notes.diff
    report.conflicts = notes.conflicts + [{"path": u["path"], "message": u["message"]} for u in notes.unreadable]
    failed = {c["path"] for c in report.conflicts}
    if not dry_run:
        report.findings = [
            replace(f, fixed=True) if f.fix is not None and f.path not in failed else f for f in report.findings
        ]


def _fixer(changes: dict[str, Any]) -> Callable[..., NoteUpdate]:
    def edit(text: str, state: dict[str, Any], rel: str, _resolver: object) -> NoteUpdate:
        fm = frontmatter.find(text)
        current = fm.data if fm is not None and fm.data else {}
        gene = gene_table().find(rel.rsplit("/", 1)[-1].removesuffix(".md"))
        todo = {
            k: v for k, v in changes.items() if k in current and gene is not None and _still_wrong(gene, k, current[k])
        }
        new_state = {**state, "props": {**state.get("props", {}), **todo}}
        # The old value goes to .trash/ as --force does with a property: nothing is lost.
        return NoteUpdate(
            frontmatter.update(text, todo) if todo else text,
            new_state,
            trashed=[(f"property-{k}", frontmatter.dump_key(k, current[k])) for k in todo],
        )

    return edit


def _still_wrong(gene: Gene, key: str, value: Any) -> bool:
    """Re-checked on the text being written: a value the user corrected meanwhile is left alone."""
    kind = kind_of_label(key.replace("_", " "))
    items = value if isinstance(value, list) else [value]
    return kind is not None and any(judge(gene, kind, i) for item in items for i in ids_in(kind, str(item)))
