"""Shared fixtures. Tests run from any folder: scenario names resolve to the project's files."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def baseline_text() -> str:
    return (SCENARIOS / "baseline.toml").read_text()


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    """A folder with a copy of the baseline, for files that extend it by name."""
    (tmp_path / "baseline.toml").write_text((SCENARIOS / "baseline.toml").read_text())
    return tmp_path


@pytest.fixture(autouse=True)
def _fresh_model_caches():
    """Clear the per-process caches of the decision and the catalogue before every test, so that
    each test computes what it uses (mutation testing attributes coverage per test: a cache filled
    by an earlier test would hide a mechanism's code from the tests that rely on it)."""
    from model.catalogue import kind_goldstein, tools_for
    from model.components.decision import options_for, plans_for

    for fn in (plans_for, options_for, tools_for, kind_goldstein):
        fn.cache_clear()
    yield
