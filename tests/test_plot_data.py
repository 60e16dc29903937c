"""Plots: the data behind each artist, computed independently from small synthetic frames (numpy
quantiles, Wilson intervals written out, counts by hand), the facets and the standard set of
files. Written against the survivors of mutation testing (docs/testing.md). The rupture
threshold line is asserted in one test only, ``test_rupture_threshold_line_in_every_affinity_plot``,
so that a redefinition of the rupture changes one place."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from reference import wilson

from experiments import plots

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]



def synthetic(scenarios=("s1", "s2"), n=5, points=(None,), months=MONTHS):
    """Runs and monthly outcomes whose every value is a known function of (scenario, run, month)."""
    runs, outs, rid = [], [], 0
    for si, s in enumerate(scenarios):
        for point in points:
            for k in range(n):
                row = {"run_id": rid, "scenario": s, "status": "ok", "point": 0 if point is None else point,
                       "replicate": k, "seed": 100 + rid, "thaw_survived": (k + si) % 2 == 0,
                       "months_to_rupture": pd.NA if (k + si) % 2 == 0 else 2, "final_jk_affinity": 0.1 * k - si,
                       "months": len(months)}
                if point is not None:
                    row["states.USA.commitment"] = point
                runs.append(row)
                for m, date in enumerate(months):
                    outs.append({"run_id": rid, "month": m + 1, "date": date,
                                 "jk_affinity": 0.1 * k * (m + 1) - 0.3 * si + (0.05 if point == 0.7 else 0),
                                 "kor_fav_jpn": 20.0 + k + m,
                                 "trade_loss_jpn": 0.1 * k + m, "trade_loss_kor": 0.2 * k, "trade_loss_chn": 0.05 * m * k})
                rid += 1
    runs = pd.DataFrame(runs)
    runs["months_to_rupture"] = pd.array(runs["months_to_rupture"].tolist(), dtype="Int64")
    return runs, pd.DataFrame(outs)


def band_edges(poly: PolyCollection, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edge of a fill_between at each x."""
    v = poly.get_paths()[0].vertices
    lo = np.array([v[np.isclose(v[:, 0], x), 1].min() for x in xs])
    hi = np.array([v[np.isclose(v[:, 0], x), 1].max() for x in xs])
    return lo, hi


def day(x) -> str:
    """A date on a time axis, whether stored as a matplotlib number or a timestamp."""
    import matplotlib.dates as mdates

    return (mdates.num2date(x) if isinstance(x, float | np.floating) else pd.Timestamp(x)).date().isoformat()


def visible(fig: Figure):
    return [ax for ax in fig.axes if ax.get_visible()]


# --------------------------------------------------------------------------------------------
# Small helpers
def test_outcome_labels_titles_and_wrapping():
    assert plots.outcome_label("jk_affinity") == "Japan–Korea affinity (index, −1 hostile … +1 close)"
    assert plots.outcome_label("final_jk_affinity") == "Japan–Korea affinity at the horizon (index, −1 hostile … +1 close)"
    assert plots.outcome_label("some_count") == "some count"
    assert plots.outcome_label("final_some_count") == "some count at the horizon"
    assert plots._title("final_kor_fav_jpn") == "Koreans favourable to Japan" and plots._title("x_y") == "x_y"
    text = "word " * 60
    for inches, size in ((2.0, 10), (6.0, 12)):
        wrapped = plots._wrap(text, inches, size)
        width = max(20, int(inches * 72 / (size * 0.55)))
        assert max(len(line) for line in wrapped.split("\n")) <= width
        assert wrapped.split() == text.split()
    assert plots._wrap("a\nb", 6, 10) == "a\nb"  # explicit breaks are kept
    assert max(len(x) for x in plots._wrap("x " * 100, 0.1, 10).split("\n")) <= 20  # never narrower than 20
    assert len(plots._wrap("x " * 100, 0.1, 10).split("\n")[0]) >= 19


def test_fmt_edges_and_design_columns():
    assert plots._fmt(0.5) == "0.5" and plots._fmt(np.float64(2.0)) == "2" and plots._fmt(np.int64(3)) == "3"
    assert plots._fmt("x") == "x" and plots._fmt(1e-7) == "1e-07"
    assert list(plots._edges(np.array([0.0, 1.0, 3.0]))) == [-0.5, 0.5, 2.0, 4.0]
    runs = pd.DataFrame({"a.b": [1, 2], "c.d": [1, 1], "plain": [1, 2], "e.f": [np.nan, 3]})
    assert plots.design_columns(runs) == ["a.b"]


def test_with_scenario_joins_each_runs_scenario_and_design():
    runs, outs = synthetic(points=(0.3, 0.7), n=2)
    joined = plots.with_scenario(outs, runs)
    assert len(joined) == len(outs)
    assert (joined.groupby("run_id")["scenario"].first() == runs.set_index("run_id")["scenario"]).all()
    assert "states.USA.commitment" in joined and "thaw_survived" in joined
    with pytest.raises(ValueError, match=r"runs lacks column\(s\) \['scenario'\]"):
        plots.with_scenario(outs, runs.drop(columns="scenario"))
    with pytest.raises(ValueError, match=r"outcomes lacks column\(s\) \['date'\]; expected a table"):
        plots.with_scenario(outs.drop(columns="date"), runs)
    with pytest.raises(ValueError, match=r"runs is empty: nothing to plot \(did the experiment keep it"):
        plots.with_scenario(outs, runs.iloc[0:0])


