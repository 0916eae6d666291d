"""One definition of the settings (vaultkit.config): init's file, the loader, the README and --help agree with it."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaultkit import config
from vaultkit.cli import cli
from vaultkit.config import Settings, declared, load_settings, toml_template, toml_value

README = Path(__file__).resolve().parent.parent / "README.md"


def attribute(settings: Settings, path: str):
    value = settings
    for part in path.split("."):
        value = getattr(value, part)
    return value


def test_every_field_is_declared_once():
    keys = [d.key for d in declared()]
    assert len(keys) == len(set(keys))
    declared_attrs = {d.attribute for d in declared()}
    for cls, prefix in ((Settings, ""), (config.DataSettings, "data."), (config.SourceSettings, "sources.")):
        for f in fields(cls):
            if f.name not in ("vault", "data", "sources"):
                assert prefix + f.name in declared_attrs, f"{prefix}{f.name} has no setting(...) declaration"


def test_init_writes_every_key_at_its_default(tmp_path):
    assert CliRunner().invoke(cli, ["init", str(tmp_path / "v")]).exit_code == 0
    text = (tmp_path / "v/vaultkit.toml").read_text()
    assert text == toml_template()
    for d in declared():
        if d.key != "traits.LABEL.column":
            assert f"\n{d.name} = {toml_value(d.default)}\n" in text, d.key
    assert load_settings(tmp_path / "v") == Settings(vault=tmp_path / "v")


def _other(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, float):
        return 0.25
    if isinstance(value, int):
        return value + 2
    if isinstance(value, str):
        return "Other" if not value.startswith("http") else "https://example.org/"
    if isinstance(value, tuple):
        return ("age",)
    if isinstance(value, dict):
        return {"sPAP": "kPa"}
    raise AssertionError(value)


VALID = {"data.method": "pearson", "data.q_method": "storey", "plot_name": "{symbol}_{trait}_{chrom}_{start}_{end}.png"}


@pytest.mark.parametrize("d", [d for d in declared() if d.key != "traits.LABEL.column"], ids=lambda d: d.key)
def test_each_setting_is_read_from_its_declared_key(tmp_path, monkeypatch, d):
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    value = VALID.get(d.key, _other(d.default))
    table = f"[{d.table}]\n" if d.table else ""
    (tmp_path / "vaultkit.toml").write_text(f"{table}{d.name} = {toml_value(value)}\n")
    got = attribute(load_settings(tmp_path), d.attribute)
    assert got == value
    assert got != d.default


def test_a_trait_label_names_its_column(tmp_path):
    (tmp_path / "vaultkit.toml").write_text('[traits.sPAP]\ncolumn = "sPAP.excl..ZVD"\n')
    assert load_settings(tmp_path).data.trait_columns == {"sPAP": "sPAP.excl..ZVD"}


def test_readme_table_is_the_declared_settings():
    assert config.settings_markdown() in README.read_text(), (
        "README's Settings table differs from vaultkit/config.py: paste vaultkit.config.settings_markdown() there"
    )


def test_command_line_flags_win_over_the_file(tmp_path):
    (tmp_path / "vaultkit.toml").write_text("[data]\nfdr = 0.1\n")
    assert load_settings(tmp_path, fdr=0.2, top_per_gene=None).data.fdr == 0.2
    assert load_settings(tmp_path).data.fdr == 0.1
