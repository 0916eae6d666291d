"""The public library: a vault's links and notes, and the association of tables, as the commands do them.

``vaultkit.__all__`` re-exports what is public here; the rest of the package
may change. Every call gives what the command of the same name gives (its
``--json`` document is the report's ``to_json()``), and raises instead of
printing: :class:`vaultkit.VaultError`, :class:`vaultkit.InputError`, ...
The pipeline and pandas are imported when a call runs, so ``import vaultkit``
stays instant.

The examples run as doctests (``tests/test_api.py``) in a folder holding
``my-vault``: notes ``Genes/LIF.md`` (which links to ``[[MYC]]``) and
``Genes/MYC.md``, an orphaned ``plots/old.png``, and the tables in ``data/``
that its ``vaultkit.toml`` names; and ``notes``, a folder in no vault.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from vaultkit.errors import InputError
from vaultkit.reports import LinkReport, RefreshReport, RenameReport
from vaultkit.vault.discovery import find_root

if TYPE_CHECKING:
    import pandas as pd

    from vaultkit.progress import Progress

PathLike = str | os.PathLike[str]


class Vault:
    """An Obsidian vault: the folder that holds ``path`` and ``.obsidian/`` or ``vaultkit.toml``.

    The vault is found as git finds a repository: from ``path`` (default: the
    current folder) up. ``root`` is that folder (``path`` as given when it is
    the vault). Raises :class:`vaultkit.VaultError` when no folder from
    ``path`` up is a vault, so nothing outside a vault is read or written.

    Examples
    --------
    >>> Vault("my-vault/Genes").root.name
    'my-vault'
    >>> Vault("notes")
    Traceback (most recent call last):
    vaultkit.errors.VaultError: ... is not inside a vault: ...
    """

    def __init__(self, path: PathLike = ".") -> None:
        self.root: Path = find_root(path)

    def __repr__(self) -> str:
        return f"Vault({os.fspath(self.root)!r})"

    def check_links(self, *, progress: Progress | None = None) -> LinkReport:
        """Check every link as Obsidian resolves it: broken, ambiguous, missing anchors, orphaned attachments.

        Returns the report ``vaultkit links check --json`` prints
        (``report.to_json()``); ``report.ok`` is False when a link is broken
        or ambiguous or a note is unreadable. ``progress``: a
        ``vaultkit.progress.Progress`` that hears how far the reading is (the
        command's progress bar); silent by default.

        Examples
        --------
        >>> report = Vault("my-vault").check_links()
        >>> report.ok, report.notes, report.links, report.orphans
        (True, 2, 1, ['plots/old.png'])
        >>> report.to_json()["orphans"]
        ['plots/old.png']
        """
        from vaultkit.pipeline.links import links_check
        from vaultkit.progress import SILENT

        found = links_check(self.root, progress=progress or SILENT)
        # Built from the document itself: a key the pipeline adds fails here, loudly, until the report has it.
        return LinkReport(**found.as_json())

    def resolve(self, source: str, link_text: str) -> str | None:
        """The vault path ``link_text`` points to when written in the note ``source``, or None.

        ``link_text`` is a target (``MYC``, ``Genes/MYC#Plots``) or a whole
        link (``[[MYC|the oncogene]]``, ``![[plot.png]]``, ``[t](MYC.md)``),
        resolved by Obsidian's rules (``vaultkit links resolve``).

        Examples
        --------
        >>> vault = Vault("my-vault")
        >>> vault.resolve("Genes/LIF.md", "MYC")
        'Genes/MYC.md'
        >>> vault.resolve("Genes/LIF.md", "[[MYC#Function|the oncogene]]")
        'Genes/MYC.md'
        >>> vault.resolve("Genes/LIF.md", "BMPR2") is None
        True
        """
        from vaultkit.pipeline.links import links_resolve

        return links_resolve(self.root, source, link_text)

    def rename(self, old: str, new: str, *, dry_run: bool = False) -> RenameReport:
        """Move the file or folder ``old`` to ``new`` (vault paths) and rewrite every link that pointed to it.

        Links keep their form (bare name, path, display text, heading); a
        link that would otherwise change target is fixed, or the rename is
        refused with a :class:`vaultkit.VaultError` and nothing is written.
        With ``dry_run`` nothing is written and ``report.diff`` shows what
        would change (``vaultkit links rename --dry-run``).

        Examples
        --------
        >>> vault = Vault("my-vault")
        >>> report = vault.rename("Genes/MYC.md", "Genes/Oncogenes/MYC.md", dry_run=True)
        >>> report.moves, report.rewritten
        ({'Genes/MYC.md': 'Genes/Oncogenes/MYC.md'}, 0)
        >>> print(report.diff, end="")
        rename Genes/MYC.md -> Genes/Oncogenes/MYC.md
        """
        from vaultkit.pipeline.links import links_rename

        plan = links_rename(self.root, old, new, dry_run=dry_run)
        return RenameReport(
            moves=dict(plan.moves),
            rewritten=plan.rewritten,
            notes=sorted(plan.texts),
            warnings=list(plan.warnings),
            dry_run=dry_run,
            diff=plan.diff() if dry_run else "",
        )

    def refresh(
        self,
        *,
        offline: bool = False,
        dry_run: bool = False,
        force: bool = False,
        redraw: bool = False,
        jobs: int = 1,
        progress: Progress | None = None,
    ) -> RefreshReport:
        """Associate, plot, and bring every gene note up to date, as ``vaultkit refresh``; your own text is kept.

        The settings come from the vault's ``vaultkit.toml`` and the
        environment. ``offline``: no network, sources come from the cache.
        ``dry_run``: nothing is written, ``report.diff`` shows what would be.
        ``force``: sections edited by hand are replaced (old text to
        ``.trash/``). ``redraw``: every plot is drawn again. ``jobs``:
        plot-drawing processes. Returns the report ``vaultkit refresh --json``
        prints (``report.to_json()``); ``report.ok`` is False on a conflict,
        an unreadable note or a source that failed.

        Examples
        --------
        >>> vault = Vault("my-vault")
        >>> report = vault.refresh(offline=True)
        >>> report.ok, report.skipped, sorted(report.notes["updated"])
        (True, False, ['Genes/LIF.md', 'Genes/MYC.md'])
        >>> vault.refresh(offline=True).skipped  # nothing changed since: nothing to do
        True
        """
        from vaultkit.config import load_settings
        from vaultkit.pipeline.refresh import refresh
        from vaultkit.progress import SILENT

        done = refresh(
            load_settings(self.root),
            offline=offline,
            dry_run=dry_run,
            force=force,
            redraw=redraw,
            processes=jobs,
            progress=progress or SILENT,
        )
        return RefreshReport(**done.as_json(), diff=done.notes.diff if dry_run else "")


def associate(
    features: pd.DataFrame | PathLike,
    phenotypes: pd.DataFrame | PathLike,
    *,
    traits: Sequence[str],
    method: Literal["spearman", "pearson"] = "spearman",
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    sample_column: str = "sample",
    sample_suffix: str = "",
    q_method: Literal["bh", "storey"] = "bh",
    storey_lambda: float = 0.5,
) -> pd.DataFrame:
    """Correlate every region of ``features`` with every trait of ``phenotypes``: ``vaultkit associate``.

    Parameters
    ----------
    features
        One row per region, one column per sample, in a layout the
        command reads from a feature table: an id column first
        (``ENSG00000128342_chr22.30247659.30247698``), or columns ``gene_id,
        chrom, start, end``, or ``segment`` (and ``gene_id``). Region ids may
        be the index instead of the first column. Or the path of a table.
    phenotypes
        One row per sample: ``sample_column`` (or the index) and the trait
        and covariate columns. Or the path of a table.
    traits, method, covariates, categorical, sample_column, sample_suffix, q_method, storey_lambda
        As the command's options: Spearman or Pearson (R's ``cor.test``),
        partial correlations on ``covariates`` (``categorical`` ones
        dummy-coded), q by Benjamini-Hochberg or Storey's ``qvalue`` within
        each trait.

    Returns
    -------
    pandas.DataFrame
        The results table the command writes, the same numbers: columns
        gene_id, chrom, start, end, trait, n, r, p, q, method; one row per
        region and trait, trait by trait in the features' order.

    Raises
    ------
    vaultkit.InputError
        A table or design the command would refuse, with the same message
        (a DataFrame is named as such; its rows are counted as a file's,
        the header being row 1). Samples are matched in R's ``make.names``
        form; those in one table only are left out with a warning.

    Notes
    -----
    A DataFrame is written to a temporary Parquet file that the command's
    own reader reads, so it is checked, and its numbers taken, exactly as a
    file's. That costs a copy of the table on disk, and one in memory
    (Arrow's) while it is written.

    Examples
    --------
    >>> import pandas as pd
    >>> features = pd.DataFrame({
    ...     "region": ["ENSG00000128342_chr22.30247659.30247698", "ENSG00000136997_chr8.127737154.127737343"],
    ...     "S1": [1.0, 4.0], "S2": [2.0, 3.0], "S3": [3.5, 2.5], "S4": [4.0, 1.0], "S5": [5.0, 2.0]})
    >>> phenotypes = pd.DataFrame({"sample": ["S1", "S2", "S3", "S4", "S5"],
    ...                            "sPAP": [30.0, 35.5, 41.0, 52.0, 60.0]})
    >>> results = associate(features, phenotypes, traits=["sPAP"])
    >>> results[["gene_id", "trait", "n", "r"]]
               gene_id trait  n    r
    0  ENSG00000128342  sPAP  5  1.0
    1  ENSG00000136997  sPAP  5 -0.9
    """
    import pyarrow.parquet as pq

    from vaultkit.pipeline.associate import run_associate

    # ignore_cleanup_errors: on Windows a file Arrow still maps cannot be deleted yet; that must not fail the call.
    with tempfile.TemporaryDirectory(prefix="vaultkit-associate-", ignore_cleanup_errors=True) as folder:
        names: dict[str, str] = {}
        feature_path = _table_path(features, Path(folder) / "features.parquet", "features", names, sample_column=None)
        pheno_path = _table_path(
            phenotypes, Path(folder) / "phenotypes.parquet", "phenotypes", names, sample_column=sample_column
        )
        out = Path(folder) / "results.parquet"
        with _naming(names):
            run_associate(
                features=feature_path,
                phenotypes=pheno_path,
                traits=_names(traits),
                out=out,
                method=method,
                covariates=_names(covariates),
                categorical=_names(categorical),
                sample_column=sample_column,
                sample_suffix=sample_suffix,
                q_method=q_method,
                storey_lambda=storey_lambda,
            )
        return pq.read_table(out).to_pandas()


def _names(value: Sequence[str]) -> list[str]:
    """Column names; one name given as a string is one name, not its letters."""
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _table_path(
    table: pd.DataFrame | PathLike, path: Path, kind: str, names: dict[str, str], *, sample_column: str | None
) -> Path:
    """The path of a table given as a path; a DataFrame is written to ``path`` (Parquet, which the command
    reads too), so it is read and validated by the very code that reads the command's tables."""
    if isinstance(table, str | os.PathLike):
        return Path(table)
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = _index_as_column(table, sample_column)
    frame.columns = [str(c) for c in frame.columns]
    try:
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise InputError(f"the {kind} DataFrame: {exc}; expected numbers, or text, in each column") from None
    # Categorical columns as their values, as a text file has them; no pandas metadata to restore an index from.
    plain = pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in arrow.schema])
    pq.write_table(arrow.cast(plain).replace_schema_metadata(None), path)
    names[os.fspath(path)] = names[path.name] = f"the {kind} DataFrame"
    return path