def test_panels_per_scenario_and_point_with_notes():
    runs, _ = synthetic(points=(0.3, 0.7), n=2)
    groups, note = plots.panels(runs)
    assert [(s, t) for s, t, _ in groups] == [("s1", "s1\nUS commitment 0.3"), ("s1", "s1\nUS commitment 0.7"),
                                             ("s2", "s2\nUS commitment 0.3"), ("s2", "s2\nUS commitment 0.7")]
    assert [len(g) for _, _, g in groups] == [2, 2, 2, 2] and note == ""
    groups, note = plots.panels(runs, scenarios=["s2"])
    assert [t for _, t, _ in groups] == ["US commitment 0.3", "US commitment 0.7"] and note == "scenario s2"
    groups, note = plots.panels(runs, pool=True)
    assert [(s, t, len(g)) for s, t, g in groups] == [("s1", "s1", 4), ("s2", "s2", 4)]
    assert note == "each panel pools 2 design points over US commitment"
    groups, note = plots.panels(runs.drop(columns="states.USA.commitment"))
    assert [t for _, t, _ in groups] == ["s1", "s2"] and note == ""
    assert len(plots.panels(runs, max_panels=4)[0]) == 4
    with pytest.raises(ValueError, match=r"4 panels \(scenario × design point\) are too many for one figure \(at most 3\)"):
        plots.panels(runs, max_panels=3)
    with pytest.raises(ValueError, match=r"no runs of scenario\(s\) \['zz'\]"):
        plots.panels(runs, scenarios=["zz", "s1"])


# --------------------------------------------------------------------------------------------
# Fan chart
def test_fan_chart_bands_and_median_are_the_runs_quantiles():
    runs, outs = synthetic(scenarios=("s1", "s2", "s3"), n=5)
    fig = plots.fan_chart(outs, runs, "jk_affinity", ncols=2)
    assert len(fig.axes) == 4 and len(visible(fig)) == 3  # 2 × 2 grid, the fourth hidden
    for ax, name in zip(visible(fig), ("s1", "s2", "s3"), strict=True):
        d = outs[outs["run_id"].isin(runs.loc[runs["scenario"] == name, "run_id"])]
        values = np.array([d.loc[d["date"] == m, "jk_affinity"].to_numpy() for m in MONTHS])
        q = {p: np.percentile(values, p, axis=1) for p in (5, 25, 50, 75, 95)}
        wide, narrow = [c for c in ax.collections if isinstance(c, PolyCollection)]
        xs = ax.lines[0].get_xdata()
        x_num = np.array([c.get_paths()[0].vertices[:, 0] for c in (wide,)][0])
        assert len(xs) == len(MONTHS)
        xs_num = np.unique(x_num)
        lo, hi = band_edges(wide, xs_num)
        assert lo == pytest.approx(q[5]) and hi == pytest.approx(q[95])
        lo, hi = band_edges(narrow, xs_num)
        assert lo == pytest.approx(q[25]) and hi == pytest.approx(q[75])
        median = next(ln for ln in ax.lines if ln.get_label() == "median")
        assert median.get_ydata() == pytest.approx(q[50])
        assert list(pd.to_datetime(median.get_xdata())) == list(pd.to_datetime(MONTHS))
        assert ax.get_title() == f"{name} (n=5)"
        zero = [ln for ln in ax.lines if list(ln.get_ydata()) == [0, 0]]
        assert len(zero) == 1  # the neutral line of an affinity chart
    assert fig.get_supylabel() == plots._wrap(plots.outcome_label("jk_affinity"), 2.9 * 2 + 0.6, 10)
    assert fig._suptitle.get_text().startswith("Japan–Korea affinity over time by scenario: median")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["90% of runs", "50% of runs", "median"]


