"""A small mutation tester: flip one operator or constant of a module, run its tests, see if they notice.

    python scripts/mutate.py vaultkit/rstats.py tests/test_rstats.py tests/test_stats.py --max 60 --seed 1

Each mutant changes one spot of the module's syntax tree (``<`` to ``<=``,
``==`` to ``!=``, ``and`` to ``or``, ``+`` to ``-``, ``*`` to ``/``, a number n to
n + 1, ``True`` to ``False``, ``return x`` to ``return None``, ``not x`` to
``x``...). The project (without ``.git``) is copied once to a temporary
folder and the mutant is written there, never into the working tree; the
tests run from that copy with ``pytest -x -q`` and a timeout per mutant.
The copy is needed rather than the package alone first on PYTHONPATH: pytest's
``pythonpath = ["."]`` puts the project root before PYTHONPATH, and tests that
start ``python -m vaultkit...`` point PYTHONPATH at their own parent folder.

A mutant is *killed* when the tests fail, *survives* when they pass, and
*times out* past ``--timeout`` (default three times the unmutated run plus
10 s). Each test run gets at most ``--memory-gb`` of address space, so a mutant
that allocates without end dies alone on a shared machine. Survivors are listed with their line and mutation: each is either
equivalent (no input can tell it from the original) or a test to write.
Hypothesis runs with the project's ``ci`` profile (``CI=1``: derandomised, no
example database), so the same command and seed give the same mutants and the
same verdicts. ``--list`` prints the mutants without running anything;
``--only 3,17`` runs just those (numbers from ``--list``).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache", ".mypy_cache", "*.pyc"
)

_COMPARE = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINARY = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
}
_SYMBOL = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.And: "and",
    ast.Or: "or",
}


@dataclass(frozen=True)
class Mutant:
    number: int
    line: int
    what: str


def _skipped(tree: ast.Module) -> set[int]:
    """ids of nodes not to mutate: annotations (never evaluated here) and docstrings."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.arg | ast.AnnAssign):
            mark(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            mark(node.returns)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                mark(first)
    return skip


def _sites(tree: ast.Module) -> Iterator[tuple[ast.AST, str, object]]:
    """Every (node, description, change) of the tree, in a fixed order (ast.walk is breadth-first)."""
    skip = _skipped(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                new = _COMPARE.get(type(op))
                if new:
                    yield node, f"{_SYMBOL[type(op)]} -> {_SYMBOL[new]}", ("cmp", i, new)
        elif isinstance(node, ast.BinOp | ast.AugAssign):
            new = _BINARY.get(type(node.op))
            if new:
                yield node, f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}", ("op", new)
        elif isinstance(node, ast.BoolOp):
            new = ast.Or if isinstance(node.op, ast.And) else ast.And
            yield node, f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}", ("bool", new)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub | ast.Invert):
            yield node, f"drop {'not' if isinstance(node.op, ast.Not) else ast.unparse(node.op).strip()}", ("unary",)
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            yield node, f"{node.value} -> {not node.value}", ("const", not node.value)
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            yield node, f"{node.value!r} -> {node.value + 1!r}", ("const", node.value + 1)
        elif isinstance(node, ast.Return) and not (node.value is None or _is_none(node.value)):
            yield node, "return x -> return None", ("return",)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _apply(node: ast.AST, change: tuple) -> ast.AST | None:
    """Change ``node`` in place; returns a replacement node where the node itself goes (``drop not``)."""
    kind = change[0]
    if kind == "cmp":
        node.ops[change[1]] = change[2]()
    elif kind in ("op", "bool"):
        node.op = change[1]()
    elif kind == "const":
        node.value = change[1]
    elif kind == "return":
        node.value = ast.Constant(None)
    elif kind == "unary":
        return node.operand
    return None


def mutants(source: str) -> list[Mutant]:
    tree = ast.parse(source)
    return [Mutant(i, getattr(node, "lineno", 0), what) for i, (node, what, _) in enumerate(_sites(tree))]


def mutant_source(source: str, number: int) -> str:
    """The module's source with mutant ``number`` applied (as ``ast.unparse`` writes it)."""
    tree = ast.parse(source)
    for i, (node, _, change) in enumerate(_sites(tree)):
        if i != number:
            continue
        replacement = _apply(node, change)
        if replacement is not None:
            _replace(tree, node, replacement)
        return ast.unparse(ast.fix_missing_locations(tree))
    raise IndexError(number)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                value[next(i for i, v in enumerate(value) if v is old)] = new
                return
    raise LookupError("node not found")


