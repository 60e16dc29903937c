"""The statistics of experiments/results.py and the tables of experiments/tables.py, checked
against independent computations (scipy's reference intervals, counts by hand) on small frames
whose answers are known. Written against the survivors of mutation testing (docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference import wilson
from scipy import stats

import experiments
from experiments.results import (
    DEFAULT_OUTCOMES,
    contrasts,
    count_ci,
    mean_ci,
    median_time,
    proportion_ci,
    summarise,
    survival,
)
from experiments.tables import export, summary_text, tidy_tables


def t_interval(x, level=0.95):
    x = np.asarray(x, dtype=float)
    lo, hi = stats.t.interval(level, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    return x.mean(), lo, hi



# --------------------------------------------------------------------------------------------
# Intervals
@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_mean_ci_is_the_t_interval(level):
    x = pd.Series([1.0, 2.5, 2.0, 7.0, np.nan, 3.0])
    m, lo, hi = mean_ci(x, level)
    em, elo, ehi = t_interval([1.0, 2.5, 2.0, 7.0, 3.0], level)
    assert m == pytest.approx(em) and lo == pytest.approx(elo) and hi == pytest.approx(ehi)


def test_mean_ci_of_one_or_no_value():
    m, lo, hi = mean_ci(pd.Series([4.0]))
    assert m == 4.0 and np.isnan(lo) and np.isnan(hi)
    assert all(np.isnan(v) for v in mean_ci(pd.Series([], dtype=float)))
    assert all(np.isnan(v) for v in mean_ci(pd.Series([np.nan, np.nan])))
    m, lo, hi = mean_ci(pd.Series([True, False, True, True]))  # booleans average as shares
    assert m == 0.75 and lo == pytest.approx(t_interval([1, 0, 1, 1])[1])


@pytest.mark.parametrize("k, n", [(0, 10), (3, 10), (10, 10), (1, 1), (57, 120)])
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_proportion_ci_is_wilsons_interval(k, n, level):
    p, lo, hi = proportion_ci(k, n, level)
    ep, elo, ehi = wilson(k, n, level)
    assert p == ep and lo == pytest.approx(elo, abs=1e-12) and hi == pytest.approx(ehi, abs=1e-12)


def test_proportion_ci_of_no_runs_is_undefined():
    assert all(np.isnan(v) for v in proportion_ci(0, 0))


def test_count_ci_is_the_percentile_bootstrap_of_the_mean():
    x = pd.Series([0, 1, 1, 2, 5, 0, 3, np.nan])
    m, lo, hi = count_ci(x)
    values = np.array([0, 1, 1, 2, 5, 0, 3], dtype=float)
    ref = stats.bootstrap((values,), np.mean, n_resamples=999, confidence_level=0.95, method="percentile",
                          vectorized=True, rng=np.random.default_rng(0)).confidence_interval
    assert m == pytest.approx(values.mean()) and lo == pytest.approx(ref.low) and hi == pytest.approx(ref.high)
    assert lo > 0  # this sample's interval stays above zero by itself
    m90, lo90, hi90 = count_ci(x, level=0.9)
    assert lo <= lo90 and hi90 <= hi and (lo90, hi90) != (lo, hi)


def test_count_ci_of_a_constant_count_is_the_exact_poisson_interval():
    for count, n in ((0, 40), (2, 10), (1, 3)):
        m, lo, hi = count_ci(pd.Series([count] * n))
        total = count * n
        # Garwood's interval for a Poisson total, divided by the number of runs
        elo = 0.0 if total == 0 else stats.chi2.ppf(0.025, 2 * total) / 2 / n
        ehi = stats.chi2.ppf(0.975, 2 * total + 2) / 2 / n
        assert m == count and lo == pytest.approx(elo) and hi == pytest.approx(ehi)
        assert lo <= m <= hi
    m, lo, hi = count_ci(pd.Series([0] * 40), level=0.9)
    assert hi == pytest.approx(stats.chi2.ppf(0.95, 2) / 2 / 40)


def test_count_ci_of_one_or_no_value():
    m, lo, hi = count_ci(pd.Series([3]))
    assert m == 3 and np.isnan(lo) and np.isnan(hi)
    assert all(np.isnan(v) for v in count_ci(pd.Series([], dtype=float)))


# --------------------------------------------------------------------------------------------
# Survival and the median time to rupture
def runs_frame(groups: dict[str, list], months: int = 10) -> pd.DataFrame:
    """Runs per scenario from lists of rupture months (None: survived)."""
    rows = []
    for name, times in groups.items():
        for t in times:
            rows.append({"scenario": name, "status": "ok", "months": months, "months_to_rupture": t,
                         "thaw_survived": t is None})
    df = pd.DataFrame(rows)
    df["months_to_rupture"] = pd.array(df["months_to_rupture"].tolist(), dtype="Int64")
    return df


def test_survival_counts_runs_intact_after_each_month():
    runs = runs_frame({"a": [2, 2, 5, None], "b": [None, None, 1, 9]}, months=6)
    curve = survival(runs)
    assert list(curve.columns) == ["scenario", "month", "runs", "intact", "p_intact", "p_intact_lo", "p_intact_hi"]
    a = curve[curve["scenario"] == "a"]
    assert list(a["month"]) == list(range(7))
    assert list(a["intact"]) == [4, 4, 2, 2, 2, 1, 1]  # intact by t: not ruptured in months 1 … t
    assert (a["runs"] == 4).all()
    b = curve[curve["scenario"] == "b"]
    assert list(b["intact"]) == [4, 3, 3, 3, 3, 3, 3]  # a rupture after the horizon does not count
    for _, r in curve.iterrows():
        p, lo, hi = wilson(r["intact"], r["runs"])
        assert r["p_intact"] == p and r["p_intact_lo"] == pytest.approx(lo) and r["p_intact_hi"] == pytest.approx(hi)
    assert list(dict.fromkeys(curve["scenario"])) == ["a", "b"]  # in the runs' order


def test_survival_level_groups_and_failures():
    runs = runs_frame({"a": [2, None, None, 3]}, months=4)
    runs.loc[len(runs)] = {"scenario": "a", "status": "failed", "months": 4, "months_to_rupture": 1,
                           "thaw_survived": False}
    curve = survival(runs, level=0.8)
    assert (curve["runs"] == 4).all()  # the failed run is left out
    p, lo, hi = wilson(2, 4, 0.8)
    last = curve.iloc[-1]
    assert last["intact"] == 2 and last["p_intact_lo"] == pytest.approx(lo) and last["p_intact_hi"] == pytest.approx(hi)
    runs2 = runs_frame({"a": [1, None], "b": [None]}, months=2).assign(point=[0, 1, 0])
    curve2 = survival(runs2, by=["scenario", "point"])
    assert sorted(set(zip(curve2["scenario"], curve2["point"], strict=True))) == [("a", 0), ("a", 1), ("b", 0)]
    assert len(curve2) == 3 * 3
    assert "status" not in runs2.drop(columns="status") and len(survival(runs2.drop(columns="status"))) == 6


def test_survival_refuses_what_it_cannot_compute():
    with pytest.raises(ValueError, match="no finished runs"):
        survival(runs_frame({"a": [1]}).assign(status="failed"))
    with pytest.raises(ValueError, match=r"lacks \['months_to_rupture'\]"):
        survival(runs_frame({"a": [1]}).drop(columns="months_to_rupture"))
    mixed = pd.concat([runs_frame({"a": [1]}, months=5), runs_frame({"a": [None]}, months=7)])
    with pytest.raises(ValueError, match=r"group scenario=a: runs have different horizons \[5, 7\]; survival needs one"):
        survival(mixed)


def test_median_time_is_where_each_curve_first_reaches_one_half():
    curve = pd.DataFrame({"month": [0, 1, 2, 3, 4], "p_intact": [1, 0.8, 0.5, 0.4, 0.2],
                          "p_intact_lo": [0.9, 0.6, 0.3, 0.2, 0.1], "p_intact_hi": [1, 0.9, 0.7, 0.6, 0.5]})
    assert median_time(curve) == (2.0, 2.0, 4.0)  # 0.5 itself counts as reached
    above = curve.assign(p_intact_hi=1.0)
    m, lo, hi = median_time(above)
    assert (m, lo) == (2.0, 2.0) and np.isnan(hi)


# --------------------------------------------------------------------------------------------
# Summaries and contrasts
def test_summarise_per_group_with_reference_intervals():
    runs = runs_frame({"a": [2, None, None, 4, None], "b": [1, 1, None, 2, 3]}, months=6)
    runs["final_jk_affinity"] = [0.1, 0.4, 0.3, -0.2, 0.5, -0.3, -0.1, 0.2, -0.5, 0.0]
    runs["coercion_episodes"] = pd.array([0, 1, 0, 2, 0, 3, 1, 1, 2, 4], dtype="int64")
    runs.loc[len(runs)] = {"scenario": "a", "status": "failed", "months": 6, "months_to_rupture": pd.NA,
                           "thaw_survived": False, "final_jk_affinity": 9.0, "coercion_episodes": 9}
    s = summarise(runs, outcomes=("final_jk_affinity", "coercion_episodes", "not_there"))
    assert list(s["scenario"]) == ["a", "b"]
    a, b = s.iloc[0], s.iloc[1]
    assert (a["runs"], a["failed"], b["runs"], b["failed"]) == (6, 1, 5, 0)
    p, lo, hi = wilson(3, 5)
    assert a["p_survive"] == p and a["p_survive_lo"] == pytest.approx(lo) and a["p_survive_hi"] == pytest.approx(hi)
    assert b["p_survive"] == pytest.approx(0.2)
    m, lo, hi = t_interval([0.1, 0.4, 0.3, -0.2, 0.5])  # the failed run's 9.0 is not averaged
    assert a["final_jk_affinity"] == pytest.approx(m) and a["final_jk_affinity_lo"] == pytest.approx(lo)
    assert a["final_jk_affinity_hi"] == pytest.approx(hi)
    cm, clo, chi = count_ci(pd.Series([3, 1, 1, 2, 4]))  # a count: the bootstrap, not t
    assert b["coercion_episodes"] == cm and b["coercion_episodes_lo"] == pytest.approx(clo)
    assert b["coercion_episodes_hi"] == pytest.approx(chi)
    assert "not_there" not in s and "not_there_lo" not in s
    # the median rupture month comes from the group's own curve: b's ruptures 1, 1, 2, 3 of 5 runs
    assert b["median_months_to_rupture"] == 2.0 and np.isnan(a["median_months_to_rupture"])


def test_summarise_level_and_grouping():
    runs = runs_frame({"a": [None, None, 1, None]}, months=3).assign(point=[0, 0, 1, 1],
                                                                      final_jk_affinity=[0.1, 0.3, 0.2, 0.6])
    s = summarise(runs, by=["scenario", "point"], outcomes=("final_jk_affinity",), level=0.8)
    assert list(s["point"]) == [0, 1] and (s["runs"] == 2).all()
    m, lo, hi = t_interval([0.1, 0.3], 0.8)
    assert s.iloc[0]["final_jk_affinity_lo"] == pytest.approx(lo)
    p, lo, hi = wilson(1, 2, 0.8)
    assert s.iloc[1]["p_survive_lo"] == pytest.approx(lo)
    assert s.iloc[1]["median_months_to_rupture"] == 1.0
    all_failed = runs.assign(status="failed")
    f = summarise(all_failed, outcomes=("final_jk_affinity",))
    assert f.iloc[0]["failed"] == 4 and np.isnan(f.iloc[0]["p_survive"])
    assert "median_months_to_rupture" not in f
    mixed = pd.concat([runs_frame({"a": [None]}, months=3), runs_frame({"a": [None]}, months=4)])
    assert "median_months_to_rupture" not in summarise(mixed)  # no common horizon: no curve


def test_summarise_uses_default_outcomes():
    runs = runs_frame({"a": [None, 2]}).assign(final_us_credibility=[0.5, 0.7], coercion_backfired=[0, 0])
    s = summarise(runs)
    assert "final_us_credibility" in DEFAULT_OUTCOMES and s.iloc[0]["final_us_credibility"] == pytest.approx(0.6)
    assert s.iloc[0]["coercion_backfired_hi"] > 0  # exact Poisson bound, though no run had one
    # months_to_rupture is averaged over the runs that ruptured
    assert s.iloc[0]["months_to_rupture"] == 2


def test_contrasts_pair_runs_by_point_and_replicate():
    rows = []
    for scenario, shift in (("base", 0.0), ("other", 0.25)):
        for point in (0, 1):
            for rep in range(4):
                y = 0.1 * rep + point + shift + (0.05 * rep * rep if scenario == "other" else 0)
                rows.append({"scenario": scenario, "point": point, "replicate": rep, "status": "ok",
                             "final_jk_affinity": y, "thaw_survived": (rep + point) % 2 == 0 or scenario == "other"})
    rows.append({"scenario": "other", "point": 0, "replicate": 9, "status": "ok", "final_jk_affinity": 5.0,
                 "thaw_survived": True})  # no partner in the reference: not paired
    rows.append({"scenario": "other", "point": 1, "replicate": 0, "status": "failed", "final_jk_affinity": 99.0,
                 "thaw_survived": False})
    runs = pd.DataFrame(rows)
    c = contrasts(runs, "base", outcomes=("final_jk_affinity",))
    assert list(c["scenario"]) == ["other", "other"] and list(c["point"]) == [0, 1]
    assert (c["reference"] == "base").all() and list(c["pairs"]) == [4, 4]
    d = np.array([0.25 + 0.05 * r * r for r in range(4)])
    m, lo, hi = t_interval(d)
    row = c.iloc[0]
    assert row["d_final_jk_affinity"] == pytest.approx(m)
    assert row["d_final_jk_affinity_lo"] == pytest.approx(lo) and row["d_final_jk_affinity_hi"] == pytest.approx(hi)
    ds = np.array([1.0 - ((r % 2) == 0) for r in range(4)])  # point 0: the reference survives on even replicates
    assert row["d_p_survive"] == pytest.approx(ds.mean())
    assert row["d_p_survive_lo"] == pytest.approx(t_interval(ds)[1])


def test_contrasts_with_the_same_difference_in_every_pair_have_no_width():
    runs = pd.DataFrame({"scenario": ["r"] * 3 + ["s"] * 3, "point": 0, "replicate": [0, 1, 2] * 2, "status": "ok",
                         "final_jk_affinity": [0.25, 0.5, 1.0, 0.75, 1.0, 1.5], "thaw_survived": True})
    c = contrasts(runs, "r", outcomes=("final_jk_affinity",)).iloc[0]
    assert c["d_final_jk_affinity"] == 0.5
    assert c["d_final_jk_affinity_lo"] == c["d_final_jk_affinity_hi"] == c["d_final_jk_affinity"]
    assert c["d_p_survive"] == c["d_p_survive_lo"] == c["d_p_survive_hi"] == 0
    with pytest.raises(ValueError, match="reference scenario 'x' has no finished runs"):
        contrasts(runs, "x")


# --------------------------------------------------------------------------------------------
# A small batch read back: Results, the summary table, the export
EXPERIMENT = """
name = "stats"
description = "two scenarios on a two-point grid"
scenarios = ["{first}", "us_retrenchment"]
replications = 3
months = 12
root_seed = 11
common_random_numbers = {crn}
[design]
kind = "grid"
[design.parameters]
"states.USA.commitment" = [0.3, 0.8]
[outputs]
outcomes = true
events = true
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("stats")
    exp = out / "e.toml"
    exp.write_text(EXPERIMENT.format(first="baseline", crn="true"))
    experiments.run_batch(exp, out=out / "r", executor="serial", quiet=True)
    return experiments.load(out / "r")