def test_fan_chart_facets_and_overlay_on_a_design():
    runs, outs = synthetic(scenarios=("base", "s2"), n=3, points=(0.3, 0.7))
    fig = plots.fan_chart(outs, runs, "kor_fav_jpn", baseline="base")
    axes = visible(fig)
    assert len(axes) == 4 and len(fig.axes) == 4  # ncols 4: one row
    assert [ax.get_title() for ax in axes] == ["base\nUS commitment 0.3 (n=3)", "base\nUS commitment 0.7 (n=3)",
                                               "s2\nUS commitment 0.3 (n=3)", "s2\nUS commitment 0.7 (n=3)"]
    assert "by scenario and design point" in fig._suptitle.get_text()
    base = outs[outs["run_id"].isin(runs.loc[runs["scenario"] == "base", "run_id"])]
    expected = base.groupby("date")["kor_fav_jpn"].median().to_numpy()
    for ax in axes[2:]:
        overlay = [ln for ln in ax.lines if ln.get_label() == "base median"]
        assert len(overlay) == 1 and overlay[0].get_ydata() == pytest.approx(expected)
    assert all(not [ln for ln in ax.lines if ln.get_label() == "base median"] for ax in axes[:2])
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["90% of runs", "50% of runs", "median",
                                                                  "base median"]
    assert not any(list(ln.get_ydata()) == [0, 0] for ax in axes for ln in ax.lines)  # no zero line off affinity
    assert len(visible(plots.fan_chart(outs, runs, "kor_fav_jpn", scenarios=["s2"]))) == 2
    pooled = plots.fan_chart(outs, runs, "kor_fav_jpn", pool=True)
    assert [ax.get_title() for ax in visible(pooled)] == ["base (n=6)", "s2 (n=6)"]
    assert "each panel pools 2 design points" in pooled._suptitle.get_text()
    assert "by scenario:" in pooled._suptitle.get_text()
    with pytest.raises(ValueError, match=r"no runs of scenario\(s\) \['zz'\] in these results"):
        plots.fan_chart(outs, runs, scenarios=["zz"])
    with pytest.raises(ValueError, match=r"baseline 'zz': no runs of that scenario"):
        plots.fan_chart(outs, runs, baseline="zz")


def test_fan_chart_keeps_only_runs_with_outcomes():
    runs, outs = synthetic(n=4)
    dropped = outs[outs["run_id"] != 0]  # run 0 kept no outcomes
    fig = plots.fan_chart(dropped, runs, "kor_fav_jpn")
    assert [ax.get_title() for ax in visible(fig)] == ["s1 (n=3)", "s2 (n=4)"]


# --------------------------------------------------------------------------------------------
# Scenario comparison
def test_scenario_comparison_draws_each_runs_value_and_wilson_intervals():
    runs, _ = synthetic(scenarios=("s1", "s2"), n=5)
    runs.loc[runs["run_id"] == 9, "status"] = "failed"
    fig = plots.scenario_comparison(runs)
    left, right = fig.axes
    ok = runs[runs["status"] == "ok"]
    dots = [c for c in left.collections if isinstance(c, PathCollection)]
    assert len(dots) == 2
    for i, (dot, name) in enumerate(zip(dots, ("s1", "s2"), strict=True)):
        xy = dot.get_offsets()
        assert sorted(xy[:, 0]) == pytest.approx(sorted(ok.loc[ok["scenario"] == name, "final_jk_affinity"]))
        assert (np.abs(xy[:, 1] - i) <= 0.25).all()
    marker = right.lines[0]
    k = [int(ok.loc[ok["scenario"] == s, "thaw_survived"].sum()) for s in ("s1", "s2")]
    n = [int((ok["scenario"] == s).sum()) for s in ("s1", "s2")]
    assert list(marker.get_xdata()) == pytest.approx([k[0] / n[0], k[1] / n[1]])
    assert list(marker.get_ydata()) == [0, 1]
    bars = next(c for c in right.collections if isinstance(c, LineCollection))
    for seg, ki, ni in zip(bars.get_segments(), k, n, strict=True):
        _, lo, hi = wilson(ki, ni)
        assert sorted(seg[:, 0]) == pytest.approx([lo, hi])
    assert [t.get_text() for t in left.get_yticklabels()] == ["s1", "s2"]
    assert left.yaxis_inverted()
    medians = [ln for ln in left.lines if ln.get_color() == "black"]
    for line, name in zip(medians, ("s1", "s2"), strict=True):
        assert set(line.get_xdata()) == {ok.loc[ok["scenario"] == name, "final_jk_affinity"].median()}
    assert fig._suptitle.get_text() == "Scenario comparison (4–5 runs a row)"
    assert right.get_xlim() == pytest.approx((-0.02, 1.02))
    assert [list(ln.get_xdata()) for ln in right.lines if len(set(ln.get_xdata())) == 1] == [[0.5, 0.5]]  # even odds
    zero = [ln for ln in left.lines if list(ln.get_xdata()) == [0, 0] and list(ln.get_ydata()) == [0, 1]]
    assert len(zero) == 1  # across the panel, in axes coordinates
    even = plots.scenario_comparison(runs.assign(status="ok"))
    assert even._suptitle.get_text() == "Scenario comparison (5 runs a row)"


def test_scenario_comparison_of_another_outcome_and_refusals():
    runs, _ = synthetic(n=4)
    runs["final_kor_fav_jpn"] = 10.0 + np.arange(len(runs), dtype=float)
    fig = plots.scenario_comparison(runs, outcome="final_kor_fav_jpn")
    left = fig.axes[0]
    assert not [ln for ln in left.lines if list(ln.get_ydata()) == [0, 1]]  # no zero line off affinity
    assert left.get_legend() is None
    assert left.get_xlabel() == plots._wrap(plots.outcome_label("final_kor_fav_jpn"), 6, 10)
    with pytest.raises(ValueError, match="no successful runs to compare"):
        plots.scenario_comparison(runs.assign(status="failed"))
    with pytest.raises(ValueError, match=r"runs lacks column\(s\) \['thaw_survived'\]"):
        plots.scenario_comparison(runs.drop(columns="thaw_survived"))