def _index_as_column(frame: pd.DataFrame, sample_column: str | None) -> pd.DataFrame:
    """The frame with its index as the first column where the index holds the ids (not row numbers).

    ``sample_column`` None: a feature table, whose text index holds region ids
    unless the columns already name the regions. Else a phenotype table,
    whose index holds the sample ids when no column does.
    """
    from pandas.api.types import is_numeric_dtype

    from vaultkit.tables import IDENTITY, SEGMENT

    index = frame.index
    columns = {str(c) for c in frame.columns}
    if sample_column is None:
        holds_ids = not is_numeric_dtype(index.dtype) and not (set(IDENTITY) <= columns or SEGMENT in columns)
        name = str(index.name) if index.name is not None else ""  # "": as R writes row names
    else:
        holds_ids = sample_column not in columns and (index.name == sample_column or not is_numeric_dtype(index.dtype))
        name = sample_column
    if not holds_ids or index.nlevels != 1:
        return frame.reset_index(drop=True)
    out = frame.reset_index(drop=True)
    out.insert(0, name, index.to_numpy())
    return out


@contextmanager
def _naming(names: dict[str, str]) -> Iterator[None]:
    """Errors and warnings name the caller's DataFrames, not the temporary files they were read from."""

    def named(text: str) -> str:
        for temporary, shown in names.items():  # full paths first: they hold the file names
            text = text.replace(temporary, shown)
        return text

    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    except InputError as exc:
        raise type(exc)(named(str(exc))) from None
    finally:
        for w in caught:  # outside catch_warnings: the caller's filters decide, as for any warning
            warnings.warn(named(str(w.message)), w.category, stacklevel=4)
