"""pytest configuration: hypothesis profiles and the ``vault`` fixture (shared helpers are in tests/helpers.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests.helpers import write_vault

# CI explores the same examples every run (a new random counterexample must not block a landing);
# `HYPOTHESIS_PROFILE=hunt` searches much harder, for a developer to run on purpose.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("hunt", max_examples=3000, deadline=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
elif os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def vault(tmp_path: Path):
    """A factory: ``vault({"a.md": "..."})`` returns the vault's path."""
    return lambda files: write_vault(tmp_path / "vault", files)
