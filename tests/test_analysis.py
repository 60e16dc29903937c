"""Analysis: the pipeline recovers known answers (Ishigami indices, inert inputs, a planted box),
source classes are read consistently, and thaw analyse writes what it promises."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import load, load_experiment, run_batch
from experiments.analysis import analyse
from experiments.analysis.discovery import prim_box
from experiments.analysis.sources import CLASSES, parameter_sources, size_assumed, source_class
from experiments.cli import main
from experiments.models import ishigami_indices

ROOT = Path(__file__).resolve().parents[1]

ISHIGAMI = """
name = "ishigami_test"
description = "Ishigami function through experiment, batch and analyse"
model = "ishigami"
scenarios = ["ishigami"]
replications = {reps}
root_seed = 1
common_random_numbers = true
[design]
kind = "{kind}"
{size}
seed = 3
[design.parameters]
x1 = []
x2 = []
x3 = []
x4 = []
"""


def write(tmp_path: Path, kind: str, size: str, reps: int = 1) -> Path:
    path = tmp_path / f"{kind}.toml"
    path.write_text(ISHIGAMI.format(kind=kind, size=size, reps=reps))
    return path


def test_ishigami_sobol_indices_recovered_through_batch_and_analyse(tmp_path):
    exp = write(tmp_path, "saltelli", "points = 1024", reps=2)
    run_batch(exp, tmp_path / "out", executor="serial", quiet=True)
    a = analyse(tmp_path / "out")
    assert (tmp_path / "out" / "analysis" / "report.md").is_file()
    t = pd.read_parquet(tmp_path / "out" / "analysis" / "sobol_indices.parquet")
    t = t[t["outcome"] == "y"].set_index("parameter")
    truth = ishigami_indices()
    for index in ("S1", "ST"):
        for p, value in truth[index].items():
            lo, hi = t.loc[p, f"{index}_lo"], t.loc[p, f"{index}_hi"]
            assert lo - 1e-9 <= value <= hi + 1e-9, f"{index}[{p}] = {value:.3f} outside [{lo:.3f}, {hi:.3f}]"
            assert hi - lo < 0.25  # the interval says something
    # x4 is inert: exactly zero, and it carries no importance in the risk table
    assert t.loc["x4", "ST"] == 0
    risk = pd.read_csv(tmp_path / "out" / "analysis" / "assumption_risk.csv")
    assert risk.loc[(risk["outcome"] == "y") & (risk["parameter"] == "x4"), "share"].iloc[0] == 0
    assert any(f.name == "sobol_total.png" for f in a.files)


def test_morris_ranks_the_inert_input_last(tmp_path):
    exp = write(tmp_path, "morris", "trajectories = 40\nlevels = 6")
    run_batch(exp, tmp_path / "out", executor="serial", quiet=True)
    analyse(tmp_path / "out", parts=["sensitivity"])
    t = pd.read_csv(tmp_path / "out" / "analysis" / "morris_indices.csv")
    y = t[t["outcome"] == "y"].sort_values("mu_star", ascending=False)
    assert y["parameter"].iloc[-1] == "x4" and y["mu_star"].iloc[-1] == 0
    assert y["mu_star"].iloc[:3].min() > 0.5  # the three active inputs have clear effects


def test_prim_recovers_a_planted_box():
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.random((4000, 4)), columns=["a", "b", "c", "d"])
    inside = x["a"].between(0.2, 0.5) & x["b"].between(0.6, 0.9)
    y = (inside ^ (rng.random(len(x)) < 0.02)).to_numpy()  # 2% label noise
    p = prim_box(x, y)
    lim = p.limits.set_index("parameter")
    assert set(lim.index) >= {"a", "b"}
    for name, (lo, hi) in {"a": (0.2, 0.5), "b": (0.6, 0.9)}.items():
        assert abs(lim.loc[name, "min"] - lo) < 0.05 and abs(lim.loc[name, "max"] - hi) < 0.05
    for name in set(lim.index) - {"a", "b"}:  # any other restriction must be slight
        assert lim.loc[name, "max"] - lim.loc[name, "min"] > 0.85
    assert p.trajectory.loc[p.chosen, "density"] > 0.8
    assert lim.loc["a", ["qp_lower", "qp_upper"]].min() < 1e-6  # significant restriction


@pytest.mark.parametrize(("text", "cls"), [
    ("article: 'from the right wing'", "article"),
    ("data: opinion_polls.csv jpn_fav_kor 2019", "data"),
    ("data README: Genron NPO / EAI 2023", "data"),
    ("derived: data: trade_gdp.csv KOR-JPN", "derived"),
    ("calibrated: fitted to the 2013-2019 poll waves", "calibrated"),
    ("assumption", "assumption"),
    ("assumption: article: 'strategic anxieties'", "assumption"),
    ("override", "override"),
    ("someone said so", "unclassified"),
])
def test_source_class_is_the_leading_word(text, cls):
    assert source_class(text) == cls


def test_every_baseline_parameter_has_one_of_the_five_classes():
    src = parameter_sources("thaw", "baseline")
    assert set(src["source_class"]) <= set(CLASSES) and len(src) > 100
    assert src.set_index("parameter").loc["decision.rationality", "source_class"] == "assumption"
    assert src.set_index("parameter").loc["dynamics.opinion.relaxation", "source_class"] == "calibrated"
    assert size_assumed("article: 'more assertive China'; size assumed")
    assert not size_assumed("assumption: size assumed")  # already an assumption
    assert not size_assumed("data: opinion_polls.csv jpn_fav_kor 2019")


def test_screening_samples_every_numeric_parameter_within_its_schema_range():
    exp, _ = load_experiment(ROOT / "experiments" / "screening.toml")
    src = parameter_sources("thaw", "baseline").set_index("parameter")
    assert set(exp.design.parameters) == set(src.index)
    for key, (lo, hi) in exp.design.parameters.items():
        assert src.loc[key, "lo"] <= lo < hi <= src.loc[key, "hi"], key
        v = src.loc[key, "value"]
        assert lo <= v <= hi, key  # the baseline value lies in its range
    assert "dynamics.rupture.months" in exp.design.integers  # whole-number parameters are rounded


def test_analyse_a_thaw_lhs_batch_writes_tables_figures_and_report(tmp_path):
    exp = tmp_path / "small.toml"
    exp.write_text("""
