"""The ``thaw`` command line, as a user types it: output, files, and failures without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli import main

ROOT = Path(__file__).resolve().parents[1]


def thaw(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120)


def test_list_prints_one_line_per_scenario(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) >= 8 and any(line.startswith("baseline ") for line in lines)


def test_show_prints_values_with_sources(capsys):
    assert main(["show", "us_retrenchment"]) == 0
    out = capsys.readouterr().out
    assert "states.USA.commitment" in out and "0.25" in out and "assumption" in out
    assert "Donald Trump" in out and "scheduled events" in out


def test_validate_accepts_shipped_files(capsys):
    files = [str(p) for p in sorted((ROOT / "scenarios").glob("*.toml"))]
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count("ok ") == len(files)


def test_run_prints_summary_and_writes_parquet(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", "baseline", "--seed", "3", "--months", "24", "--set", "states.USA.commitment=0.4",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "thaw survived" in text and "Japan–Korea affinity" in text
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    events = pd.read_parquet(out / "events.parquet")
    summary = json.loads((out / "summary.json").read_text())
    assert len(outcomes) == 24 and len(events) > 0
    assert summary["seed"] == 3 and summary["overrides"] == {"states.USA.commitment": 0.4}


def test_run_writes_csv_on_request(tmp_path):
    assert main(["run", "baseline", "--seed", "1", "--months", "6", "--out", str(tmp_path), "--format", "csv"]) == 0
    assert (tmp_path / "outcomes.csv").exists() and (tmp_path / "events.csv").exists()


def test_run_output_matches_python_api(tmp_path):
    from model import ThawModel

    main(["run", "china_coerces_japan", "--seed", "11", "--out", str(tmp_path)])
    direct = ThawModel("china_coerces_japan", rng=11).run()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "events.parquet"), direct.events())


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "nosuch"], "no such scenario"),
        (["run", "baseline", "--set", "states.USA.commitment=7"], "states.USA.commitment"),
        (["run", "baseline", "--set", "states.USA.comitment=0.3"], "no such parameter"),
        (["run", "baseline", "--set", "novalue"], "KEY=VALUE"),
        (["run", "baseline", "--months", "0"], "--months"),
        (["show", "baseline", "--set", "decision.rationality=fast"], "decision.rationality"),
        (["validate", "/no/such/file.toml"], "no such scenario"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(args, needle):
    res = thaw(*args)
    assert res.returncode == 2, res.stderr
    assert needle in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


def test_invalid_file_is_reported_by_validate(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nextends = "baseline"\n[states.USA]\ncommitment = { value = 2.0, source = "x" }\n')
    (tmp_path / "baseline.toml").write_text((ROOT / "scenarios" / "baseline.toml").read_text())
    res = thaw("validate", str(bad))
    assert res.returncode == 2 and str(bad) in res.stderr and "states.USA.commitment" in res.stderr
    assert "Traceback" not in res.stderr


def test_unwritable_output_folder_is_a_clean_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    res = thaw("run", "baseline", "--months", "3", "--out", str(blocker / "sub"))
    assert res.returncode == 2 and "--out" in res.stderr and "Traceback" not in res.stderr
