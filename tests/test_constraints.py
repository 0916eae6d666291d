"""ci/oldest-constraints.txt pins every runtime dependency at exactly its lower bound.

CI installs the project a second time with those pins and runs the tests there, so
the lower bounds in pyproject.toml are versions that were tested. If a bound moves
and its pin does not (or the other way round), this test says which.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "ci" / "oldest-constraints.txt"


def runtime_requirements() -> dict[str, Requirement]:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        deps = tomllib.load(fh)["project"]["dependencies"]
    reqs = [Requirement(d) for d in deps]
    return {canonicalize_name(r.name): r for r in reqs}


def pins() -> dict[str, list[Requirement]]:
    found: dict[str, list[Requirement]] = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            req = Requirement(text)
            found.setdefault(canonicalize_name(req.name), []).append(req)
    return found


def lower_bound(req: Requirement) -> Version:
    bounds = [Version(s.version) for s in req.specifier if s.operator == ">="]
    assert len(bounds) == 1, f"pyproject.toml: {req} needs exactly one '>=' lower bound to pin in {CONSTRAINTS.name}"
    return bounds[0]


def pinned(req: Requirement) -> Version:
    specs = list(req.specifier)
    assert len(specs) == 1 and specs[0].operator == "==", f"{CONSTRAINTS.name}: {req} must be 'name==version'"
    return Version(specs[0].version)


def test_every_runtime_dependency_is_pinned_at_its_lower_bound():
    found = pins()
    problems = []
    for name, req in runtime_requirements().items():
        if name not in found:
            problems.append(f"{req.name}: no pin; add '{req.name}=={lower_bound(req)}'")
            continue
        version = pinned(found[name][0])
        if version != lower_bound(req):
            problems.append(f"{req.name}: pinned {version}, but pyproject.toml's lower bound is {lower_bound(req)}")
        if version not in req.specifier:
            problems.append(f"{req.name}: pin {version} is outside {req.specifier}")
    assert not problems, "\n".join(problems)


def test_each_package_is_pinned_once_and_exactly():
    runtime = runtime_requirements()
    for name, reqs in pins().items():
        assert len(reqs) == 1, f"{CONSTRAINTS.name}: {name} is pinned {len(reqs)} times"
        if name in runtime:  # a package we do not depend on may be held below a breaking release instead
            pinned(reqs[0])
