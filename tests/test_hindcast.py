"""The 2013–2025 hindcast and the calibration."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from experiments import calibration
from experiments.cli import main
from experiments.hindcast import run_hindcast, waves
from model import ThawModel, load_scenario

ROOT = Path(__file__).resolve().parents[1]
RECORD = json.loads((ROOT / "model" / "data" / "calibration.json").read_text())


def shipped_events() -> list[dict[str, str]]:
    text = resources.files("model").joinpath("data/events.csv").read_text()
    return [r for r in csv.DictReader(text.splitlines()) if r["date"] >= "2013-01-01"]


def test_hindcast_schedules_every_event_of_the_record():
    sc = load_scenario("hindcast_2013_2025").params
    assert sc.start == "2013-01" and sc.months == 156
    scheduled = {(e.date, e.source, e.kind, e.cameo_code or "") for e in sc.events}
    for r in shipped_events():
        assert (r["date"], r["source"], r["kind"], r["cameo_code"]) in scheduled, r
    assert len(sc.events) == len(shipped_events())
    assert not sc.elections  # leaders follow the record, not drawn elections


def test_every_hindcast_event_is_applied():
    m = ThawModel("hindcast_2013_2025", rng=1).run()
    log = m.events()
    sched = log[log["trigger"] == "scheduled"]
    logged = Counter(zip(sched["date"], sched["source"], sched["target"], sched["move"], sched["cameo_code"], strict=True))
    expected = Counter((e.date[:7], e.source, e.target, e.move, e.cameo_code)
                       for e in m.config.params.events if e.move is not None)
    assert logged == expected  # every dated move, once, with its recorded CAMEO code
    changes = [(date, code, name) for _, date, code, name, how in m.leader_log if how == "scheduled"]
    assert ("2017-05", "KOR", "Moon Jae-in") in changes and ("2025-10", "JPN", "Sanae Takaichi") in changes
    assert m.states["KOR"].leader.name == "Lee Jae-myung"


def test_hindcast_starts_from_the_2013_wave():
    out = ThawModel("hindcast_2013_2025", rng=1, months=1).run().outcomes()
    assert out["date"].iloc[0] == "2013-01"
    sc = load_scenario("hindcast_2013_2025")
    assert sc.params.states.KOR.opinion["JPN"] == 12.2 and sc.params.states.JPN.opinion["KOR"] == 31.1
    assert sc.sources["states.KOR.opinion.JPN"].startswith("data: opinion_polls.csv kor_fav_jpn 2013")


def test_sanctions_relief_lifts_the_measures():
    m = ThawModel("hindcast_2013_2025", rng=1).run()
    cut = dict(zip(m.outcomes()["date"], m.channel_cut("JPN", "KOR", "inputs"), strict=True))
    assert cut["2019-08"] > 0  # the 2019 export controls
    assert cut["2023-04"] == 0  # lifted on 2023-03-23 (events.csv)


def test_hindcast_csv_has_the_documented_columns_and_rows(tmp_path):
    out = tmp_path / "hindcast.csv"
    table, fits = run_hindcast(replications=3, out=out, executor="serial")
    df = pd.read_csv(out, dtype={"fieldwork": str})
    assert list(df.columns) == ["series", "year", "fieldwork", "model_median", "model_p05", "model_p95", "observed"]
    assert len(df) == 2 * 13
    assert set(df["series"]) == {"kor_fav_jpn", "jpn_fav_kor"} and set(df["year"]) == set(range(2013, 2026))
    early, late = df[df["year"] <= 2019], df[df["year"] >= 2020]
    assert early["observed"].notna().all() and late["observed"].isna().all()  # held-out waves stay out
    assert (late["fieldwork"] == late["year"].astype(str) + "-09").all()
    assert df.loc[(df.series == "kor_fav_jpn") & (df.year == 2019), "fieldwork"].item() == "2019-06"
    assert (df["model_p05"] <= df["model_median"]).all() and (df["model_median"] <= df["model_p95"]).all()
    assert {f.series for f in fits} == {"kor_fav_jpn", "jpn_fav_kor"} and all(f.n == 7 for f in fits)


def test_waves_use_the_data_fieldwork_months():
    w = waves()
    assert w.loc[(w.series == "jpn_fav_kor") & (w.year == 2013), "fieldwork"].item() == "2013-04"


def test_calibration_runs_end_to_end_on_a_tiny_budget(tmp_path):
    out = tmp_path / "calibration.json"
    record = calibration.calibrate(budget=3, seeds=2, blocks=1, out=out, log=lambda *_: None)
    assert json.loads(out.read_text()) == record
    assert set(record["parameters"]) == set(calibration.PARAMETERS) and len(record["parameters"]) <= 10
    for key, entry in record["parameters"].items():
        lo, hi = calibration.PARAMETERS[key]
        assert lo <= entry["value"] <= hi and entry["sd"] >= 0
    assert len(record["polls"]) == 14 and len(record["episodes"]) == 4
    # applying it rewrites a scenario file that still loads, with the provenance "calibrated"
    folder = tmp_path / "scen"
    folder.mkdir()
    shutil.copy(ROOT / "scenarios" / "baseline.toml", folder / "baseline.toml")
    path = calibration.apply(record, scenario=str(folder / "baseline.toml"))
    sc = load_scenario(path)
    for key, entry in record["parameters"].items():
        assert sc.value(key) == pytest.approx(entry["value"])
        assert sc.sources[key].startswith("calibrated")


def test_calibrated_defaults_in_the_scenarios_match_the_calibration_file():
    """A value labelled "calibrated" is the calibration file's; a calibrated key that issue 9 set by
    hand for the new opinion mechanism (or for the 2025 world) says so and that it awaits
    ``thaw calibrate``, instead of carrying a stale "calibrated" label."""
    for name in ("baseline", "hindcast_2013_2025", "china_coerces_japan"):
        sc = load_scenario(name)
        for key, entry in RECORD["parameters"].items():
            if sc.sources[key].startswith("calibrated"):
                assert sc.value(key) == pytest.approx(entry["value"]), (name, key)
            else:
                assert "calibrat" in sc.sources[key] and sc.value(key) != pytest.approx(entry["value"]), (name, key)


def test_calibration_record_states_its_method_and_fit():
    assert "scipy.optimize" in RECORD["method"] and "common random numbers" in RECORD["method"]
    assert RECORD["loss"] <= RECORD["loss_start"]


def test_thaw_hindcast_command(tmp_path, capsys):
    assert main(["hindcast", "--replications", "2", "--out", str(tmp_path / "h.csv"), "--executor", "serial",
                 "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "RMSE" in text and "coverage" not in text.lower() or "covers" in text
    assert main(["hindcast", "--replications", "0"]) == 2
