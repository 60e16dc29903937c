"""Plots: the expected artists, labels and legends for the shipped experiments' results, and
clear errors on empty or mismatched input."""

from __future__ import annotations

import matplotlib
import matplotlib.dates as mdates
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import experiments
from experiments import plots
from experiments.cli import main
from model import ThawModel


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    experiments.run_batch("scenario_comparison", out=out, replications=4, executor="serial", quiet=True)
    return experiments.load(out)


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid")
    experiments.run_batch("coercion_vs_credibility", out=out, replications=2, executor="serial", quiet=True)
    return experiments.load(out)


@pytest.fixture(scope="module")
def one_run():
    m = ThawModel("china_coerces_japan", rng=3).run()
    return m.events(), m.outcomes()


def test_fan_chart_has_one_panel_per_scenario_with_bands(comparison):
    fig = plots.fan_chart(comparison.outcomes, comparison.runs, "kor_fav_jpn")
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == comparison.runs["scenario"].nunique()
    assert any(ax.get_xlabel() == "month" for ax in panels)  # shared axes: labels on the outer panels
    for ax in panels:
        assert ax.get_title()
        assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2  # 50% and 90% bands
        assert len(ax.lines) >= 1  # the median
    assert "%" in fig.get_supylabel()
    assert "median" in fig._suptitle.get_text()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["90% of runs", "50% of runs", "median"]


def test_scenario_comparison_shows_distribution_and_survival(comparison):
    fig = plots.scenario_comparison(comparison.runs)
    left, right = fig.axes
    scenarios = [t.get_text() for t in left.get_yticklabels()]
    assert scenarios == list(dict.fromkeys(comparison.runs["scenario"]))
    assert "affinity" in left.get_xlabel() and "survives" in right.get_xlabel()
    assert right.get_xlim()[0] < 0 < 1 < right.get_xlim()[1]
    assert "95%" in right.get_title()


def test_heatmap_has_colourbar_contour_and_parameter_axes(grid):
    fig = plots.heatmap(grid.runs, x="states.USA.commitment", y="states.CHN.doctrine.threshold")
    ax, cbar = fig.axes[0], fig.axes[1]
    assert ax.get_xlabel().startswith("US commitment") and "China: provocation" in ax.get_ylabel()
    assert cbar.get_ylabel() == "P(thaw survives)"
    assert len(ax.get_xticklabels()) == 6 and len(ax.get_yticklabels()) == 6
    assert "number of runs" in ax.get_title() and "china_coerces_japan" in ax.get_title()


def test_heatmap_of_an_outcome(grid):
    fig = plots.heatmap(grid.runs, x="states.USA.commitment", y="states.CHN.doctrine.threshold",
                        value="final_jk_affinity")
    assert "affinity" in fig.axes[1].get_ylabel()


def test_event_timeline_marks_moves_by_kind_and_shows_outcomes(one_run):
    events, outcomes = one_run
    fig = plots.event_timeline(events, outcomes, run={"scenario": "china_coerces_japan", "seed": 3})
    top, bottom = fig.axes[0], fig.axes[1]
    assert sum(len(c.get_offsets()) for c in top.collections) == len(events)
    kinds = {t.get_text() for t in top.get_legend().get_texts()}
    assert {"cooperate", "coerce econ"} <= kinds
    assert "JPN → KOR" in [t.get_text() for t in top.get_yticklabels()]
    assert len(bottom.lines) >= 3 and bottom.get_legend() is not None
    assert any("Goldstein" in ax.get_ylabel() for ax in fig.axes)


def test_coercion_cost_uses_the_country_colours(comparison):
    fig = plots.coercion_cost(comparison.outcomes, comparison.runs)
    assert [ax.get_title().split(" ")[0] for ax in fig.axes] == ["china_coerces_japan", "china_coerces_both"]
    colours = {to_hex(line.get_color()) for line in fig.axes[0].lines}
    assert colours == {plots.COUNTRY_STYLE[c]["color"] for c in ("JPN", "KOR", "CHN")}
    assert "% of own GDP" in fig.axes[0].get_ylabel()
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["Japan", "South Korea", "China"]


