"""Plot file names: the user's legacy ``X<r>_<ENSG>_<chrom>.<start>.<end>.png`` and templates.

The legacy form writes Pearson r as R prints it (``%.15g``, minus sign kept).
Parsing also takes what R's ``make.names()`` makes of it (``X.0.5`` for -0.5,
``X1.2e.05`` for 1.2e-05; |r| <= 1, so ``e.`` is a negative exponent) and an
Ensembl version suffix, and the copy suffix a second download or a copy adds
(``… 1.png``, ``… (1).png``): the same plot.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from vaultkit.genome.regions import Region, strip_version
from vaultkit.names import unsafe_in

LEGACY = "legacy"
_LEGACY = re.compile(
    r"^X(?P<r>[-.]?\d+(?:\.\d+)?(?:e[-.+]?\d+)?)_(?P<gene>[A-Za-z0-9]+(?:\.\d+)?)_"
    r"(?P<chrom>[A-Za-z0-9_]+?)\.(?P<start>\d+)\.(?P<end>\d+)\.(?i:png)$"
)
# What a second download (" 1") or a file manager's copy (" (1)") puts before the extension.
_COPY = re.compile(r"(?: \d+| \(\d+\))(?=\.(?i:png)$)")
_FIELDS = {"symbol", "trait", "gene_id", "chrom", "start", "end", "r"}
_FIELD_RE = {"start": r"\d+", "end": r"\d+", "r": r"-?[\d.e+-]+", "chrom": r"[A-Za-z0-9_]+?"}


@dataclass(frozen=True)
class PlotName:
    """What a plot's file name says: the region, and r or trait/symbol where the name has them."""

    region: Region
    r: float | None = None
    trait: str | None = None
    symbol: str | None = None


def format_r(r: float) -> str:
    """r as R prints it with 15 significant digits."""
    return f"{r:.15g}"


def format_plot_name(template: str, region: Region, *, r: float, trait: str, symbol: str) -> str:
    """The file name of one association's plot under ``template`` (or ``"legacy"``).

    ValueError if the name would hold a character that Obsidian refuses or that breaks links.
    """
    if template == LEGACY:
        name = f"X{format_r(r)}_{region.gene_id}_{region.chrom}.{region.start}.{region.end}.png"
    else:
        validate_template(template)
        name = template.format(
            symbol=symbol,
            trait=trait,
            gene_id=region.gene_id,
            chrom=region.chrom,
            start=region.start,
            end=region.end,
            r=format_r(r),
        )
    bad = unsafe_in(name)
    if bad:
        raise ValueError(
            f"plot name {name!r} would contain {' '.join(bad)}, which break links or file names; "
            "rename the trait or change plot_name"
        )
    return name


def validate_template(template: str) -> None:
    """ValueError unless ``template`` names known fields, ends in .png and names a region."""
    if template == LEGACY:
        return
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    unknown = fields - _FIELDS
    if unknown:
        raise ValueError(f"plot_name {template!r}: unknown field(s) {sorted(unknown)}; use {sorted(_FIELDS)}")
    if not template.endswith(".png") or not {"chrom", "start", "end"} <= fields:
        raise ValueError(f"plot_name {template!r} must end in .png and contain {{chrom}}, {{start}} and {{end}}")


def _parse_r(text: str) -> float:
    if text.startswith("."):
        text = "-" + text[1:]
    return float(text.replace("e.", "e-"))


def parse_plot_name(name: str, template: str = LEGACY) -> PlotName | None:
    """Invert ``format_plot_name``; None if ``name`` is not a plot name of that template.

    The legacy form is always recognised, whatever the template, so embeds
    made by the user's own R scripts are adopted; so is a copy of a plot
    (``… 1.png``, ``… (1).png``).
    """
    found = _parse(name, template)
    if found is None and _COPY.search(name):
        found = _parse(_COPY.sub("", name), template)
    return found


def _parse(name: str, template: str) -> PlotName | None:
    m = _LEGACY.match(name)
    if m:
        region = Region(m.group("chrom"), int(m.group("start")), int(m.group("end")), strip_version(m.group("gene")))
        return PlotName(region, _parse_r(m.group("r")))
    if template == LEGACY:
        return None
    pattern = _template_regex(template)
    m = pattern.match(name)
    if not m:
        return None
    g = m.groupdict()
    region = Region(g["chrom"], int(g["start"]), int(g["end"]), strip_version(g.get("gene_id") or ""))
    return PlotName(region, _parse_r(g["r"]) if g.get("r") else None, g.get("trait"), g.get("symbol"))


def _template_regex(template: str) -> re.Pattern[str]:
    out = []
    seen: set[str] = set()
    for literal, field, _, _ in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if field:
            out.append(f"(?P={field})" if field in seen else f"(?P<{field}>{_FIELD_RE.get(field, r'[^_/]+?')})")
            seen.add(field)
    return re.compile("^" + "".join(out) + "$")


def is_plot_name(name: str, template: str = LEGACY) -> bool:
    """True if ``name`` (a file name, not a path) is a plot name."""
    return parse_plot_name(name, template) is not None
