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
    names = {f.name for f in a.files}
    assert {"sobol_total.png", "sobol_first.png", "sobol_indices.csv", "sobol_indices.parquet",
            "noise_share.csv", "importance.csv"} <= names
    report = (tmp_path / "out" / "analysis" / "report.md").read_text()
    assert "## Sobol indices\n" in report and "![sobol_total](sobol_total.png)" in report
    assert "![sobol_first](sobol_first.png)" in report


def test_morris_ranks_the_inert_input_last(tmp_path):
    exp = write(tmp_path, "morris", "trajectories = 40\nlevels = 6")
    run_batch(exp, tmp_path / "out", executor="serial", quiet=True)
    analyse(tmp_path / "out", parts=["sensitivity"])
    t = pd.read_csv(tmp_path / "out" / "analysis" / "morris_indices.csv")
    report = (tmp_path / "out" / "analysis" / "report.md").read_text()
    assert "## Morris elementary effects\n" in report
    for png in ("morris_mu_star", "morris_plane"):
        assert f"![{png}]({png}.png)" in report and (tmp_path / "out" / "analysis" / f"{png}.png").is_file()
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
    a = analyse(tmp_path / "out")  # called directly, so mutation testing sees every part it reaches
    out = tmp_path / "out" / "analysis"
    tables = ("assumption_risk", "assumption_risk_by_class", "cart_leaves", "feature_scores", "importance",
              "noise_share", "not_swept", "pawn_indices", "prim_box", "prim_trajectory", "survival",
              "survival_by_point")
    pictures = ("assumption_risk", "cart_tree", "pawn", "prim_box", "prim_tradeoff", "survival")
    assert sorted(f.name for f in a.files) == sorted(
        [f"{t}.{ext}" for t in tables for ext in ("csv", "parquet")] + [f"{p}.png" for p in pictures] + ["report.md"])
    report = (out / "report.md").read_text()
    heads = [line for line in report.splitlines() if line.startswith("#")]
    assert heads == ["# Analysis of `small`", "## PAWN indices", "### Replications and noise", "## Assumption risk",
                     "## Scenario discovery", "## Survival of the thaw", "## Not done"]
    for picture in pictures:
        assert f"![{picture}]({picture}.png)" in report
    assert "Moment-independent PAWN indices from the 120-point sample" in report
    assert "| scenario | runs | p_survive | p_survive_lo | p_survive_hi | median_months_to_rupture |" in report
    assert "P(thaw intact by month t): the share of runs without a rupture by each month" in report
    assert "| outcome | replications | run_variance | noise_share_of_runs | noise_share_of_point_means |" in report
    assert "Condition: `thaw_survived == False`, true in " in report and "- contrasts: one scenario" in report
    assert report.endswith("\n") and not report.endswith("\n\n\n")
    pawn_pq, pawn_csv = pd.read_parquet(out / "pawn_indices.parquet"), pd.read_csv(out / "pawn_indices.csv")
    assert list(pawn_pq.columns) == list(pawn_csv.columns) and "index" not in pawn_pq.columns  # no stray index
    assert pawn_pq["parameter"].dtype == "string" and pawn_pq["parameter"].notna().all()  # text kept, one type
    assert set(pawn_csv["parameter"]) >= {"decision.w_dispute", "dynamics.history.base_rate"}
    assert main(["analyse", str(tmp_path / "out")]) == 0  # and the command line does the same
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


# --------------------------------------------------------------------------------------------
# The analysis's small parts on frames whose answers are known (written against the survivors of
# mutation testing, docs/testing.md): importance shares, the risk table and its words, figures' data
from matplotlib.colors import to_hex  # noqa: E402

from experiments.analysis import figures, risk, sensitivity  # noqa: E402


def _indices():
    return pd.DataFrame({"scenario": "s", "outcome": ["y"] * 4 + ["z"] * 4,
                         "parameter": ["a", "b", "c", sensitivity.DUMMY] * 2,
                         "ST": [0.6, 0.3, -0.1, 0.5, 0.0, 0.0, 0.0, 0.0]})


