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


def test_thaw_backtest_takes_a_budget_and_says_which(tmp_path, capsys):
    out = tmp_path / "bt.csv"
    assert main(["backtest", "--quick", "--origin", "2023", "--population", "5", "--generations", "1",
                 "--out", str(out)]) == 0
    assert "population 5, 1 generations" in capsys.readouterr().out  # the printed table states the budget used
    assert main(["backtest", "--quick", "--population", "1", "--out", str(out)]) == 2  # refused, not a traceback
    assert "population must be at least 2" in capsys.readouterr().err