def test_country_styles_differ_in_colour_lightness_line_and_marker():
    styles = plots.COUNTRY_STYLE.values()
    for key in ("color", "linestyle", "marker"):
        assert len({s[key] for s in styles}) == 4
    grey = [sum(c * w for c, w in zip(matplotlib.colors.to_rgb(s["color"]), (0.299, 0.587, 0.114), strict=True))
            for s in styles]
    grey.sort()
    assert min(b - a for a, b in zip(grey, grey[1:], strict=False)) > 0.05  # distinct in greyscale


def test_plots_draw_on_a_given_axes_and_keep_no_global_state(grid):
    import matplotlib.pyplot as plt

    before = dict(matplotlib.rcParams)
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.heatmap(grid.runs, "states.USA.commitment", "states.CHN.doctrine.threshold", ax=ax) is fig
    assert plt.get_fignums() == []
    assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: plots.fan_chart(pd.DataFrame(), r.runs), "outcomes is empty"),
        (lambda r: plots.fan_chart(r.outcomes, r.runs, "no_such_outcome"), "lacks column"),
        (lambda r: plots.fan_chart(r.outcomes, r.runs.assign(run_id=r.runs["run_id"] + 10**6)), "share no run_id"),
        (lambda r: plots.fan_chart(r.outcomes, r.runs, scenarios=["nope"]), "no runs of scenario"),
        (lambda r: plots.scenario_comparison(r.runs.iloc[0:0]), "runs is empty"),
        (lambda r: plots.heatmap(r.runs, "states.USA.commitment", "scenario"), "lacks column"),
        (lambda r: plots.event_timeline(pd.DataFrame(), r.outcomes, run={}), "events is empty"),
        (lambda r: plots.coercion_cost(r.outcomes, r.runs, scenarios=["nope"]), "no runs of scenario"),
    ],
)
def test_clear_errors_on_empty_or_mismatched_input(comparison, call, message):
    with pytest.raises(ValueError, match=message):
        call(comparison)


def test_heatmap_needs_a_two_parameter_grid(comparison):
    runs = comparison.runs[comparison.runs["scenario"] == "baseline"].assign(a=1.0, b=2.0)
    with pytest.raises(ValueError, match="at least two values"):
        plots.heatmap(runs, "a", "b")


def test_timeline_refuses_several_runs(comparison):
    events = pd.DataFrame({"run_id": [0, 1], "date": ["2025-11"] * 2, "source": ["JPN"] * 2,
                           "target": ["KOR"] * 2, "move": ["summit"] * 2, "goldstein": [2.8] * 2})
    with pytest.raises(ValueError, match="several runs"):
        plots.event_timeline(events, comparison.outcomes, run={"scenario": "baseline", "seed": 1})


def test_thaw_plot_writes_the_standard_set(grid, tmp_path, capsys):
    assert main(["plot", str(grid.path), "--out", str(tmp_path)]) == 0
    names = {p.name for p in tmp_path.glob("*.png")}
    assert {"scenario_comparison.png", "heatmap_survival.png", "fan_jk_affinity.png", "coercion_cost.png"} <= names
    assert "Wrote" in capsys.readouterr().out


def test_thaw_plot_on_a_folder_that_is_not_results(tmp_path):
    assert main(["plot", str(tmp_path)]) == 2


def test_hindcast_bands_show_every_wave_and_the_mode_change(tmp_path):
    from experiments.hindcast import run_hindcast

    table, _ = run_hindcast(replications=2, out=None, executor="serial")
    fig = plots.hindcast_bands(table)
    left, right = fig.axes
    assert left.get_title() == "South Koreans favourable to Japan" and "%" in left.get_ylabel()
    labels = [t.get_text() for t in left.get_legend().get_texts()]
    assert {"poll (Genron NPO / EAI)", "poll, online (2024-25)", "Gallup Korea (second reading)"} <= set(labels)
    assert "forecast (waves held out)" not in labels  # every wave is in the project now

    def points(ax, marker, filled):
        return sum(len(line.get_xdata()) for line in ax.lines if line.get_marker() == marker
                   and (line.get_markerfacecolor() != "white") == filled)

    assert points(left, "o", True) == 11 and points(left, "o", False) == 2  # 2013-2023; 2024-25 online
    assert points(right, "o", True) == 11 and points(right, "o", False) == 1  # no 2024 wave; 2025 online
    assert points(left, "s", True) == 3 and points(right, "s", True) == 0
    fig.savefig(tmp_path / "hindcast.png")
    with pytest.raises(ValueError, match="lacks column"):
        plots.hindcast_bands(table.drop(columns="observed"))


