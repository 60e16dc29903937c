"""The rolling-origin backtest: naive forecasts and scores on synthetic series, and a quick run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments import backtest
from experiments.cli import main


def test_persistence_repeats_the_last_wave_and_trend_extends_a_line():
    history = [("2013-06", 10.0), ("2014-06", 12.0), ("2015-06", 14.0)]
    persistence, trend = backtest.baselines(history, "2017-06")
    assert persistence == 14.0 and trend == pytest.approx(18.0)
    p, t = backtest.baselines(list(reversed(history)), "2016-06")  # order of the input does not matter
    assert p == 14.0 and t == pytest.approx(16.0)
    assert backtest.baselines([("2013-06", 5.0)], "2014-06") == (5.0, 5.0)
    with pytest.raises(ValueError):
        backtest.baselines([], "2014-06")


def synthetic_rows() -> pd.DataFrame:
    rows = []
    for h, obs in zip((1, 2, 3), (20.0, 22.0, 30.0), strict=True):
        rows.append({"series": "kor_fav_jpn", "horizon": h, "observed": obs, "model_median": obs + 1.0,
                     "persistence": 18.0, "trend": obs - 2.0, "inside50": h == 1, "inside90": h != 3})
    rows.append({"series": "jpn_fav_kor", "horizon": 1, "observed": 25.0, "model_median": 21.0, "persistence": 25.0,
                 "trend": 28.0, "inside50": False, "inside90": True})
    return pd.DataFrame(rows)


def test_scores_on_a_synthetic_series():
    s = backtest.score(synthetic_rows()).set_index(["series", "horizon"])
    kor = s.loc[("kor_fav_jpn", "all")]
    assert kor["rmse_model"] == pytest.approx(1.0) and kor["bias_model"] == pytest.approx(1.0)
    assert kor["rmse_trend"] == pytest.approx(2.0) and kor["bias_trend"] == pytest.approx(-2.0)
    assert kor["rmse_persistence"] == pytest.approx(np.sqrt((4 + 16 + 144) / 3))
    assert kor["coverage50"] == pytest.approx(1 / 3) and kor["coverage90"] == pytest.approx(2 / 3)
    jpn = s.loc[("jpn_fav_kor", 1)]
    assert jpn["rmse_persistence"] == 0.0 and jpn["rmse_model"] == pytest.approx(4.0) and jpn["n"] == 1
    assert s.loc[("all", "all"), "n"] == 4 and s.loc[("all", "all"), "coverage90"] == pytest.approx(3 / 4)
    assert ("jpn_fav_kor", 2) not in s.index  # no forecasts: no row


def test_thaw_backtest_quick(tmp_path, capsys):
    out = tmp_path / "bt.csv"
    assert main(["backtest", "--quick", "--origin", "2023", "--out", str(out)]) == 0
    df = pd.read_csv(out, dtype={"fieldwork": str})
    # after 2023: Korean waves 2024 and 2025, the Japanese 2025 wave (none in 2024)
    assert sorted(zip(df["series"], df["year"], df["horizon"], strict=True)) == [
        ("jpn_fav_kor", 2025, 1), ("kor_fav_jpn", 2024, 1), ("kor_fav_jpn", 2025, 2)]
    assert (df["persistence"][df["series"] == "kor_fav_jpn"] == 28.9).all()
    assert ((df["model_p05"] <= df["model_median"]) & (df["model_median"] <= df["model_p95"])).all()
    text = capsys.readouterr().out
    assert "RMSE model" in text and "cov90" in text
    assert main(["backtest", "--quick", "--origin", "2030", "--out", str(out)]) == 2
    assert main(["backtest", "--quick", "--out", str(tmp_path / "missing" / "bt.csv")]) == 2  # refused before any fit
    assert "not a writable folder" in capsys.readouterr().err
    assert main(["backtest", "--quick", "--out", str(tmp_path)]) == 2  # a folder, not a file: refused before any fit
    assert "is a folder" in capsys.readouterr().err


def test_thaw_backtest_takes_a_budget_and_says_which(tmp_path, capsys):
    out = tmp_path / "bt.csv"
    assert main(["backtest", "--quick", "--origin", "2023", "--population", "5", "--generations", "1",
                 "--out", str(out)]) == 0
    assert "population 5, 1 generations" in capsys.readouterr().out  # the printed table states the budget used
    assert main(["backtest", "--quick", "--population", "1", "--out", str(out)]) == 2  # refused, not a traceback
    assert "population must be at least 2" in capsys.readouterr().err


# --- conditioning the forecast runs on the origin's last waves ------------------------------------
def _waves():
    from experiments.calibration.targets import all_targets

    return [w for w in all_targets().waves if w.role == "target"]


def test_anchors_are_each_series_last_wave_at_or_before_the_origin():
    a = {w.series: w for w in backtest.anchors(2019, _waves())}
    assert (a["kor_fav_jpn"].fieldwork, a["kor_fav_jpn"].value) == ("2019-06", 31.7)
    assert (a["jpn_fav_kor"].fieldwork, a["jpn_fav_kor"].value) == ("2019-06", 20.0)
    assert all(w.year <= 2024 for w in backtest.anchors(2024, _waves()))  # no Japanese wave in 2024: its 2023 one
    assert {w.fieldwork for w in backtest.anchors(2024, _waves())} == {"2024-08", "2023-09"}


def test_the_log_likelihood_is_the_measurement_models_normal_density_at_each_runs_latent():
    from scipy import stats

    from model.observation import measurement_sd

    kor, jpn = backtest.anchors(2019, _waves())
    latents = np.array([[kor.value, jpn.value], [kor.value + 3.0, jpn.value - 2.0], [10.0, 45.0], [60.0, 5.0]])
    ll = backtest.log_likelihood(latents, [kor, jpn])
    expected = sum(stats.norm.logpdf(x.value, loc=latents[:, j], scale=measurement_sd(latents[:, j], x))
                   for j, x in enumerate((kor, jpn)))
    # equal up to the constant log(2 pi) per wave, which no weight depends on
    assert np.allclose(ll - ll[0], expected - expected[0], atol=1e-9)
    assert ll[0] > ll[1] > max(ll[2], ll[3])


def test_an_online_wave_weighs_the_runs_less_sharply():
    from dataclasses import replace

    wave = backtest.anchors(2019, _waves())[0]  # a face-to-face wave
    latents = np.array([[wave.value], [wave.value + 3.0], [wave.value - 6.0], [wave.value + 12.0]])
    w, ess = backtest.condition(backtest.log_likelihood(latents, [wave]))
    w2, ess2 = backtest.condition(backtest.log_likelihood(latents, [replace(wave, mode="online")]))
    assert w[0] > w[1] > w[2] > w[3] > 0.0
    assert ess2 > ess and w2[0] < w[0]  # the mode term widens the reading: the weights are flatter


def test_weights_are_normalised_within_each_draw_and_the_ess_is_kishs():
    ll = np.array([0.0, -1.0, -2.0, -0.5, -0.5, -30.0])
    groups = np.array([0, 0, 0, 1, 1, 1])
    w, ess = backtest.condition(ll, groups)
    assert w[:3].sum() == pytest.approx(0.5) and w[3:].sum() == pytest.approx(0.5)  # each draw keeps its share
    e = np.exp([0.0, -1.0, -2.0])
    assert np.allclose(w[:3], 0.5 * e / e.sum())
    assert w[3] == pytest.approx(w[4]) and w[5] < 1e-12
    assert ess == pytest.approx(1.0 / np.sum(w**2))
    flat, n = backtest.condition(np.zeros(6), groups)
    assert n == pytest.approx(6.0) and np.allclose(flat, 1 / 6)
    pooled, _ = backtest.condition(ll)  # one group: the draws compete, and the second loses its share
    assert pooled[:3].sum() != pytest.approx(0.5)


def test_runs_at_the_ends_of_the_scale_or_without_a_number_do_not_break_the_weights():
    wave = backtest.anchors(2019, _waves())[0]
    ll = backtest.log_likelihood(np.array([[31.0], [0.0], [100.0], [30.0]]), [wave])
    assert np.isfinite(ll).all()  # a run at 0 or 100 % has no sampling error: the floor keeps it finite
    w, _ = backtest.condition(np.array([-1.0, np.nan, -np.inf, -2.0]))
    assert np.isfinite(w).all() and w[1] == 0.0 and w[2] == 0.0 and w.sum() == pytest.approx(1.0)
    with pytest.raises(backtest.ForecastError, match="posterior draw 1"):
        backtest.condition(np.array([-1.0, np.nan, np.nan]), np.array([0, 1, 1]))


def _small_posterior() -> pd.DataFrame:
    from importlib import resources

    text = resources.files("model").joinpath("data/posterior.csv").read_text()
    from io import StringIO

    return pd.read_csv(StringIO(text)).head(12)


def test_a_forecast_reads_no_wave_after_its_origin_but_does_read_the_origins_own():
    from dataclasses import replace

    post, waves = _small_posterior(), _waves()
    cols = ["model_median", "model_p05", "model_p95", "ess"]
    base = pd.DataFrame(backtest.forecast_rows(2021, post, 3, waves, seed=1, pool=4))[cols]
    later = [replace(w, value=w.value + 20.0) if w.year > 2021 else w for w in waves]
    moved = pd.DataFrame(backtest.forecast_rows(2021, post, 3, later, seed=1, pool=4))[cols]
    pd.testing.assert_frame_equal(base, moved)  # only the observed column and the scores could differ
    anchor = {w.fieldwork for w in backtest.anchors(2021, waves)}
    shifted = [replace(w, value=w.value + 15.0) if w.fieldwork in anchor and w.year <= 2021 else w for w in waves]
    other = pd.DataFrame(backtest.forecast_rows(2021, post, 3, shifted, seed=1, pool=4))
    assert not np.allclose(other["model_median"], base["model_median"])
    assert (other["runs"] == 12).all() and (other["ess"] < 12).all() and (base["ess"] < 12).all()
    # each of the 3 draws keeps its share, so at least one effective run a draw: pooled weights fall to ~1
    assert (other["ess"] >= 3 - 1e-9).all() and other["weighted"].all()
    flat = pd.DataFrame(backtest.forecast_rows(2021, post, 3, waves, seed=1, pool=4, weighted=False))
    assert np.allclose(flat["ess"], 12.0) and not np.allclose(flat["model_median"], base["model_median"])
    assert not flat["weighted"].any()


def test_forecasts_do_not_depend_on_the_number_of_workers():
    post, waves = _small_posterior(), _waves()
    one = pd.DataFrame(backtest.forecast_rows(2023, post, 2, waves, seed=3, pool=3, workers=1))
    two = pd.DataFrame(backtest.forecast_rows(2023, post, 2, waves, seed=3, pool=3, workers=2))
    pd.testing.assert_frame_equal(one, two)


def test_an_origins_seed_is_its_year_under_the_default_budget_whatever_else_runs():
    """docs/calibration.md states the seed of each origin's fit and forecasts (the shipped
    docs/backtest.csv was made with them); it depends on the origin alone, not on its place."""
    from dataclasses import replace

    assert [backtest.origin_seed(backtest.BUDGET, o) for o in backtest.ORIGINS] == [2016, 2018, 2019, 2021, 2023]
    assert backtest.origin_seed(replace(backtest.BUDGET, seed=7), 2021) == 12
