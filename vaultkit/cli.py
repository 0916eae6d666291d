"""The ``vaultkit`` command: parse arguments, call one pipeline function, print its report.

Heavy modules are imported inside the commands so ``vaultkit --help`` is instant.
"""

from __future__ import annotations

import errno
import functools
import gc
import inspect
import json
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from vaultkit import __version__
from vaultkit.config import DataSettings
from vaultkit.errors import VaultkitError


class NotAVault(click.ClickException):
    """No vault holds the folder a command started from (exit 2, nothing written)."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def find_vault(start: Path | None) -> Path:
    """The vault that holds ``start`` (None: the current folder), as the library finds it
    (:func:`vaultkit.vault.discovery.find_root`); NotAVault (exit 2) if there is none."""
    from vaultkit.errors import VaultError
    from vaultkit.vault.discovery import find_root

    given = Path(".") if start is None else Path(start)
    if not given.is_dir():
        raise click.BadParameter(f"{given} is not a folder", param_hint="VAULT")
    try:
        return find_root(given)
    except VaultError as exc:
        raise NotAVault(str(exc)) from None


VAULT = click.argument(
    "vault",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    required=False,
    callback=lambda ctx, param, value: find_vault(value),
)


# A write the system refuses: one line naming the file and the cause (exit 1), not a traceback.
WRITE_FAILURES = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "the disk is full",
}
if hasattr(errno, "EDQUOT"):  # not on Windows
    WRITE_FAILURES[errno.EDQUOT] = "the disk quota is used up"


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn vaultkit's exceptions, and writes the system refuses, into a message on stderr and the exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return func(*args, **kwargs)
            except VaultkitError as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(exc.exit_code)
            except OSError as exc:
                cause = WRITE_FAILURES.get(exc.errno or 0)
                if cause is None:
                    raise
                where = exc.filename2 or exc.filename  # os.replace(tmp, path): the file being replaced
                if where and str(where).endswith(".vaultkit-tmp"):  # .NAME.random.vaultkit-tmp: name NAME
                    tmp = Path(where)
                    where = tmp.with_name(tmp.name[1:].rsplit(".", 2)[0])
                click.echo(
                    f"error: cannot write {where or 'into the vault'}: {cause} ({exc.strerror}); files "
                    "are replaced whole, so none is half-written: fix that and run the command again",
                    err=True,
                )
                sys.exit(1)
            finally:
                for w in caught:
                    if not issubclass(w.category, DeprecationWarning):
                        click.echo(f"warning: {w.message}", err=True)

    return wrapper


def vault_first(args: tuple[str, ...], names: tuple[str, ...]) -> tuple[Any, ...]:  # (Path, str, ...)
    """``[VAULT] A B``: VAULT is optional and defaults to the vault that holds the current folder (section 6).

    A B are vault paths (relative to the vault's root), not paths from the current folder.
    """
    if len(args) == len(names):
        return (find_vault(None), *args)
    if len(args) == len(names) + 1:
        return (find_vault(Path(args[0])), *args[1:])
    usage = " ".join(n.upper() for n in names)
    raise click.UsageError(f"expected [VAULT] {usage}, got {len(args)} argument(s)")


def settings_help(command: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Name the settings ``command`` reads (as vaultkit.config declares them) in its help, before the example."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        from vaultkit.config import read_by

        doc = inspect.cleandoc(func.__doc__ or "")
        keys = ", ".join(d.key.replace("LABEL", "<label>") for d in read_by(command))
        body, sep, example = doc.rpartition("\n\nExample: ")
        func.__doc__ = f"{body}\n\nSettings read from vaultkit.toml (README: Settings): {keys}.{sep}{example}"
        return func

    return decorate


def progress() -> Any:
    """A progress bar on a terminal, a few plain lines on stderr otherwise."""
    from vaultkit.progress import for_terminal

    return for_terminal(sys.stderr)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaultkit")
def cli() -> None:
    """Build and keep an Obsidian vault of per-gene research notes.

    Exit codes: 0 done, nothing wrong; 1 ran and found problems; 2 usage
    error or bad input (nothing written).

    Example: vaultkit refresh my-vault
    """


@cli.group()
def links() -> None:
    """Check, resolve, rename and prune links exactly as Obsidian does.

    Example: vaultkit links check my-vault
    """


@links.command("check")
@VAULT
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document to stdout.")
@reports_errors
def links_check(vault: Path, as_json: bool) -> None:
    """Report broken and ambiguous links, missing anchors and orphaned attachments.

    Exits 1 if a link is broken or ambiguous or a note cannot be read.

    Example: vaultkit links check my-vault --json
    """
    from vaultkit.api import Vault

    report = Vault(vault).check_links(progress=progress())
    if as_json:
        emit_json(report.to_json())
    else:
        _print_link_report(report)
    sys.exit(0 if report.ok else 1)


def _print_link_report(report: Any) -> None:
    lines = []  # one write, not one per finding: a large vault has thousands
    for b in report.broken:
        kind = "embed" if b["embed"] else "link"
        hint = f" (did you mean {b['suggestion']}?)" if "suggestion" in b else ""
        reason = f" ({b['reason']})" if "reason" in b else ""
        lines.append(f"{b['source']}:{b['line']}: broken {kind} {b['target']!r}{reason}{hint}")
    for a in report.ambiguous:
        lines.append(f"{a['source']}:{a['line']}: ambiguous link {a['target']!r}: {', '.join(a['candidates'])}")
    for m in report.missing_anchors:
        lines.append(
            f"{m['source']}:{m['line']}: {m['target']}{m['anchor']}: no such heading or block in {m['resolved']}"
        )
    lines.extend(f"{u['path']}:{u['line']}: {u['message']}" for u in report.unreadable)
    lines.extend(f"orphan: {o}" for o in report.orphans)
    if lines:
        click.echo("\n".join(lines))
    click.echo(
        f"{report.notes} notes, {report.files} files, {report.links} links: {len(report.broken)} broken, "
        f"{len(report.ambiguous)} ambiguous, {len(report.missing_anchors)} missing anchors, "
        f"{len(report.orphans)} orphaned attachments, {len(report.unreadable)} unreadable notes",
        err=True,
    )


@links.command("resolve")
@click.argument("args", nargs=-1, metavar="[VAULT] SOURCE_NOTE LINK_TEXT")
@reports_errors
def links_resolve(args: tuple[str, ...]) -> None:
    """Print the vault path LINK_TEXT resolves to from SOURCE_NOTE; exit 1 if none.

    Example: vaultkit links resolve my-vault Genes/LIF.md "[[MYC#Plots]]"
    """
    from vaultkit.api import Vault

    vault, source_note, link_text = vault_first(args, ("source_note", "link_text"))
    path = Vault(vault).resolve(source_note, link_text)
    if path is None:
        sys.exit(1)
    click.echo(path)


@links.command("rename")
@settings_help("links rename")
@click.argument("args", nargs=-1, metavar="[VAULT] OLD NEW")
@click.option("--dry-run", is_flag=True, help="Print the diff; change nothing.")
@reports_errors
def links_rename(args: tuple[str, ...], dry_run: bool) -> None:
    """Move the file or folder OLD to NEW and rewrite every link that pointed to it.

    Links keep their form (bare name, path, display text, heading, size);
    links that would otherwise change target are fixed, or the rename is
    refused with the list.

    Example: vaultkit links rename my-vault Genes/LIF.md Genes/Cytokines/LIF.md
    """
    from vaultkit.api import Vault

    vault, old, new = vault_first(args, ("old", "new"))
    report = Vault(vault).rename(old, new, dry_run=dry_run)
    if dry_run:
        click.echo(report.diff, nl=False)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    verb = "would rewrite" if dry_run else "rewrote"
    click.echo(
        f"{verb} {report.rewritten} links in {len(report.notes)} notes; {len(report.moves)} files moved", err=True
    )


@links.command("prune")
@settings_help("links prune")
@VAULT
@click.option("--dry-run", is_flag=True, help="List what would move; change nothing.")
@click.option("--all", "everything", is_flag=True, help="Also orphaned attachments that are not plots.")
@reports_errors
def links_prune(vault: Path, dry_run: bool, everything: bool) -> None:
    """Move orphaned plot images (no note links to them) into VAULT/.trash/.

    Example: vaultkit links prune my-vault --dry-run
    """
    from vaultkit.pipeline.links import links_prune as run

    report = run(vault, dry_run=dry_run, everything=everything)
    for path in report.candidates:
        click.echo(f"{'would move' if dry_run else 'moved'} {path} -> .trash/")
    click.echo(f"{len(report.candidates)} orphaned attachments", err=True)


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def settings_for(vault: Path, **overrides: Any) -> Any:
    from vaultkit.config import load_settings

    if not vault.is_dir():
        raise click.BadParameter(f"{vault} is not a folder", param_hint="VAULT")
    return load_settings(vault, **overrides)


# associate reads no vault, so no vaultkit.toml; its defaults are the settings' own, declared once in config.
_DATA_DEFAULTS = DataSettings()


@cli.command()
@click.option(
    "--features",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Feature table (TSV, CSV or Parquet): a row per region, a column per sample.",
)
@click.option(
    "--phenotypes",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Phenotype table: a row per sample, trait and covariate columns.",
)
@click.option("--traits", required=True, help="Comma-separated trait columns, e.g. sPAP,mPAP.")
@click.option(
    "--method",
    type=click.Choice(["pearson", "spearman"]),
    default=_DATA_DEFAULTS.method,
    show_default=True,
    help="Spearman (rank) or Pearson correlation, as R's cor.test.",
)
@click.option("--covariates", default="", help="Comma-separated covariate columns (partial correlation).")
@click.option("--categorical", default="", help="Covariates that are categories (dummy-coded, first level dropped).")
@click.option(
    "--sample-column",
    default=_DATA_DEFAULTS.sample_column,
    show_default=True,
    help="Sample id column of the phenotypes.",
)
@click.option(
    "--sample-suffix",
    default="",
    help="Suffix of every sample column to strip (e.g. .ATAC); default: a .WORD every sample column shares.",
)
@click.option(
    "--q-method",
    type=click.Choice(["bh", "storey"]),
    default=_DATA_DEFAULTS.q_method,
    show_default=True,
    help="q within each trait: p.adjust(p, 'BH') or qvalue::qvalue(p, lambda).",
)
@click.option(
    "--storey-lambda",
    type=click.FloatRange(0, 1, max_open=True),
    default=_DATA_DEFAULTS.storey_lambda,
    show_default=True,
    help="qvalue's lambda for --q-method storey.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Results table; .tsv, .csv or .parquet.",
)
@reports_errors
def associate(
    features: Path,
    phenotypes: Path,
    traits: str,
    method: str,
    covariates: str,
    categorical: str,
    sample_column: str,
    sample_suffix: str,
    q_method: str,
    storey_lambda: float,
    out: Path,
) -> None:
    """Correlate every region with every trait: n, r, p and q within each trait, as R's cor.test gives them.

    Pearson p is Student's t; Spearman p without ties is R's exact null
    distribution (n <= 9) or the AS 89 series (n <= 1290), with ties the t
    approximation; partial correlations (covariates) use t with n - 2 - k df.

    Writes columns gene_id, chrom, start, end, trait, n, r, p, q, method.
    The feature table is read in chunks, so memory stays bounded whatever
    its size (README: Large tables); the results replace --out only once
    they are complete.

    Example: vaultkit associate --features data/features.tsv --phenotypes data/phenotypes.tsv --traits sPAP,mPAP --out results.tsv
    """
    from vaultkit.pipeline.associate import run_associate

    rows, found = run_associate(
        features=features,
        phenotypes=phenotypes,
        traits=_csv(traits),
        out=out,
        method=method,
        covariates=_csv(covariates),
        categorical=_csv(categorical),
        sample_column=sample_column,
        q_method=q_method,
        storey_lambda=storey_lambda,
        sample_suffix=sample_suffix,
        progress=progress(),
    )
    for line in found:
        click.echo(line, err=True)
    click.echo(f"wrote {rows} associations to {out}", err=True)


@cli.command()
@settings_help("plot")
@VAULT
@click.option(
    "--results",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Results table written by `vaultkit associate`.",
)
@click.option("--top", type=click.IntRange(min=1), help="At most N regions per gene and trait [top_per_gene].")
@click.option("--fdr", type=click.FloatRange(0, 1, min_open=True), help="Keep associations with q <= FDR [fdr].")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Drawing processes.")
@click.option("--dry-run", is_flag=True, help="List what would be drawn; write nothing.")
@click.option("--redraw", is_flag=True, help="Draw every plot again, even those whose fingerprint did not change.")
@reports_errors
def plot(
    vault: Path, results: Path, top: int | None, fdr: float | None, jobs: int, dry_run: bool, redraw: bool
) -> None:
    """Draw the selected associations into the vault's attachments folder.

    The feature and phenotype tables come from vaultkit.toml ([data]). Each
    PNG carries a fingerprint of what it shows (values, labels, rounded
    statistics, plot style); a plot whose fingerprint did not change is not
    drawn again, and a PNG without one (drawn by R, ingested) is never
    replaced.

    Example: vaultkit plot my-vault --results results.tsv --top 1 --fdr 0.05 --jobs 2
    """
    from vaultkit.pipeline.plot import run_plot

    report = run_plot(
        settings_for(vault, top_per_gene=top, fdr=fdr),
        results=results,
        processes=jobs,
        progress=progress(),
        dry_run=dry_run,
        redraw=redraw,
    )
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    for rel in report.drawn:
        click.echo(f"{'would draw' if dry_run else 'drew'} {rel}")
    click.echo(
        f"plots: {len(report.drawn)} {'to draw' if dry_run else 'drawn'}, {len(report.kept)} unchanged", err=True
    )


@cli.command()
@settings_help("fetch")
@click.argument("args", nargs=-1, metavar="[VAULT] [GENE]...")
@click.option(
    "--source", "source", default="ncbi,uniprot,europepmc", show_default=True, help="Comma-separated sources to ask."
)
@click.option("--offline", is_flag=True, help="No network: use cached answers only.")
@click.option("--force", is_flag=True, help="Replace summaries pasted or edited by hand (old text to .trash/).")
@click.option("--dry-run", is_flag=True, help="Print the diff of the notes; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document to stdout.")
@reports_errors
def fetch(args: tuple[str, ...], source: str, offline: bool, force: bool, dry_run: bool, as_json: bool) -> None:
    """Fetch NCBI Gene, UniProt and Europe PMC text for GENES and write it into their notes.

    GENES are symbols or ids; without them, every gene note in the notes
    folder. The first argument is the vault if it is a folder. Genes without a note are fetched and printed, not written.
    Answers are cached in VAULT/.vaultkit/; NCBI is asked once for all genes.
    Exits 1 if a source failed while online or a note had a conflict.

    Example: vaultkit fetch my-vault LIF BMPR2 --json
    """
    from vaultkit.pipeline.fetch import fetch_into_notes

    # [VAULT] [GENE]...: a first argument that is a folder is the vault (no gene is a folder).
    vault, genes = (
        (find_vault(Path(args[0])), args[1:]) if args and Path(args[0]).is_dir() else (find_vault(None), args)
    )
    report = fetch_into_notes(
        settings_for(vault),
        list(genes),
        sources=tuple(_csv(source)),
        offline=offline,
        force=force,
        dry_run=dry_run,
        progress=progress(),
    )
    fetched, notes = report.fetched, report.notes
    for notice in fetched.notices:
        click.echo(f"note: {notice}", err=True)
    if dry_run and notes and not as_json:
        click.echo(notes.diff, nl=False)
    if as_json:
        emit_json(report.as_json())
    elif not dry_run:
        for sym, found in fetched.found().items():
            click.echo(f"{sym}: {', '.join(found) or 'nothing'}")
    for name, status in fetched.status.items():
        click.echo(f"{name}: {status}", err=True)
    if fetched.unknown:
        click.echo(f"unknown genes: {', '.join(fetched.unknown)}", err=True)
    if notes:
        _print_notes(notes, would=dry_run)
    sys.exit(report.exit_code)


def _print_notes(notes: Any, *, would: bool = False) -> None:
    _print_note_counts(
        notes.conflicts, notes.unreadable, len(notes.created), len(notes.updated), len(notes.unchanged), would=would
    )


def _print_note_counts(
    conflicts: Any, unreadable: Any, created: int, updated: int, unchanged: int, *, would: bool
) -> None:
    for c in conflicts:
        click.echo(f"conflict: {c['path']}: {c['message']}", err=True)
    for u in unreadable:
        click.echo(f"unreadable: {u['path']}:{u['line']}: {u['message']}", err=True)
    verb = "would be " if would else ""
    click.echo(
        f"notes: {created} {verb}created, {updated} {verb}updated, {unchanged} unchanged; conflicts: {len(conflicts)}",
        err=True,
    )


@cli.command()
@settings_help("ingest")
@click.argument("args", nargs=-1, metavar="[VAULT] PLOTS_DIR")
@click.option("--trait", required=True, help="The trait these plots show (the ## heading they go under).")
@click.option("--dry-run", is_flag=True, help="Print the diff; copy and write nothing.")
@reports_errors
def ingest(args: tuple[str, ...], trait: str, dry_run: bool) -> None:
    """Bring PNGs made elsewhere (an R script, say) into the vault and embed them.

    Files named in the plot template (X<r>_<ENSG>_<chrom>.<start>.<end>.png)
    are copied to the attachments folder and embedded under ## TRAIT of each
    gene's note; the embeds and files they replace are retired to .trash/.

    Example: vaultkit ingest my-vault ~/analysis/plots_sPAP --trait sPAP
    """
    from vaultkit.pipeline.ingest import ingest as run

    vault, plots_dir = vault_first(args, ("plots_dir",))
    report = run(settings_for(vault), Path(plots_dir), trait=trait, dry_run=dry_run)
    if dry_run:
        click.echo(report.notes.diff, nl=False)
    for name in report.skipped:
        click.echo(f"skipped {name}: not a plot name of a known gene", err=True)
    _print_notes(report.notes)
    click.echo(f"plots: {len(report.copied)} copied, {len(report.notes.retired)} retired", err=True)
    sys.exit(report.exit_code)


@cli.group()
def consensus() -> None:
    """Consensus (consensus.app) answers in gene notes.

    Example: vaultkit consensus add my-vault LIF "https://consensus.app/papers/...?extracted-answer=...&q=..."
    """


@consensus.command("add")
@settings_help("consensus add")
@click.argument("args", nargs=-1, metavar="[VAULT] GENE URL")
@click.option("--dry-run", is_flag=True, help="Print the diff; write nothing.")
@reports_errors
def consensus_add(args: tuple[str, ...], dry_run: bool) -> None:
    """Append the answer of a Consensus share link under ### Consensus of GENE's note.

    The line is the answer followed by the link in parentheses, as in your
    notes; the same link is never added twice.

    Example: vaultkit consensus add my-vault LIF "https://consensus.app/papers/x/abc/?extracted-answer=LIF+matters&q=LIF+and+PH"
    """
    from vaultkit.pipeline.consensus import consensus_add as run

    vault, gene, url = vault_first(args, ("gene", "url"))
    notes = run(settings_for(vault), str(gene), str(url), dry_run=dry_run)
    if dry_run:
        click.echo(notes.diff, nl=False)
    click.echo("added" if notes.updated else "already there", err=True)


@cli.command()
@click.argument("vault", type=click.Path(path_type=Path, file_okay=False))
@reports_errors
def init(vault: Path) -> None:
    """Create VAULT (if needed) with a vaultkit.toml that lists every setting and its default.

    An existing vaultkit.toml is never overwritten.

    Example: vaultkit init my-vault
    """
    from vaultkit.pipeline.init import init_vault

    created = init_vault(vault)
    click.echo(f"{'wrote' if created else 'kept the existing'} {vault / 'vaultkit.toml'}", err=True)


@cli.command()
@settings_help("refresh")
@VAULT
@click.option("--offline", is_flag=True, help="No network: sources come from the cache; text already there is kept.")
@click.option("--dry-run", is_flag=True, help="Print the diff of every note; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite sections edited or pasted by hand (old text goes to .trash/).")
@click.option("--redraw", is_flag=True, help="Draw every plot again, even those whose fingerprint did not change.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Plot-drawing processes.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report to stdout.")
@reports_errors
def refresh(vault: Path, offline: bool, dry_run: bool, force: bool, redraw: bool, jobs: int, as_json: bool) -> None:
    """Associate, plot, and bring every gene note up to date; your own text is kept.

    Steps: read vaultkit.toml, associate regions with traits, keep q <= fdr
    (top_per_gene per gene and trait), draw changed plots, write the notes,
    fetch NCBI/UniProt/Europe PMC text. Exits 1 on conflicts, unreadable
    notes, or a source that failed while online.

    When the settings, the data tables, vaultkit's version and every file of
    the vault are as the last clean refresh left them, the run is skipped
    and nothing is written (online sources are asked again after 12 hours).
    Plots are drawn only when what they show changed (a fingerprint in each
    PNG); --redraw draws them all.

    Example: vaultkit refresh my-vault --jobs 2
    """
    from vaultkit.api import Vault

    report = Vault(vault).refresh(
        offline=offline, dry_run=dry_run, force=force, redraw=redraw, jobs=jobs, progress=progress()
    )
    if dry_run and not as_json:
        click.echo(report.diff, nl=False)
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    if as_json:
        emit_json(report.to_json())
    for line in report.inputs:
        click.echo(line, err=True)
    if report.skipped:
        click.echo("nothing changed since the last refresh (settings, data, vault): nothing to do", err=True)
    notes, plots = report.notes, report.plots
    _print_note_counts(
        report.conflicts,
        report.unreadable,
        len(notes["created"]),
        len(notes["updated"]),
        notes["unchanged"],
        would=dry_run,
    )
    verb = "would be " if dry_run else ""
    click.echo(
        f"plots: {len(plots['drawn'])} {verb}drawn, {plots['kept']} kept, {len(plots['retired'])} {verb}retired; "
        f"sources: {'; '.join(f'{k} {v}' for k, v in report.sources.items()) or 'none'}",
        err=True,
    )
    sys.exit(0 if report.ok else 1)


@cli.command()
@settings_help("lint")
@VAULT
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document to stdout.")
@click.option("--fix", is_flag=True, help="Correct wrong ids in vaultkit's own properties (never your text).")
@click.option("--dry-run", is_flag=True, help="With --fix: print the diff; change nothing.")
@reports_errors
def lint(vault: Path, as_json: bool, fix: bool, dry_run: bool) -> None:
    """Find what needs a look: broken or ambiguous links, unreadable notes, names that
    break links, gene notes not named by their symbol, plots of another gene or
    under a heading that is not a trait, plots embedded twice, and wrong facts.

    \b
    Wrong facts, checked offline against the bundled HGNC table:
    - ids of another gene (VK301 wrong-id) or of none (VK302 unknown-id):
      NCBI Gene, OMIM, Ensembl, UniProt, HGNC ids, symbols and names (only
      another gene's HGNC name is wrong) in properties,
      in table rows and "Label: value" lines labelled so (markdown or HTML)
      and in identifier links (ncbi.nlm.nih.gov/gene/N, omim.org/entry/N,
      uniprot.org, ENSG..., genecards gene=); symbols follow HGNC aliases
      and previous symbols. A table row or link that names another gene speaks
      of that gene, so a table or link of partners is no finding.
    - a cytoband or chromosome on another chromosome, arm or band (VK303).
    - text about another gene (VK304): a section (a heading, or in pasted
      text a short title line) that names the note's gene 0 times and one
      other gene at least 4 times, that gene being at least 3/4 of the gene
      mentions (symbols, aliases only HGNC gives to that gene, HGNC names,
      "5-HT2A receptor"); neighbouring such sections are one finding.
      Sections whose markdown heading names that gene or a partner ("receptor",
      "ligand", "interactions", "complex", "paralog"), and reference
      lists, are left alone.

    \b
    Every finding has a stable code; silence codes in vaultkit.toml:
      [lint]
      ignore = ["VK304", "wrong-location:Genes/OLD*.md"]

    --fix writes the right value into the id properties vaultkit manages
    (entrez_id, omim, ensembl_id, uniprot, hgnc_id, location, symbol, name);
    the old value goes to .trash/. Ids in your own text are only reported.
    Exits 1 when a finding is left.

    Example: vaultkit lint my-vault --json
    """
    from vaultkit.pipeline.lint import lint as run

    if dry_run and not fix:
        raise click.UsageError("--dry-run goes with --fix (lint alone writes nothing)")
    report = run(settings_for(vault), fix=fix, dry_run=dry_run)
    if as_json:
        emit_json(report.as_json())
    else:
        if dry_run:
            click.echo(report.diff, nl=False)
        for f in report.findings:
            done = " (fixed)" if f.fixed else ""
            click.echo(f"{f.where}: {f.message} [{f.code} {f.rule}]{done}")
    for c in report.conflicts:
        click.echo(f"conflict: {c['path']}: {c['message']}", err=True)
    ignored = f", {report.ignored} ignored" if report.ignored else ""
    fixed = f", {report.fixed} fixed" if fix and not dry_run else ""
    click.echo(f"{report.notes} notes, {len(report.findings)} findings{fixed}{ignored}", err=True)
    sys.exit(report.exit_code)


def _examples_last(group: click.Group) -> None:
    """Move each docstring's closing example to the help's epilog, so ``--help`` ends with it (after the
    options), on one line (click rewraps paragraphs unless told not to), to be copied and run."""
    for command in [group, *group.commands.values()]:
        body, sep, example = inspect.cleandoc(command.help or "").rpartition("\n\nExample: ")
        if sep:
            command.help = body
            command.epilog = "\b\nExample: " + example
        if isinstance(command, click.Group) and command is not group:
            _examples_last(command)


_examples_last(cli)


def main() -> None:
    # Before numpy loads OpenBLAS (numpy's and scipy's copies), which starts a thread per core that spins
    # for ~0.1 s of CPU after loading and after every call: 0.4 s of `associate`'s CPU on two cores. The
    # products here are thin and run on one BLAS thread anyway (stats.correlate), so those threads never
    # help. Only the command's own process: a user's setting wins, and importing vaultkit changes nothing.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        cli()
    finally:
        # The interpreter's exit collects garbage over every object still alive, those of the libraries a
        # command loaded included: 0.14 s for pandas, scipy and pyarrow, a tenth of `associate` on a 150 MB
        # table. Frozen, they are left to the process's end; what holds a resource is closed before this.
        gc.freeze()
