"""The 2013–2025 hindcast: the replayed record and its scoring against every wave."""

from __future__ import annotations

import csv
import json
import re
import tempfile
from collections import Counter
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli import main
from experiments.hindcast import COLUMNS, changes, fit, run_hindcast, waves
from model import ThawModel, load_scenario

ROOT = Path(__file__).resolve().parents[1]


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
    before = set(Path(tempfile.gettempdir()).glob("thaw-hindcast-*"))
    table, fits = run_hindcast(replications=4, out=out, executor="serial")
    assert set(Path(tempfile.gettempdir()).glob("thaw-hindcast-*")) == before  # no temporary folder left behind
    df = pd.read_csv(out, dtype={"fieldwork": str})
    assert list(df.columns) == COLUMNS
    assert len(df) == 2 * 13
    assert set(df["series"]) == {"kor_fav_jpn", "jpn_fav_kor"} and set(df["year"]) == set(range(2013, 2026))
    missing = df[df["observed"].isna()]
    assert list(zip(missing["series"], missing["year"], strict=True)) == [("jpn_fav_kor", 2024)]
    assert missing["fieldwork"].item() == "2024-09"
    assert df.loc[(df.series == "kor_fav_jpn") & (df.year == 2019), "fieldwork"].item() == "2019-06"
    assert df.loc[(df.series == "kor_fav_jpn") & (df.year == 2025), "mode"].item() == "online"
    q = df[["model_p05", "model_p25", "model_median", "model_p75", "model_p95"]].to_numpy()
    assert (q[:, :-1] <= q[:, 1:]).all()
    assert {(f.series, f.n) for f in fits} == {("kor_fav_jpn", 13), ("jpn_fav_kor", 12)}


def test_fit_scores_rmse_coverage_and_changes_on_a_known_table():
    rows = []
    for i, year in enumerate(range(2013, 2026)):
        obs = 10.0 + i
        rows.append({"series": "kor_fav_jpn", "year": year, "fieldwork": f"{year}-06", "mode": "face-to-face",
                     "model_p05": obs - 5, "model_p25": obs + 0.5, "model_median": obs + 2.0, "model_p75": obs + 3,
                     "model_p95": obs + (5 if i % 2 else -1), "latent_median": obs, "observed": obs})
        rows.append({**rows[-1], "series": "jpn_fav_kor", "model_median": obs, "model_p95": obs + 1,
                     "model_p25": obs - 1})
    table = pd.DataFrame(rows)
    kor, jpn = fit(table)
    assert kor.rmse == pytest.approx(2.0) and kor.bias == pytest.approx(2.0) and kor.n == 13
    assert kor.coverage == pytest.approx(6 / 13) and kor.coverage50 == 0.0
    assert kor.naive_rmse == pytest.approx(1.0)
    assert jpn.rmse == 0.0 and jpn.coverage == 1.0 and jpn.coverage50 == 1.0
    ch = changes(table).set_index(["series", "from"])
    assert ch.loc[("kor_fav_jpn", 2019), "record"] == pytest.approx(1.0)
    assert ch.loc[("kor_fav_jpn", 2023), "model"] == pytest.approx(2.0)


def test_waves_use_the_data_fieldwork_months():
    w = {(x.series, x.year): x for x in waves()}
    assert w[("jpn_fav_kor", 2013)].fieldwork == "2013-04" and w[("kor_fav_jpn", 2020)].value == 12.3


def test_calibrated_defaults_in_the_scenarios_are_the_posterior_medians():
    """A single run's value of a calibrated parameter is the shipped posterior's median, labelled
    with its 90 % interval; every parameter the posterior holds is labelled so in the baseline
    (the 2013 opinion levels: in the hindcast). Fails when the posterior is re-shipped without
    ``thaw calibrate --apply`` setting the defaults, or a default is edited by hand."""
    from experiments.calibration.defaults import source_text

    post = json.loads((ROOT / "model" / "data" / "posterior.json").read_text())["parameters"]
    for name in ("baseline", "hindcast_2013_2025", "china_coerces_japan"):
        sc = load_scenario(name)
        for key, src in sc.sources.items():
            if src.startswith("calibrated"):
                assert key in post, (name, key, "labelled calibrated but not in the posterior")
                assert sc.value(key) == pytest.approx(post[key]["q50"], rel=1e-3), (name, key)
                assert src == source_text(post[key]), (name, key)
    base = load_scenario("baseline")
    assert all(base.sources[k].startswith("calibrated") for k in post if ".opinion_level." not in k)


