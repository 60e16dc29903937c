"""Batches: determinism across executors, replications and interruptions; failures; the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import experiments.worker as worker
from experiments import ExperimentError, load, load_experiment, run_batch, summarise
from experiments.cli import main
from experiments.design import design_points, plan, run_seed
from experiments.results import mean_ci, proportion_ci

ROOT = Path(__file__).resolve().parents[1]

EXPERIMENT = """
name = "tiny"
description = "test batch"
scenarios = ["baseline", "china_coerces_japan"]
replications = {reps}
months = 18
root_seed = 99
[design]
kind = "grid"
[design.parameters]
"states.USA.commitment" = [0.3, 0.7]
[outputs]
outcomes = true
events = true
"""


def experiment(tmp_path: Path, reps: int = 3, text: str = EXPERIMENT, name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(text.format(reps=reps))
    return path


def frames(out: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    r = load(out)
    return r.runs.drop(columns=["seconds"]), r.outcomes, r.events


def assert_same(a: Path, b: Path) -> None:
    for x, y in zip(frames(a), frames(b), strict=True):
        pd.testing.assert_frame_equal(x, y)


# --------------------------------------------------------------------------------------------
# Determinism
def test_results_identical_across_executors_and_worker_counts(tmp_path):
    exp = experiment(tmp_path)
    run_batch(exp, tmp_path / "serial", executor="serial", quiet=True)
    run_batch(exp, tmp_path / "p1", executor="processes", workers=1, quiet=True)
    run_batch(exp, tmp_path / "p2", executor="processes", workers=2, quiet=True)
    run_batch(exp, tmp_path / "dask", executor="dask", workers=2, quiet=True)
    for other in ("p1", "p2", "dask"):
        assert_same(tmp_path / "serial", tmp_path / other)
    runs = load(tmp_path / "serial").runs
    assert len(runs) == 2 * 2 * 3 and (runs["status"] == "ok").all()


def test_a_batch_run_equals_the_same_run_made_directly(tmp_path):
    from model import ThawModel

    run_batch(experiment(tmp_path), tmp_path / "out", executor="serial", quiet=True)
    res = load(tmp_path / "out")
    row = res.runs.iloc[5]
    direct = ThawModel(row["scenario"], rng=int(row["seed"]), months=18,
                       **{"states.USA.commitment": row["states.USA.commitment"]}).run()
    got = res.outcomes[res.outcomes["run_id"] == row["run_id"]].drop(columns="run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, direct.outcomes(), check_dtype=False)


def test_doubling_replications_leaves_the_first_half_unchanged(tmp_path):
    run_batch(experiment(tmp_path, reps=2), tmp_path / "n", executor="serial", quiet=True)
    run_batch(experiment(tmp_path, reps=4, name="tiny4.toml"), tmp_path / "2n", executor="serial", quiet=True)
    n, big = load(tmp_path / "n"), load(tmp_path / "2n")
    first = big.runs[big.runs["replicate"] < 2].drop(columns="seconds").reset_index(drop=True)
    pd.testing.assert_frame_equal(n.runs.drop(columns="seconds"), first)
    ids = set(first["run_id"])
    pd.testing.assert_frame_equal(n.events, big.events[big.events["run_id"].isin(ids)].reset_index(drop=True))


def test_more_replications_can_extend_a_finished_batch(tmp_path):
    exp = experiment(tmp_path, reps=2)
    run_batch(exp, tmp_path / "out", executor="serial", quiet=True)
    report = run_batch(exp, tmp_path / "out", executor="serial", replications=4, resume=True, quiet=True)
    assert report.skipped == 8 and report.done == 8
    run_batch(experiment(tmp_path, reps=4, name="direct.toml"), tmp_path / "direct", executor="serial", quiet=True)
    assert_same(tmp_path / "out", tmp_path / "direct")


def test_seed_is_keyed_by_scenario_name_point_and_replicate():
    assert run_seed(1, "baseline", 0, 0) == run_seed(1, "baseline", 0, 0)
    seeds = {run_seed(1, s, p, r) for s in ("baseline", "us_retrenchment") for p in range(3) for r in range(3)}
    assert len(seeds) == 18
    assert run_seed(1, "baseline", 0, 0) != run_seed(2, "baseline", 0, 0)


def test_scenario_order_in_the_file_does_not_change_seeds(tmp_path):
    a, _ = load_experiment(experiment(tmp_path))
    b, _ = load_experiment(experiment(tmp_path, text=EXPERIMENT.replace(
        '["baseline", "china_coerces_japan"]', '["china_coerces_japan", "baseline"]'), name="swapped.toml"))
    key = lambda r: (r.scenario, r.point, r.replicate)  # noqa: E731
    assert {key(r): r.seed for r in plan(a)} == {key(r): r.seed for r in plan(b)}


# --------------------------------------------------------------------------------------------
# Designs
def test_grid_design_is_the_full_product(tmp_path):
    exp, _ = load_experiment(ROOT / "experiments" / "coercion_vs_credibility.toml")
    pts = design_points(exp.design)
    assert len(pts) == 36 and len({tuple(p.values()) for p in pts}) == 36


def test_lhs_design_covers_each_range_once_per_stratum():
    exp, _ = load_experiment(ROOT / "experiments" / "exploration.toml")
    pts = pd.DataFrame(design_points(exp.design))
    assert len(pts) >= 1000 and pts.shape[1] >= 10
    for key, (lo, hi) in exp.design.parameters.items():
        col = pts[key]
        assert col.between(lo, hi).all()
        strata = np.floor((col - lo) / (hi - lo) * len(col)).clip(0, len(col) - 1)
        assert strata.nunique() == len(col)  # the Latin hypercube property


SOBOL = """
name = "sob"
description = "sobol test"
scenarios = ["baseline"]
replications = {reps}
root_seed = 3
[design]
kind = "sobol_sequence"
points = 8
integers = ["dynamics.rupture.months"]
[design.parameters]
"states.USA.commitment" = [0.2, 0.9]
"dynamics.rupture.months" = [2, 12]
"""


def test_sobol_design(tmp_path):
    exp, _ = load_experiment(experiment(tmp_path, text=SOBOL))
    pts = pd.DataFrame(design_points(exp.design))
    assert len(pts) == 8 and pts["states.USA.commitment"].between(0.2, 0.9).all()
    assert pts["dynamics.rupture.months"].map(lambda v: isinstance(v, int)).all()
    assert pts["dynamics.rupture.months"].between(2, 12).all()


def test_shipped_experiments_load_and_have_their_promised_size():
    comp, _ = load_experiment(ROOT / "experiments" / "scenario_comparison.toml")
    from model import list_scenarios

    what_ifs = set(list_scenarios()) - {"hindcast_2013_2025"}  # the replay of the record is not a what-if
    assert set(comp.scenarios) == what_ifs and comp.replications == 200
    assert comp.outputs.outcomes
    load_experiment(ROOT / "experiments" / "coercion_vs_credibility.toml")


# --------------------------------------------------------------------------------------------
# Crash safety
def _start(exp: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "experiments.cli", "batch", str(exp), "--out", str(out), "--workers", "2",
         "--quiet", "--resume"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )


def _chunks(out: Path) -> int:
    index = out / "index"
    return len(list(index.glob("chunk-*.json"))) if index.exists() else 0


@pytest.mark.parametrize("kill_after_chunks", [0, 1, 3])
def test_sigkill_then_resume_gives_the_uninterrupted_dataset(tmp_path, kill_after_chunks):
    exp = experiment(tmp_path, reps=8)  # 32 runs in chunks of about 4
    out = tmp_path / "killed"
    proc = _start(exp, out)
    deadline = time.time() + 60
    while _chunks(out) < kill_after_chunks and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, without warning
    proc.wait()
    assert _chunks(out) < 8, "the batch finished before it could be killed; make the test batch bigger"
    res = subprocess.run([sys.executable, "-m", "experiments.cli", "batch", str(exp), "--out", str(out),
                          "--workers", "2", "--quiet", "--resume"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    run_batch(exp, tmp_path / "whole", executor="serial", quiet=True)
    assert_same(tmp_path / "whole", out)
    runs = load(out).runs
    assert runs["run_id"].is_unique and len(runs) == 32
    assert not [f for f in out.rglob(".*") if f.name.endswith(".tmp")]
    assert load(out).manifest["complete"] is True


def test_existing_results_need_resume(tmp_path):
    exp = experiment(tmp_path, reps=1)
    run_batch(exp, tmp_path / "out", executor="serial", quiet=True)
    with pytest.raises(ExperimentError, match="--resume"):
        run_batch(exp, tmp_path / "out", executor="serial", quiet=True)


def test_a_folder_of_another_experiment_is_refused(tmp_path):
    run_batch(experiment(tmp_path, reps=1), tmp_path / "out", executor="serial", quiet=True)
    other = experiment(tmp_path, reps=1, text=EXPERIMENT.replace("root_seed = 99", "root_seed = 100"), name="o.toml")
    with pytest.raises(ExperimentError, match="different experiment"):
        run_batch(other, tmp_path / "out", executor="serial", resume=True, quiet=True)


# --------------------------------------------------------------------------------------------
# Failures
def test_a_failing_run_is_recorded_and_the_batch_goes_on(tmp_path, monkeypatch, capsys):
    real = worker.ThawModel
    bad_seed = plan(load_experiment(experiment(tmp_path))[0])[4].seed

    def flaky(scenario, rng=None, **kw):
        if rng == bad_seed:
            raise RuntimeError("deliberate failure for the test")
        return real(scenario, rng=rng, **kw)

    monkeypatch.setattr(worker, "ThawModel", flaky)
    code = main(["batch", str(experiment(tmp_path)), "--out", str(tmp_path / "out"), "--executor", "serial", "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "1 run(s) failed" in err
    res = load(tmp_path / "out")
    failed = res.runs[res.runs["status"] == "failed"]
    assert len(failed) == 1 and failed["run_id"].iloc[0] == 4
    assert "deliberate failure" in failed["error"].iloc[0] and "Traceback" in failed["error"].iloc[0]
    assert len(res.runs) == 12 and (res.runs["status"] == "ok").sum() == 11
    assert 4 not in set(res.outcomes["run_id"])
    assert res.manifest["runs_failed"] == 1


# --------------------------------------------------------------------------------------------
# Manifest, loading and summaries
def test_manifest_records_what_reproduces_the_batch(tmp_path):
    run_batch(experiment(tmp_path), tmp_path / "out", executor="serial", quiet=True)
    m = load(tmp_path / "out").manifest
    assert m["experiment"]["name"] == "tiny" and len(m["experiment"]["file_hash"]) == 16
    assert set(m["scenario_hashes"]) == {"baseline", "china_coerces_japan"}
    assert m["root_seed"] == 99 and m["runs_total"] == 12 and m["runs_done"] == 12 and m["complete"]
    assert {"python", "mesa", "numpy", "pandas", "pyarrow"} <= set(m["versions"])
    assert "commit" in m["git"] and "dirty" in m["git"]
    assert m["started"] and m["finished"]
    assert m["design"]["points"] == [{"states.USA.commitment": 0.3}, {"states.USA.commitment": 0.7}]


def test_summary_per_scenario_and_point(tmp_path):
    run_batch(experiment(tmp_path, reps=4), tmp_path / "out", executor="serial", quiet=True)
    s = load(tmp_path / "out").summary()
    assert len(s) == 4 and set(s.columns) >= {"scenario", "states.USA.commitment", "runs", "p_survive",
                                                "p_survive_lo", "p_survive_hi", "final_jk_affinity_lo"}
    assert (s["p_survive_lo"] <= s["p_survive"]).all() and (s["p_survive"] <= s["p_survive_hi"]).all()
    assert (s["runs"] == 4).all()


def test_interval_helpers():
    p, lo, hi = proportion_ci(0, 10)
    assert p == 0 and lo == 0 and 0.25 < hi < 0.35  # Wilson's upper bound for 0/10 is 0.278
    m, lo, hi = mean_ci(pd.Series([1.0, 2.0, 3.0, 4.0]))
    assert m == 2.5 and lo == pytest.approx(2.5 - 3.182446 * 1.290994 / 2, rel=1e-5)
    with pytest.raises(ValueError, match="no runs"):
        summarise(pd.DataFrame())
    with pytest.raises(ValueError, match="not columns"):
        summarise(pd.DataFrame({"status": ["ok"], "thaw_survived": [True]}), by="nope")


def test_load_refuses_a_folder_that_is_not_results(tmp_path):
    with pytest.raises(ExperimentError, match="no manifest"):
        _ = load(tmp_path).runs
    with pytest.raises(ExperimentError, match="no such results folder"):
        load(tmp_path / "missing")


# --------------------------------------------------------------------------------------------
# Bad experiment files
@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (("replications = {reps}", "replications = 0"), "replications"),
        (("root_seed = 99", "root_seed = 99\ncolour = 1"), "unknown key"),
        (('"states.USA.commitment"', '"states.USA.comitment"'), "design.parameters.states.USA.comitment"),
        (("[0.3, 0.7]", "[0.3, 7.0]"), "design.parameters.states.USA.commitment"),
        (('"baseline", ', '"nowhere", '), "nowhere"),
        (('kind = "grid"', 'kind = "lhs"'), "points"),
        (("months = 18", 'months = "18"'), "months"),
    ],
)
def test_bad_experiment_files_exit_2_naming_the_key(tmp_path, change, needle):
    text = EXPERIMENT.replace(*change)
    path = experiment(tmp_path, text=text)
    res = subprocess.run([sys.executable, "-m", "experiments.cli", "batch", str(path), "--out", str(tmp_path / "o"),
                          "--executor", "serial", "--quiet"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 2, res.stderr
    assert needle in res.stderr and str(path) in res.stderr
    assert "Traceback" not in res.stderr


def test_malformed_and_missing_experiment_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    for args, needle in (([str(bad)], "not valid TOML"), (["/no/such.toml"], "no such experiment")):
        res = subprocess.run([sys.executable, "-m", "experiments.cli", "batch", *args], cwd=ROOT,
                             capture_output=True, text=True)
        assert res.returncode == 2 and needle in res.stderr and "Traceback" not in res.stderr


def test_cli_summarises_a_sampled_design_per_scenario(tmp_path, capsys):
    exp = experiment(tmp_path, reps=1, text=SOBOL)
    assert main(["batch", str(exp), "--out", str(tmp_path / "out"), "--executor", "serial"]) == 0
    out = capsys.readouterr().out
    assert "Per design point" in out
    table = out.split("\n\n", 1)[1]
    assert sum(line.startswith("baseline") for line in table.splitlines()) == 1  # one row, not one per point