def test_episode_comparison_bars():
    episodes = pd.DataFrame({"episode": ["a", "b"], "observed": [0.5, 0.2], "model": [0.4, 0.3]})
    fig = plots.episode_comparison(episodes)
    ax = fig.axes[0]
    assert len(ax.patches) == 4 and "share of the trade flow cut" in ax.get_xlabel()
    with pytest.raises(ValueError, match="episodes is empty"):
        plots.episode_comparison(episodes.iloc[0:0])


# ---------------------------------------------------------------------------------------------
# Figures that never mislead: what is drawn, not only what it is called
# ---------------------------------------------------------------------------------------------
X, Y = "states.USA.commitment", "states.CHN.doctrine.threshold"


def synthetic_grid(scenarios=("china_coerces_japan",), xs=(0.1, 0.4, 0.85), ys=(0.1, 0.3, 2.0), n=20) -> pd.DataFrame:
    """Runs whose survival share per cell is known in advance: (i + j) / 4 of the n runs survive."""
    rows, rid = [], 0
    for s in scenarios:
        for i, yv in enumerate(ys):
            for j, xv in enumerate(xs):
                survive = round(n * (i + j) / 4)
                for k in range(n):
                    ok = k < survive
                    rows.append({"run_id": rid, "scenario": s, "status": "ok", X: xv, Y: yv, "thaw_survived": ok,
                                 "months_to_rupture": pd.NA if ok else 10 + k, "final_jk_affinity": 0.1 * (i - j)})
                    rid += 1
    return pd.DataFrame(rows)


def _texts_inside(fig: Figure) -> list[str]:
    """Texts that stick out of the figure (clipped when saved)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    undrawn = set()  # labels of ticks outside the view: matplotlib keeps them but never draws them
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    undrawn.update({id(tick.label1), id(tick.label2)})
    out = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip() or id(t) in undrawn:
            continue
        e = t.get_window_extent(renderer)
        if e.x0 < box.x0 - 1 or e.y0 < box.y0 - 1 or e.x1 > box.x1 + 1 or e.y1 > box.y1 + 1:
            out.append(t.get_text())
    return out


def test_fan_chart_on_a_grid_facets_design_points_and_each_median_is_that_points(grid):
    fig = plots.fan_chart(grid.outcomes, grid.runs, "jk_affinity", ncols=6)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    points = grid.runs.groupby([X, Y])
    assert len(panels) == points.ngroups == 36
    assert "design point" in fig._suptitle.get_text()
    data = plots.with_scenario(grid.outcomes, grid.runs)
    # the last panel is the largest threshold and commitment: its median line is that cell's median
    cell = data[(data[X] == data[X].max()) & (data[Y] == data[Y].max())]
    expected = cell.groupby("date")["jk_affinity"].median().to_numpy()
    median = next(line for line in panels[-1].lines if line.get_label() == "median")
    assert median.get_ydata() == pytest.approx(expected)
    assert f"{data[Y].max():g}" in panels[-1].get_title() and "n=2" in panels[-1].get_title()


def test_fan_chart_pools_only_on_request_and_says_so(grid):
    fig = plots.fan_chart(grid.outcomes, grid.runs, "jk_affinity", pool=True)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 1 and "n=72" in panels[0].get_title()
    assert "pools 36 design points" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="too many"):
        plots.panels(grid.runs, max_panels=10)


def test_rupture_marks_are_the_runs_ruptured_months_and_no_threshold_line_is_drawn():
    """A rupture is a conjunction of events (docs/model.md 7.10, rupture), not a level: affinity
    plots draw no threshold, and a run's timeline shades exactly the months it was ruptured."""
    from model import ThawModel

    m = ThawModel("hindcast_2013_2025", rng=0).run()
    out = m.outcomes()
    assert out["rupture"].any()
    fig = plots.event_timeline(m.events(), out, run={"scenario": "hindcast_2013_2025", "seed": 0})
    bottom = fig.axes[1]
    spans = list(bottom.patches)  # the shaded months are the only patches of the outcomes panel
    assert len(spans) == int(out["rupture"].sum())
    first = pd.Timestamp(out.loc[out["rupture"], "date"].iloc[0] + "-01")
    x0 = min(mdates.num2date(p.get_x()).replace(tzinfo=None) for p in spans)
    assert abs((x0 - first).days) <= 16
    assert not [ln for ax in fig.axes for ln in ax.lines if "threshold" in str(ln.get_label())]