name = "small"
description = "small LHS for analyse"
scenarios = ["baseline"]
replications = 2
months = 60
root_seed = 5
common_random_numbers = true
[design]
kind = "lhs"
points = 120
[design.parameters]
"decision.w_dispute" = [0.0, 8.0]
"dynamics.history.base_rate" = [0.005, 0.15]
"states.USA.commitment" = []
""")
    run_batch(exp, tmp_path / "out", executor="serial", quiet=True)
    assert main(["analyse", str(tmp_path / "out")]) == 0
    out = tmp_path / "out" / "analysis"
    for name in ("pawn_indices", "importance", "assumption_risk", "prim_trajectory", "prim_box", "cart_leaves",
                 "feature_scores", "survival", "noise_share"):
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file(), name
    for png in ("pawn", "assumption_risk", "prim_tradeoff", "prim_box", "cart_tree", "survival"):
        assert (out / f"{png}.png").stat().st_size > 10_000, png
    report = (out / "report.md").read_text()
    assert "## Assumption risk" in report and "PRIM box" in report and "## Survival" in report
    risk = pd.read_parquet(out / "assumption_risk.parquet")
    assert set(risk["parameter"]) == {"decision.w_dispute", "dynamics.history.base_rate", "states.USA.commitment"}
    assert risk.groupby("outcome")["share"].sum().round(6).eq(1).all()
    noise = pd.read_csv(out / "noise_share.csv")
    assert noise["noise_share_of_runs"].between(0, 1).all()
    # an unknown part and a bad condition are refused with exit 2
    assert main(["analyse", str(tmp_path / "out"), "nonsense"]) == 2
    assert main(["analyse", str(tmp_path / "out"), "discovery", "--condition", "no_such_column > 1"]) == 0
    assert "no_such_column" in (out / "report.md").read_text()


def test_analyse_refuses_a_folder_that_is_not_results(tmp_path, capsys):
    assert main(["analyse", str(tmp_path)]) == 2
    assert "no manifest" in capsys.readouterr().err


def test_to_ema_hands_emas_shapes(tmp_path):
    exp = write(tmp_path, "saltelli", "points = 8")
    run_batch(exp, tmp_path / "out", executor="serial", quiet=True)
    res = load(tmp_path / "out")
    x, y = res.to_ema()
    assert list(x.columns) == ["x1", "x2", "x3", "x4"] and len(x) == len(res.runs)
    assert set(y) >= {"y", "y_positive"} and y["y_positive"].dtype == bool
    xp, yp = res.to_ema(per="point")
    assert len(xp) == len(res.manifest["design"]["points"])