def test_results_expose_the_design_and_the_reference(batch):
    assert batch.parameters == ["states.USA.commitment"]
    assert batch.common_random_numbers is True
    assert batch.reference == "baseline"
    assert set(batch.tables) >= {"runs", "outcomes", "events"}
    assert len(batch.runs) == 2 * 2 * 3 and list(batch.runs["run_id"]) == sorted(batch.runs["run_id"])


def test_results_summary_survival_and_contrasts_are_those_of_the_runs(batch):
    runs = batch.runs
    pd.testing.assert_frame_equal(batch.summary(), summarise(runs, ["scenario", "states.USA.commitment"]))
    pd.testing.assert_frame_equal(batch.summary(by="scenario"), summarise(runs, "scenario"))
    s = batch.summary(outcomes=("final_jk_affinity",))
    assert "final_jk_affinity" in s and "final_us_credibility" not in s
    pd.testing.assert_frame_equal(batch.survival(), survival(runs, ["scenario", "states.USA.commitment"]))
    pd.testing.assert_frame_equal(batch.survival(by="scenario"), survival(runs, "scenario"))
    pd.testing.assert_frame_equal(batch.contrasts(), contrasts(runs, "baseline"))
    c = batch.contrasts(reference="us_retrenchment", outcomes=("final_jk_affinity",))
    assert set(c["scenario"]) == {"baseline"} and "d_final_us_credibility" not in c