# --------------------------------------------------------------------------------------------
# The rupture (ONE test: it was a threshold line until the rupture became the 2019 conjunction)
def test_no_plot_draws_a_rupture_threshold_any_more():
    """A rupture is a conjunction of events, not a level of affinity: no affinity plot may draw a
    threshold line (the run's timeline shades its ruptured months instead, tested above)."""
    runs, outs = synthetic(n=4)
    figs = [plots.fan_chart(outs, runs, "jk_affinity"), plots.scenario_comparison(runs),
            plots.horizon_distribution(runs[runs["scenario"] == "s1"])]
    for fig in figs:
        for ax in fig.axes:
            assert not [a for a in [*ax.lines, *ax.collections] if "threshold" in str(a.get_label())]
    assert not hasattr(plots, "rupture_rule")


# --------------------------------------------------------------------------------------------
# Heatmap of an outcome
def test_heatmap_of_an_outcome_colours_each_cell_by_its_mean():
    rows, rid = [], 0
    for yv in (1.0, 2.0):
        for xv in (0.2, 0.5, 0.9):
            for k in range(3):
                rows.append({"run_id": rid, "scenario": "s", "status": "ok", "a.x": xv, "a.y": yv,
                             "thaw_survived": k == 0, "final_jk_affinity": xv - yv + 0.1 * k})
                rid += 1
    runs = pd.DataFrame(rows)
    fig = plots.heatmap(runs, x="a.x", y="a.y", value="final_jk_affinity")
    ax = fig.axes[0]
    mesh = ax.collections[0]
    expected = runs.groupby(["a.y", "a.x"])["final_jk_affinity"].mean().to_numpy().reshape(2, 3)
    assert np.asarray(mesh.get_array()).reshape(2, 3) == pytest.approx(expected)
    assert mesh.get_cmap().name == "cividis"
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(f"{v:+.2f}\nn=3" for v in expected.ravel())
    assert "Mean Japan–Korea affinity at the horizon in s" in ax.get_title().replace("\n", " ")
    assert ax.get_xlim() == pytest.approx((0.05, 1.1)) and ax.get_ylim() == pytest.approx((0.5, 2.5))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.2", "0.5", "0.9"]
    p = plots.heatmap(runs, x="a.x", y="a.y")
    pm = p.axes[0].collections[0]
    assert pm.get_cmap().name == "viridis" and pm.norm.vmin == 0 and pm.norm.vmax == 1
    assert np.asarray(pm.get_array()).ravel() == pytest.approx(np.full(6, 1 / 3))
    assert p.axes[0].get_legend() is not None  # every cell's interval spans one half: hatched
    assert len([r for r in p.axes[0].patches if r.get_hatch()]) == 6
    assert len(p.axes[0].collections) == 1  # no contour: P never crosses 0.5
    with pytest.raises(ValueError, match=r"runs lacks column\(s\) \['nope'\]"):
        plots.heatmap(runs, x="a.x", y="a.y", value="nope")
    with pytest.raises(ValueError, match="no runs of scenario 'zz' in these results"):
        plots.heatmap(runs, x="a.x", y="a.y", scenario="zz")
    with pytest.raises(ValueError, match=r"at least two values of each of 'a.x' and 'a.y'"):
        plots.heatmap(runs[runs["a.y"] == 1.0], x="a.x", y="a.y")


def test_heatmap_text_colour_follows_the_cell_shade():
    rows, rid = [], 0
    for yv in (0.0, 1.0):
        for xv in (0.0, 1.0):
            for k in range(10):
                rows.append({"run_id": rid, "scenario": "s", "status": "ok", "a.x": xv, "a.y": yv,
                             "thaw_survived": k < (10 if xv + yv >= 1 else 0)})
                rid += 1
    fig = plots.heatmap(pd.DataFrame(rows), x="a.x", y="a.y")
    colours = {t.get_text().split("\n")[0]: t.get_color() for t in fig.axes[0].texts}
    assert colours == {"0.00": "white", "1.00": "black"}  # dark violet at 0, light yellow at 1 in viridis
    assert len(fig.axes[0].collections) > 1  # P crosses 0.5: the contour is drawn