def test_fan_chart_baseline_overlay_is_the_baselines_median(comparison):
    fig = plots.fan_chart(comparison.outcomes, comparison.runs, "jk_affinity", baseline="baseline")
    data = plots.with_scenario(comparison.outcomes, comparison.runs)
    expected = data[data["scenario"] == "baseline"].groupby("date")["jk_affinity"].median().to_numpy()
    panels = [ax for ax in fig.axes if ax.get_visible()]
    overlays = [[ln for ln in ax.lines if ln.get_label() == "baseline median"] for ax in panels]
    assert [len(o) for o in overlays] == [0] + [1] * (len(panels) - 1)  # not on the baseline's own panel
    assert overlays[1][0].get_ydata() == pytest.approx(expected)
    assert "baseline median" in [t.get_text() for t in fig.legends[0].get_texts()]
    with pytest.raises(ValueError, match="baseline 'nope'"):
        plots.fan_chart(comparison.outcomes, comparison.runs, baseline="nope")


def test_heatmap_annotates_p_and_n_per_cell_and_hatches_uncertain_cells():
    runs = synthetic_grid()
    fig = plots.heatmap(runs, x=X, y=Y)
    ax = fig.axes[0]
    cells = {}
    for t in ax.texts:
        p, n = t.get_text().split("\n")
        cells[(round(t.get_position()[0], 6), round(t.get_position()[1], 6))] = (float(p), int(n.removeprefix("n=")))
    assert len(cells) == 9
    for (xv, yv), g in runs.groupby([X, Y]):
        assert cells[(xv, yv)] == (pytest.approx(g["thaw_survived"].mean(), abs=0.005), len(g))
    hatched = {(round(r.get_x() + r.get_width() / 2, 6), round(r.get_y() + r.get_height() / 2, 6))
               for r in ax.patches if r.get_hatch()}
    spans = set()
    for (xv, yv), g in runs.groupby([X, Y]):
        _, lo, hi = experiments.results.proportion_ci(int(g["thaw_survived"].sum()), len(g))
        if lo < 0.5 < hi:
            spans.add((xv, yv))
    assert spans and {c for c in cells if c in spans} == spans
    assert len(hatched) == len(spans)  # one hatched rectangle per uncertain cell (centres shifted by uneven edges)
    assert "95% interval of P spans 0.5" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "P(survive) = 0.5" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_heatmap_places_uneven_values_where_they_are():
    fig = plots.heatmap(synthetic_grid(), x=X, y=Y)
    ax = fig.axes[0]
    assert list(ax.get_yticks()) == pytest.approx([0.1, 0.3, 2.0])
    mesh = ax.collections[0]
    coords = mesh.get_coordinates()  # (rows + 1, cols + 1, 2) cell corners
    assert list(coords[:, 0, 1]) == pytest.approx([0.0, 0.2, 1.15, 2.85])  # edges half-way between 0.1, 0.3 and 2.0
    assert list(coords[0, :, 0]) == pytest.approx([-0.05, 0.25, 0.625, 1.075])


def test_heatmap_refuses_to_average_scenarios_or_other_parameters():
    runs = synthetic_grid(scenarios=("a", "b"))
    with pytest.raises(ValueError, match="2 scenarios"):
        plots.heatmap(runs, x=X, y=Y)
    fig = plots.heatmap(runs, x=X, y=Y, scenario="b")
    assert sum(int(t.get_text().split("n=")[1]) for t in fig.axes[0].texts) == len(runs) // 2
    three = synthetic_grid().assign(**{"decision.rationality": lambda d: d["run_id"] % 2})
    with pytest.raises(ValueError, match="also vary"):
        plots.heatmap(three, x=X, y=Y)


