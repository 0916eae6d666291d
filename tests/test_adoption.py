"""Adoption of hand-made gene notes in every variant: vaultkit writes into the author's structure, never beside it.

The property tests generate notes as users write them (plots heading or none,
``# Plot`` or ``# Plots``, trait headings at any level and in any case, copy-
suffixed embeds, ``### segment N``, trailing whitespace, Info or Consensus at
the top) and check three things on each: no section is duplicated, no line of
the user's moves or changes (an embed's target excepted), and a second run
changes nothing.
"""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit import genenote
from vaultkit.genome.genes import gene_table, span_table
from vaultkit.genome.plotnames import parse_plot_name
from vaultkit.genome.regions import Region
from vaultkit.vault import sections
from vaultkit.vault.linkparse import parse
from vaultkit.vault.obsidian import AppSettings
from vaultkit.vault.resolve import Resolver

LIF = gene_table().lookup("LIF")
REGION = Region("chr22", 30247659, 30247698, LIF.ensembl_id)
OTHER = Region("chr22", 30249411, 30249734, LIF.ensembl_id)
TRAITS = ("sPAP", "mPAP")


def plot_rel(trait: str, region: Region = REGION) -> str:
    r = {"sPAP": 0.612345678901234, "mPAP": 0.512345678901234}[trait]
    return f"plots/X{r}_{region.gene_id}_{region.chrom}.{region.start}.{region.end}.png"


def facts(traits: tuple[str, ...] = TRAITS) -> genenote.GeneFacts:
    return genenote.GeneFacts(
        gene=LIF,
        span=span_table().span("LIF"),
        traits=traits,
        plots={t: [genenote.PlotRef(t, REGION, plot_rel(t))] for t in traits},
        stats={t: genenote.TraitStats(0.6, 1e-4, 1e-3, 30) for t in traits},
        consensus_search=("about LIF", "https://consensus.app/results/?q=x"),
    )


def update(text: str, state: dict | None = None, f: genenote.GeneFacts | None = None) -> genenote.NoteUpdate:
    f = f or facts()
    paths = [p.rel for ps in f.plots.values() for p in ps]
    return genenote.update(text, f, state or {}, note="Genes/LIF.md", resolver=Resolver(paths), app=AppSettings())


def body(text: str) -> str:
    return text.split("---\n", 2)[2] if text.startswith("---\n") else text


def heading_keys(text: str) -> list[str]:
    return [sections.title_key(s.title) for s in sections.sections(text)]


_PLOT = re.compile(r"X[-.0-9e]+_ENSG\d+_chr[0-9A-Za-z]+\.\d+\.\d+(?: \d+| \(\d+\))?\.png")


def user_lines_kept(old: str, new: str) -> bool:
    """Every line of ``old`` is a whole line of ``new``, in order, byte for byte (plot names aside)."""

    def lines(t: str) -> list[str]:
        return [_PLOT.sub("PLOT", ln) for ln in t.splitlines()]

    it = iter(lines(new))
    return all(any(line == other for other in it) for line in lines(old))


def region_embeds(text: str, trait: str) -> list[str]:
    """Embeds of REGION's plots whose nearest trait heading is ``trait``."""
    out = []
    for link in parse(text).links:
        name = parse_plot_name(link.target.rsplit("/", 1)[-1]) if link.embed else None
        if name is not None and name.region == REGION and genenote.plot_trait(text, link.start, TRAITS) == trait:
            out.append(link.target.rsplit("/", 1)[-1])
    return out


def check_adopted(old: str, *, plots_heading: bool | None) -> genenote.NoteUpdate:
    first = update(old)
    new = first.text
    assert user_lines_kept(old, new), new
    keys = heading_keys(new)
    for trait in TRAITS:
        assert keys.count(trait.casefold()) == 1, (trait, new)
        assert region_embeds(new, trait) == [plot_rel(trait).rsplit("/", 1)[-1]], new
    plots = sum(k in ("plots", "plot") for k in keys)
    if plots_heading is not None:
        assert plots == int(plots_heading), new
    assert sum(k in ("info", "infos", "information") for k in keys) <= 1
    assert update(new, first.state).text == new, "a second run changed the note"
    return first


