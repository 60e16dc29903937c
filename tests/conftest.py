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
