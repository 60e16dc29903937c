"""Figures as pictures: every plotting function of ``experiments/plots.py``, ``experiments/plotset.py``
and ``experiments/analysis/figures.py`` is drawn from small fixed synthetic inputs and compared,
pixel by pixel, with a stored PNG in ``tests/baseline_images/``.

``test_plot_data.py`` and ``test_analysis.py`` check the data behind each artist; these tests check
what they cannot: font sizes, figure sizes, line widths, alpha, markers, legend placement, layout
and the wording of titles and labels (mutation testing left those alive, docs/testing.md).

A change that alters how a figure looks must change its baseline on purpose: regenerate every
baseline with ``python tests/test_figures.py`` (or a few: ``python tests/test_figures.py fan_affinity
heatmap_survival``), look at the new PNGs and explain the change in the commit.

Rendering is made deterministic inside each test: the Agg backend, matplotlib's default rcParams
(``rcdefaults``) in an ``rc_context`` that is undone afterwards, DejaVu Sans (shipped with
matplotlib), the default text hinting, a fixed ``svg.hashsalt``, and one dpi (``DPI``, small files).
The plots' own jitter uses a fixed seed. The baselines were made with the matplotlib version in
``baseline_images/VERSION``; under another version glyph rasterisation may differ, so the tests are
skipped with that reason (regenerate, then look at the pictures).

Tolerance: ``TOL = 0.05`` RMS on matplotlib's 0–255 scale. Repeated runs on one machine and
matplotlib version are bit-identical (RMS 0), so any tolerance above zero only leaves room for a
different CPU's rounding of an anti-aliased edge. The smallest changes it must catch, measured on
these baselines at 80 dpi, are all larger: one alpha step on a faint band (0.18 → 0.19 in
``coercion_cost``) 0.11, the same on the survival band 1.4, a line width 1.6 → 1.7 0.8, a marker
size 4 → 5 2.3–3.9, a legend's font 8 → 7 6.3, its location 8.3, one capitalised word of a title
8.3, the heatmap's cell text 6.5 → 7 pt 2.4, a panel title 9 → 10 pt 18, a title's font one point
up 29. (At 60 dpi the 9 → 10 pt title gave RMS 0: FreeType draws a font at a whole number of
pixels, 7.5 and 8.3 px both became 8, hence 80 dpi, where every whole and half point differs.)
A changed figure size or dpi changes the image's shape, which ``compare_images`` reports as
``ImageComparisonFailure``; ``assert_matches`` turns that into a failure naming both shapes
(``test_a_changed_size_or_style_is_caught`` checks both kinds).

A failing comparison keeps the rendered image, the baseline and their difference (``*-failed-diff.png``)
in ``test-artifacts/figures/`` (git-ignored) and names them in the failure message.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.testing.compare import compare_images  # noqa: E402
from matplotlib.testing.exceptions import ImageComparisonFailure  # noqa: E402

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script: the synthetic data of test_plot_data.py
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent))

from test_plot_data import MONTHS, backtest_table, synthetic  # noqa: E402

from experiments import plots, plotset  # noqa: E402
from experiments.analysis import figures  # noqa: E402

BASELINES = HERE / "baseline_images"
ARTIFACTS = HERE.parent / "test-artifacts" / "figures"
DPI = 80  # 1 pt = 1.11 px: each whole and half point of a font size lands on another pixel size
TOL = 0.05
RC = {"font.family": "DejaVu Sans", "text.hinting": "default",
      "svg.hashsalt": "thaw-figures", "figure.dpi": 100, "savefig.dpi": DPI}


@contextmanager
def deterministic():
    """Matplotlib's defaults plus the fixed font and hash salt, for creating and saving a figure."""
    with mpl.rc_context():
        mpl.rcdefaults()
        mpl.rcParams.update(RC)
        yield


# --------------------------------------------------------------------------------------------
# The inputs: small, fixed, synthetic (test_plot_data.synthetic where it fits)
def _timeline_inputs():
    events = pd.DataFrame({"date": ["2026-01", "2026-01", "2026-02", "2026-03"],
                           "source": ["CHN", "CHN", "JPN", "KOR"], "target": ["JPN", "JPN", "KOR", "JPN"],
                           "move": ["import_ban", "import_ban", "summit", "summit"], "goldstein": [-5.0, -5.0, 4.0, 4.0]})
    _, outs = synthetic(n=1, scenarios=("s",))
    outs = outs.assign(trilateral_cohesion=[0.2, 0.1, 0.0, -0.1], us_credibility=[0.6, 0.55, 0.5, 0.5],
                       rupture=[False, False, True, True])
    return events, outs