def test_results_reference_without_a_baseline(tmp_path):
    exp = tmp_path / "e.toml"
    exp.write_text(EXPERIMENT.format(first="china_coerces_japan", crn="false").replace("replications = 3",
                                                                                    "replications = 1"))
    experiments.run_batch(exp, out=tmp_path / "r", executor="serial", quiet=True)
    res = experiments.load(tmp_path / "r")
    assert res.reference == "china_coerces_japan" and res.common_random_numbers is False
    text = summary_text(res)
    assert "d_" not in text and "paired" not in text.lower()


def test_to_ema_hands_parameters_policy_and_outcomes(batch):
    x, y = batch.to_ema()
    ok = batch.runs[batch.runs["status"] == "ok"]
    assert list(x.columns) == ["states.USA.commitment", "policy"] and len(x) == len(ok)
    assert list(x["policy"]) == list(ok["scenario"])
    assert y["thaw_survived"].dtype == bool
    np.testing.assert_array_equal(y["final_jk_affinity"], ok["final_jk_affinity"].to_numpy(dtype=float))
    assert not {"run_id", "point", "replicate", "seed", "seconds", "months", "states.USA.commitment"} & set(y)
    xp, yp = batch.to_ema(per="point")
    assert len(xp) == 4 and yp["thaw_survived"].dtype == float
    means = ok.groupby(["scenario", "point"])["final_jk_affinity"].mean().to_numpy()
    np.testing.assert_allclose(yp["final_jk_affinity"], means)
    with pytest.raises(ValueError, match="per must be 'run' or 'point', not 'x'"):
        batch.to_ema(per="x")