# --------------------------------------------------------------------------------------------
# Event timeline and coercion cost
def test_event_timeline_places_each_move_on_its_row_month_and_colour():
    events = pd.DataFrame({"date": ["2026-01", "2026-01", "2026-02", "2026-03"],
                           "source": ["CHN", "CHN", "JPN", "KOR"], "target": ["JPN", "JPN", "KOR", "JPN"],
                           "move": ["import_ban", "import_ban", "summit", "summit"], "goldstein": [-5.0, -5.0, 4.0, 4.0]})
    _, outs = synthetic(n=1, scenarios=("s",))
    outs = outs.assign(trilateral_cohesion=0.2, us_credibility=0.6, rupture=[False, False, True, True])
    fig = plots.event_timeline(events, outs, run={"scenario": "nowhere", "seed": 4})
    top, bottom = fig.axes[0], fig.axes[1]
    assert [t.get_text() for t in top.get_yticklabels()] == ["JPN → KOR", "KOR → JPN", "CHN → JPN"]
    from model.catalogue import MOVES
    scatters = {c.get_label(): c for c in top.collections if isinstance(c, PathCollection)}
    assert set(scatters) == {MOVES["import_ban"].kind.replace("_", " "), MOVES["summit"].kind.replace("_", " ")}
    coerce = scatters[MOVES["import_ban"].kind.replace("_", " ")]
    xy = coerce.get_offsets()
    assert list(xy[:, 1]) == [2, 2]
    days = [day(x) for x in xy[:, 0]]
    assert days == ["2026-01-01", "2026-01-05"]  # two moves of a month side by side, four days apart
    assert list(coerce.get_array()) == [-5.0, -5.0] and coerce.norm.vmin == -10 and coerce.norm.vmax == 10
    other = scatters[MOVES["summit"].kind.replace("_", " ")]
    assert list(other.get_offsets()[:, 1]) == [0, 1]
    assert top.yaxis_inverted()
    series = [ln for ln in bottom.lines if ln.get_label() in {plots.outcome_label(s) for s in
                                                              ("jk_affinity", "trilateral_cohesion", "us_credibility")}]
    assert [list(ln.get_ydata()) for ln in series] == [list(outs["jk_affinity"]), [0.2] * 4, [0.6] * 4]
    assert [ln.get_linestyle() for ln in series] == ["-", "--", ":"]
    spans = list(bottom.patches)  # one shaded span per ruptured month (2026-03, 2026-04), centred on it
    assert len(spans) == 2
    centres = [mdates.num2date(p.get_x() + p.get_width() / 2).strftime("%Y-%m-%d") for p in spans]
    assert centres == ["2026-03-01", "2026-04-01"]
    assert [t.get_text() for t in bottom.texts] == ["rupture"]
    assert "(scenario nowhere · seed 4)" in fig._suptitle.get_text().replace("\n", " ")
    with pytest.raises(ValueError, match=r"events hold several runs; pass one run"):
        plots.event_timeline(events.assign(run_id=[0, 1, 0, 0]), outs, run={"scenario": "s", "seed": 1})
    with pytest.raises(ValueError, match=r"outcomes hold several runs"):
        plots.event_timeline(events, outs.assign(run_id=[0, 1, 0, 0]), run={"scenario": "s", "seed": 1})
    calm = plots.event_timeline(events, outs.assign(rupture=False), run={"scenario": "s", "seed": 1})
    assert len(calm.axes[1].texts) == 0


def test_coercion_cost_medians_and_bands_per_country():
    runs, outs = synthetic(scenarios=("baseline_x", "china_coerces_x", "x_coerce_y"), n=3)
    fig = plots.coercion_cost(outs, runs)
    assert [ax.get_title() for ax in fig.axes] == ["china_coerces_x (n=3)", "x_coerce_y (n=3)"]
    ax = fig.axes[0]
    d = outs[outs["run_id"].isin(runs.loc[runs["scenario"] == "china_coerces_x", "run_id"])]
    for code, line, band in zip(("JPN", "KOR", "CHN"), ax.lines,
                                [c for c in ax.collections if isinstance(c, PolyCollection)], strict=True):
        col = f"trade_loss_{code.lower()}"
        values = np.array([d.loc[d["date"] == m, col].to_numpy() for m in MONTHS])
        assert line.get_ydata() == pytest.approx(np.percentile(values, 50, axis=1))
        assert to_hex(line.get_color()) == plots.COUNTRY_STYLE[code]["color"]
        assert line.get_linestyle() == plots.COUNTRY_STYLE[code]["linestyle"]
        assert line.get_marker() == plots.COUNTRY_STYLE[code]["marker"]
        assert to_hex(band.get_facecolor()[0][:3]) == plots.COUNTRY_STYLE[code]["color"]
        lo, hi = band_edges(band, np.unique(band.get_paths()[0].vertices[:, 0]))
        assert lo == pytest.approx(np.percentile(values, 25, axis=1))
        assert hi == pytest.approx(np.percentile(values, 75, axis=1))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Japan", "South Korea", "China"]
    assert ax.get_ylabel() == "trade lost (% of own GDP, annualised)"
    none = plots.coercion_cost(outs, runs[runs["scenario"] == "baseline_x"])
    assert [ax.get_title() for ax in none.axes] == ["baseline_x (n=3)"]  # no coercion scenario: all of them
    two = plots.coercion_cost(outs, runs, countries=("JPN", "KOR"), scenarios=["baseline_x"])
    assert len(two.axes[0].lines) == 2
    with pytest.raises(ValueError, match=r"outcomes lacks column\(s\) \['trade_loss_usa'\]"):
        plots.coercion_cost(outs, runs, countries=("USA",))