def _heatmap_runs():
    rows, rid = [], 0
    for yv in (1.0, 2.0, 3.0):
        for xv in (0.2, 0.5, 0.9):
            for k in range(4):
                rows.append({"run_id": rid, "scenario": "s", "status": "ok", "a.x": xv, "a.y": yv,
                             "thaw_survived": k < round(4 * xv * yv / 2.7), "final_jk_affinity": xv - yv / 3 + 0.1 * k})
                rid += 1
    return pd.DataFrame(rows)


def _paired():
    return pd.DataFrame({"outcome": ["final_jk_affinity", "thaw_survived", "coercion_episodes"],
                         "mean": [0.1, -0.2, -2.0], "lo": [0.05, -0.3, -3.5], "hi": [0.3, -0.1, -1.0], "n": [40, 40, 50],
                         "unchanged": [0.0, 0.8, 5.0], "changed": [0.1, 0.6, 3.0]})


def _hindcast():
    rows = []
    for series in ("kor_fav_jpn", "jpn_fav_kor"):
        for i, year in enumerate((2013, 2016, 2020, 2024)):
            rows.append({"series": series, "year": year, "fieldwork": f"{year}-06", "model_median": 20.0 + 3 * i,
                         "model_p05": 8.0 + 3 * i, "model_p95": 34.0 + 3 * i, "model_p25": 15.0 + 3 * i,
                         "model_p75": 26.0 + 3 * i, "observed": 22.0 + 2 * i,
                         "mode": "online" if year == 2024 else "face-to-face"})
    return pd.DataFrame(rows)


def _indices():
    return pd.DataFrame({"outcome": ["y"] * 4 + ["thaw_survived"] * 4,
                         "parameter": ["a.b", "c.d", "e.f", "g.h"] * 2,
                         "ST": [0.1, 0.5, 0.3, 0.2, 0.4, 0.6, 0.05, 0.1],
                         "lo": [0.0, 0.4, 0.1, 0.15, 0.3, 0.5, 0.0, 0.0],
                         "hi": [0.2, 0.7, 0.4, 0.3, 0.5, 0.7, 0.1, 0.2]})


CLASSES = {"a.b": "assumption", "c.d": "data", "e.f": "article"}


def _morris():
    return pd.DataFrame({"outcome": ["y"] * 8 + ["final_jk_affinity"] * 8, "parameter": list("abcdefgh") * 2,
                         "mu_star": [0.1 * i for i in range(8)] + [0.05 * i for i in range(8)],
                         "sigma": [0.05 + 0.07 * ((3 * i) % 8) for i in range(8)] * 2})


def _shares():
    return pd.DataFrame({"assumption": [0.5, 0.2], "data": [0.3, 0.05], "article": [0.2, 0.75]},
                        index=["thaw_survived", "final_jk_affinity"])


def _trajectory():
    return pd.DataFrame({"coverage": [1.0, 0.9, 0.8, 0.5], "density": [0.2, 0.4, 0.6, 0.9], "res_dim": [0, 1, 1, 2],
                         "chosen": [False, False, True, False]})


def _limits():
    return pd.DataFrame({"parameter": ["a", "b"], "min": [2.0, 0.0], "max": [6.0, 0.5], "qp_lower": [0.01, np.nan],
                         "qp_upper": [0.2, np.nan], "range_min": [0.0, 0.0], "range_max": [10.0, 1.0]})


def _cart():
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.uniform(0, 1, 80), "b": rng.uniform(0, 1, 80)})
    y = ((x["a"] > 0.4) & (x["b"] < 0.7)) ^ (rng.uniform(0, 1, 80) < 0.15)  # noisy: a tree deeper than drawn
    return DecisionTreeClassifier(max_depth=5, random_state=0).fit(x, y), ["a", "b"]


