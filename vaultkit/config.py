"""Settings: ``VAULT/vaultkit.toml`` < environment < command-line flags, frozen once built.

Every key has a default, so a vault without the file works.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from vaultkit.errors import ConfigError

CONFIG_FILE = "vaultkit.toml"


@dataclass(frozen=True)
class DataSettings:
    features: str = "data/features.tsv"
    phenotypes: str = "data/phenotypes.tsv"
    sample_column: str = "sample"
    traits: tuple[str, ...] = ("sPAP", "mPAP")
    covariates: tuple[str, ...] = ()
    build: str = "GRCh38"
    method: str = "spearman"  # as the user's R analysis; "pearson" stays a choice
    q_method: str = "bh"  # or "storey": qvalue::qvalue(p, lambda = storey_lambda)
    storey_lambda: float = 0.5
    fdr: float = 0.05
    top_per_gene: int = 1
    feature_label: str = "ATAC-seq signal"
    units: dict[str, str] = field(default_factory=lambda: {"sPAP": "mmHg", "mPAP": "mmHg"})
    condition_column: str = "condition"
    categorical: tuple[str, ...] = ()  # covariates that are categories (dummy-coded, first level dropped)
    sample_suffix: str = ""  # "" = detect a ".WORD" every sample column ends with (".ATAC")
    plot_conditions: tuple[str, ...] = ()  # conditions drawn in the scatter; () = all
    condition_panel: bool = False  # a second panel: the region's signal by condition
    # label -> phenotype column, from [traits.<label>] column = "..."; labels name headings, files, properties
    trait_columns: dict[str, str] = field(default_factory=dict)
    synthetic: bool = False  # the example data says so in its notes

    def column(self, trait: str) -> str:
        """The phenotype column of a trait label."""
        return self.trait_columns.get(trait, trait)


@dataclass(frozen=True)
class SourceSettings:
    ncbi_base_url: str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
    ncbi_email: str = ""
    ncbi_api_key: str = ""  # from NCBI_API_KEY or the toml, never from argv
    uniprot_base_url: str = "https://rest.uniprot.org/"
    europepmc_base_url: str = "https://www.ebi.ac.uk/europepmc/webservices/rest/"
    europepmc_query: str = '{symbol} AND "pulmonary hypertension"'
    europepmc_papers: int = 5
    consensus_question: str = "connection between {symbol} and pulmonary hypertension"
    timeout: float = 20.0
    enabled: tuple[str, ...] = ("ncbi", "uniprot", "europepmc")


@dataclass(frozen=True)
class Settings:
    """Everything a vaultkit run needs to know, built at the edge and passed down."""

    vault: Path
    notes_dir: str = "Genes"
    attachments_dir: str = ""
    plot_name: str = "legacy"
    # lint finding codes or rules to silence ("VK304", "other-gene-section"), optionally for
    # some notes only ("VK304:Genes/LIF.md", a glob); from [lint] ignore = [...]
    lint_ignore: tuple[str, ...] = ()
    data: DataSettings = field(default_factory=DataSettings)
    sources: SourceSettings = field(default_factory=SourceSettings)

    def path(self, rel: str) -> Path:
        """A settings path (relative to the vault unless absolute)."""
        p = Path(rel).expanduser()
        return p if p.is_absolute() else self.vault / p


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

    normal = {}
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
    """A copy of ``settings`` with command-line values (None means not given)."""
    data_keys = {f.name for f in fields(DataSettings)}
    top = {k: v for k, v in overrides.items() if v is not None and k not in data_keys}
    data = {k: v for k, v in overrides.items() if v is not None and k in data_keys}
    if data:
        settings = replace(settings, data=replace(settings.data, **data))
    return replace(settings, **top) if top else settings
