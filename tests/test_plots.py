"""Plots: the expected artists, labels and legends for the shipped experiments' results, and
clear errors on empty or mismatched input."""

from __future__ import annotations

import matplotlib
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
    labels = [t.get_text() for t in panels[0].get_legend().get_texts()]
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
    assert ax.get_xlabel().startswith("US commitment") and "threshold" in ax.get_ylabel()
    assert cbar.get_ylabel() == "P(thaw survives)"
    assert len(ax.get_xticklabels()) == 6 and len(ax.get_yticklabels()) == 6
    assert "runs a cell" in ax.get_title()


def test_heatmap_of_an_outcome(grid):
    fig = plots.heatmap(grid.runs, x="states.USA.commitment", y="states.CHN.doctrine.threshold",
                        value="final_jk_affinity")
    assert "affinity" in fig.axes[1].get_ylabel()


def test_event_timeline_marks_moves_by_kind_and_shows_outcomes(one_run):
    events, outcomes = one_run
    fig = plots.event_timeline(events, outcomes)
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
        (lambda r: plots.event_timeline(pd.DataFrame(), r.outcomes), "events is empty"),
        (lambda r: plots.coercion_cost(r.outcomes, r.runs, scenarios=["nope"]), "no runs of scenario"),
    ],
)
def test_clear_errors_on_empty_or_mismatched_input(comparison, call, message):
    with pytest.raises(ValueError, match=message):
        call(comparison)


def test_heatmap_needs_a_two_parameter_grid(comparison):
    runs = comparison.runs.assign(a=1.0, b=2.0)
    with pytest.raises(ValueError, match="at least two values"):
        plots.heatmap(runs, "a", "b")


def test_timeline_refuses_several_runs(comparison):
    events = pd.DataFrame({"run_id": [0, 1], "date": ["2025-11"] * 2, "source": ["JPN"] * 2,
                           "target": ["KOR"] * 2, "move": ["summit"] * 2, "goldstein": [2.8] * 2})
    with pytest.raises(ValueError, match="several runs"):
        plots.event_timeline(events, comparison.outcomes)


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
