"""Golden event logs: one seed of each of two scenarios, move by move.

A change that alters what the model does for a seed must change these files on purpose:
regenerate with ``python tests/test_golden.py`` and explain the change in the commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from model import ThawModel

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = [("baseline", 2025), ("china_coerces_both", 7)]


def log(scenario: str, seed: int) -> pd.DataFrame:
    return ThawModel(scenario, rng=seed).run().events()


@pytest.mark.parametrize(("scenario", "seed"), CASES)
def test_event_log_matches_golden(scenario, seed):
    expected = pd.read_csv(GOLDEN / f"{scenario}_seed{seed}.csv", dtype={"cameo_code": str})
    got = log(scenario, seed)
    assert len(got) == len(expected)
    cols = ["month", "date", "source", "target", "move", "cameo_code", "trigger"]
    pd.testing.assert_frame_equal(got[cols], expected[cols])
    pd.testing.assert_series_equal(got["intensity"], expected["intensity"], rtol=1e-9)
    pd.testing.assert_series_equal(got["goldstein"], expected["goldstein"])


if __name__ == "__main__":
    sys.path.insert(0, str(GOLDEN.parents[1]))
    for scenario, seed in CASES:
        log(scenario, seed).to_csv(GOLDEN / f"{scenario}_seed{seed}.csv", index=False)
        print("wrote", scenario, seed)