def _limit_memory(gigabytes: float) -> None:
    """Cap the address space of the test process: a mutant that allocates without end fails alone (MemoryError)
    instead of taking the memory of a machine shared with others."""
    import resource

    limit = int(gigabytes * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _run(copy_root: Path, tests: list[str], timeout: float, memory_gb: float) -> tuple[str, float]:
    """Run the tests in the copy: 'passed', 'failed' or 'timeout', and the seconds it took."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(copy_root), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "PYTHONDONTWRITEBYTECODE": "1",  # a mutant's bytecode must never be reused for the next one
        "CI": "1",  # conftest's hypothesis profile "ci": derandomised, no example database
    }
    env.pop("HYPOTHESIS_PROFILE", None)
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=copy_root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=(lambda: _limit_memory(memory_gb)) if memory_gb else None,
    )
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the tests' own subprocesses too
        proc.wait()
        return "timeout", time.monotonic() - start
    return ("passed" if code == 0 else "failed"), time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Mutation-test one module of the project against the given test files.",
        epilog="example: python scripts/mutate.py vaultkit/genome/plotnames.py tests/test_plotnames.py --max 60",
    )
    parser.add_argument("module", help="the module to mutate, relative to the project root (vaultkit/stats.py)")
    parser.add_argument("tests", nargs="+", help="test files or node ids to run against each mutant")
    parser.add_argument("--max", type=int, default=0, help="run at most this many mutants, sampled (0: all)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sample (default 1)")
    parser.add_argument("--timeout", type=float, default=0, help="seconds per mutant (default: 3 x baseline + 10)")
    parser.add_argument(
        "--memory-gb", type=float, default=8, help="address-space cap per test run, in GiB (default 8; 0: none)"
    )
    parser.add_argument("--only", default="", help="comma-separated mutant numbers to run (from --list)")
    parser.add_argument("--list", action="store_true", help="print the mutants and exit")
    parser.add_argument("--json", metavar="FILE", help="also write the results to FILE as JSON")
    args = parser.parse_args(argv)

    module = Path(args.module)
    source = (ROOT / module).read_text(encoding="utf-8")
    every = mutants(source)
    chosen = every
    if args.only:
        wanted = {int(n) for n in args.only.split(",")}
        chosen = [m for m in every if m.number in wanted]
    elif args.max and args.max < len(every):
        chosen = sorted(random.Random(args.seed).sample(every, args.max), key=lambda m: m.number)
    lines = source.splitlines()
    if args.list:
        for m in chosen:
            print(f"#{m.number:<4} line {m.line:<4} {m.what:<28} {lines[m.line - 1].strip()[:90]}")
        print(f"{len(chosen)} of {len(every)} mutants")
        return 0

    with tempfile.TemporaryDirectory(prefix="vaultkit-mutate-") as tmp:
        copy_root = Path(tmp) / "project"
        shutil.copytree(ROOT, copy_root, ignore=_IGNORE)
        target = copy_root / module
        outcome, baseline = _run(copy_root, args.tests, 3600, args.memory_gb)
        if outcome != "passed":
            print("the tests fail without any mutant: fix them first", file=sys.stderr)
            return 2
        timeout = args.timeout or 3 * baseline + 10
        print(f"{module}: {len(chosen)} of {len(every)} mutants, seed {args.seed}; tests {' '.join(args.tests)}")
        print(f"unmutated run {baseline:.1f} s, timeout {timeout:.0f} s per mutant", flush=True)
        results: dict[str, list[Mutant]] = {"killed": [], "survived": [], "timeout": []}
        try:
            for m in chosen:
                target.write_text(mutant_source(source, m.number), encoding="utf-8")
                outcome, seconds = _run(copy_root, args.tests, timeout, args.memory_gb)
                verdict = {"failed": "killed", "passed": "survived", "timeout": "timeout"}[outcome]
                results[verdict].append(m)
                print(f"  #{m.number:<4} line {m.line:<4} {m.what:<28} {verdict} ({seconds:.1f} s)", flush=True)
        finally:
            target.write_text(source, encoding="utf-8")
    total = len(chosen)
    killed, survived, timed_out = (len(results[k]) for k in ("killed", "survived", "timeout"))
    print(
        f"\n{module}: killed {killed}, survived {survived}, timed out {timed_out} of {total}"
        f" (survival {100 * survived / max(total, 1):.0f}%)"
    )
    for m in results["survived"]:
        print(f"  survived #{m.number:<4} line {m.line:<4} {m.what:<28} {lines[m.line - 1].strip()[:90]}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "module": str(module),
                    "seed": args.seed,
                    "mutants": len(every),
                    **{k: [asdict(m) for m in v] for k, v in results.items()},
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
