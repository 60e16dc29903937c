"""Common random numbers, design kinds, library intervals and survival curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from experiments import ExperimentError, load, load_experiment, run_batch
from experiments.cli import main
from experiments.design import design_points, plan
from experiments.results import count_ci, proportion_ci, survival

ROOT = Path(__file__).resolve().parents[1]

CRN = """
name = "crn"
description = "two scenarios that differ in nothing"
scenarios = ["baseline", "{twin}"]
replications = 4
months = 24
root_seed = 8
common_random_numbers = {crn}
[design]
kind = "grid"
[design.parameters]
"states.USA.commitment" = [0.3, 0.7]
[outputs]
outcomes = true
"""


def twin_setup(tmp_path: Path, crn: bool = True) -> Path:
    (tmp_path / "twin.toml").write_text('extends = "baseline"\nname = "twin"\ndescription = "the baseline again"\n')
    path = tmp_path / "crn.toml"
    path.write_text(CRN.format(twin=tmp_path / "twin.toml", crn=str(crn).lower()))
    return path


def test_two_scenarios_that_differ_in_nothing_give_identical_runs(tmp_path):
    res = load(run_batch(twin_setup(tmp_path), tmp_path / "out", executor="serial", quiet=True).out)
    runs = res.runs
    twin = str(tmp_path / "twin.toml")
    cols = [c for c in runs.columns if c not in ("run_id", "scenario", "seconds")]
    a = runs[runs["scenario"] == "baseline"][cols].reset_index(drop=True)
    b = runs[runs["scenario"] == twin][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # a design point's runs share the same seeds too
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    # paired differences: exactly zero, with a zero-width interval
    c = res.contrasts()
    assert (c["d_p_survive"] == 0).all() and (c["d_p_survive_lo"] == 0).all() and (c["d_final_jk_affinity_hi"] == 0).all()


def test_without_crn_the_twin_scenarios_draw_other_streams(tmp_path):
    res = load(run_batch(twin_setup(tmp_path, crn=False), tmp_path / "out", executor="serial", quiet=True).out)
    assert res.runs.groupby("replicate")["seed"].nunique().gt(1).all()


def test_crn_results_do_not_depend_on_executor_or_workers(tmp_path):
    exp = twin_setup(tmp_path)
    serial = load(run_batch(exp, tmp_path / "s", executor="serial", quiet=True).out)
    procs = load(run_batch(exp, tmp_path / "p", executor="processes", workers=2, quiet=True).out)
    pd.testing.assert_frame_equal(serial.runs.drop(columns="seconds"), procs.runs.drop(columns="seconds"))
    pd.testing.assert_frame_equal(serial.outcomes, procs.outcomes)


def test_batch_prints_paired_contrasts_under_crn(tmp_path, capsys):
    # not --quiet: that prints only errors and the results path
    assert main(["batch", str(twin_setup(tmp_path)), "--out", str(tmp_path / "o"), "--executor", "serial"]) == 0
    out = capsys.readouterr().out
    assert "Difference from 'baseline', paired by replicate" in out


# --------------------------------------------------------------------------------------------
def exp_file(tmp_path: Path, design: str) -> Path:
    path = tmp_path / "e.toml"
    path.write_text(f"""