def test_importance_shares_ranks_and_the_dummy():
    imp = sensitivity.importance("saltelli", {"sobol": _indices()})
    y = imp[imp["outcome"] == "y"]
    assert list(y["parameter"]) == ["a", "b", "c"] and list(y["rank"]) == [1, 2, 3]
    assert list(y["importance"]) == [0.6, 0.3, 0.0]  # a negative estimate counts as no importance
    assert list(y["share"]) == pytest.approx([2 / 3, 1 / 3, 0.0])
    assert (imp["measure"] == "Sobol total index ST").all() and sensitivity.DUMMY not in set(imp["parameter"])
    z = imp[imp["outcome"] == "z"]
    assert z["share"].isna().all() and list(z["rank"]) == [1, 2, 3]  # no importance at all: no shares
    assert list(imp["outcome"]) == ["y"] * 3 + ["z"] * 3
    m = sensitivity.importance("morris", {"morris": _indices().rename(columns={"ST": "mu_star"})})
    assert (m["measure"] == "Morris mu*").all()
    p = sensitivity.importance("lhs", {"pawn": _indices().rename(columns={"ST": "pawn"})})
    assert (p["measure"] == "PAWN median KS").all()
    empty = sensitivity.importance("sobol_sequence", {"pawn": pd.DataFrame()})
    assert empty.empty and list(empty.columns) == ["outcome", "parameter", "measure", "importance", "share", "rank"]
    assert sensitivity.MEASURE["saltelli"] == ("sobol", "ST") and sensitivity.MEASURE["morris"] == ("morris", "mu_star")


def test_usable_outcomes_vary_and_are_finite():
    assert sensitivity._usable(np.array([0.0, 1.0]))
    assert not sensitivity._usable(np.array([1.0, 1.0]))
    assert not sensitivity._usable(np.array([0.0, np.nan]))


def test_outcomes_of_default_wanted_and_fallback():
    class Fake:
        parameters = ["x1"]

        def __init__(self, runs):
            self.runs = runs

    runs = pd.DataFrame({"run_id": [0], "point": [0], "x1": [0.5], "thaw_survived": [True], "y": [1.0],
                         "label": ["a"]})
    assert sensitivity.outcomes_of(Fake(runs), None) == ["thaw_survived"]
    assert sensitivity.outcomes_of(Fake(runs), ["y"]) == ["y"]
    with pytest.raises(ValueError, match=r"no outcome\(s\) \['nope'\] in the runs table"):
        sensitivity.outcomes_of(Fake(runs), ["y", "nope"])
    assert sensitivity.outcomes_of(Fake(runs.drop(columns="thaw_survived")), None) == ["y"]


def test_risk_table_classes_shares_and_words():
    src = parameter_sources("thaw", "baseline").set_index("parameter")
    assumed = src.index[src["source_class"] == "assumption"][0]
    grounded = src.index[src["size_assumed"]][0]
    imp = pd.DataFrame({"scenario": "baseline", "outcome": ["y", "y", "y", "w", "w"],
                        "parameter": [assumed, grounded, "not.a.parameter", assumed, grounded],
                        "importance": [3.0, 1.0, 0.0, 1.0, 3.0], "share": [0.75, 0.25, 0.0, 0.25, 0.75],
                        "rank": [1, 2, 3, 2, 1]})
    t = risk.risk_table(imp, "thaw", "baseline")
    assert list(t["source_class"]) == ["assumption", src.loc[grounded, "source_class"], "unclassified",
                                       "assumption", src.loc[grounded, "source_class"]]
    assert list(t["size_assumed"]) == [False, True, False, False, True]
    assert t["source"].iloc[0] == src.loc[assumed, "source"] and t["source"].iloc[2] == ""
    shares = risk.class_shares(t)
    assert shares.loc["y", "assumption"] == 0.75 and shares.loc["w", "assumption"] == 0.25
    assert shares.sum(axis=1).tolist() == pytest.approx([1.0, 1.0])
    order = [c for c in (*CLASSES, "unclassified") if c in shares.columns]
    assert list(shares.columns) == order and shares.columns[-1] == "unclassified"
    missing = risk.unswept("thaw", "baseline", [assumed, grounded])
    assert len(missing) == len(src) - 2 and not {assumed, grounded} & set(missing["parameter"])
    text = risk.words(t, shares, missing, top=2)
    w, y = text[0], text[1]  # shares' rows are sorted by outcome
    assert y.startswith("**y** rests mainly on assumptions: 75% of its importance lies on assumption-sourced")
    assert w.startswith("**w** rests mainly on sourced numbers: 25%")
    assert "(which are 33% of the swept ones)" in y  # one of the three swept parameters is an assumption
    assert "1 of its top 2 drivers are assumptions" in y
    assert f"`{assumed}` (assumption, 75%)" in y and ", size assumed, 25%)" in y
    assert text[2].startswith(f"Not in the sweep: {len(missing)} parameters (")
    sourced = missing[missing["source_class"] != "assumption"]
    assert f"and {len(sourced) - 12} more." in text[2]
    even = risk.words(t, pd.DataFrame({"assumption": [0.5]}, index=["v"]), missing.iloc[0:0])
    assert even[0].startswith("**v** rests about equally on both")
    assert even[-1] == "Every numeric parameter of the scenario is in the sweep."


