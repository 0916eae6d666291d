"""The layers of design.md point one way: a walk over every import, lazy ones included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "vaultkit"

# module prefix -> imports it must never make (anywhere in the module, also inside functions)
FORBIDDEN = {
    "vaultkit.vault": [
        "pandas",
        "numpy",
        "matplotlib",
        "requests",
        "scipy",
        "vaultkit.genome",
        "vaultkit.sources",
        "vaultkit.stats",
        "vaultkit.tables",
        "vaultkit.plots",
        "vaultkit.genenote",
        "vaultkit.pipeline",
        "vaultkit.net",
        "vaultkit.cli",
    ],
    "vaultkit.stats": ["matplotlib", "requests", "vaultkit.vault", "vaultkit.plots", "vaultkit.sources"],
    "vaultkit.tables": ["matplotlib", "requests", "vaultkit.vault", "vaultkit.plots", "vaultkit.sources"],
    "vaultkit.genome": ["matplotlib", "requests", "vaultkit.vault", "vaultkit.sources", "vaultkit.pipeline"],
    "vaultkit.plots": ["requests", "vaultkit.vault", "vaultkit.sources", "vaultkit.genenote", "vaultkit.pipeline"],
    "vaultkit.sources": ["vaultkit.vault", "vaultkit.genenote", "vaultkit.pipeline", "matplotlib", "pandas"],
    "vaultkit.net": ["vaultkit.vault", "vaultkit.genenote", "vaultkit.pipeline", "vaultkit.sources"],
    "vaultkit.genenote": ["vaultkit.sources", "vaultkit.net", "vaultkit.pipeline", "requests", "matplotlib", "pandas"],
    "vaultkit.pipeline": ["vaultkit.cli", "click"],
    # The settings are read at the edge and handed down: nothing below the command line reads them for itself.
    "vaultkit.config": ["vaultkit.pipeline", "vaultkit.genenote", "vaultkit.cli", "click", "pandas", "requests"],
    "vaultkit.reports": ["vaultkit.pipeline", "vaultkit.cli", "click", "pandas"],
    "vaultkit.api": ["vaultkit.cli", "click"],
}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PKG.rglob("*.py")):
        parts = path.relative_to(PKG.parent).with_suffix("").parts
        out.append((".".join(p for p in parts if p != "__init__"), path))
    return out


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_imports_point_down(module, path):
    for prefix, banned in FORBIDDEN.items():
        if module == prefix or module.startswith(prefix + "."):
            bad = sorted(i for i in imports(path) for b in banned if i == b or i.startswith(b + "."))
            assert not bad, f"{module} imports {bad}"


def test_cli_imports_nothing_heavy_at_startup():
    top_level = set()
    for node in ast.parse((PKG / "cli.py").read_text()).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            top_level.update(a.name for a in node.names) if isinstance(node, ast.Import) else top_level.add(node.module)
    assert not top_level & {"pandas", "numpy", "matplotlib", "scipy", "requests", "markdown_it"}


def test_no_test_imports_conftest():
    """pytest loads conftest.py as a plugin; imported again as tests.conftest it is a second module, and plain
    ``pytest`` from another folder cannot find it. Shared helpers live in tests/helpers.py."""
    import ast
    from pathlib import Path

    offenders = []
    for path in sorted(Path(__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if any(n == "conftest" or n.endswith(".conftest") for n in names):
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders
