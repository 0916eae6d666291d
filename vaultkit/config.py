"""Settings: ``VAULT/vaultkit.toml`` < environment < command-line flags, frozen once built.

Every key has a default, so a vault without the file works. Each setting is
declared once, as a field made by ``setting`` (default, ``vaultkit.toml``
key, help, the commands that read it); ``vaultkit init``'s file, the README
table and the commands' ``--help`` come from those declarations.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from vaultkit.errors import ConfigError

CONFIG_FILE = "vaultkit.toml"


# The commands that read settings, as ``setting(..., used_by=...)`` names them.
REFRESH, PLOT, FETCH, INGEST, CONSENSUS, LINT, PRUNE, RENAME = (
    "refresh",
    "plot",
    "fetch",
    "ingest",
    "consensus add",
    "lint",
    "links prune",
    "links rename",
)
DRAWING = (REFRESH, PLOT)


def setting(default: Any, help: str, *, key: str, used_by: tuple[str, ...], factory: Any = None) -> Any:
    """A setting, declared once: its default, its ``vaultkit.toml`` key (``data.fdr``), what it does, who reads it.

    ``vaultkit init``'s file (``toml_template``), the README's table (checked by
    a test) and each command's ``--help`` are made from these declarations.
    """
    meta = {"key": key, "help": help, "used_by": used_by}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class DataSettings:
    features: str = setting(
        "data/features.tsv",
        "feature table: a row per region, a column per sample (README: Input tables)",
        key="data.features",
        used_by=DRAWING,
    )
    phenotypes: str = setting(
        "data/phenotypes.tsv",
        "phenotype table: a row per sample, trait and covariate columns",
        key="data.phenotypes",
        used_by=DRAWING,
    )
    sample_column: str = setting(
        "sample", "the phenotype table's sample id column", key="data.sample_column", used_by=DRAWING
    )
    traits: tuple[str, ...] = setting(
        ("sPAP", "mPAP"),
        "trait labels: headings, plot files, r_/p_/q_/n_ properties (a column each, or see [traits.LABEL])",
        key="data.traits",
        used_by=(*DRAWING, LINT),
    )
    covariates: tuple[str, ...] = setting(
        (), "numeric columns to adjust for (partial correlation)", key="data.covariates", used_by=DRAWING
    )
    build: str = setting(
        "GRCh38", "genome build named in titles and notes", key="data.build", used_by=(*DRAWING, INGEST)
    )
    method: str = setting(
        "spearman", '"spearman" or "pearson"; r and p as R\'s cor.test', key="data.method", used_by=DRAWING
    )
    q_method: str = setting(
        "bh",
        '"bh" (p.adjust BH) or "storey" (qvalue::qvalue with lambda = storey_lambda), within each trait',
        key="data.q_method",
        used_by=(REFRESH,),
    )
    storey_lambda: float = setting(
        0.5, 'qvalue\'s lambda for q_method = "storey"', key="data.storey_lambda", used_by=(REFRESH,)
    )
    fdr: float = setting(0.05, "keep associations with q <= fdr ...", key="data.fdr", used_by=DRAWING)
    top_per_gene: int = setting(
        1,
        "... and at most this many regions per gene and trait (smallest p, then largest |r|)",
        key="data.top_per_gene",
        used_by=DRAWING,
    )
    feature_label: str = setting("ATAC-seq signal", "x axis of the plots", key="data.feature_label", used_by=DRAWING)
    units: dict[str, str] = setting(  # noqa: RUF009 (setting returns a dataclasses.field with a factory)
        None,
        "unit of each trait, on the y axis",
        key="data.units",
        used_by=DRAWING,
        factory=lambda: {"sPAP": "mmHg", "mPAP": "mmHg"},
    )
    condition_column: str = setting(
        "condition",
        "phenotype column that colours the points, one fit line per condition",
        key="data.condition_column",
        used_by=DRAWING,
    )
    categorical: tuple[str, ...] = setting(
        (), "covariates that are categories (dummy-coded, first level dropped)", key="data.categorical", used_by=DRAWING
    )
    sample_suffix: str = setting(
        "",
        'suffix of every sample column to strip; "" = detect a ".WORD" all sample columns share (".ATAC")',
        key="data.sample_suffix",
        used_by=DRAWING,
    )
    plot_conditions: tuple[str, ...] = setting(
        (), "conditions drawn in the scatter ([] = all)", key="data.plot_conditions", used_by=DRAWING
    )
    condition_panel: bool = setting(
        False, "a second panel: the region's signal by condition", key="data.condition_panel", used_by=DRAWING
    )
    trait_columns: dict[str, str] = setting(  # noqa: RUF009 (as units)
        None,
        "the phenotype column of a trait whose column is not the label the notes use (and its unit)",
        key="traits.LABEL.column",
        used_by=DRAWING,
        factory=dict,
    )
    synthetic: bool = setting(
        False, "the notes say their data are synthetic (the example vault)", key="data.synthetic", used_by=(REFRESH,)
    )

    def column(self, trait: str) -> str:
        """The phenotype column of a trait label."""
        return self.trait_columns.get(trait, trait)


@dataclass(frozen=True)
class SourceSettings:
    ncbi_base_url: str = setting(
        "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/",
        "NCBI E-utilities",
        key="sources.ncbi.base_url",
        used_by=(REFRESH, FETCH),
    )
    ncbi_email: str = setting(
        "", "sent to NCBI with each request, as NCBI asks", key="sources.ncbi.email", used_by=(REFRESH, FETCH)
    )
    ncbi_api_key: str = setting(
        "",
        "NCBI API key (10 requests/s instead of 3); the environment variable NCBI_API_KEY wins, never argv",
        key="sources.ncbi.api_key",
        used_by=(REFRESH, FETCH),
    )
    uniprot_base_url: str = setting(
        "https://rest.uniprot.org/", "UniProt REST", key="sources.uniprot.base_url", used_by=(REFRESH, FETCH)
    )
    europepmc_base_url: str = setting(
        "https://www.ebi.ac.uk/europepmc/webservices/rest/",
        "Europe PMC REST",
        key="sources.europepmc.base_url",
        used_by=(REFRESH, FETCH),
    )
    europepmc_query: str = setting(
        '{symbol} AND "pulmonary hypertension"',
        "the literature search of each gene",
        key="sources.europepmc.query",
        used_by=(REFRESH, FETCH),
    )
    europepmc_papers: int = setting(
        5, "papers listed per gene", key="sources.europepmc.papers", used_by=(REFRESH, FETCH)
    )
    consensus_question: str = setting(
        "connection between {symbol} and pulmonary hypertension",
        'question of the Consensus search link in each note ("" = none)',
        key="sources.consensus.question",
        used_by=(REFRESH,),
    )
    timeout: float = setting(
        20.0, "seconds to wait for a source's answer", key="sources.timeout", used_by=(REFRESH, FETCH)
    )
    enabled: tuple[str, ...] = setting(
        ("ncbi", "uniprot", "europepmc"),
        "sources refresh asks (fetch: --source)",
        key="sources.enabled",
        used_by=(REFRESH,),
    )


@dataclass(frozen=True)
class Settings:
    """Everything a vaultkit run needs to know, built at the edge and passed down."""

    vault: Path
    notes_dir: str = setting(
        "Genes", "where gene notes live", key="notes_dir", used_by=(REFRESH, FETCH, INGEST, CONSENSUS, LINT, RENAME)
    )
    attachments_dir: str = setting(
        "",
        'where plots go; "" = Obsidian\'s attachment folder setting (.obsidian/app.json), else the vault root',
        key="attachments_dir",
        used_by=(*DRAWING, INGEST, RENAME),
    )
    plot_name: str = setting(
        "legacy",
        '"legacy" (the names of the user\'s R plots: X{r}_{gene_id}_{chrom}.{start}.{end}.png) '
        'or a template such as "{symbol}_{trait}_{chrom}_{start}_{end}.png" (names that never change)',
        key="plot_name",
        used_by=(*DRAWING, INGEST, LINT, PRUNE),
    )
    lint_ignore: tuple[str, ...] = setting(
        (),
        'lint finding codes or rules to silence, everywhere or for some notes: ["VK304", "wrong-id:Genes/OLD*.md"]',
        key="lint.ignore",
        used_by=(LINT,),
    )
    data: DataSettings = field(default_factory=DataSettings)
    sources: SourceSettings = field(default_factory=SourceSettings)

    def path(self, rel: str) -> Path:
        """A settings path (relative to the vault unless absolute)."""
        p = Path(rel).expanduser()
        return p if p.is_absolute() else self.vault / p


@dataclass(frozen=True)
class Declared:
    """One setting as ``setting`` declared it: where it goes in ``vaultkit.toml``, its default and help."""

    key: str  # dotted: "notes_dir", "data.fdr", "sources.ncbi.email"
    attribute: str  # where Settings holds it: "notes_dir", "data.fdr", "sources.ncbi_email"
    type: str  # "string", "number", "whole number", "true or false", "list of strings", "table"
    default: Any
    help: str
    used_by: tuple[str, ...]

    @property
    def table(self) -> str:
        """The TOML table the key sits in ("" for the top level)."""
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.key.rpartition(".")[2]


_TYPES = {
    "str": "string",
    "float": "number",
    "int": "whole number",
    "bool": "true or false",
    "tuple[str, ...]": "list of strings",
    "dict[str, str]": "table",
}


def declared() -> list[Declared]:
    """Every setting, in the order ``vaultkit init`` writes them."""
    from dataclasses import MISSING

    out: list[Declared] = []
    for cls, prefix in ((Settings, ""), (DataSettings, "data."), (SourceSettings, "sources.")):
        for f in fields(cls):
            if "key" not in f.metadata:
                continue
            default = f.default_factory() if f.default is MISSING and f.default_factory is not MISSING else f.default
            meta = f.metadata
            out.append(
                Declared(meta["key"], prefix + f.name, _TYPES[str(f.type)], default, meta["help"], meta["used_by"])
            )
    # A table before its sub-tables ([sources] before [sources.ncbi]), in the order a reader looks for them.
    return sorted(out, key=lambda d: (_TABLE_ORDER.index(d.table.split(".")[0]), bool(d.table) + d.table.count(".")))


_TABLE_ORDER = ["", "data", "traits", "lint", "sources"]


def read_by(command: str) -> list[Declared]:
    """The settings ``command`` reads (``"refresh"``, ``"links prune"`` ...)."""
    return [d for d in declared() if command in d.used_by]


def toml_value(value: Any) -> str:
    """``value`` as TOML writes it."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, tuple | list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    raise TypeError(f"no TOML for {value!r}")