def test_index_bars_draw_the_top_parameters_with_intervals_and_class_colours():
    table = pd.DataFrame({"outcome": ["y"] * 4 + ["z"] * 2 + ["thaw_survived"] * 2 + ["final_jk_affinity"] * 2,
                          "parameter": ["a", "b", "c", "d", "a", "b", "a", "b", "a", "b"],
                          "ST": [0.1, 0.5, 0.3, 0.2, 0.4, 0.6, 0.2, 0.1, 0.3, 0.3],
                          "lo": [0.0, 0.4, 0.1, 0.3, 0.3, 0.5, 0.1, 0.0, 0.2, 0.2],
                          "hi": [0.2, 0.7, 0.4, 0.3, 0.5, 0.7, 0.3, 0.2, 0.4, 0.4]})
    fig = figures.index_bars(table, "ST", "lo", "hi", "total index", "Sobol", top=3,
                             classes={"a": "assumption", "b": "data"})
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 6 and len(axes) == 4  # three columns, the last two cells of row two hidden
    y = axes[0]
    assert [t.get_text() for t in y.get_yticklabels()] == ["d", "c", "b"]  # top three, largest at the top
    assert [p.get_width() for p in y.patches] == pytest.approx([0.2, 0.3, 0.5])
    assert [to_hex(p.get_facecolor()) for p in y.patches] == [figures.CLASS_COLOURS["unclassified"]] * 2 + [
        figures.CLASS_COLOURS["data"]]
    bars = [c for c in y.collections if c.get_segments()]
    assert [sorted(s[:, 0]) for s in bars[0].get_segments()] == [pytest.approx([0.2, 0.3]), pytest.approx([0.1, 0.4]),
                                                                 pytest.approx([0.4, 0.7])]  # d's lo above: clipped
    assert [t.get_text() for t in y.get_legend().get_texts()] == ["data", "unclassified"]
    assert y.get_title() == "y" and axes[2].get_title() == "P(thaw survives)"
    assert axes[3].get_title() == "Japan–Korea affinity (end)"
    assert fig._suptitle.get_text() == "Sobol" and y.get_xlabel() == "total index"
    plain = figures.index_bars(table, "ST", None, None, "x", "t")
    assert not [c for c in plain.axes[0].collections if c.get_segments()]
    assert len(plain.axes[0].patches) == 4
    with pytest.raises(ValueError, match="no indices to plot"):
        figures.index_bars(table.iloc[0:0], "ST", None, None, "x", "t")