def test_parameter_labels_come_from_the_schema_with_their_range():
    from experiments.labels import param_label

    fig = plots.heatmap(synthetic_grid(), x=X, y=Y)
    ax = fig.axes[0]
    assert "commitment to its allies" in ax.get_xlabel() and "(0 … 1)" in ax.get_xlabel()
    assert ax.get_ylabel().replace("\n", " ") == param_label(Y) and "China" in ax.get_ylabel()
    assert param_label("no.such.key") == "no.such.key"


def test_timeline_names_scenario_seed_and_run(one_run):
    events, outcomes = one_run
    fig = plots.event_timeline(events, outcomes, run={"scenario": "china_coerces_japan", "seed": 3, "run_id": 12})
    title = fig._suptitle.get_text().replace("\n", " ")
    assert "run 12" in title and "china_coerces_japan" in title and "seed 3" in title
    assert not [ln for ln in fig.axes[1].lines if "threshold" in str(ln.get_label())]
    with pytest.raises(ValueError, match="scenario and seed"):
        plots.event_timeline(events, outcomes, run={"run_id": 1})


def test_scenario_comparison_on_a_grid_has_a_row_per_design_point(grid):
    fig = plots.scenario_comparison(grid.runs)
    left, right = fig.axes[0], fig.axes[1]
    assert len(left.get_yticklabels()) == 36
    marker = right.lines[0]
    expected = grid.runs.groupby([Y, X], sort=True)["thaw_survived"].mean().to_numpy()
    assert marker.get_xdata() == pytest.approx(expected)
    pooled = plots.scenario_comparison(grid.runs, pool=True)
    assert len(pooled.axes[0].get_yticklabels()) == 1 and "pools 36" in pooled._suptitle.get_text()


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_no_title_or_label_is_clipped_at_any_panel_count(comparison, count):
    names = list(dict.fromkeys(comparison.runs["scenario"]))[:count]
    runs = comparison.runs[comparison.runs["scenario"].isin(names)]
    assert _texts_inside(plots.fan_chart(comparison.outcomes, runs, "jk_affinity")) == []
    assert _texts_inside(plots.scenario_comparison(runs)) == []
    assert _texts_inside(plots.coercion_cost(comparison.outcomes, runs, scenarios=names)) == []


def test_no_clipping_on_heatmaps_and_timelines(one_run):
    events, outcomes = one_run
    assert _texts_inside(plots.heatmap(synthetic_grid(), x=X, y=Y)) == []
    assert _texts_inside(plots.heatmap(synthetic_grid(), x=X, y=Y, value="final_jk_affinity")) == []
    assert _texts_inside(plots.event_timeline(events, outcomes, run={"scenario": "china_coerces_japan", "seed": 3})) == []


def test_survival_table_and_curve_follow_the_runs():
    runs = synthetic_grid()
    table = plots.survival_table(runs, months=60)
    assert table["p"].is_monotonic_decreasing and table["p"].iloc[0] == 1.0
    assert table["p"].iloc[-1] == pytest.approx(runs["thaw_survived"].mean())
    assert table.loc[table["month"] == 15, "surviving"].item() == int((~(runs["months_to_rupture"].fillna(999) <= 15)).sum())
    fig = plots.survival_curve(runs, months=60, label="x")
    step = fig.axes[0].lines[0]
    assert list(step.get_ydata()) == pytest.approx(table["p"].tolist())


def test_paired_differences_draws_each_mean_with_its_interval():
    diff = pd.DataFrame({"outcome": ["final_jk_affinity", "coercion_episodes", "thaw_survived"],
                         "mean": [0.1, -2.0, -0.2], "lo": [0.05, -3.0, -0.3], "hi": [0.15, -1.0, -0.1], "n": [50] * 3,
                         "unchanged": [0.0, 5.0, 0.8], "changed": [0.1, 3.0, 0.6]})
    fig = plots.paired_differences(diff, "US commitment 0.6 → 0.2")
    left, right = fig.axes
    assert list(left.lines[0].get_xdata()) == pytest.approx([0.1, -2.0])
    assert [b.get_height() for b in right.patches] == pytest.approx([0.8, 0.6])
    assert "US commitment" in fig._suptitle.get_text()
    assert _texts_inside(fig) == []