def test_summary_text_and_tidy_tables(batch, tmp_path):
    text = summary_text(batch)
    from experiments.cli import format_table
    assert text.startswith(format_table(batch.summary()))
    assert "Difference from 'baseline', paired by replicate" in text.split("\n\n", 1)[1]
    short = summary_text(batch, max_rows=2)
    lines = short.splitlines()
    assert any(line.startswith("… 2 more rows: experiments.load(") for line in lines)
    tables = tidy_tables(batch)
    assert list(tables) == ["runs", "outcomes", "events", "summary"]
    for name in ("outcomes", "events"):
        t = tables[name]
        assert list(t.columns[:4]) == ["run_id", "scenario", "point", "replicate"]
        assert len(t) == len(getattr(batch, name))
        joined = t.merge(batch.runs[["run_id", "scenario"]], on="run_id", suffixes=("", "_r"))
        assert (joined["scenario"] == joined["scenario_r"]).all()
    pd.testing.assert_frame_equal(tables["summary"], batch.summary())
    written = export(batch.path, tmp_path / "x", fmt="csv")
    assert [p.name for p in written] == ["runs.csv", "outcomes.csv", "events.csv", "summary.csv"]
    assert len(pd.read_csv(tmp_path / "x" / "runs.csv")) == len(batch.runs)
    assert not list((tmp_path / "x").glob("*.tmp"))
    written = export(batch.path, tmp_path / "p", fmt="parquet")
    assert pd.read_parquet(written[0]).shape == batch.runs.shape
    with pytest.raises(ValueError, match=r"--format 'xls': expected one of csv, parquet"):
        export(batch.path, tmp_path / "y", fmt="xls")


