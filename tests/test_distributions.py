"""Regression tests on distributions, with the shipped posterior (issue 9, item 7).

Golden event logs pin single runs exactly; these pin what a batch reports. They run each
replicate on its own posterior sample (chosen from its seed as a batch chooses it), so they test
the model *and* the shipped posterior together.

- The record's 2025 reading lies inside the hindcast's 90 % band, and without coercion the
  2019→2020 fall loses its trade part. The issue's third check, a median 2019→2020 fall of at
  least 10 points, fails with the shipped posterior: 8.6 points over 4,000 runs
  (docs/calibration.md), 8.2 over the 1,000 seeds here, so the issue stays open on it. What is
  asserted instead are drift guards, not claims of fit: the fall stays at least 7.5 points here
  (the medians of 1,000 runs range over 8.2–9.0 on seeds 0–3999; a return to the posterior two
  refits back, 5.4 on seeds 0–199, fails it; a return to the one before the norms, 9.2 over 4,000
  runs, would not), and the October 2020 low does not rise further from the record. The sample is
  1,000 seeds because medians of 200 range over 7.4–10.0: until stop 24 it was seeds 0–199, whose
  9.8 overstated the fall.
- Each shipped scenario's end-of-horizon distribution (Korean favourability of Japan, Japan–Korea
  affinity) and survival share are compared with a stored reference sample (``tests/golden/
  distributions.csv``, 200 runs per scenario on seeds 10 000 …) by two-sample tests on *other*
  seeds (100 runs, 20 000 …): Kolmogorov–Smirnov for the two outcomes, Fisher's exact test for
  survival. Tolerance: each test fails at p < 0.001; with 24 tests a correct model fails the file
  with probability about 2.4 % per fresh set of seeds, and these seeds are fixed, so it passes or
  fails deterministically. A change that moves a scenario's outcome by three quarters of its sd
  fails (tested; half an sd gives p of about 0.005, not caught). Regenerate with
  ``python tests/test_distributions.py`` when a change is meant to move them, and say so.
"""

from __future__ import annotations

import csv
import statistics
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from experiments.attribution import posterior_params
from experiments.executors import forkserver_context
from model import ThawModel

GOLDEN = Path(__file__).parent / "golden" / "distributions.csv"
SCENARIOS = ("baseline", "china_coerces_japan", "china_coerces_both", "us_retrenchment", "history_flareup",
             "leader_turnover", "quad_squad_inclusion", "tech_partnership")
REFERENCE_SEEDS, TEST_SEEDS = range(10_000, 10_200), range(20_000, 20_100)
ALPHA = 0.001
HINDCAST_SEEDS = range(1000)

#: Workers start clean (forkserver, as the batches') rather than as forks of a test process that may hold threads.
CONTEXT = forkserver_context()


def one(args: tuple[str, int]) -> tuple[str, int, float, float, bool]:
    scenario, seed = args
    m = ThawModel(scenario, rng=seed, **posterior_params(seed, scenario)).run()
    last = m.outcomes().iloc[-1]
    return scenario, seed, float(last["kor_fav_jpn"]), float(last["jk_affinity"]), bool(m.summary()["thaw_survived"])


def sample(seeds: range, workers: int = 2) -> list[tuple[str, int, float, float, bool]]:
    with ProcessPoolExecutor(workers, mp_context=CONTEXT) as pool:
        return list(pool.map(one, [(s, seed) for s in SCENARIOS for seed in seeds], chunksize=20))


@pytest.fixture(scope="module")
def fresh():
    return sample(TEST_SEEDS)


def reference() -> list[tuple[str, int, float, float, bool]]:
    with GOLDEN.open() as f:
        return [(r["scenario"], int(r["seed"]), float(r["kor_fav_jpn"]), float(r["jk_affinity"]),
                 r["thaw_survived"] == "True") for r in csv.DictReader(f)]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_distributions_have_not_drifted(scenario, fresh):
    ref = [r for r in reference() if r[0] == scenario]
    new = [r for r in fresh if r[0] == scenario]
    assert len(ref) == len(REFERENCE_SEEDS) and len(new) == len(TEST_SEEDS)
    for col, name in ((2, "kor_fav_jpn"), (3, "jk_affinity")):
        p = stats.ks_2samp([r[col] for r in ref], [r[col] for r in new]).pvalue
        assert p >= ALPHA, f"{scenario}: {name} drifted (KS p = {p:.2g}); regenerate only if meant"
    table = [[sum(r[4] for r in ref), sum(not r[4] for r in ref)], [sum(r[4] for r in new), sum(not r[4] for r in new)]]
    p = stats.fisher_exact(table).pvalue
    assert p >= ALPHA, f"{scenario}: P(thaw survives) drifted ({table}, Fisher p = {p:.2g})"