def test_the_baselines_long_run_levels_are_where_the_hindcast_brings_them_in_2025():
    """The baseline (November 2025) does not restart the publics' long-run levels at 2013's: its
    values are the hindcast's at the posterior medians in October 2025, labelled derived, which is
    what ``thaw calibrate --apply`` writes. Fails when the posterior is re-shipped without them."""
    from experiments.calibration import posterior
    from experiments.calibration.defaults import CARRIED_SOURCE, _fmt

    post = json.loads((ROOT / "model" / "data" / "posterior.json").read_text())["parameters"]
    medians = {k: float(e["q50"]) for k, e in post.items()}
    base = load_scenario("baseline")
    carried = posterior.carried(tuple(medians.items()), base.params.start)
    assert {k for k, _ in carried} == {k for k in post if posterior.CARRIED.match(k)} != set()
    for key, value in carried:
        assert base.value(key) == pytest.approx(value, rel=1e-3), key
        assert base.sources[key] == CARRIED_SOURCE.format(start=base.params.start, initial=_fmt(medians[key]))
        assert load_scenario("hindcast_2013_2025").value(key) == pytest.approx(medians[key], rel=1e-3)


def test_carried_defaults_come_from_the_hindcast_in_the_folder_being_rewritten(tmp_path):
    """``apply_defaults(record, folder)`` carries the levels through ``folder``'s hindcast, not the
    shipped one: a hindcast whose dated leader changes are removed carries different levels."""
    import shutil
    import tomllib

    from experiments.calibration.defaults import FILES, carried_defaults

    post = json.loads((ROOT / "model" / "data" / "posterior.json").read_text())["parameters"]
    for name in FILES:
        shutil.copy(ROOT / "scenarios" / name, tmp_path / name)
    shipped = {k: e["q50"] for k, e in carried_defaults(post, tmp_path).items()}
    hindcast = tmp_path / FILES[1]
    raw = tomllib.loads(hindcast.read_text())
    kept = [e for e in raw.get("events", []) if e.get("kind") != "leader_change"]
    assert len(kept) < len(raw["events"])
    text = hindcast.read_text()
    body = text[:text.index("[[events]]")] if "[[events]]" in text else text
    hindcast.write_text(body + "".join(_event_toml(e) for e in kept))
    edited = {k: e["q50"] for k, e in carried_defaults(post, tmp_path).items()}
    assert edited.keys() == shipped.keys() != set()
    assert edited != pytest.approx(shipped, rel=1e-6)