def test_summaries_keep_groups_with_missing_keys_and_use_the_level_throughout():
    runs = runs_frame({"a": [1, 1, 2, None, None, None]}, months=4).assign(point=[0, 0, 0, np.nan, np.nan, np.nan])
    s = summarise(runs, by=["scenario", "point"], outcomes=())
    assert len(s) == 2 and s["point"].isna().sum() == 1  # a missing design value is a group of its own
    one = runs_frame({"a": [1, 1, 2, 2, 2, 3, 3, 4, None, None] * 3}, months=5)
    wide, narrow = summarise(one, outcomes=(), level=0.99).iloc[0], summarise(one, outcomes=(), level=0.5).iloc[0]
    np.testing.assert_equal((wide["median_months_to_rupture_lo"], wide["median_months_to_rupture_hi"]),
                            median_time(survival(one, level=0.99))[1:])
    np.testing.assert_equal((narrow["median_months_to_rupture_lo"], narrow["median_months_to_rupture_hi"]),
                            median_time(survival(one, level=0.5))[1:])
    assert wide["median_months_to_rupture_hi"] > narrow["median_months_to_rupture_hi"]


def test_count_ci_bootstraps_999_resamples_by_default():
    x = pd.Series(np.random.default_rng(3).poisson(2.0, 25))
    for n in (999, 500):
        ref = stats.bootstrap((x.to_numpy(float),), np.mean, n_resamples=n, confidence_level=0.95,
                              method="percentile", vectorized=True, rng=np.random.default_rng(0)).confidence_interval
        got = count_ci(x) if n == 999 else count_ci(x, resamples=n)
        assert got[1] == pytest.approx(ref.low, abs=1e-12) and got[2] == pytest.approx(ref.high, abs=1e-12)


def test_export_writes_the_tables_without_an_index_column(batch, tmp_path):
    written = export(batch.path, tmp_path / "x", fmt="csv")
    back = pd.read_csv(written[0])
    assert list(back.columns) == list(batch.runs.columns)
