"""``Associations.canvas``: the strongest associations of each trait on an Obsidian Canvas (JSON Canvas 1.0).

One group per trait; in it, the trait's top plots as file nodes on a grid,
each with an edge to a file node of its gene note. vaultkit's nodes and edges
carry ids starting with ``vk-``; everything else on the canvas is the user's
and stays as it is. The canvas is rewritten only when the selection changes
(which plots, which notes), so nodes the user moved stay where they were put;
a node of vaultkit's that is still selected keeps its place then too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vaultkit.genenote import GeneFacts

CANVAS_FILE = "Associations.canvas"
TOP = 12  # plots per trait
PREFIX = "vk-"
# The grid, in canvas pixels: a plot card, its note card under it, gaps, the group's padding.
W, PLOT_H, NOTE_H, GAP, PAD, LABEL, COLUMNS = 400, 300, 60, 40, 40, 40, 4


@dataclass(frozen=True)
class Card:
    """One association on the canvas: a plot and the gene note it belongs to."""

    trait: str
    symbol: str
    plot: str
    note: str
    q: float
    r: float


def select(facts: dict[str, GeneFacts], note_path: Callable[[str], str], traits: list[str]) -> list[Card]:
    """The top plots of each trait: smallest q first, then largest |r|, then symbol."""
    cards = []
    for trait in traits:
        rows = []
        for symbol, f in facts.items():
            stats, plots = f.stats.get(trait), f.plots.get(trait)
            if stats is not None and plots:
                best = next((p for p in plots if p.region == stats.region), plots[0])
                rows.append(Card(trait, symbol, best.rel, note_path(symbol), stats.q, stats.r))
        rows.sort(key=lambda c: (c.q, -abs(c.r), c.symbol))
        cards += rows[:TOP]
    return cards


def signature(cards: list[Card], traits: list[str]) -> str:
    """What decides the canvas's content: vaultkit's nodes and the files they show (not where they sit)."""
    return _key(_layout(cards, traits)[0])


def signature_of(text: str) -> str | None:
    """The same for the vaultkit nodes a canvas holds (None if it is not a JSON Canvas)."""
    try:
        data = _load(text)
    except ValueError:
        return None
    return _key([n for n in data["nodes"] if isinstance(n, dict) and str(n.get("id", "")).startswith(PREFIX)])


def _key(nodes: list[dict[str, Any]]) -> str:
    key = sorted((str(n.get("id")), str(n.get("file", n.get("label", "")))) for n in nodes)
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _tid(trait: str) -> str:
    # Ids stay short and plain whatever the trait's label holds.
    return hashlib.sha256(trait.encode("utf-8")).hexdigest()[:6]


def _load(text: str) -> dict[str, Any]:
    data = json.loads(text) if text.strip() else {}
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("nodes", []), list)
        or not isinstance(data.get("edges", []), list)
    ):
        raise ValueError("not a JSON Canvas (an object with lists of nodes and edges)")
    data.setdefault("nodes", [])
    data.setdefault("edges", [])
    return data


def build(old: str | None, cards: list[Card], traits: list[str]) -> str:
    """The canvas text: vaultkit's groups, cards and edges for ``cards``, and the user's nodes and edges of ``old``.

    ValueError if ``old`` is not a JSON Canvas (it is then left alone).
    """
    data = _load(old) if old is not None else {"nodes": [], "edges": []}
    ours_before = {n["id"]: n for n in data["nodes"] if isinstance(n, dict) and str(n.get("id", "")).startswith(PREFIX)}
    user_nodes = [n for n in data["nodes"] if not (isinstance(n, dict) and str(n.get("id", "")).startswith(PREFIX))]
    nodes, edges = _layout(cards, traits)
    for node in nodes:  # a node still selected stays where the user moved it
        before = ours_before.get(node["id"])
        if before is not None and before.get("type") == node["type"]:
            node.update({k: before[k] for k in ("x", "y", "width", "height", "color") if k in before})
    all_nodes = nodes + user_nodes
    ids = {n.get("id") for n in all_nodes if isinstance(n, dict)}
    user_edges = [
        e
        for e in data["edges"]
        if not (isinstance(e, dict) and str(e.get("id", "")).startswith(PREFIX))
        and (not isinstance(e, dict) or {e.get("fromNode"), e.get("toNode")} <= ids)
    ]
    out = {**data, "nodes": all_nodes, "edges": edges + user_edges}
    # As Obsidian writes canvases: tab indent, keys in their order.
    return json.dumps(out, indent="\t", ensure_ascii=False)


def _layout(cards: list[Card], traits: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    groups: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    x = 0
    for trait in traits:
        mine = [c for c in cards if c.trait == trait]
        if not mine:
            continue
        cols = min(COLUMNS, len(mine))
        rows = -(-len(mine) // cols)
        cell_h = PLOT_H + GAP // 2 + NOTE_H
        width = 2 * PAD + cols * W + (cols - 1) * GAP
        height = LABEL + PAD + rows * cell_h + (rows - 1) * GAP + PAD
        t = _tid(trait)
        groups.append(
            {
                "id": f"{PREFIX}group-{t}",
                "type": "group",
                "x": x,
                "y": 0,
                "width": width,
                "height": height,
                "label": f"{trait}: strongest associations",
            }
        )
        for i, card in enumerate(mine):
            cx = x + PAD + (i % cols) * (W + GAP)
            cy = LABEL + PAD + (i // cols) * (cell_h + GAP)
            plot_id, note_id = f"{PREFIX}plot-{t}-{card.symbol}", f"{PREFIX}note-{t}-{card.symbol}"
            nodes.append(
                {"id": plot_id, "type": "file", "file": card.plot, "x": cx, "y": cy, "width": W, "height": PLOT_H}
            )
            nodes.append(
                {
                    "id": note_id,
                    "type": "file",
                    "file": card.note,
                    "x": cx,
                    "y": cy + PLOT_H + GAP // 2,
                    "width": W,
                    "height": NOTE_H,
                }
            )
            edges.append(
                {
                    "id": f"{PREFIX}edge-{t}-{card.symbol}",
                    "fromNode": plot_id,
                    "fromSide": "bottom",
                    "toNode": note_id,
                    "toSide": "top",
                }
            )
        x += width + 4 * GAP
    # Groups first: a canvas draws its nodes in order, so the groups stay behind their cards.
    return groups + nodes, edges