# --- named variants ------------------------------------------------------------------------------

USER_PLOT = f"X0.567330246986036_{LIF.ensembl_id}_chr22.30247659.30247698"


def test_plot_singular_is_the_plots_section():
    check_adopted(f"# Plot\n## sPAP\n![[{USER_PLOT}.png]]\n## mPAP\n\n# Info\n", plots_heading=True)


def test_trait_headings_as_h1_without_a_plots_heading():
    old = f"# sPAP\n![[{USER_PLOT}.png]]\n\n# mPAP\n![[{USER_PLOT}.png]]\n\n# Info\n### Consensus\nmine\n"
    new = check_adopted(old, plots_heading=False).text
    assert body(new).startswith("# sPAP\n![[X0.612345678901234")


def test_a_missing_trait_goes_beside_the_others_at_their_level():
    new = check_adopted(f"# sPAP\n![[{USER_PLOT}.png]]\n# Info\n", plots_heading=False).text
    assert "\n# mPAP\n" in new and "## mPAP" not in new
    new = check_adopted(f"## Plots\n### sPAP\n![[{USER_PLOT}.png]]\n# Info\n", plots_heading=True).text
    assert "\n### mPAP\n" in new


def test_copy_suffixed_embeds_are_the_same_plot():
    for suffix in (" 1", " (1)", " 2"):
        new = check_adopted(f"# Plots\n## sPAP\n![[{USER_PLOT}{suffix}.png]]\n## mPAP\n", plots_heading=True).text
        assert suffix + ".png" not in new


def test_note_without_plots_section_gets_one_before_its_first_heading():
    new = check_adopted("intro line\n# Consensus\nmy text\n", plots_heading=True).text
    assert body(new).startswith("intro line\n\n# Plots\n## sPAP\n")


def test_a_note_titled_by_its_symbol_gets_its_plots_under_the_title():
    new = check_adopted("# LIF\nmy intro\n## Info\nmine\n", plots_heading=True).text
    assert body(new).startswith("# LIF\nmy intro\n\n## Plots\n### sPAP\n![[")
    new = check_adopted("# LIF\n", plots_heading=True).text
    assert body(new).startswith("# LIF\n## Plots\n### sPAP\n![[")


def test_note_that_is_only_a_citation_link():
    for text in ("[[@sommerCurrentFutureTreatments2021]]", "[[@sommerCurrentFutureTreatments2021]]\n"):
        new = check_adopted(text, plots_heading=True).text
        assert body(new).startswith("[[@sommerCurrentFutureTreatments2021]]\n\n# Plots\n")


def test_segment_headings_are_part_of_the_trait_and_a_new_region_gets_the_next_number():
    other = f"X0.3_{LIF.ensembl_id}_chr22.30249411.30249734.png"
    old = (
        f"# Plots\n## sPAP\n### segment 1\n![[{other}]]\n### segment 2\n![[{USER_PLOT}.png]]\n"
        f"## mPAP\n### Segment 1\n![[{other}]]\n# Info\n"
    )
    new = check_adopted(old, plots_heading=True).text
    assert f"### segment 2\n![[{plot_rel('sPAP').rsplit('/', 1)[-1]}]]" in new
    assert f"### Segment 2\n![[{plot_rel('mPAP').rsplit('/', 1)[-1]}]]" in new
    assert genenote.plot_trait(new, new.index(other), TRAITS) == "sPAP"


def test_an_empty_segment_heading_of_the_author_takes_the_new_plot():
    new = check_adopted(
        "# Plots\n## sPAP\n### segment 1\n\n## mPAP\n### Segment 1\nmy words\n", plots_heading=True
    ).text
    assert f"### segment 1\n![[{plot_rel('sPAP').rsplit('/', 1)[-1]}]]\n" in new
    assert "### Segment 1\nmy words\n\n![[" in new and "Segment 2" not in new