def _curves():
    from experiments.results import survival

    runs = pd.DataFrame({"scenario": ["a"] * 4 + ["b"] * 3, "status": "ok", "months": 4,
                         "months_to_rupture": pd.array([1, 2, None, None, 3, None, None], dtype="Int64")})
    return survival(runs)


def _survival_on_given_axes() -> Figure:
    fig = Figure(figsize=(5, 3), layout="constrained")
    figures.survival_curves(_curves(), ax=fig.add_subplot(), horizon_label="months since 2025-11")
    return fig


def _runs_one():
    runs, _ = synthetic(scenarios=("s",), n=12)
    return runs


#: name -> a function drawing one figure from fixed inputs.
CASES: dict[str, Callable[[], Figure]] = {
    "fan_affinity": lambda: plots.fan_chart(*reversed(synthetic(scenarios=("s1", "s2", "s3"))), "jk_affinity", ncols=2),
    "fan_design_baseline": lambda: plots.fan_chart(
        *reversed(synthetic(scenarios=("base", "s2"), n=3, points=(0.3, 0.7))), "kor_fav_jpn", baseline="base"),
    "fan_one_panel": lambda: plots.fan_chart(*reversed(synthetic(scenarios=("s1",), n=4)), "jk_affinity"),
    "fan_pooled": lambda: plots.fan_chart(
        *reversed(synthetic(scenarios=("base", "s2"), n=3, points=(0.3, 0.7))), "kor_fav_jpn", pool=True),
    "scenario_comparison": lambda: plots.scenario_comparison(synthetic(n=5)[0]),
    "scenario_comparison_points": lambda: plots.scenario_comparison(
        synthetic(scenarios=("s1", "s2", "s3"), n=3, points=(0.3, 0.7))[0], scenarios=["s3", "s1"]),
    "scenario_comparison_other": lambda: plots.scenario_comparison(
        synthetic(n=4)[0].assign(final_kor_fav_jpn=lambda r: 10.0 + np.arange(len(r), dtype=float)),
        outcome="final_kor_fav_jpn"),
    "scenario_comparison_many_rows": lambda: plots.scenario_comparison(
        synthetic(scenarios=tuple(f"s{i:02d}" for i in range(13)), n=2)[0]),
    "heatmap_survival": lambda: plots.heatmap(_heatmap_runs(), x="a.x", y="a.y"),
    "heatmap_mean": lambda: plots.heatmap(_heatmap_runs(), x="a.x", y="a.y", value="final_jk_affinity"),
    "event_timeline": lambda: plots.event_timeline(*_timeline_inputs(), run={"scenario": "s", "seed": 4, "run_id": 0}),
    "coercion_cost": lambda: plots.coercion_cost(
        *reversed(synthetic(scenarios=("baseline_x", "china_coerces_x", "x_coerce_y"), n=3))),
    "coercion_cost_one_panel": lambda: plots.coercion_cost(*reversed(synthetic(scenarios=("china_coerces_x",), n=3))),
    "survival_curve": lambda: plots.survival_curve(synthetic(scenarios=("s",), n=6)[0], months=4, label="mine",
                                                   color="#123456"),
    "horizon_distribution": lambda: plots.horizon_distribution(_runs_one()),
    "paired_differences": lambda: plots.paired_differences(_paired(), "x → y"),
    "hindcast_bands": lambda: plots.hindcast_bands(_hindcast()),
    "episode_comparison": lambda: plots.episode_comparison(
        pd.DataFrame({"episode": ["a", "b", "c"], "observed": [0.5, 0.2, 0.7], "model": [0.4, 0.3, 0.1]})),
    "backtest_forecasts": lambda: plots.backtest_forecasts(backtest_table()),
    "index_bars": lambda: figures.index_bars(_indices(), "ST", "lo", "hi", "total index", "Sobol indices", top=3,
                                             classes=CLASSES),
    "index_bars_two_rows": lambda: figures.index_bars(
        pd.concat([_indices(), _indices().assign(outcome=lambda t: "w_" + t["outcome"])]), "ST", None, None, "index",
        "Four outcomes in two rows", top=4, classes={**CLASSES, "g.h": "not_a_class"}),
    "morris_plane": lambda: figures.morris_plane(_morris(), classes={"b": "assumption", "h": "data"}, label_top=3),
    "class_share_bars": lambda: figures.class_share_bars(_shares(), "ST"),
    "prim_tradeoff": lambda: figures.prim_tradeoff(_trajectory(), "thaw_survived == False"),
    "prim_limits": lambda: figures.prim_limits(_limits(), "c", {"coverage": 0.8, "density": 0.6, "mass": 0.1}),
    "cart_tree": lambda: figures.cart_tree(*_cart(), "thaw_survived == False"),
    "survival_curves": lambda: figures.survival_curves(_curves()),
    "survival_curves_given_axes": _survival_on_given_axes,
}


