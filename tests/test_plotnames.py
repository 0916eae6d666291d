"""Plot file names: the user's legacy form, R's make.names form, templates."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vaultkit.genome import Region, format_plot_name, is_plot_name, parse_plot_name
from vaultkit.genome.plotnames import validate_template
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


def test_is_plot_name_is_whether_the_name_parses():
    tpl = "{symbol}_{trait}_{chrom}_{start}_{end}.png"
    assert is_plot_name("X0.5_ENSG00000128342_chr1.10.20.png") is True
    assert is_plot_name("X0.5_ENSG00000128342_chr1.10.20 (1).png", tpl) is True  # legacy, whatever the template
    assert is_plot_name("LIF_sPAP_chr22_1_2.png", tpl) is True
    assert is_plot_name("LIF_sPAP_chr22_1_2.png") is False  # not legacy
    assert is_plot_name("notes.md", tpl) is False


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{symbol}_{chrom}_{start}_{end}.jpg", "must end in .png"),
        ("{symbol}_{chrom}_{start}.png", "must end in .png"),  # no {end}
        ("{symbol}_{start}_{end}.png", "must end in .png"),  # no {chrom}
        ("{chrom}_{start}_{end}_{pvalue}.png", "unknown field"),
    ],
)
def test_templates_that_cannot_name_a_region_are_refused(template, problem):
    with pytest.raises(ValueError, match=problem):
        validate_template(template)
    with pytest.raises(ValueError, match=problem):
        format_plot_name(template, LIF, r=0.1, trait="sPAP", symbol="LIF")


@pytest.mark.parametrize(
    "template", ["legacy", "{chrom}.{start}.{end}.png", "{symbol}_{trait}_{chrom}_{start}_{end}.png"]
)
def test_templates_that_name_a_region_are_accepted(template):
    validate_template(template)  # raises if refused
    assert format_plot_name(template, LIF, r=0.1, trait="sPAP", symbol="LIF").endswith(".png")


# Traits and symbols as a user may spell them: no "_" (the templates' separator here) and nothing unsafe_in refuses.
_label = st.text("abcXYZ019 .-", min_size=1, max_size=10).filter(lambda s: s.strip(" .") == s)


@given(
    _label,
    _label,
    st.floats(-1, 1, allow_nan=False),
    st.integers(1, 10**9),
    st.integers(0, 10**6),
    st.sampled_from(
        [
            "{symbol}_{trait}_{chrom}_{start}_{end}.png",
            "{chrom}_{start}_{end}_{symbol}_{trait}.png",
            "{r}_{chrom}_{start}_{end}_{trait}.png",
        ]
    ),
)
@example(
    "LIF", "day 1", 0.5, 10, 10, "{chrom}_{start}_{end}_{symbol}_{trait}.png"
)  # a trait that looks like a copy suffix
@example("LIF", "sPAP (2)", -0.5, 10, 10, "{r}_{chrom}_{start}_{end}_{trait}.png")
def test_template_round_trip(symbol, trait, r, start, length, template):
    region = Region("chr7", start, start + length, "")
    parsed = parse_plot_name(format_plot_name(template, region, r=r, trait=trait, symbol=symbol), template)
    assert parsed.region == region
    assert parsed.trait == trait
    assert parsed.symbol == (symbol if "{symbol}" in template else None)
    assert parsed.r == (float(f"{r:.15g}") if "{r}" in template else None)


def test_a_parsed_plot_name_is_a_frozen_record():
    import dataclasses

    parsed = parse_plot_name("X0.5_ENSG00000128342_chr1.10.20.png")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.r = 0.6
