"""The ABC calibration: the parameter table, the targets and distance, the seeded sampler, the
shipped posterior, and `thaw calibrate` (which never touches tracked files without --apply)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.calibration import posterior, priors
from experiments.calibration.runner import QUICK, apply, calibrate
from experiments.calibration.targets import COUNTS, EPISODES, all_targets, components, make_distance
from experiments.cli import main
from model import load_scenario

ROOT = Path(__file__).resolve().parents[1]
TRACKED = [ROOT / "model" / "data", ROOT / "scenarios"]


def digest(folders: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for f in folders for p in sorted(f.rglob("*")) if p.is_file()}


def test_every_prior_is_a_valid_override_at_both_ends():
    assert len(set(priors.keys())) == len(priors.PARAMETERS) >= 16
    for p in priors.PARAMETERS:
        assert p.low < p.high and p.why
        for v in (p.low, p.high):
            load_scenario("hindcast_2013_2025", {p.key: v})
    assert {"dynamics.affinity.decay", "decision.w_reciprocity", "decision.base.coerce_econ"} <= set(priors.keys())


def test_targets_read_the_whole_record():
    t = all_targets()
    obs = t.observed()
    assert len(t.waves) == 28 and {w.year for w in t.waves} == set(range(2013, 2026))
    assert obs["counts"][len(COUNTS):].tolist() == [1, 0]  # one rupture, in 2019-2020, none elsewhere
    assert dict(zip([c.label for c in COUNTS], obs["counts"][:len(COUNTS)], strict=True)) == {
        "Chinese coercive moves": 6, "Chinese coercion episodes": 3, "Japan-Korea coercive moves": 6,
        "allies' alignment moves": 2}
    assert obs["bites"].tolist() == [e.observed for e in EPISODES]
    early = t.upto(2019)
    assert max(w.year for w in early.waves) == 2019 and all(e.year <= 2019 for e in early.episodes)
    assert early.months == 7 * 12
    assert early.observed()["counts"].tolist() == [1, 1, 6, 1, 1, 0]  # THAAD; the 2018-19 clash; the THAAD decision
    assert t.upto(2018).observed()["counts"][-2:].tolist() == [0, 0]  # before 2019 the record has no rupture


def test_rupture_counts_count_starts_by_year_up_to_the_last_year():
    from experiments.calibration.targets import rupture_counts

    assert rupture_counts(["2019-07", "2016-02", "2021-01"], 2025) == [1.0, 2.0]
    assert rupture_counts(["2019-07", "2020-12"], 2025) == [2.0, 0.0]
    assert rupture_counts(["2019-07", "2021-01"], 2020) == [1.0, 0.0]  # after the last year: not counted
    assert rupture_counts([], 2025) == [0.0, 0.0]


def test_the_calibrations_rupture_count_is_the_models_own_count_of_starts():
    """A rupture that lapses for a month and resumes is one rupture to the model (a new start needs
    more than ``rupture.months`` quiet months); the calibration's target must count it once too.
    Seed 23 with its posterior draw: the rupture outcome switches on twice in 2019-2020, the
    model records one start (counting switch-ons, as the targets once did, gives 2)."""
    from experiments.attribution import posterior_params
    from experiments.calibration.simulator import summarise
    from experiments.calibration.targets import all_targets
    from model import ThawModel

    targets = all_targets()
    m = ThawModel("hindcast_2013_2025", rng=23, months=targets.months, **posterior_params(23)).run()
    flags = m.outcomes()["rupture"].astype(bool).tolist()
    assert sum(x and (i == 0 or not flags[i - 1]) for i, x in enumerate(flags)) == 2
    assert m.rupture_starts() == ["2019-08"]
    assert summarise(m, targets, np.random.default_rng(0))["counts"][-2:].tolist() == [1.0, 0.0]
def test_distance_is_zero_at_the_record_and_grows_with_the_miss():
    t = all_targets()
    obs = t.observed()
    d = make_distance(t)
    assert d(obs, obs) == 0.0
    off = {**obs, "polls": obs["polls"] + np.array([w.sd for w in t.waves])}  # one sd off on every wave
    assert components(off, obs, t.scales())["polls"] == pytest.approx(1.0)
    assert d(off, obs) == pytest.approx(1.0)
    worse = {**obs, "counts": obs["counts"] + 3 * np.sqrt(obs["counts"] + 1)}
    assert d(worse, obs) == pytest.approx(3.0)


def test_shipped_posterior_has_the_declared_parameters_within_their_priors():
    keys, values, w = posterior.load()
    assert list(keys) == priors.keys()
    assert len(values) >= 50 and np.all(w > 0) and w.sum() == pytest.approx(1.0)
    table = priors.by_key()
    for j, k in enumerate(keys):
        assert all(table[k].contains(v) for v in values[:, j]), k
    meta = posterior.metadata()
    assert meta["pyabc"].startswith("0.1") and isinstance(meta["seed"], int) and meta["evaluations"] > len(values)
    assert meta["seconds"] > 0 and meta["fitted_to_year"] == 2025
    assert set(meta["parameters"]) == set(keys)
    for k, e in meta["parameters"].items():
        assert e["q05"] <= e["mean"] <= e["q95"] and table[k].contains(e["mean"])
        x = values[:, keys.index(k)]
        assert e["mean"] == pytest.approx(float(np.sum(w * x)), rel=1e-4, abs=1e-6)


def test_posterior_draws_are_fixed_by_the_seed_and_follow_the_weights():
    _, values, w = posterior.load()
    a = [posterior.draw_index(np.random.SeedSequence(7, spawn_key=(i,))) for i in range(400)]
    b = [posterior.draw_index(np.random.SeedSequence(7, spawn_key=(i,))) for i in range(400)]
    assert a == b and len(set(a)) > 10
    assert all(0 <= i < len(values) for i in a)
    assert posterior.draw(a[0]) == dict(zip(posterior.load()[0], values[a[0]], strict=True))


def test_calibrate_quick_runs_end_to_end_and_leaves_tracked_files_alone(tmp_path, capsys):
    before = digest(TRACKED)
    assert main(["calibrate", "--quick", "--out", str(tmp_path / "cal")]) == 0
    assert digest(TRACKED) == before  # no --apply: the package's posterior and the scenarios are untouched
    out = capsys.readouterr().out
    assert "Not applied" in out and "shrinkage" in out
    post = pd.read_csv(tmp_path / "cal" / "posterior.csv")
    assert list(post.columns) == ["draw", "weight", *priors.keys()] and len(post) == QUICK.population
    meta = json.loads((tmp_path / "cal" / "posterior.json").read_text())
    assert meta["budget"]["population"] == QUICK.population and meta["evaluations"] >= QUICK.population
    # --apply's copy, pointed at a scratch folder standing in for model/data
    data = tmp_path / "data"
    data.mkdir()
    written = apply(tmp_path / "cal", data=data)
    assert [p.name for p in written] == ["posterior.csv", "posterior.json"]
    assert (data / "posterior.csv").read_bytes() == (tmp_path / "cal" / "posterior.csv").read_bytes()


def test_calibration_is_reproducible_at_any_worker_count(tmp_path):
    budget = replace(QUICK, population=4, generations=2, seed=11)
    one = calibrate(tmp_path / "a", replace(budget, workers=1), log=lambda *_: None, keep_db=False)
    two = calibrate(tmp_path / "b", replace(budget, workers=2), log=lambda *_: None, keep_db=False)
    assert (tmp_path / "a" / "posterior.csv").read_text() == (tmp_path / "b" / "posterior.csv").read_text()
    assert one["evaluations"] == two["evaluations"] and not (tmp_path / "a" / "abc.db").exists()
    other = calibrate(tmp_path / "c", replace(budget, workers=1, seed=12), log=lambda *_: None, keep_db=False)
    assert (tmp_path / "c" / "posterior.csv").read_text() != (tmp_path / "a" / "posterior.csv").read_text()
    assert other["seed"] == 12


def test_calibrate_refuses_a_bad_budget(capsys):
    assert main(["calibrate", "--quick", "--population", "1", "--out", "unused"]) == 2
    assert "population" in capsys.readouterr().err


def test_the_package_ships_the_posterior_files():
    for name in ("posterior.csv", "posterior.json"):
        assert resources.files("model").joinpath(f"data/{name}").is_file()
    assert '"data/*.json"' in (ROOT / "pyproject.toml").read_text()