# --------------------------------------------------------------------------------------------
# Survival, horizon, paired differences, episodes, backtests
def test_survival_curve_band_and_counts():
    runs, _ = synthetic(scenarios=("s",), n=6)
    fig = plots.survival_curve(runs, months=4, label="mine", color="#123456")
    ax = fig.axes[0]
    step = ax.lines[0]
    intact = [6, 6, 3, 3, 3]  # half the runs rupture in month 2
    assert list(step.get_xdata()) == [0, 1, 2, 3, 4] and step.get_ydata() == pytest.approx([k / 6 for k in intact])
    assert step.get_label() == "mine (n=6)" and to_hex(step.get_color()) == "#123456"
    band = next(c for c in ax.collections if isinstance(c, PolyCollection))
    v = band.get_paths()[0].vertices
    for t, k in enumerate(intact):
        _, lo, hi = wilson(k, 6)
        ys = v[np.isclose(v[:, 0], t), 1]
        assert ys.min() == pytest.approx(min(lo, wilson(intact[t - 1], 6)[1]) if t else lo)
        assert hi == pytest.approx(ys.max()) or ys.max() == pytest.approx(wilson(intact[t - 1], 6)[2])
    assert ax.get_xlim() == (0, 4)
    assert plots.survival_curve(runs, months=4).axes[0].lines[0].get_label() == "n=6"
    empty = plots.survival_table(runs.assign(status="failed"), months=3)
    assert list(empty["month"]) == [0, 1, 2, 3] and (empty["at_risk"] == 0).all() and empty["p"].isna().all()
    table = plots.survival_table(runs, months=4)
    assert list(table.columns) == ["month", "at_risk", "surviving", "p", "lo", "hi"]
    assert list(table["surviving"]) == intact and (table["at_risk"] == 6).all()
    assert len(plots.survival_table(runs.drop(columns="status"), months=2)) == 3


def test_horizon_distribution_histogram_and_median():
    runs, _ = synthetic(scenarios=("s",), n=12)
    runs.loc[0, "status"] = "failed"
    runs.loc[0, "final_jk_affinity"] = 50.0
    fig = plots.horizon_distribution(runs)
    ax = fig.axes[0]
    ok = runs.loc[runs["status"] == "ok", "final_jk_affinity"]
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == 11 and len(heights) == 5  # at least five bins, a third of the runs beyond that
    median = next(ln for ln in ax.lines if ln.get_label().startswith("median"))
    assert list(median.get_xdata()) == [ok.median()] * 2 and median.get_label() == f"median {ok.median():+.2f}"
    assert ax.get_title() == "Japan–Korea affinity at the horizon over 11 runs"
    many = pd.DataFrame({"final_jk_affinity": np.linspace(0, 1, 300)})
    assert len(plots.horizon_distribution(many).axes[0].patches) == 30
    assert len(plots.horizon_distribution(many.iloc[:60]).axes[0].patches) == 20


def test_paired_differences_errors_and_survival_bars():
    diff = pd.DataFrame({"outcome": ["final_jk_affinity", "thaw_survived", "coercion_episodes"],
                         "mean": [0.1, -0.2, -2.0], "lo": [0.05, -0.3, -3.5], "hi": [0.3, -0.1, -1.0], "n": [40, 40, 50],
                         "unchanged": [0.0, 0.8, 5.0], "changed": [0.1, 0.6, 3.0]})
    fig = plots.paired_differences(diff, "x → y")
    left, right = fig.axes
    assert list(left.lines[0].get_ydata()) == [0, 1]
    bars = next(c for c in left.collections if isinstance(c, LineCollection))
    assert [sorted(s[:, 0]) for s in bars.get_segments()] == [pytest.approx([0.05, 0.3]), pytest.approx([-3.5, -1.0])]
    assert [t.get_text() for t in left.get_yticklabels()] == [plots.outcome_label("final_jk_affinity"),
                                                              plots.outcome_label("coercion_episodes")]
    assert left.get_title().startswith("Paired differences on 50 common seeds")
    assert [t.get_text() for t in right.get_xticklabels()] == ["unchanged", "changed"]
    assert right.get_title() == "P(thaw survives)\n0.80 → 0.60 (Δ -0.20)"
    assert [to_hex(p.get_facecolor()) for p in right.patches][0] != [to_hex(p.get_facecolor()) for p in right.patches][1]
    none = plots.paired_differences(diff[diff["outcome"] != "thaw_survived"], "z")
    assert len(none.axes[1].patches) == 0 and none._suptitle.get_text() == "What if: z"
    with pytest.raises(ValueError, match=r"paired differences lacks column\(s\) \['n'\]"):
        plots.paired_differences(diff.drop(columns="n"), "z")


def test_episode_bars_are_the_measured_and_modelled_shares():
    episodes = pd.DataFrame({"episode": ["a", "b", "c"], "observed": [0.5, 0.2, 0.7], "model": [0.4, 0.3, 0.1]})
    ax = plots.episode_comparison(episodes).axes[0]
    measured = [p for p in ax.patches if not p.get_hatch()]
    model = [p for p in ax.patches if p.get_hatch()]
    assert [p.get_width() for p in measured] == [0.5, 0.2, 0.7] and [p.get_width() for p in model] == [0.4, 0.3, 0.1]
    assert all(m.get_y() < o.get_y() for m, o in zip(measured, model, strict=True))  # measured above, model below
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"] and ax.yaxis_inverted()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["measured", "model"]
    assert ax.get_xlim() == (0, 1)


