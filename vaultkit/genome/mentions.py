"""Where a text names a gene or its protein: symbols, aliases, HGNC names, "5-HT2A receptor".

Tuned for precision, because a mention that is not one turns into a false
finding: another gene counts by its approved symbol (case as HGNC writes it,
or "Stat3"-style when it has a digit), by an alias only when HGNC gives that
alias to no other gene and it does not read as a word or an abbreviation
(two capitals and a digit or five characters), and by its HGNC name. The
note's own gene counts generously (any case, every alias): missing one of
its mentions is what would make a section look foreign.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from vaultkit.genome.genes import Gene, gene_table

# Symbols and aliases that pulmonary-hypertension notes use as abbreviations (PAH is pulmonary
# arterial hypertension long before it is phenylalanine hydroxylase) or that are words in capitals.
STOP = frozenset(
    {
        "PAH",
        "APC",
        "MET",
        "REST",
        "SET",
        "MAX",
        "CAT",
        "WAS",
        "SHE",
        "IMPACT",
        "CAST",
        "ATAC",
        "SPAP",
        "MPAP",
        "CTEPH",
        "CO2",
        "COPD",
        "NYHA",
        "WHO",
        "CHD",
        "MRI",
        "ECG",
        "BMI",
        "DNA",
        "RNA",
        "PCR",
        "ELISA",
        "GPCR",
        "JAK",
        "MAPK",
        "ERK",
        "PKC",
        "PLC",
        "CNS",
        "ALS",
        "MS",
        "PD",
        "AD",
        "ATP",
        "GTP",
        "HIV",
        "AIDS",
        "COVID",
        "SARS",
        "CAD",
        "PVR",
        "TPR",
        "LED",
        "ACT",
        "ACTS",
        "AGE",
        "ARM",
        "CAPS",
        "CARD",
        "COIL",
        "CROP",
        "DOCK",
        "FAST",
        "GAL",
        "HELP",
        "LAMP",
        "MAGE",
        "MARK",
        "MASS",
        "MAP",
        "NOV",
        "OCT",
        "PEAK",
        "PIGS",
        "POLE",
        "RAN",
        "RING",
        "SHARP",
        "SNAP",
        "SPIN",
        "STAR",
        "TANK",
        "TRAP",
        "TUB",
        "WARS",
        "HG18",
        "HG19",
        "HG38",
        "FIG1",
        "HIF-1",
        "PH1",
        "PH2",
        "TH1",
        "TH2",
        "TH17",
    }
)

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9@-]*[A-Za-z0-9]|[A-Za-z0-9]")
_WORD = re.compile(r"[A-Za-z0-9]+")
_RECEPTOR = re.compile(r"\s+receptors?\b", re.I)


@dataclass(frozen=True)
class Mention:
    """A gene named at text[start:end]."""

    start: int
    end: int
    symbol: str


def _distinct(alias: str) -> bool:
    capitals = sum(c.isupper() for c in alias)
    return capitals >= 2 and (any(c.isdigit() for c in alias) or len(alias) >= 5)


class MentionFinder:
    """Finds gene mentions in text, built once from the bundled HGNC table."""

    def __init__(self, genes: list[Gene]) -> None:
        self.genes = {g.symbol: g for g in genes}
        exact: dict[str, str] = {}
        for g in genes:
            if (len(g.symbol) >= 3 or any(c.isdigit() for c in g.symbol)) and g.symbol not in STOP:
                exact[g.symbol] = g.symbol
        uses = Counter(a for g in genes for a in set(g.aliases + g.prev_symbols))
        for g in genes:
            for a in g.aliases + g.prev_symbols:
                if uses[a] == 1 and a not in exact and a.upper() not in STOP and _distinct(a):
                    exact[a] = g.symbol
        self.exact = exact
        # "Stat3", "Smad1", "p55CDC": case does not matter once a name has a digit and four characters
        # (shorter ones are ions and units: "Ca2+", "Mg2+").
        self.folded = {k.upper(): v for k, v in exact.items() if any(c.isdigit() for c in k) and len(k) >= 4}
        self.names: dict[tuple[str, ...], str] = {}
        for g in genes:
            words = tuple(w.lower() for w in _WORD.findall(g.name))
            if len(words) >= 2 or (len(words) == 1 and len(words[0]) >= 6 and not words[0].startswith("kiaa")):
                self.names.setdefault(words, g.symbol)
        self.longest = max(map(len, self.names), default=1)
        self.first_words = {k[0] for k in self.names}

    def find(self, text: str, *, own: Gene | None = None, own_names: Iterable[str] = ()) -> list[Mention]:
        """Every gene mention in ``text``, leftmost-longest, not overlapping."""
        own_exact: dict[str, str] = {}
        own_names_words: set[tuple[str, ...]] = set()
        if own is not None:
            own_exact = {a.upper(): own.symbol for a in (*own.aliases, *own.prev_symbols, own.symbol) if len(a) >= 2}
            own_names_words = {tuple(w.lower() for w in _WORD.findall(n)) for n in (own.name, *own_names)} - {()}
        found = self._tokens(text, own_exact) + self._names(text, own, own_names_words)
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        out: list[Mention] = []
        for m in found:
            if not out or m.start >= out[-1].end:
                out.append(m)
        return out

    def _symbol_of(self, token: str, own_exact: dict[str, str]) -> str | None:
        if token.upper() in own_exact:
            return own_exact[token.upper()]
        hit = self.exact.get(token) or self.folded.get(token.upper())
        if hit is None and "-" in token and any(c.isdigit() for c in token):
            joined = token.replace("-", "")  # "ALK-1" is ALK1 (ACVRL1), "BMP-9" BMP9
            hit = own_exact.get(joined.upper()) or self.exact.get(joined) or self.folded.get(joined.upper())
        return hit

    def _tokens(self, text: str, own_exact: dict[str, str]) -> list[Mention]:
        out = []
        for m in _TOKEN.finditer(text):
            for start, end, symbol in self._pieces(m.start(), m.group(), own_exact):
                receptor = _RECEPTOR.match(text, end)
                if receptor and symbol is not None:
                    symbol = self._receptor(symbol)
                    end = receptor.end()
                if symbol is not None:
                    out.append(Mention(start, end, symbol))
        return out

    def _pieces(self, at: int, token: str, own_exact: dict[str, str]) -> list[tuple[int, int, str | None]]:
        """Names in a token, hyphenated runs longest first: "5-HT2A-mediated" is 5-HT2A, "LIF-induced" LIF."""
        pieces = token.split("-")
        starts = [at]
        for piece in pieces[:-1]:
            starts.append(starts[-1] + len(piece) + 1)
        out: list[tuple[int, int, str | None]] = []
        i = 0
        while i < len(pieces):
            for j in range(len(pieces), i, -1):
                # A lone name followed by a number is another name: "IL-1" is not IL, "ALK-1" not ALK.
                if j == i + 1 and j < len(pieces) and pieces[j][:1].isdigit():
                    continue
                symbol = self._symbol_of("-".join(pieces[i:j]), own_exact) if pieces[i] else None
                if symbol is not None:
                    if j < len(pieces) and pieces[j] in ("receptor", "receptors", "Receptor", "R"):
                        symbol, j = self._receptor(symbol), j + 1  # "LIF-receptor", "LIF-R"
                    out.append((starts[i], starts[j - 1] + len(pieces[j - 1]), symbol))
                    i = j
                    break
            else:
                i += 1
        return out

    def _receptor(self, symbol: str) -> str | None:
        """ "5-HT2A receptor" is HTR2A (a receptor itself); "LIF receptor" is LIFR; "TGF receptor" is none."""
        gene = self.genes.get(symbol)
        if gene is not None and "receptor" in gene.name.casefold():
            return symbol
        partner = self.genes.get(symbol + "R")
        return partner.symbol if partner is not None and "receptor" in partner.name.casefold() else None

    def _names(self, text: str, own: Gene | None, own_words: set[tuple[str, ...]]) -> list[Mention]:
        words = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]
        longest = max([self.longest, *map(len, own_words)])
        firsts = self.first_words | {k[0] for k in own_words}
        out = []
        for i in range(len(words)):
            if words[i][2] not in firsts:
                continue
            for n in range(min(longest, len(words) - i), 0, -1):
                key = tuple(w for _, _, w in words[i : i + n])
                symbol = own.symbol if own is not None and key in own_words else self.names.get(key)
                if symbol is not None:
                    out.append(Mention(words[i][0], words[i + n - 1][1], symbol))
                    break
        return out


@lru_cache(maxsize=1)
def mention_finder() -> MentionFinder:
    """The finder over the bundled HGNC table (built once)."""
    return MentionFinder(gene_table().genes)