def test_case_and_spacing_variants_of_headings():
    old = f"#  PLOTS \n##\tspap:\n![[{USER_PLOT}.png]]\n ## MPAP  ##\n\n# info\n"
    new = check_adopted(old, plots_heading=True).text
    assert "#  PLOTS \n##\tspap:\n" in new and " ## MPAP  ##\n" in new


def test_heading_trailing_whitespace_stays_on_its_line():
    for old in (
        f"# Plots\n## sPAP\n![[{USER_PLOT}.png]]\n## \n# Info\n",
        "# Plots\n## sPAP   \n## mPAP\t\n## \n",
        "# Plots \n\n",
        f"# Plots\n## sPAP\n![[{USER_PLOT}.png]]  \n",
    ):
        check_adopted(old, plots_heading=True)


def test_crlf_note_stays_crlf():
    old = f"# Plot\r\n## sPAP\r\n![[{USER_PLOT}.png]]\r\n# Info\r\n"
    new = check_adopted(old, plots_heading=True).text
    assert "\n" not in new.replace("\r\n", "")


def test_info_sections_go_under_the_users_info_heading_whatever_its_level():
    new = check_adopted("# Plots\n## sPAP\n## mPAP\n## Infos\nmine\n", plots_heading=True).text
    assert "\n### GeneCards Summary for LIF Gene\n" in new and "# Info\n" not in new
    new = check_adopted("# Plots\n## sPAP\n## mPAP\n### Info\n", plots_heading=True).text
    assert "\n#### Consensus\n" in new


def test_a_trait_heading_inside_info_is_not_the_plots_section():
    old = "# Info\n## sPAP\nwhat I read about sPAP\n"
    new = update(old).text
    assert user_lines_kept(old, new) and body(new).startswith("# Plots\n## sPAP\n![[")
    assert "## sPAP\nwhat I read about sPAP\n" in new and new.count("![[") == 2


def test_a_commented_out_plots_section_is_the_users_text():
    old = f"%%\n# Plots\n## sPAP\n![[{USER_PLOT}.png]]\n%%\n<!--\n# Plot\n-->\n# Info\n"
    new = update(old).text
    assert f"%%\n# Plots\n## sPAP\n![[{USER_PLOT}.png]]\n%%\n<!--\n# Plot\n-->\n" in new  # untouched
    assert heading_keys(new).count("spap") == 1 and new.count("![[X0.612345678901234") == 1


def test_a_comment_in_a_heading_does_not_hide_it():
    new = check_adopted(
        f"# Plots\n## sPAP %% from my R script %%\n![[{USER_PLOT}.png]]\n## mPAP <!-- todo -->\n", plots_heading=True
    ).text
    assert "## sPAP %% from my R script %%\n![[X0.612345678901234" in new


def test_a_tag_is_not_a_heading():
    new = check_adopted("#Plots\n", plots_heading=True).text
    assert body(new).startswith("#Plots\n\n# Plots\n")


# --- generated variants --------------------------------------------------------------------------

spelling = st.sampled_from(["Plots", "Plot", "plots", "PLOTS", "Plots:"])
sep = st.sampled_from([" ", "  ", "\t"])
trailing = st.sampled_from(["", " ", "  ", "\t"])
suffix = st.sampled_from(["", " 1", " (1)", " 2"])
user_text = st.sampled_from(["", "my note\n", "- a list item  \n", "    \n", "\n", "%% a comment %%\n"])


@st.composite
def trait_part(draw, trait: str, plots_level: int | None) -> str:
    low = 1 if plots_level is None else draw(st.sampled_from([1, plots_level + 1]))
    level = draw(st.integers(low, min(6, (plots_level or 1) + 2)))
    name = draw(st.sampled_from([trait, trait.casefold(), trait.upper(), trait + ":"]))
    head = "#" * level + draw(sep) + name + draw(trailing) + "\n"
    out = head + draw(user_text)
    if draw(st.booleans()):
        embed = f"![[{USER_PLOT}{draw(suffix)}.png]]"
        if draw(st.booleans()):
            out += f"{'#' * min(6, level + 1)} segment 1\n{embed}\n"
            if draw(st.booleans()):
                out += f"{'#' * min(6, level + 1)} segment 2\n" + draw(user_text)
        else:
            out += embed + draw(trailing) + "\n"
    return out + draw(user_text)