def backtest_table() -> pd.DataFrame:
    """A two-origin backtest table (two waves ahead of each, both series), as ``thaw backtest`` writes."""
    rows = []
    for origin in (2016, 2019):
        for series in ("kor_fav_jpn", "jpn_fav_kor"):
            for i, year in enumerate((origin + 1, origin + 2)):
                rows.append({"origin": origin, "series": series, "fieldwork": f"{year}-06", "observed": 30.0,
                             "model_median": 20.0 + i, "model_p05": 10.0 + i, "model_p95": 35.0 + i,
                             "persistence": 25.0})
    return pd.DataFrame(rows)


def test_backtest_forecasts_draw_each_origin_against_the_record():
    from model.observation import load_waves

    table = backtest_table()
    fig = plots.backtest_forecasts(table)
    assert "origins 2016, 2019" in fig._suptitle.get_text()
    kor, jpn = fig.axes
    record = sorted((w.fieldwork, w.value) for w in load_waves() if w.role == "target" and w.series == "kor_fav_jpn")
    assert list(kor.lines[0].get_ydata()) == [v for _, v in record]
    medians = [ln for ln in kor.lines if ln.get_marker() == plots.COUNTRY_STYLE["KOR"]["marker"]]
    assert [list(ln.get_ydata()) for ln in medians] == [[20.0, 21.0], [20.0, 21.0]]
    assert [ln.get_alpha() for ln in medians] == pytest.approx([0.4 + 0.6 * 1 / 2, 0.4 + 0.6 * 2 / 2])
    persistence = [ln for ln in kor.lines if ln.get_marker() == "x"]
    assert [list(ln.get_ydata()) for ln in persistence] == [[25.0, 25.0]] * 2
    jpn_medians = [ln for ln in jpn.lines if ln.get_marker() == plots.COUNTRY_STYLE["JPN"]["marker"]
                   and ln.get_linestyle() == "None"]
    assert len(jpn_medians) == 2
    assert all(to_hex(ln.get_color()) == plots.COUNTRY_STYLE["JPN"]["color"] for ln in jpn_medians)
    labels = [t.get_text() for t in kor.get_legend().get_texts()]
    assert sorted(labels) == sorted(["poll (Genron NPO / EAI)", "model median, 90% band (by origin)", "persistence"])
    lower = [c for c in kor.collections if isinstance(c, LineCollection)]
    assert sorted(lower[0].get_segments()[0][:, 1]) == [10.0, 35.0]


# --------------------------------------------------------------------------------------------
# The standard set of files, with savefig recorded rather than rendered
def test_standard_plots_are_the_ones_the_results_support(tmp_path, monkeypatch):
    import experiments
    from experiments import plotset

    saved: list[tuple[str, int, str]] = []
    monkeypatch.setattr(Figure, "savefig", lambda self, path, dpi=None, **kw: saved.append(
        (path.name, dpi, self._suptitle.get_text() if self._suptitle else "")))
    exp = tmp_path / "e.toml"
    exp.write_text('name = "e"\ndescription = "d"\nscenarios = ["baseline", "china_coerces_japan"]\n'
                   'replications = 1\nmonths = 2\nroot_seed = 2\n[design]\nkind = "grid"\n[design.parameters]\n'
                   '"states.USA.commitment" = [0.3, 0.8]\n"states.CHN.doctrine.threshold" = [0.3, 0.9]\n'
                   '[outputs]\noutcomes = true\nevents = true\n')
    experiments.run_batch(exp, out=tmp_path / "r", executor="serial", quiet=True)
    written = plotset.write_standard_plots(tmp_path / "r")
    names = [name for name, _, _ in saved]
    assert names == ["scenario_comparison.png", "heatmap_survival_baseline.png", "heatmap_jk_affinity_baseline.png",
                     "heatmap_survival_china_coerces_japan.png", "heatmap_jk_affinity_china_coerces_japan.png",
                     "fan_jk_affinity.png", "fan_kor_fav_jpn.png", "fan_trilateral_cohesion.png",
                     "coercion_cost.png", f"timeline_run{int(experiments.load(tmp_path / 'r').runs['run_id'].min())}.png"]
    assert written == [tmp_path / "r" / "plots" / n for n in names]
    assert {dpi for _, dpi, _ in saved} == {plotset.DPI}
    assert "pools" not in saved[0][2]  # 8 panels: drawn, not pooled
    assert "baseline" not in saved[5][2] or "median" in saved[5][2]
    saved.clear()
    out = plotset.write_standard_plots(tmp_path / "r", out=tmp_path / "elsewhere")
    assert out[0].parent == tmp_path / "elsewhere" and (tmp_path / "elsewhere").is_dir()


