"""``vaultkit plot``: draw the plots of a results table."""

from __future__ import annotations

from pathlib import Path

from vaultkit.config import Settings
from vaultkit.pipeline.analysis import exact_stats, load_cohort, read_results, select
from vaultkit.pipeline.plotting import PlotReport, build_jobs, draw
from vaultkit.progress import SILENT, Progress
from vaultkit.vault.obsidian import load_app_settings
from vaultkit.vault.write import clean_temp_files, vault_lock


def attachments_folder(settings: Settings) -> str:
    """Where plots go: ``attachments_dir`` from vaultkit.toml, else Obsidian's attachment setting.

    Either is confined to the vault: ConfigError (naming the setting and its file) if it leads out.
    """
    from vaultkit.config import CONFIG_FILE
    from vaultkit.vault.paths import confined

    if settings.attachments_dir:
        where = f"attachments_dir in {settings.vault / CONFIG_FILE}"
        full = confined(settings.vault, settings.attachments_dir, where)
        return "" if full == settings.vault else full.relative_to(settings.vault).as_posix()
    note = f"{settings.notes_dir}/note.md" if settings.notes_dir else "note.md"
    return load_app_settings(settings.vault).attachment_dir_in(settings.vault, note)


def symbols_for(gene_ids: list[str]) -> dict[str, str]:
    """Gene symbols from the bundled HGNC table; unknown ids map to themselves."""
    from vaultkit.genome.genes import gene_table

    table = gene_table()
    out = {}
    for gid in gene_ids:
        gene = table.find(gid) if gid else None
        out[gid] = gene.symbol if gene else gid
    return out


def run_plot(
    settings: Settings,
    *,
    results: Path,
    top: int | None = None,
    fdr: float | None = None,
    processes: int = 1,
    progress: Progress = SILENT,
    dry_run: bool = False,
    redraw: bool = False,
) -> PlotReport:
    """Draw the selected associations of ``results`` into the vault's attachments folder."""
    data = settings.data
    table = read_results(results)
    chosen = select(table, fdr=data.fdr if fdr is None else fdr, top=data.top_per_gene if top is None else top)
    traits = sorted(set(chosen["trait"]))
    cohort = load_cohort(
        settings.path(data.features),
        settings.path(data.phenotypes),
        sample_column=data.sample_column,
        traits=traits or list(data.traits),
        covariates=list(data.covariates),
        categorical=list(data.categorical),
        condition_column=data.condition_column,
        trait_columns=data.trait_columns,
        sample_suffix=data.sample_suffix,
    )
    methods = set(chosen["method"])
    chosen, kept_digits = exact_stats(
        chosen,
        cohort,
        method=methods.pop() if len(methods) == 1 else data.method,
        covariates=list(data.covariates),
        categorical=list(data.categorical),
    )
    jobs = build_jobs(
        chosen,
        cohort,
        vault=settings.vault,
        folder=attachments_folder(settings),
        template=settings.plot_name,
        build=data.build,
        feature_label=data.feature_label,
        units=data.units,
        condition_column=data.condition_column,
        symbols=symbols_for(sorted(set(chosen["gene_id"]))),
        plot_conditions=data.plot_conditions,
        condition_panel=data.condition_panel,
        covariates=tuple(data.covariates),
    )
    if dry_run:
        report = draw(jobs, dry_run=True, redraw=redraw)
    else:
        with vault_lock(settings.vault):
            clean_temp_files(settings.vault)  # what a killed `plot --jobs N` left behind
            report = draw(jobs, processes=processes, progress=progress, redraw=redraw)
    if kept_digits:
        report.warnings.append(
            f"{kept_digits} association(s) of {results.name} could not be recomputed from the feature table with "
            f"covariates {list(data.covariates)}: their r and p are the table's, whose last digits may differ "
            "between machines"
        )
    return report