def test_morris_plane_points_and_labels():
    table = pd.DataFrame({"outcome": ["y"] * 3, "parameter": ["a", "b", "c"], "mu_star": [0.1, 0.9, 0.5],
                          "sigma": [0.05, 0.3, 0.2]})
    fig = figures.morris_plane(table, classes={"b": "assumption"}, label_top=2)
    ax = fig.axes[0]
    pts = ax.collections[0]
    assert pts.get_offsets().tolist() == [[0.1, 0.05], [0.9, 0.3], [0.5, 0.2]]
    assert [to_hex(c) for c in pts.get_facecolors()] == [figures.CLASS_COLOURS["unclassified"],
                                                         figures.CLASS_COLOURS["assumption"],
                                                         figures.CLASS_COLOURS["unclassified"]]
    assert sorted(t.get_text() for t in ax.texts) == ["b", "c"]
    assert next(t for t in ax.texts if t.get_text() == "b").xy == (0.9, 0.3)
    assert len(fig.axes) == 1 and ax.get_title() == "y"


def test_class_share_bars_stack_to_one_and_print_the_large_shares():
    shares = pd.DataFrame({"assumption": [0.7, 0.05], "data": [0.3, 0.95]}, index=["y", "thaw_survived"])
    fig = figures.class_share_bars(shares, "ST")
    ax = fig.axes[0]
    rects = ax.patches
    assert [v for r in rects for v in (r.get_x(), r.get_width())] == pytest.approx([0, 0.7, 0, 0.05, 0.7, 0.3, 0.05, 0.95])
    assert [to_hex(r.get_facecolor()) for r in rects] == [figures.CLASS_COLOURS["assumption"]] * 2 + [
        figures.CLASS_COLOURS["data"]] * 2
    assert sorted(t.get_text() for t in ax.texts) == ["30%", "70%", "95%"]  # 5% is too thin to label
    assert next(t for t in ax.texts if t.get_text() == "70%").get_position() == pytest.approx((0.35, 0))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["y", "P(thaw survives)"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["assumption", "data"]
    assert "(ST)" in ax.get_xlabel() and ax.get_xlim() == (0, 1)


def test_prim_figures_draw_the_trajectory_and_the_box():
    traj = pd.DataFrame({"coverage": [1.0, 0.8, 0.5], "density": [0.2, 0.6, 0.9], "res_dim": [0, 1, 2],
                         "chosen": [False, True, False]})
    fig = figures.prim_tradeoff(traj, "thaw_survived == False")
    ax = fig.axes[0]
    assert ax.collections[0].get_offsets().tolist() == [[1.0, 0.2], [0.8, 0.6], [0.5, 0.9]]
    assert ax.collections[1].get_offsets().tolist() == [[0.8, 0.6]]
    assert ax.get_title() == "PRIM peeling trajectory for: thaw_survived == False"
    limits = pd.DataFrame({"parameter": ["a", "b"], "min": [2.0, 0.0], "max": [6.0, 0.5], "qp_lower": [0.01, np.nan],
                           "qp_upper": [0.2, np.nan], "range_min": [0.0, 0.0], "range_max": [10.0, 1.0]})
    fig = figures.prim_limits(limits, "c", {"coverage": 0.8, "density": 0.6, "mass": 0.1})
    ax = fig.axes[0]
    red = [ln for ln in ax.lines if to_hex(ln.get_color()) == "#de2d26"]
    assert [list(ln.get_xdata()) for ln in red] == [[0.2, 0.6], [0.0, 0.5]]
    assert [list(ln.get_ydata()) for ln in red] == [[0, 0], [1, 1]]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["2", "6", "qp 0.01", "0", "0.5", ""]
    assert ax.get_title() == "PRIM box for c: coverage 0.80, density 0.60, mass 0.10"


def test_survival_curves_one_step_and_band_per_group():
    from experiments.results import survival

    runs = pd.DataFrame({"scenario": ["a"] * 4 + ["b"] * 2, "status": "ok", "months": 3,
                         "months_to_rupture": pd.array([1, 2, None, None, 3, None], dtype="Int64")})
    curves = survival(runs)
    fig = figures.survival_curves(curves)
    ax = fig.axes[0]
    steps = [ln for ln in ax.lines if ln.get_label().endswith(")")]
    assert [ln.get_label() for ln in steps] == ["a (n=4)", "b (n=2)"]
    assert list(steps[0].get_ydata()) == [1.0, 0.75, 0.5, 0.5] and list(steps[1].get_ydata()) == [1.0, 1.0, 1.0, 0.5]
    assert [ln.get_linestyle() for ln in steps] == ["-", "--"]
    assert to_hex(steps[0].get_color()) != to_hex(steps[1].get_color())
    assert len(ax.collections) == 2
    with pytest.raises(ValueError, match="no survival curve to plot"):
        figures.survival_curves(curves.iloc[0:0])
    assert figures._label("thaw_survived") == "P(thaw survives the horizon)"
    assert figures._label("final_jk_affinity") == "Japan–Korea affinity at the horizon (index, −1 hostile … +1 close)"


def test_md_table_formats_numbers_blanks_and_pipes():
    from experiments.analysis.report import md_table
    df = pd.DataFrame({"name": ["a|b", "c"], "x": [0.123456, np.nan], "n": [3, 4]})
    assert md_table(df).splitlines() == ["| name | x | n |", "| --- | --- | --- |", "| a\\|b | 0.123 | 3 |",
                                         "| c |  | 4 |"]
    assert md_table(df, ".0%").splitlines()[2] == "| a\\|b | 12% | 3 |"


def test_default_parts_follow_the_design():
    from experiments.analysis import PARTS
    from experiments.analysis.report import default_parts
    assert default_parts("saltelli") == default_parts("morris") == ("sensitivity", "risk", "survival", "contrasts")
    assert default_parts("lhs") == default_parts("sobol_sequence") == PARTS
    assert default_parts("grid") == ("discovery", "survival", "contrasts")
    assert default_parts("points") == ("survival", "contrasts")


GRID = """
name = "ishigami_grid"
description = "a grid over the Ishigami inputs"
model = "ishigami"
scenarios = ["ishigami"]
replications = 1
root_seed = 1
[design]
kind = "grid"
[design.parameters]
x1 = [-3.0, -1.0, 0.5, 2.0, 3.0]
x2 = [-2.0, 0.0, 1.0, 2.5]
"""


@pytest.fixture(scope="module")
def ishigami_grid(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid")
    (out / "g.toml").write_text(GRID)
    run_batch(out / "g.toml", out / "r", executor="serial", quiet=True)
    return out / "r"


def test_analyse_says_what_it_did_not_do_and_why(ishigami_grid, monkeypatch):
    from matplotlib.figure import Figure
    monkeypatch.setattr(Figure, "savefig", lambda self, path, **kw: Path(path).write_bytes(b"png"))
    a = analyse(ishigami_grid, parts=["sensitivity", "risk", "discovery", "survival", "contrasts"])
    assert a.skipped == {"sensitivity": "a `grid` design has no sample to compute indices from",
                         "risk": "a `grid` design has no sample to compute indices from",
                         "discovery": "the model has no thaw_survived outcome: give --condition",
                         "survival": "the model has no rupture times",
                         "contrasts": "one scenario: nothing to contrast"}
    report = (ishigami_grid / "analysis" / "report.md").read_text()
    assert report.startswith("# Analysis of `ishigami_grid`\n")
    assert ("a grid over the Ishigami inputs. Design `grid` with 20 point(s) x 1 replication(s) x 1 scenario(s) = "
            "20 runs (20 finished); common random numbers: ") in report and "model `ishigami`." in report
    assert "## Not done\n\n- sensitivity: a `grid` design has no sample" in report
    assert "- contrasts: one scenario: nothing to contrast\n" in report
    assert a.files == [ishigami_grid / "analysis" / "report.md"]
    assert set(a.seconds) == {"sensitivity", "discovery", "survival"}
    with pytest.raises(ValueError, match=r"unknown analysis part\(s\) \['nonsense'\]; expected some of sensitivity, "):
        analyse(ishigami_grid, parts=["nonsense", "survival"])
    with pytest.raises(ValueError, match=r"--scenario 'other': not a scenario of this batch \(ishigami\)"):
        analyse(ishigami_grid, scenario="other")


def test_discovery_on_a_grid_writes_prim_cart_and_scores(ishigami_grid, monkeypatch):
    from matplotlib.figure import Figure
    saved = []
    monkeypatch.setattr(Figure, "savefig", lambda self, path, **kw: (saved.append(Path(path).name),
                                                                     Path(path).write_bytes(b"png")))
    res = load(ishigami_grid)
    cond = "y > 2"
    k = int((res.runs["y"] > 2).sum())
    assert 0 < k < len(res.runs)
    a = analyse(ishigami_grid, condition=cond)
    assert saved == ["prim_tradeoff.png", "prim_box.png", "cart_tree.png"]
    names = {p.name for p in a.files}
    for t in ("prim_trajectory", "prim_box", "cart_leaves", "feature_scores"):
        assert {f"{t}.parquet", f"{t}.csv"} <= names
    report = (ishigami_grid / "analysis" / "report.md").read_text()
    assert f"Condition: `{cond}`, true in {k} of 20 finished runs ({k / 20:.1%})." in report
    assert "![prim_box](prim_box.png)" in report and "CART leaves, densest first:" in report
    scores = pd.read_csv(ishigami_grid / "analysis" / "feature_scores.csv")
    assert set(scores["parameter"]) == {"x1", "x2"} and "condition" in scores
    traj = pd.read_csv(ishigami_grid / "analysis" / "prim_trajectory.csv")
    assert traj["chosen"].sum() == 1
    for always, word in (("y > -100", "always"), ("y > 100", "never")):
        a = analyse(ishigami_grid, parts=["discovery"], condition=always)
        assert a.skipped == {"discovery": f"the condition `{always}` is {word} met"}
    a = analyse(ishigami_grid, parts=["discovery"], condition="nope > 1")
    assert a.skipped["discovery"].startswith("--condition 'nope > 1': not an expression over the runs table's")


def test_survival_curves_band_colour_reference_line_and_given_axes():
    from matplotlib.figure import Figure

    from experiments.results import survival
    runs = pd.DataFrame({"scenario": ["a"] * 4, "status": "ok", "months": 3,
                         "months_to_rupture": pd.array([1, 2, None, None], dtype="Int64")})
    curves = survival(runs)
    given = Figure().add_subplot()
    fig = figures.survival_curves(curves, ax=given, horizon_label="months since 2025-11")
    assert fig is given.figure and given.get_xlabel() == "months since 2025-11"
    step = given.lines[0]
    band = given.collections[0]
    v = band.get_paths()[0].vertices
    assert set(v[:, 0]) == {0.0, 1.0, 2.0, 3.0}  # the band spans the months, drawn stepwise
    assert v[:, 1].max() == pytest.approx(curves["p_intact_hi"].max())
    assert v[:, 1].min() == pytest.approx(curves["p_intact_lo"].min())
    assert to_hex(band.get_facecolor()[0][:3]) == to_hex(step.get_color())
    half = [ln for ln in given.lines if list(ln.get_ydata()) == [0.5, 0.5]]
    assert len(half) == 1  # the even-odds line
    assert given.get_ylim() == pytest.approx((-0.02, 1.02))


def test_morris_plane_labels_six_by_default_and_facets_outcomes():
    table = pd.DataFrame({"outcome": ["y"] * 8 + ["z"] * 8, "parameter": list("abcdefgh") * 2,
                          "mu_star": list(range(8)) * 2, "sigma": [1.0] * 16})
    fig = figures.morris_plane(table)
    assert len(fig.axes) == 2 and [ax.get_title() for ax in fig.axes] == ["y", "z"]
    assert fig.axes[0].get_position().x0 < fig.axes[1].get_position().x0  # side by side, not stacked
    assert sorted(t.get_text() for t in fig.axes[0].texts) == list("cdefgh")  # the six largest mu*
    four = figures.morris_plane(pd.concat([table, table.assign(outcome="w"), table.assign(outcome="v")]))
    assert len(four.axes) == 6 and [ax.get_visible() for ax in four.axes] == [True] * 4 + [False] * 2


def test_class_shares_stack_three_classes_and_prim_limits_normalise_to_the_range():
    shares = pd.DataFrame({"assumption": [0.5], "data": [0.3], "article": [0.2]}, index=["y"])
    ax = figures.class_share_bars(shares, "ST").axes[0]
    assert [(round(r.get_x(), 9), round(r.get_width(), 9)) for r in ax.patches] == [(0, 0.5), (0.5, 0.3), (0.8, 0.2)]
    limits = pd.DataFrame({"parameter": ["a"], "min": [4.0], "max": [8.0], "qp_lower": [0.01], "qp_upper": [np.nan],
                           "range_min": [2.0], "range_max": [12.0]})
    ax = figures.prim_limits(limits, "c", {"coverage": 0.8, "density": 0.6, "mass": 0.1}).axes[0]
    red = [ln for ln in ax.lines if to_hex(ln.get_color()) == "#de2d26"]
    assert list(red[0].get_xdata()) == pytest.approx([0.2, 0.6])  # (4 − 2) / 10 and (8 − 2) / 10
    assert ax.get_xlim() == pytest.approx((-0.02, 1.15)) and ax.get_ylim() == pytest.approx((0.5, -0.7))
    traj = pd.DataFrame({"coverage": [1.0], "density": [0.2], "res_dim": [0], "chosen": [True]})
    assert figures.prim_tradeoff(traj, "c").axes[0].get_ylim() == pytest.approx((0, 1.02))


@pytest.mark.parametrize("crn", [True, False])
def test_analyse_reports_paired_differences_from_the_reference_scenario(tmp_path, crn):
    exp = tmp_path / "two.toml"
    exp.write_text(f"""
name = "two"
description = "two scenarios"
scenarios = ["baseline", "history_flareup"]
replications = 12
months = 24
root_seed = 3
common_random_numbers = {str(crn).lower()}
[design]
kind = "none"
""")
    run_batch(exp, tmp_path / "out", executor="serial", quiet=True)
    a = analyse(tmp_path / "out", parts=["survival", "contrasts"])
    report = (tmp_path / "out" / "analysis" / "report.md").read_text()
    kind = ("paired by replicate under common random numbers" if crn else
            "matched by replicate number only (no common random numbers: the pairs share no streams)")
    assert ("## Differences from the reference scenario\n\nEach scenario minus `baseline`, " + kind
            + "; mean difference with a 95% paired t-interval.\n") in report
    assert ("| scenario | point | pairs | d_p_survive | d_p_survive_lo | d_p_survive_hi | d_final_jk_affinity | "
            "d_final_jk_affinity_lo | d_final_jk_affinity_hi |") in report
    assert "| history_flareup | 0 | 12 |" in report
    assert {"contrasts.csv", "contrasts.parquet", "survival.png"} <= {f.name for f in a.files}


def _planted(n: int = 400, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n), "c": rng.uniform(0, 1, n)})
    y = ((x["a"] > 0.6) & (x["b"] < 0.4)).to_numpy()
    return x, y