# --------------------------------------------------------------------------------------------
# Hindcast bands and backtest offsets, from a synthetic table
def test_hindcast_bands_draw_the_tables_quantiles_in_each_countrys_colour():
    rows = []
    for series in ("kor_fav_jpn", "jpn_fav_kor"):
        for i, year in enumerate((2013, 2014, 2024)):
            rows.append({"series": series, "year": year, "fieldwork": f"{year}-06", "model_median": 20.0 + i,
                         "model_p05": 10.0 + i, "model_p95": 30.0 + i, "model_p25": 15.0 + i, "model_p75": 25.0 + i,
                         "observed": 21.0 + i, "mode": "online" if year == 2024 else "face-to-face"})
    fig = plots.hindcast_bands(pd.DataFrame(rows))
    kor, jpn = fig.axes
    assert kor.get_shared_y_axes().joined(kor, jpn)
    for ax, code in ((kor, "KOR"), (jpn, "JPN")):
        colour = plots.COUNTRY_STYLE[code]["color"]
        wide, narrow = [c for c in ax.collections if isinstance(c, PolyCollection)]
        xs = np.unique(wide.get_paths()[0].vertices[:, 0])
        assert band_edges(wide, xs)[0] == pytest.approx([10, 11, 12]) and band_edges(wide, xs)[1] == pytest.approx(
            [30, 31, 32])
        assert band_edges(narrow, xs)[0] == pytest.approx([15, 16, 17])
        assert to_hex(wide.get_facecolor()[0][:3]) == to_hex(narrow.get_facecolor()[0][:3]) == colour
        assert wide.get_facecolor()[0][3] < narrow.get_facecolor()[0][3]  # the 50% band is the darker
        median = next(ln for ln in ax.lines if ln.get_label() == "model median")
        assert list(median.get_ydata()) == [20.0, 21.0, 22.0] and to_hex(median.get_color()) == colour
        assert median.get_linestyle() == plots.COUNTRY_STYLE[code]["linestyle"]
        filled = next(ln for ln in ax.lines if ln.get_label() == "poll (Genron NPO / EAI)")
        hollow = next(ln for ln in ax.lines if ln.get_label() == "poll, online (2024-25)")
        assert list(filled.get_ydata()) == [21.0, 22.0] and list(hollow.get_ydata()) == [23.0]
        assert hollow.get_markerfacecolor() == "white"
    labels = [t.get_text() for t in kor.get_legend().get_texts()]
    assert labels[:3] == ["model, 90% of readings", "model, 50% of readings", "model median"]
    no_mode = plots.hindcast_bands(pd.DataFrame(rows).drop(columns=["mode", "model_p25"]))
    assert len([c for c in no_mode.axes[0].collections if isinstance(c, PolyCollection)]) == 1
    assert not [ln for ln in no_mode.axes[0].lines if ln.get_label() == "poll, online (2024-25)"]
    with pytest.raises(ValueError, match="hindcast table has no rows for jpn_fav_kor"):
        plots.hindcast_bands(pd.DataFrame(rows[:3]))


def test_backtest_origins_are_drawn_side_by_side_around_each_wave():
    rows = [{"origin": origin, "series": s, "fieldwork": "2020-06", "observed": 30.0, "model_median": 20.0,
             "model_p05": 10.0, "model_p95": 35.0, "persistence": 25.0}
            for origin in (2016, 2018, 2019) for s in ("kor_fav_jpn", "jpn_fav_kor")]
    ax = plots.backtest_forecasts(pd.DataFrame(rows)).axes[0]
    persistence = [ln for ln in ax.lines if ln.get_marker() == "x"]
    days = [pd.Timestamp(ln.get_xdata()[0]) - pd.Timestamp("2020-06-01") for ln in persistence]
    assert days == [pd.Timedelta(days=25 * (k - 1.5)) for k in range(3)]  # centred on the wave
    labels = [ln.get_label() for ln in persistence]
    assert labels[0] == "persistence" and all(lab.startswith("_") for lab in labels[1:])  # in the legend once
    assert ax.get_ylabel() == "favourable impression (% of public)"


def test_scenario_comparison_of_chosen_scenarios_and_pooled_points():
    runs, _ = synthetic(scenarios=("s1", "s2", "s3"), n=3, points=(0.3, 0.7))
    fig = plots.scenario_comparison(runs, scenarios=["s3", "s1"])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [
        "s3 · US commitment 0.3", "s3 · US commitment 0.7", "s1 · US commitment 0.3", "s1 · US commitment 0.7"]
    assert fig._suptitle.get_text() == "Scenario comparison by design point (3 runs a row)"
    pooled = plots.scenario_comparison(runs, scenarios=["s2"], pool=True)
    assert [t.get_text() for t in pooled.axes[0].get_yticklabels()] == ["s2"]
    assert pooled._suptitle.get_text() == ("Scenario comparison (6 runs a row); each panel pools 2 design points "
                                           "over US commitment")
    left, right = pooled.axes
    assert right.get_shared_y_axes().joined(left, right)  # the rows line up across the two panels
