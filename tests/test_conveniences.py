"""Everyday commands: ``thaw --version``, ``run`` without a seed, ``summary``, ``export``,
``show --diff`` — their output, their files, and their failures (exit 2, no traceback)."""

from __future__ import annotations

import json
import re
from importlib import metadata

import pandas as pd
import pytest

import experiments
from experiments.cli import main


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("res")
    exp = out / "small.toml"
    exp.write_text('name = "small"\ndescription = "two scenarios"\nscenarios = ["baseline", "us_retrenchment"]\n'
                   'replications = 3\nroot_seed = 5\n[design]\nkind = "grid"\n[design.parameters]\n'
                   '"states.CHN.doctrine.threshold" = [0.3, 0.9]\n[outputs]\noutcomes = true\nevents = true\n')
    experiments.run_batch(exp, out=out / "r", executor="serial", quiet=True)
    return experiments.load(out / "r")


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"thaw {metadata.version('thaw-sim')}"


def test_run_without_seed_draws_prints_and_records_one(tmp_path, capsys):
    assert main(["run", "baseline", "--months", "12", "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    seed = int(re.search(r"drew seed (\d+)", out).group(1))
    assert f"(seed {seed}," in out
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["seed"] == seed
    assert main(["run", "baseline", "--months", "12", "--seed", str(seed), "--out", str(tmp_path / "b")]) == 0
    again = capsys.readouterr().out
    body = lambda text: text.split("Thaw —", 1)[1].split("Wrote ")[0]  # noqa: E731
    assert body(again) == body(out)  # the printed seed reproduces the run
    a = pd.read_parquet(tmp_path / "a" / "events.parquet")
    b = pd.read_parquet(tmp_path / "b" / "events.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_summary_reprints_the_batch_table(results, capsys):
    assert main(["summary", str(results.path)]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.strip().startswith(("baseline", "us_retrenchment"))]
    assert len(lines) == 4  # two scenarios x two design points
    assert "P(thaw survives)" in out and "95% intervals" in out


def test_summary_and_export_refuse_a_folder_that_is_not_results(tmp_path, capsys):
    assert main(["summary", str(tmp_path)]) == 2
    assert main(["export", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and "Traceback" not in err


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_writes_tidy_tables(results, tmp_path, fmt, capsys):
    assert main(["export", str(results.path), "--format", fmt, "--out", str(tmp_path)]) == 0
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    runs, outcomes, events = (read(tmp_path / f"{t}.{fmt}") for t in ("runs", "outcomes", "events"))
    summary = read(tmp_path / f"summary.{fmt}")
    assert len(runs) == len(results.runs) == 12 and runs["run_id"].is_unique
    assert len(outcomes) == len(results.outcomes) and not outcomes.duplicated(["run_id", "month"]).any()
    assert len(events) == len(results.events)
    assert {"scenario", "replicate"} <= set(outcomes.columns)  # filterable without a join
    assert (outcomes.groupby("run_id")["scenario"].first() == runs.set_index("run_id")["scenario"]).all()
    assert len(summary) == 4 and "p_survive" in summary
    assert "Wrote 4 tables" in capsys.readouterr().out


def test_export_to_an_unwritable_place(results, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["export", str(results.path), "--out", str(blocker / "sub")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_show_diff_prints_only_what_changes(capsys):
    assert main(["show", "china_coerces_japan", "--diff"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("china_coerces_japan against baseline")
    assert re.search(r"states\.CHN\.doctrine\.threshold\s+0\.5 -> 0\.3", out)
    assert "states.USA.commitment" not in out and "+ 2026-01 CHN->JPN export_controls" in out
    assert main(["show", "baseline", "--diff"]) == 0
    assert "extends no other scenario" in capsys.readouterr().out
    assert main(["show", "baseline", "--diff", "--set", "states.USA.commitment=0.3"]) == 0
    assert "extends no other" in capsys.readouterr().out
    assert main(["show", "us_retrenchment", "--diff", "--set", "states.USA.commitment=0.6"]) == 0
    assert "states.USA.commitment" not in capsys.readouterr().out  # the override restores the parent's value