def test_the_drift_test_catches_a_shifted_distribution(fresh):
    """The tolerance is not so loose that nothing fails: the baseline's Korean favourability moved by
    three quarters of its sd is caught."""
    ref = [r[2] for r in reference() if r[0] == "baseline"]
    new = np.array([r[2] for r in fresh if r[0] == "baseline"])
    assert stats.ks_2samp(ref, new + 0.75 * np.std(ref)).pvalue < ALPHA


def _readings(args: tuple[int, tuple[tuple[str, object], ...]]) -> tuple[float, ...]:
    seed, overrides = args
    o = ThawModel("hindcast_2013_2025", rng=seed, **{**posterior_params(seed), **dict(overrides)}).run().outcomes()
    o = o.set_index("date")["kor_fav_jpn"]
    return tuple(float(o[d]) for d in FIELDWORK)


FIELDWORK = ("2019-06", "2020-10", "2025-08")


def hindcast_readings(**overrides) -> dict[str, list[float]]:
    """Korean favourability of Japan at three fieldwork months, seed by seed (posterior draw by seed)."""
    with ProcessPoolExecutor(2, mp_context=CONTEXT) as pool:
        rows = list(pool.map(_readings, [(seed, tuple(overrides.items())) for seed in HINDCAST_SEEDS], chunksize=50))
    return {d: [r[i] for r in rows] for i, d in enumerate(FIELDWORK)}


@pytest.fixture(scope="module")
def hindcast():
    return hindcast_readings()


def test_the_records_2025_reading_is_inside_the_models_90_band(hindcast):
    lo, hi = np.quantile(hindcast["2025-08"], [0.05, 0.95])
    assert lo <= 52.4 <= hi or lo <= 38.0 <= hi, (lo, hi)  # EAI online 52.4 %, Gallup telephone 38 %


def test_the_2019_fall_does_not_shrink_and_its_low_does_not_rise(hindcast):
    """Drift guards, not the issue's target (a fall of 10 points; 8.2 on these seeds). The model
    misses the record's October 2020 low, 12.3 %, by about 3.3 points (15.6 % here): the bound, at
    most 17 %, only catches it drifting further. (Until stop 24 this asserted 12.3 ± 3 on seeds
    0–199, which read 15.2 %; over these 1,000 seeds the model is outside that, by sampling alone.)"""
    falls = [a - b for a, b in zip(hindcast["2019-06"], hindcast["2020-10"], strict=True)]
    assert statistics.median(falls) >= 7.5, statistics.median(falls)
    assert statistics.median(hindcast["2020-10"]) <= 17.0, statistics.median(hindcast["2020-10"])


def test_without_coercion_the_2019_fall_loses_its_trade_part(hindcast):
    """Paired by seed and posterior draw: without coercion (no export controls, no boycott) the
    2019-06 -> 2020-10 fall is smaller in most runs (a sign test at 1 %)."""
    off = hindcast_readings(**{"mechanisms.coercion": False})
    d = [(a - b) - (c - e) for a, b, c, e in zip(hindcast["2019-06"], hindcast["2020-10"], off["2019-06"],
                                                   off["2020-10"], strict=True)]
    positive = sum(x > 0 for x in d)
    assert statistics.median(d) > 0 and stats.binomtest(positive, len(d), alternative="greater").pvalue < 0.01, d


if __name__ == "__main__":  # regenerate the reference sample
    rows = sample(REFERENCE_SEEDS)
    with GOLDEN.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["scenario", "seed", "kor_fav_jpn", "jk_affinity", "thaw_survived"])
        for r in rows:
            w.writerow([r[0], r[1], f"{r[2]:.6f}", f"{r[3]:.6f}", r[4]])
    print(f"wrote {GOLDEN}: {len(rows)} runs")