# --------------------------------------------------------------------------------------------
# The standard set of plotset.write_standard_plots, from a fake results folder (no batch is run)
def _standard_results():
    """Two scenarios (one coercing) over a 2 × 2 grid of two parameters, two runs a point, with
    monthly outcomes and one run's events: every plot of the standard set, at the thresholds that
    choose columns and pooling (8 points: four columns; 4 coerced points: not pooled)."""
    runs, outs, rid = [], [], 0
    a_key, b_key = "states.USA.commitment", "states.CHN.doctrine.threshold"
    for si, s in enumerate(("baseline", "china_coerces_japan")):
        for pi, (a, b) in enumerate((a, b) for a in (0.3, 0.8) for b in (0.3, 0.9)):
            for k in range(2):
                survived = (k + si + pi) % 2 == 0
                runs.append({"run_id": rid, "scenario": s, "status": "ok", "point": pi, "replicate": k, "seed": 10 + rid,
                             "thaw_survived": survived, "months_to_rupture": pd.NA if survived else 2,
                             "final_jk_affinity": 0.5 * a - 0.4 * b + 0.1 * k - 0.2 * si, "months": len(MONTHS),
                             a_key: a, b_key: b})
                for m, date in enumerate(MONTHS):
                    outs.append({"run_id": rid, "month": m + 1, "date": date,
                                 "jk_affinity": 0.1 * (k + 1) * (m + 1) * a - 0.2 * si - 0.1 * b,
                                 "kor_fav_jpn": 20.0 + 2 * k + m + 5 * a, "trilateral_cohesion": 0.1 * m - 0.1 * si + b / 5,
                                 "us_credibility": 0.6 - 0.02 * m, "rupture": not survived and m >= 2,
                                 "trade_loss_jpn": (0.1 * k + m) * si, "trade_loss_kor": 0.2 * k * si,
                                 "trade_loss_chn": 0.05 * m * (k + 1) * si})
                rid += 1
    runs = pd.DataFrame(runs)
    runs["months_to_rupture"] = pd.array(runs["months_to_rupture"].tolist(), dtype="Int64")
    events = pd.DataFrame({"run_id": 0, "date": ["2026-01", "2026-02", "2026-02", "2026-04"],
                           "source": ["JPN", "CHN", "KOR", "CHN"], "target": ["KOR", "JPN", "JPN", "KOR"],
                           "move": ["summit", "import_ban", "summit", "import_ban"], "goldstein": [4.0, -5.0, 4.0, -5.0]})
    return SimpleNamespace(runs=runs, outcomes=pd.DataFrame(outs), events=events, parameters=[a_key, b_key],
                           manifest={"design": {"kind": "grid"}})


STANDARD = ["scenario_comparison.png", "heatmap_survival_baseline.png", "heatmap_jk_affinity_baseline.png",
            "heatmap_survival_china_coerces_japan.png", "heatmap_jk_affinity_china_coerces_japan.png",
            "fan_jk_affinity.png", "fan_kor_fav_jpn.png", "fan_trilateral_cohesion.png", "coercion_cost.png",
            "timeline_run0.png"]


def write_standard(out: Path, monkeypatch) -> list[Path]:
    """plotset's standard set for the fake results, saved at this file's DPI (not plotset.DPI)."""
    fake = _standard_results()
    monkeypatch.setattr(plotset, "load", lambda path: fake)
    monkeypatch.setattr(plotset, "DPI", DPI)
    with deterministic():
        return plotset.write_standard_plots(out.parent, out=out)