name = "e"
description = "design kinds"
scenarios = ["baseline"]
replications = 1
root_seed = 1
[design]
{design}
""")
    return path


def test_the_old_sobol_kind_is_refused_with_a_hint(tmp_path, capsys):
    path = exp_file(tmp_path, 'kind = "sobol"\npoints = 8\n[design.parameters]\n"states.USA.commitment" = [0.2, 0.9]')
    with pytest.raises(ExperimentError, match="sobol_sequence.*saltelli"):
        load_experiment(path)
    assert main(["batch", str(path), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "design.kind" in err and "sobol_sequence" in err and "Traceback" not in err


def test_saltelli_and_morris_sizes_follow_salib(tmp_path):
    two = '[design.parameters]\n"states.USA.commitment" = []\n"decision.rationality" = [0.5, 2.0]'
    e, _ = load_experiment(exp_file(tmp_path, f'kind = "saltelli"\npoints = 16\n{two}'))
    assert len(design_points(e.design)) == 16 * (2 + 2)
    e, _ = load_experiment(exp_file(tmp_path, f'kind = "saltelli"\npoints = 16\nsecond_order = true\n{two}'))
    assert len(design_points(e.design)) == 16 * (2 * 2 + 2)
    e, _ = load_experiment(exp_file(tmp_path, f'kind = "morris"\ntrajectories = 5\n{two}'))
    pts = design_points(e.design)
    assert len(pts) == 5 * 3
    assert e.design.parameters["states.USA.commitment"] == [0.0, 1.0]  # the schema's range
    assert all(0 <= p["states.USA.commitment"] <= 1 for p in pts)
    with pytest.raises(ExperimentError, match="power of two"):
        load_experiment(exp_file(tmp_path, f'kind = "saltelli"\npoints = 10\n{two}'))
    with pytest.raises(ExperimentError, match="trajectories"):
        load_experiment(exp_file(tmp_path, f'kind = "morris"\n{two}'))


def test_relative_default_range_is_centred_on_the_value_and_clipped(tmp_path):
    e, _ = load_experiment(exp_file(tmp_path, 'kind = "lhs"\npoints = 4\ndefault_range = "relative"\nspread = 0.5\n'
                                              '[design.parameters]\n"states.USA.commitment" = []\n'
                                              '"dynamics.opinion.visibility.coerce_econ" = []'))
    assert e.design.parameters["states.USA.commitment"] == pytest.approx([0.3, 0.9])
    assert e.design.parameters["dynamics.opinion.visibility.coerce_econ"] == pytest.approx([0.5, 1.0])  # clipped at 1


def test_shipped_analysis_experiments_have_the_sizes_they_print():
    sizes = {}
    for name in ("sensitivity", "screening", "discovery"):
        e, _ = load_experiment(ROOT / "experiments" / f"{name}.toml")
        assert e.common_random_numbers
        sizes[name] = (e.design.kind, len(design_points(e.design)) * e.replications)
    assert sizes == {"sensitivity": ("saltelli", 4608 * 3), "screening": ("morris", 5820 * 2),
                     "discovery": ("lhs", 2048 * 2)}
    runs = plan(load_experiment(ROOT / "experiments" / "screening.toml")[0])
    assert len({r.seed for r in runs}) == 2  # common random numbers: one seed per replicate


# --------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.integers(0, 200), st.integers(1, 200), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_probability_intervals_equal_binomtest(k, n, level):
    k = min(k, n)
    p, lo, hi = proportion_ci(k, n, level)
    ci = binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    assert p == k / n and lo == pytest.approx(ci.low, abs=1e-12) and hi == pytest.approx(ci.high, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=2, max_size=60))
def test_count_intervals_never_go_below_zero(values):
    m, lo, hi = count_ci(pd.Series(values))
    assert 0 <= lo <= m <= hi


def test_count_interval_of_all_zeros_has_an_upper_bound():
    m, lo, hi = count_ci(pd.Series([0] * 40))
    assert m == 0 and lo == 0 and hi == pytest.approx(3.689 / 40, rel=1e-3)  # exact Poisson for 0 events


def test_summary_counts_use_nonnegative_intervals_and_give_median_rupture(tmp_path):
    res = load(run_batch(twin_setup(tmp_path), tmp_path / "out", executor="serial", quiet=True).out)
    s = res.summary()
    assert (s["coercion_backfired_lo"] >= 0).all() and (s["coercion_episodes_lo"] >= 0).all()
    assert "median_months_to_rupture" in s


def test_survival_curve_is_monotone_and_ends_at_p_survive():
    rng = np.random.default_rng(0)
    t = rng.integers(1, 61, 300).astype(float)
    t[rng.random(300) < 0.4] = np.nan  # survived
    runs = pd.DataFrame({"scenario": "s", "status": "ok", "months": 60, "months_to_rupture": pd.array(
        [None if np.isnan(v) else int(v) for v in t], dtype="Int64"), "thaw_survived": np.isnan(t)})
    curve = survival(runs)
    assert len(curve) == 61 and curve["p_intact"].iloc[0] == 1
    assert (np.diff(curve["p_intact"]) <= 0).all()
    assert curve["p_intact"].iloc[-1] == pytest.approx(runs["thaw_survived"].mean())
    assert (curve["p_intact_lo"] <= curve["p_intact"]).all() and (curve["p_intact"] <= curve["p_intact_hi"]).all()
    # the median: the first month by which half the runs have ruptured, the 150th rupture time of 300
    from experiments.results import median_time

    m, lo, hi = median_time(curve)
    ruptured = np.sort(t[~np.isnan(t)])
    assert len(ruptured) >= 150 and m == ruptured[149]
    assert lo <= m <= hi
    never = survival(runs.assign(months_to_rupture=pd.array([None] * 300, dtype="Int64")))
    assert np.isnan(median_time(never)[0])  # nothing ruptures: no median within the horizon
