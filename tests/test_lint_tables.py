"""Tables in a note's text (vault.notetables), as lint reads them: cells and their lines."""

from __future__ import annotations

import pytest

from vaultkit.vault.notetables import tables


def cells(table):
    return [[(c.text, c.line) for c in row] for row in table.rows]


@pytest.mark.parametrize("nl", ["\n", "\r\n"])
def test_pipe_table_with_a_header(nl):
    text = nl.join(
        ["intro", "| Gene | NCBI Gene ID |", "|:---|---:|", "| LIFR | 3977 |", "| [[IL6ST\\|gp130]] | 3572 |", ""]
    )
    [t] = tables(text)
    assert [c.text for c in t.header] == ["Gene", "NCBI Gene ID"]
    assert cells(t) == [[("LIFR", 4), ("3977", 4)], [("[[IL6ST|gp130]]", 5), ("3572", 5)]]


def test_rows_without_a_header_and_prose_with_a_wiki_link_alias():
    text = "| OMIM | 159540 |\n| NCBI Gene ID | 3976 |\n\nsee [[LIF|the cytokine]] and [[LIFR|its receptor]]\n"
    [t] = tables(text)
    assert t.header == () and cells(t) == [[("OMIM", 1), ("159540", 1)], [("NCBI Gene ID", 2), ("3976", 2)]]


def test_html_table_cells_on_lines_of_their_own_and_a_header_row():
    text = (
        '<table class="infobox">\n<tr>\n<th colspan="2">LIF</th>\n</tr>\n<tr>\n<td class="label">NCBI Gene ID</td>\n'
        "<td>3977</td>\n</tr>\n</table>\n<table><tr><th>Gene</th><th>OMIM</th></tr><tr><td>LIFR</td><td><b>151443</b>"
        "</td></tr></table>\n"
    )
    infobox, partners = tables(text)
    assert cells(infobox) == [[("LIF", 3)], [("NCBI Gene ID", 6), ("3977", 7)]]
    assert [c.text for c in partners.header] == ["Gene", "OMIM"] and cells(partners) == [[("LIFR", 10), ("151443", 10)]]


def test_a_line_of_thirty_thousand_blanks_is_no_table_separator_and_reads_at_once():
    from vaultkit.vault import notetables

    assert not notetables._SEPARATOR.match(" " * 30000)  # took 13 s when each blank was given back in turn
    assert notetables._SEPARATOR.match(" | --- | :---: |  ")
