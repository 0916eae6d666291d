"""The files Obsidian reads besides the notes: ``Genes.base`` (a Bases table) and ``.obsidian/types.json``.

``Genes.base`` follows the Bases syntax (help.obsidian.md, Bases > Bases
syntax): a global filter to the gene notes, formulas, display names, and one
table view sorted by the strongest q. It is regenerated from the traits of
``vaultkit.toml``, so a new trait gets its columns; a user's edit is kept (see
``NoteWriter.write_managed``).

``types.json`` tells Obsidian's Properties which type each property has; the
numeric and list properties vaultkit writes are declared there, and a type the
user chose is never replaced.
"""

from __future__ import annotations

import json
import re

from vaultkit.config import Settings

BASE_FILE = "Genes.base"
TYPES_FILE = ".obsidian/types.json"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _ref(prop: str) -> str:
    """A note property as a Bases expression: ``r_sPAP``, or ``note["r_sPAP.excl"]`` for other names."""
    return prop if _IDENTIFIER.fullmatch(prop) else f"note[{json.dumps(prop)}]"


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_. ]*[A-Za-z0-9_]|[A-Za-z_]")


def _scalar(text: str) -> str:
    """A YAML scalar as Obsidian writes it: plain when nothing in it needs quotes."""
    return text if _PLAIN.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def _quote(text: str) -> str:
    """A YAML single-quoted scalar (formulas hold double quotes)."""
    return "'" + text.replace("'", "''") + "'"


def _formulas(traits: list[str]) -> dict[str, str]:
    def per_trait(prefix: str, value: str, missing: str) -> str:
        return ", ".join(
            f"if(file.hasProperty({json.dumps(prefix + t)}), {value.format(_ref(prefix + t))}, {missing})"
            for t in traits
        )

    # A gene with no association for a trait has no q_/r_ property for it: it counts as q = 1, |r| = 0.
    return {
        "strongest_q": f"min({per_trait('q_', '{}', '1')})",
        "best_abs_r": f"max({per_trait('r_', '{}.abs()', '0')})",
    }


def genes_base(settings: Settings) -> str:
    """The text of ``Genes.base``: one row per gene note, a column per trait, sorted by the strongest q."""
    traits = list(settings.data.traits)
    formulas = _formulas(traits) if traits else {}
    names: dict[str, str] = {"file.name": "Gene", "note.location": "Cytoband"}
    if formulas:
        names.update({"formula.strongest_q": "Strongest q", "formula.best_abs_r": "Best |r|"})
    columns = ["file.name", "note.location", *(f"formula.{f}" for f in ("strongest_q", "best_abs_r") if formulas)]
    for trait in traits:
        for prefix, what in (("r", "r"), ("q", "q"), ("n", "n")):
            names[f"note.{prefix}_{trait}"] = f"{trait} {what}"
            columns.append(f"note.{prefix}_{trait}")
    lines = ["filters:", "  and:", '    - file.hasTag("gene")']
    folder = settings.notes_dir.strip("/")
    if folder:
        lines.append(f"    - file.inFolder({json.dumps(folder)})")
    if formulas:
        lines.append("formulas:")
        lines += [f"  {name}: {_quote(expr)}" for name, expr in formulas.items()]
    lines.append("properties:")
    for key, name in names.items():
        lines += [f"  {_scalar(key)}:", f"    displayName: {_scalar(name)}"]
    lines += ["views:", "  - type: table", "    name: Genes", "    order:"]
    lines += [f"      - {_scalar(c)}" for c in columns]
    if formulas:
        lines += [
            "    sort:",
            "      - property: formula.strongest_q",
            "        direction: ASC",
            "      - property: formula.best_abs_r",
            "        direction: DESC",
        ]
    return "\n".join(lines) + "\n"


def legacy_genes_base(settings: Settings) -> str:
    """What vaultkit wrote as ``Genes.base`` before it was managed: recognised as vaultkit's, so it is upgraded."""
    cols = "".join(f"      - r_{t}\n      - q_{t}\n" for t in settings.data.traits)
    folder = f'\n    - file.inFolder("{settings.notes_dir}")' if settings.notes_dir else ""
    return (
        'filters:\n  and:\n    - file.hasTag("gene")' + folder + "\n"
        "views:\n  - type: table\n    name: Genes\n    order:\n      - file.name\n      - symbol\n      - location\n"
        + cols
    )


def property_types(traits: list[str]) -> dict[str, str]:
    """Obsidian property types of what vaultkit writes into gene notes (``genenote.properties``)."""
    types = {"aliases": "aliases", "tags": "tags", "start": "number", "end": "number"}
    for trait in traits:
        types.update({f"{p}_{trait}": "number" for p in ("r", "p", "q", "n")})
    return types


def merge_types(old: str | None, wanted: dict[str, str]) -> str | None:
    """``types.json`` with the ``wanted`` types added where the user has none; None if nothing to add.

    ValueError if the file is not a JSON object with a ``types`` object (then it is left alone).
    """
    data = {"types": {}} if old is None else json.loads(old)
    if not isinstance(data, dict) or not isinstance(data.setdefault("types", {}), dict):
        raise ValueError('not a JSON object with a "types" object')
    types = data["types"]
    missing = {k: v for k, v in wanted.items() if k not in types}
    if not missing and old is not None:
        return None
    types.update(missing)
    # As Obsidian writes it: two-space indent, keys in their order.
    return json.dumps(data, indent=2, ensure_ascii=False)