def _event_toml(e: dict) -> str:
    import json as _json

    def val(v):
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + " }"
        return _json.dumps(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else repr(v)

    return "\n[[events]]\n" + "".join(f"{k} = {val(v)}\n" for k, v in e.items())


def test_the_defaults_writer_rewrites_only_the_keys_value_and_source():
    from experiments.calibration.defaults import rewrite

    text = ('# a comment\n[dynamics.opinion]\nresponse = { value = 10.0, source = "assumption" }  # kept\n'
            'relaxation = { value = 0.1, source = "x" }\n[states.KOR.opinion_level]\nJPN = { value = 1, source = "y" }\n')
    entry = {"q05": 4.0, "q50": 5.5, "q95": 7.25}
    out, done = rewrite(text, {"dynamics.opinion.response": entry, "states.KOR.opinion_level.JPN": entry,
                               "dynamics.trade.recovery_months": entry})
    assert done == ["dynamics.opinion.response", "states.KOR.opinion_level.JPN"]
    lines = out.splitlines()
    assert lines[0] == "# a comment" and lines[3] == 'relaxation = { value = 0.1, source = "x" }'
    assert lines[2].startswith("response = { value = 5.5, source = \"calibrated: posterior median")
    assert lines[2].endswith("# kept")
    assert "[4, 7.25]" in lines[2] and lines[5].startswith("JPN = { value = 5.5,")


def test_thaw_hindcast_command(tmp_path, capsys):
    assert main(["hindcast", "--replications", "2", "--out", str(tmp_path / "h.csv"), "--executor", "serial",
                 "--quiet"]) == 0
    text = capsys.readouterr().out
    table = pd.read_csv(tmp_path / "h.csv")
    pattern = (r"(\w+): RMSE ([\d.]+) points, bias ([+-][\d.]+); 90% band covers (\d+)% and 50% band (\d+)% of "
               r"(\d+) waves; naive 'same as last wave' RMSE ([\d.]+)")
    lines = re.findall(pattern, text)
    assert {series for series, *_ in lines} == {"kor_fav_jpn", "jpn_fav_kor"}, text
    for series, rmse, bias, c90, c50, n, naive in lines:  # the printed fit is the fit of the written table
        rows = table[(table["series"] == series) & table["observed"].notna()]
        err = rows["model_median"] - rows["observed"]
        assert int(n) == len(rows) > 0
        assert float(rmse) == pytest.approx(float((err ** 2).mean() ** 0.5), abs=0.01)
        assert float(bias) == pytest.approx(float(err.mean()), abs=0.01)
        assert int(c90) == pytest.approx(100 * rows["observed"].between(rows["model_p05"], rows["model_p95"]).mean(), abs=1)
        assert int(c50) == pytest.approx(100 * rows["observed"].between(rows["model_p25"], rows["model_p75"]).mean(), abs=1)
        assert float(naive) > 0
    for series, a, b, model, record in re.findall(r"(\w+) (\d{4})->(\d{4}): model ([+-][\d.]+) points, record ([+-][\d.]+)",
                                                   text):
        d = table[table["series"] == series].set_index("year")
        assert float(record) == pytest.approx(d.at[int(b), "observed"] - d.at[int(a), "observed"], abs=0.06)
        assert float(model) == pytest.approx(d.at[int(b), "model_median"] - d.at[int(a), "model_median"], abs=0.06)
    assert main(["hindcast", "--replications", "0"]) == 2


class _Serial:
    """A pool with the executor's ``map``, in this process."""

    @staticmethod
    def map(fn, items, chunksize=1):
        return map(fn, items)


def test_the_fall_attribution_pairs_each_switch_with_the_same_seeds_and_draws(capsys):
    """``attribution --fall``: rows in the order all on, then each mechanism off; each row's medians
    are those of the runs it names (posterior draw by seed); without the opinion mechanism nothing
    moves, without coercion the 2019 measures are gone and so is the fall."""
    import statistics

    from experiments.attribution import FALL, MECHANISMS, fall_table, posterior_params, print_fall_table

    seeds = range(4)
    rows = fall_table(len(seeds), _Serial(), use_posterior=True, boot=200)
    assert [r["off"] for r in rows] == ["(all on)", *MECHANISMS]
    direct = []
    for s in seeds:
        o = ThawModel("hindcast_2013_2025", rng=s, **posterior_params(s)).run().outcomes().set_index("date")
        direct.append((o.loc[FALL[0], "kor_fav_jpn"], o.loc[FALL[1], "kor_fav_jpn"]))
    on = rows[0]
    falls = [a - b for a, b in direct]
    assert on["before"] == pytest.approx(statistics.median(a for a, _ in direct))
    assert on["after"] == pytest.approx(statistics.median(b for _, b in direct))
    assert on["fall"] == pytest.approx(statistics.median(falls))
    assert on["at_least_10"] == pytest.approx(sum(f >= 10 for f in falls) / len(falls))
    assert on["change"] == 0.0 and on["change_90"] == (0.0, 0.0)
    by = {r["off"]: r for r in rows}
    # hedging does nothing in the hindcast: its row is the all-on row only if it ran the same seeds
    # on the same draws, in the same order, and the bootstrap resampled the two in pairs
    assert {k: by["hedging"][k] for k in ("before", "after", "fall", "change", "change_90", "at_least_10")} == \
        {k: on[k] for k in ("before", "after", "fall", "change", "change_90", "at_least_10")}
    off = []
    for s in seeds:
        o = ThawModel("hindcast_2013_2025", rng=s, **{**posterior_params(s), "mechanisms.coercion": False}).run()
        o = o.outcomes().set_index("date")
        off.append(o.loc[FALL[0], "kor_fav_jpn"] - o.loc[FALL[1], "kor_fav_jpn"])
    assert by["coercion"]["fall"] == pytest.approx(statistics.median(off))
    assert by["opinion"]["fall"] == 0.0 and by["opinion"]["before"] == by["opinion"]["after"]
    assert by["coercion"]["fall"] < 1.0 < on["fall"] and by["coercion"]["change"] < 0
    lo, hi = by["coercion"]["change_90"]
    assert lo <= hi < 0
    print_fall_table(rows)
    table = capsys.readouterr().out.splitlines()
    assert len(table) == 2 + len(rows) and table[2].startswith("| (all on) |")

def test_the_fall_attribution_reads_the_series_it_is_asked_for(capsys):
    """``--series jpn_fav_kor``: the rows are the Japanese readings of the same runs, and the header
    states the Japanese record (a rise of 5.9 points, so a fall of -5.9)."""
    import statistics

    from experiments.attribution import FALL, fall_table, posterior_params, print_fall_table

    rows = fall_table(3, _Serial(), use_posterior=True, boot=50, series="jpn_fav_kor")
    direct = []
    for s in range(3):
        o = ThawModel("hindcast_2013_2025", rng=s, **posterior_params(s)).run().outcomes().set_index("date")
        direct.append((o.loc[FALL[0], "jpn_fav_kor"], o.loc[FALL[1], "jpn_fav_kor"]))
    assert rows[0]["before"] == pytest.approx(statistics.median(a for a, _ in direct))
    assert rows[0]["fall"] == pytest.approx(statistics.median(a - b for a, b in direct))
    print_fall_table(rows, "jpn_fav_kor")
    header = capsys.readouterr().out.splitlines()[0]
    assert "(record 20.0)" in header and "(record 25.9)" in header and "(record -5.9)" in header