@st.composite
def note(draw) -> tuple[str, bool | None]:
    parts = [draw(user_text)]
    plots_level = draw(st.one_of(st.none(), st.integers(1, 3)))
    if plots_level is not None:
        parts.append("#" * plots_level + draw(sep) + draw(spelling) + draw(trailing) + "\n" + draw(user_text))
    traits = [t for t in TRAITS if draw(st.booleans())]
    for trait in traits:
        parts.append(draw(trait_part(trait, plots_level)))
    if draw(st.booleans()):
        parts.append("## " + draw(trailing) + "\n")
    info = draw(
        st.sampled_from(
            [
                "",
                "# Info\n### Consensus\nLIF matters.(https://consensus.app/x)\n",
                "# Consensus\nstudies suggest\n",
                "## Infos \nmine\n",
            ]
        )
    )
    parts.append(info + draw(user_text))
    text = "".join(parts)
    if draw(st.booleans()):
        text = text.rstrip("\n")
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    # With no plots heading, one comes only if the note has no trait heading to adopt.
    expect = True if plots_level is not None or not traits else None
    return text, expect


@settings(max_examples=300, deadline=None)
@given(note())
def test_generated_variants_are_adopted_without_duplicates_or_moved_bytes(case):
    text, expect_plots = case
    check_adopted(text, plots_heading=expect_plots)


# --- through `vaultkit refresh`, on files -----------------------------------------------------------


def test_refresh_adopts_hand_made_variants_in_a_vault(tmp_path):
    import shutil

    from click.testing import CliRunner

    from tests.helpers import EXAMPLES, make_gene_vault
    from vaultkit.cli import cli

    root = make_gene_vault(tmp_path / "v")
    dump = root / "plot_dump"
    dump.mkdir()
    spap = "X0.567330246986036_ENSG00000128342_chr22.30247659.30247698.png"
    shutil.copy(EXAMPLES / "plot_dump" / spap, dump / spap.replace(".png", " 1.png"))
    notes = {
        # LIF: "# Plot", traits as H1 beside it, the second download's copy embedded, a heading with trailing spaces.
        "LIF.md": f"# Plot \n# sPAP\n![[{spap.replace('.png', ' 1.png')}]]\n\n# mPAP  \n\n# Info\n### Consensus\nmine\n",
        # MYC: trait headings in other case, a segment heading, CRLF.
        "MYC.md": "# plots\r\n## SPAP\r\n### segment 1\r\n\r\n## mpap:\r\n# Info\r\n",
        # USP44: no plots section at all, only a citation.
        "USP44.md": "[[@sommerCurrentFutureTreatments2021]]",
    }
    for name, text in notes.items():
        (root / "Genes" / name).parent.mkdir(exist_ok=True)
        (root / "Genes" / name).write_bytes(text.encode())
    result = CliRunner().invoke(cli, ["refresh", str(root), "--offline", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["plots"]["retired"] == [f"plot_dump/{spap.replace('.png', ' 1.png')}"]
    for name, old in notes.items():
        new = (root / "Genes" / name).read_bytes().decode()
        assert user_lines_kept(old, new), name
        keys = heading_keys(new)
        assert keys.count("spap") == 1 and keys.count("mpap") == 1, (name, keys)
        assert sum(k in ("plot", "plots") for k in keys) == 1, (name, keys)
        assert len([lk for lk in parse(new).links if lk.embed]) == 2, name
    myc = (root / "Genes/MYC.md").read_bytes().decode()
    assert "### segment 1\r\n![[X" in myc and "\n" not in myc.replace("\r\n", "")
    again = CliRunner().invoke(cli, ["refresh", str(root), "--offline", "--force", "--json"])
    assert json.loads(again.stdout)["notes"]["updated"] == []