def toml_template() -> str:
    """The ``vaultkit.toml`` that ``vaultkit init`` writes: every setting at its default, each with its help."""
    lines = [
        "# vaultkit settings. Every key has a default; delete what you do not change.",
        '# README "Settings" lists the same keys, and each command\'s --help the ones it reads.',
        "",
    ]
    table = ""
    for d in declared():
        if d.table != table:
            table = d.table
            lines.append("")
        if d.key == "traits.LABEL.column":
            lines += [
                f"# {d.help}:",
                "# [traits.sPAP]",
                '# column = "sPAP.excl..ZVD"',
                '# unit = "mmHg"',
            ]
            continue
        if d.table and lines[-1] == "":
            lines.append(f"[{d.table}]")
        lines += [f"# {d.help}", f"{d.name} = {toml_value(d.default)}"]
    return "\n".join(lines) + "\n"


def settings_markdown() -> str:
    """The README's table of settings (a test checks the README holds exactly this)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = ["| key | type | default | read by | what it does |", "|---|---|---|---|---|"]
    for d in declared():
        default = "none" if d.key == "traits.LABEL.column" else f"`{cell(toml_value(d.default))}`"
        rows.append(
            f"| `{d.key.replace('LABEL', '<label>')}` | {d.type} | {default} | {', '.join(d.used_by)} | {cell(d.help)} |"
        )
    return "\n".join(rows) + "\n"


def _pick(cls: type, table: dict[str, Any], where: str) -> dict[str, Any]:
    known = {f.name: f for f in fields(cls)}
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            continue  # unknown keys are tolerated: newer vaultkit versions may add them
        default = known[key].default
        if isinstance(default, tuple):
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}.{key}: expected a list of strings, got {value!r}")
            value = tuple(value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"{where}.{key}: expected true or false, got {value!r}")
        elif isinstance(default, float):
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ConfigError(f"{where}.{key}: expected a number, got {value!r}")
            value = float(value)
        elif isinstance(default, int):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{where}.{key}: expected a whole number >= 0, got {value!r}")
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise ConfigError(f"{where}.{key}: expected a string, got {value!r}")
        elif key == "units" and not isinstance(value, dict):
            raise ConfigError(f'{where}.units: expected a table such as {{ sPAP = "mmHg" }}, got {value!r}')
        out[key] = value
    return out


def load_settings(vault: Path, **overrides: Any) -> Settings:
    """Read ``vault/vaultkit.toml`` (optional), the environment, then ``overrides``.

    Raises ConfigError naming the file and the key for anything malformed.
    """
    path = vault / CONFIG_FILE
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: broken TOML: {exc}; fix the file or delete it to use the defaults") from None
    where = str(path)
    top = _pick(Settings, {k: v for k, v in raw.items() if not isinstance(v, dict)}, where)
    data_table = raw.get("data", {})
    if not isinstance(data_table, dict):
        raise ConfigError(f"{where}: [data] must be a table")
    picked = _pick(DataSettings, data_table, f"{where} [data]")
    columns, units = _traits(raw.get("traits", {}), where)
    if columns:
        picked["trait_columns"] = columns
    if units:
        picked["units"] = {**picked.get("units", DataSettings().units), **units}
    data = DataSettings(**picked)
    if data.method not in ("pearson", "spearman"):
        raise ConfigError(f'{where} [data].method: expected "pearson" or "spearman", got {data.method!r}')
    if data.q_method not in ("bh", "storey"):
        raise ConfigError(f'{where} [data].q_method: expected "bh" or "storey", got {data.q_method!r}')
    if not 0 <= data.storey_lambda < 1:
        raise ConfigError(f"{where} [data].storey_lambda: expected a number in [0, 1), got {data.storey_lambda!r}")
    if not 0 < data.fdr <= 1:
        raise ConfigError(f"{where} [data].fdr: expected a number in (0, 1], got {data.fdr!r}")
    sources = _sources(raw.get("sources", {}), where)
    lint_table = raw.get("lint", {})
    if not isinstance(lint_table, dict):
        raise ConfigError(f'{where}: [lint] must be a table such as [lint] ignore = ["VK304"]')
    if "ignore" in lint_table:
        ignore = lint_table["ignore"]
        if not isinstance(ignore, list) or not all(isinstance(v, str) for v in ignore):
            raise ConfigError(f'{where} [lint].ignore: expected a list of codes such as ["VK304"], got {ignore!r}')
        top["lint_ignore"] = tuple(ignore)
    settings = Settings(vault=vault, data=data, sources=sources, **top)
    from vaultkit.genome.plotnames import validate_template

    try:
        validate_template(settings.plot_name)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return _confine_folders(with_overrides(settings, **overrides), where)


def _confine_folders(settings: Settings, where: str) -> Settings:
    """Refuse ``notes_dir``/``attachments_dir`` that lead out of the vault; store them normalised."""
    from vaultkit.vault.paths import confined

    normal: dict[str, Any] = {}
    for key in ("notes_dir", "attachments_dir"):
        value = getattr(settings, key)
        full = confined(settings.vault, value, f"{key} in {where}")
        normal[key] = "" if full == settings.vault else full.relative_to(settings.vault).as_posix()
    return replace(settings, **normal)


def _traits(table: Any, where: str) -> tuple[dict[str, str], dict[str, str]]:
    """``[traits.<label>]`` tables: (label -> column, label -> unit)."""
    if not isinstance(table, dict):
        raise ConfigError(f'{where}: [traits] must hold tables such as [traits.sPAP] column = "sPAP.excl..ZVD"')
    columns: dict[str, str] = {}
    units: dict[str, str] = {}
    for label, sub in table.items():
        if not isinstance(sub, dict):
            raise ConfigError(f'{where}: [traits.{label}] must be a table with column = "..." (and unit)')
        unknown = sorted(set(sub) - {"column", "unit"})
        if unknown:
            raise ConfigError(f"{where} [traits.{label}]: unknown key(s) {unknown}; expected column and unit")
        for key, out in (("column", columns), ("unit", units)):
            if key in sub:
                if not isinstance(sub[key], str) or not sub[key]:
                    raise ConfigError(f"{where} [traits.{label}].{key}: expected a non-empty string, got {sub[key]!r}")
                out[label] = sub[key]
    return columns, units


def _sources(table: Any, where: str) -> SourceSettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [sources] must be a table")
    flat: dict[str, Any] = {}
    for name in ("ncbi", "uniprot", "europepmc", "consensus"):
        sub = table.get(name, {})
        if not isinstance(sub, dict):
            raise ConfigError(f"{where}: [sources.{name}] must be a table")
        for key, value in sub.items():
            flat[f"{name}_{key}"] = value
    flat.update({k: v for k, v in table.items() if not isinstance(v, dict)})
    picked = _pick(SourceSettings, flat, f"{where} [sources]")
    env_key = os.environ.get("NCBI_API_KEY", "")
    if env_key:
        picked["ncbi_api_key"] = env_key
    return SourceSettings(**picked)


def with_overrides(settings: Settings, **overrides: Any) -> Settings:
    """A copy of ``settings`` with command-line values (None means not given): ``plot --fdr`` is ``fdr``."""
    data_keys = {f.name for f in fields(DataSettings)}
    top = {k: v for k, v in overrides.items() if v is not None and k not in data_keys}
    data = {k: v for k, v in overrides.items() if v is not None and k in data_keys}
    if data:
        settings = replace(settings, data=replace(settings.data, **data))
    return replace(settings, **top) if top else settings