# --------------------------------------------------------------------------------------------
def _version_or_skip() -> None:
    """Skip under another matplotlib (a user's own environment), but fail under ``THAW_STRICT_FIGURES``
    (``.ci/run`` sets it), so that CI can never silently stop comparing pictures."""
    made_with = (BASELINES / "VERSION").read_text().strip()
    if made_with != f"matplotlib {mpl.__version__}":
        why = (f"baselines made with {made_with}, running matplotlib {mpl.__version__}: glyphs may rasterise "
               "differently; regenerate with `python tests/test_figures.py` and look at the pictures")
        if os.environ.get("THAW_STRICT_FIGURES"):
            pytest.fail(why + " (THAW_STRICT_FIGURES is set: CI must compare them)")
        pytest.skip(why)


def test_the_dev_extra_pins_the_matplotlib_the_baselines_were_drawn_with():
    """CI installs the ``dev`` extra; its matplotlib pin must be the baselines' release, or CI would
    fail every picture (or, without THAW_STRICT_FIGURES, skip them all)."""
    import tomllib

    dev = tomllib.loads((HERE.parent / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    pins = [d.split("==")[1].strip() for d in dev if d.replace(" ", "").startswith("matplotlib==")]
    assert pins == [(BASELINES / "VERSION").read_text().split()[1]]


def assert_matches(actual: Path, name: str) -> None:
    """``actual`` equals ``baseline_images/<name>.png`` within ``TOL``; a different shape is a failure."""
    expected = BASELINES / f"{name}.png"
    assert expected.exists(), f"no baseline {expected}: run `python tests/test_figures.py {name}`"
    try:
        result = compare_images(str(expected), str(actual), tol=TOL)
    except ImageComparisonFailure as err:  # image sizes differ: a changed figure size, dpi or layout
        result = f"{name}: {err}"
    if result is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    kept = []
    for path in actual.parent.glob(f"{actual.stem}*"):
        shutil.copy(path, ARTIFACTS / path.name)
        kept.append(str(ARTIFACTS / path.name))
    shutil.copy(expected, ARTIFACTS / f"{name}-expected.png")
    pytest.fail(f"figure {name!r} differs from its baseline (tolerance RMS {TOL}): {result}\n"
                f"kept for inspection: {', '.join(sorted(kept))}, {ARTIFACTS / f'{name}-expected.png'}", pytrace=False)


def render(name: str, path: Path) -> Path:
    with deterministic():
        fig = CASES[name]()
        fig.savefig(path, dpi=DPI)
    return path


@pytest.mark.parametrize("name", list(CASES))
def test_figure_matches_its_baseline(name, tmp_path):
    _version_or_skip()
    assert_matches(render(name, tmp_path / f"{name}.png"), name)


def test_standard_plots_match_their_baselines(tmp_path, monkeypatch):
    _version_or_skip()
    written = write_standard(tmp_path / "plots", monkeypatch)
    assert [p.name for p in written] == STANDARD
    for path in written:
        assert_matches(path, f"standard_{path.stem}")


def test_a_changed_size_or_style_is_caught(tmp_path):
    """The comparison itself: a figure one inch wider fails on its shape, a larger title font fails
    on its pixels, and the same figure drawn twice passes."""
    _version_or_skip()
    assert_matches(render("episode_comparison", tmp_path / "again.png"), "episode_comparison")
    with deterministic():
        fig = CASES["episode_comparison"]()
        fig.set_size_inches(fig.get_figwidth() + 1, fig.get_figheight())
        fig.savefig(tmp_path / "wider.png", dpi=DPI)
        fig = CASES["episode_comparison"]()
        fig.axes[0].title.set_fontsize(11)
        fig.savefig(tmp_path / "font.png", dpi=DPI)
    for changed in ("wider", "font"):
        with pytest.raises(pytest.fail.Exception, match="differs from its baseline"):
            assert_matches(tmp_path / f"{changed}.png", "episode_comparison")


if __name__ == "__main__":
    import tempfile

    wanted = sys.argv[1:]
    BASELINES.mkdir(exist_ok=True)
    for name in CASES:
        if not wanted or name in wanted:
            render(name, BASELINES / f"{name}.png")
            print("wrote", name)
    if not wanted or any(w.startswith("standard") for w in wanted):
        with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
            for path in write_standard(Path(tmp) / "plots", mp):
                shutil.copy(path, BASELINES / f"standard_{path.stem}.png")
                print("wrote", f"standard_{path.stem}")
    (BASELINES / "VERSION").write_text(f"matplotlib {mpl.__version__}\n")