def test_cart_leaves_table_columns_order_and_limits():
    from experiments.analysis.discovery import cart_leaves

    x, y = _planted()
    leaves, _ = cart_leaves(x, y)
    assert list(leaves.columns) == ["leaf", "coverage", "density", "mass", "restricted", "limits"]
    assert leaves["density"].is_monotonic_decreasing and list(leaves.index) == list(range(len(leaves)))
    best = leaves.iloc[0]
    assert best["density"] > 0.9 and "; " in best["limits"] and " ≤ a ≤ " in best["limits"]
    assert " ≤ b ≤ " in best["limits"]


def test_feature_scores_classify_true_false_outcomes_and_skip_constant_ones():
    from ema_workbench.analysis import feature_scoring
    from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

    from experiments.analysis.discovery import feature_scores

    x, y = _planted()
    got = feature_scores(x, {"constant": np.zeros(len(x)), "rupture": y, "level": x["c"].to_numpy() * 2}, seed=4)
    assert list(got.columns) == ["parameter", "rupture", "level"]  # the constant one is skipped, not the rest
    want, _ = feature_scoring.get_ex_feature_scores(x, y.astype(int), mode=RuleInductionType.CLASSIFICATION,
                                                    random_state=4, nr_trees=100)
    assert got.set_index("parameter")["rupture"].to_dict() == pytest.approx(want.iloc[:, 0].to_dict())
    assert got.set_index("parameter")["level"].idxmax() == "c"
