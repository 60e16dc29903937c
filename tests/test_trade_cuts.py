"""The trade cuts in force, as a tidy table analysts can set beside arrivals and import statistics."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from experiments import load, run_batch
from experiments.cli import main
from model import ThawModel
from model.components.trade import TRADE_CUT_COLUMNS


def test_trade_cuts_table_is_tidy_and_agrees_with_channel_cut():
    m = ThawModel("china_coerces_japan", rng=2).run()
    cuts = m.trade_cuts()
    assert list(cuts.columns) == TRADE_CUT_COLUMNS
    assert len(cuts) > 0 and cuts["share_cut"].between(0, 1, inclusive="right").all()
    assert not cuts.duplicated(["month", "coercer", "target", "channel"]).any()
    for (c, t, ch), rows in cuts.groupby(["coercer", "target", "channel"]):
        series = m.channel_cut(c, t, ch)
        assert len(series) == m.month
        dense = rows.set_index("month")["share_cut"].reindex(range(1, m.month + 1), fill_value=0.0)
        assert list(dense) == series
    # a seafood ban on Japan shows up as China cutting Japan's seafood channel
    assert ((cuts["coercer"] == "CHN") & (cuts["target"] == "JPN") & (cuts["channel"] == "seafood")).any()


def test_trade_cuts_empty_when_trade_is_off():
    m = ThawModel("china_coerces_japan", rng=2, **{"mechanisms.trade": False}).run()
    assert m.trade_cuts().empty and list(m.trade_cuts().columns) == TRADE_CUT_COLUMNS
    assert m.channel_cut("CHN", "JPN", "seafood") == [0.0] * m.month


def test_thaw_run_out_writes_trade_cuts(tmp_path):
    assert main(["run", "china_coerces_japan", "--seed", "2", "--out", str(tmp_path)]) == 0
    got = pd.read_parquet(tmp_path / "trade_cuts.parquet")
    pd.testing.assert_frame_equal(got, ThawModel("china_coerces_japan", rng=2).run().trade_cuts())


def test_batch_writes_trade_cuts_when_asked(tmp_path: Path):
    exp = tmp_path / "cuts.toml"
    exp.write_text('name = "cuts"\ndescription = "t"\nscenarios = ["china_coerces_japan"]\nreplications = 2\n'
                   "months = 24\nroot_seed = 5\n[outputs]\ntrade_cuts = true\n")
    out = tmp_path / "res"
    run_batch(exp, out=out, executor="serial", quiet=True)
    r = load(out)
    cuts = r.trade_cuts
    assert list(cuts.columns) == ["run_id", *TRADE_CUT_COLUMNS]
    assert set(cuts["run_id"]) <= set(r.runs["run_id"]) and len(cuts) > 0
    first = r.runs.iloc[0]
    direct = ThawModel("china_coerces_japan", rng=int(first["seed"]), months=24).run().trade_cuts()
    mine = cuts[cuts["run_id"] == first["run_id"]].drop(columns="run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, direct)
