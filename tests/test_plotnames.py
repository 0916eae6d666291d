"""Plot file names: the user's legacy form, R's make.names form, templates."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit.genome import Region, format_plot_name, parse_plot_name
from vaultkit.genome.regions import parse_region_id

LIF = Region("chr22", 30247659, 30247698, "ENSG00000128342")


def test_users_real_names():
    assert format_plot_name("legacy", LIF, r=0.567330246986036, trait="sPAP", symbol="LIF") == (
        "X0.567330246986036_ENSG00000128342_chr22.30247659.30247698.png"
    )
    usp = parse_plot_name("X-0.709812235903985_ENSG00000136014_chr12.95551956.95552145.png")
    assert usp.r == -0.709812235903985 and usp.region == Region("chr12", 95551956, 95552145, "ENSG00000136014")


@pytest.mark.parametrize(
    ("name", "r"),
    [("X.0.5", -0.5), ("X1.2e.05", 1.2e-05), ("X.1.2e.05", -1.2e-05), ("X1", 1.0), ("X-1", -1.0), ("X0", 0.0)],
)
def test_make_names_forms(name, r):
    parsed = parse_plot_name(f"{name}_ENSG00000128342.4_chr22.30247659.30247698.png")
    assert parsed.r == r and parsed.region == LIF


def test_not_plot_names():
    for name in ["LIF.png", "X0.5_ENSG1_chr1.png", "X0.5_ENSG1_chr1.1.2.jpg", "notes.md"]:
        assert parse_plot_name(name) is None


@given(st.floats(-1, 1, allow_nan=False), st.integers(1, 10**9), st.integers(0, 10**6))
def test_legacy_round_trip(r, start, length):
    region = Region("chrX", start, start + length, "ENSG00000000001")
    name = format_plot_name("legacy", region, r=r, trait="t", symbol="S")
    parsed = parse_plot_name(name)
    assert parsed.region == region
    assert parsed.r == float(f"{r:.15g}") and (math.copysign(1, parsed.r) == math.copysign(1, r) or r == 0)


def test_stable_template_round_trip():
    tpl = "{symbol}_{trait}_{chrom}_{start}_{end}.png"
    name = format_plot_name(tpl, LIF, r=0.1, trait="sPAP", symbol="LIF")
    assert name == "LIF_sPAP_chr22_30247659_30247698.png"
    parsed = parse_plot_name(name, tpl)
    assert (parsed.symbol, parsed.trait, parsed.region.start, parsed.region.end) == ("LIF", "sPAP", 30247659, 30247698)


def test_region_ids():
    assert parse_region_id("ENSG00000128342_chr22.30247659.30247698") == LIF
    assert parse_region_id("chr22:30,247,659-30,247,698") == Region("chr22", 30247659, 30247698, "")
    assert parse_region_id("ENSG00000128342.4_chr22:30247659-30247698") == LIF
    with pytest.raises(ValueError, match="expected"):
        parse_region_id("chr22-1-2")


def test_names_never_hold_characters_that_break_links():
    tpl = "{symbol}_{trait}_{chrom}_{start}_{end}.png"
    for trait in ("sPAP/mmHg", "a#b", "x|y", "q?"):
        with pytest.raises(ValueError, match="break links"):
            format_plot_name(tpl, LIF, r=0.1, trait=trait, symbol="LIF")


def test_copy_suffixes_and_an_upper_case_extension_name_the_same_plot():
    from vaultkit.genome.plotnames import parse_plot_name

    base = parse_plot_name("X0.5_ENSG00000128342_chr1.10.20.png")
    for name in (
        "X0.5_ENSG00000128342_chr1.10.20 1.png",
        "X0.5_ENSG00000128342_chr1.10.20 (1).png",
        "X0.5_ENSG00000128342_chr1.10.20 12.png",
        "X0.5_ENSG00000128342_chr1.10.20.PNG",
    ):
        assert parse_plot_name(name) == base, name
    assert parse_plot_name("X0.5_ENSG00000128342_chr1.10.20 .png") is None
    assert parse_plot_name("X0.5_ENSG00000128342_chr1.10.20 copy.png") is None
