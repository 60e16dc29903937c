"""Outcome plots for batches and single runs, on matplotlib.

Every function takes the DataFrames that ``experiments.load`` returns (or a single model's
``outcomes()`` / ``events()``), draws on the Axes it is given or on a new Figure, returns the
Figure, and keeps no global state: styles are passed per artist, never set with ``rcParams``.
Countries have one colour, line style and marker each, chosen to differ in lightness too, so the
plots survive greyscale print.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from experiments.labels import param_label, short_name
from experiments.results import proportion_ci, survival

#: One look per country, used by every plot in the project.
COUNTRY_STYLE = {
    "JPN": {"color": "#b2182b", "linestyle": "-", "marker": "o", "label": "Japan"},
    "KOR": {"color": "#053061", "linestyle": "--", "marker": "s", "label": "South Korea"},
    "CHN": {"color": "#e08214", "linestyle": ":", "marker": "^", "label": "China"},
    "USA": {"color": "#7f7f7f", "linestyle": "-.", "marker": "D", "label": "United States"},
}
#: Outcome name -> (what it is, unit), for axis labels and titles.
OUTCOME_LABELS = {
    "jk_affinity": ("Japan–Korea affinity", "index, −1 hostile … +1 close"),
    "jk_cooperation": ("Japan–Korea cooperation index", "12-month Goldstein sum"),
    "kor_fav_jpn": ("Koreans favourable to Japan", "% of public"),
    "jpn_fav_kor": ("Japanese favourable to Korea", "% of public"),
    "trilateral_cohesion": ("US–Japan–Korea cohesion", "index, −1 … +1"),
    "us_credibility": ("US credibility", "0 … 1"),
    "kor_threat_chn": ("Korea's threat perception of China", "0 … 1"),
    "jpn_threat_chn": ("Japan's threat perception of China", "0 … 1"),
    "china_coercion": ("Chinese coercive moves", "moves per month"),
    "china_coercion_intensity": ("Chinese coercion intensity", "summed intensity per month"),
    "trade_loss_jpn": ("Trade lost by Japan", "% of GDP, annualised"),
    "trade_loss_kor": ("Trade lost by Korea", "% of GDP, annualised"),
    "trade_loss_chn": ("Trade lost by China", "% of GDP, annualised"),
    "trade_loss_usa": ("Trade lost by the US", "% of GDP, annualised"),
    "agreements": ("Japan–Korea agreements in force", "count"),
}
KIND_MARKERS = {"cooperate": "o", "reassure": "P", "protest": "v", "align": "*", "coerce_econ": "X",
                "coerce_mil": "D"}
GREY = "#444444"


def outcome_label(name: str) -> str:
    base = name.removeprefix("final_")
    what, unit = OUTCOME_LABELS.get(base, (base.replace("_", " "), ""))
    if name.startswith("final_"):
        what += " at the horizon"
    return f"{what} ({unit})" if unit else what


def _title(name: str) -> str:
    return OUTCOME_LABELS.get(name.removeprefix("final_"), (name,))[0]


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if df is None or len(df) == 0:
        raise ValueError(f"{what} is empty: nothing to plot (did the experiment keep it? see [outputs])")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {missing}; expected a table from experiments.load or a model")


def _figure(ax: Axes | None, **kw) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(**kw)
    return fig, fig.add_subplot()


def _dates(labels: pd.Series) -> pd.Series:
    return pd.to_datetime(labels, format="%Y-%m")


def _date_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlabel("month")


def with_scenario(outcomes: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Outcomes with each run's scenario (and design values) joined on ``run_id``."""
    _require(outcomes, ["run_id", "month", "date"], "outcomes")
    _require(runs, ["run_id", "scenario"], "runs")
    extra = [c for c in runs.columns if c not in outcomes.columns or c == "run_id"]
    joined = outcomes.merge(runs[extra], on="run_id", how="inner", validate="many_to_one")
    if joined.empty:
        raise ValueError("outcomes and runs share no run_id: are they from the same results folder?")
    return joined


# ---------------------------------------------------------------------------------------------
# What a panel holds: never pool design points or scenarios without saying so
# ---------------------------------------------------------------------------------------------
MAX_PANELS = 36


def design_columns(runs: pd.DataFrame) -> list[str]:
    """The design parameters that vary across these runs: dotted-key columns with several values
    that are fixed within each design point. A value drawn per replicate (a posterior sample under
    ``parameters = "posterior"``) varies within a point: it is parameter uncertainty, not a facet."""
    cols = [c for c in runs.columns if "." in c and runs[c].nunique(dropna=True) > 1]
    if "point" in runs.columns and cols:
        within = runs.groupby(["scenario", "point"] if "scenario" in runs.columns else ["point"])[cols].nunique(dropna=True)
        cols = [c for c in cols if (within[c] <= 1).all()]
    return cols


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, int | float | np.floating | np.integer) else str(v)


def panels(runs: pd.DataFrame, scenarios: Sequence[str] | None = None, pool: bool = False,
           max_panels: int = MAX_PANELS) -> tuple[list[tuple[str, str, pd.DataFrame]], str]:
    """(scenario, title, runs) per panel: one per scenario and design point, or per scenario with
    ``pool=True``; and a note saying what each panel pools, for the figure's title.

    Too many panels is an error asking for a choice, never a silent average."""
    _require(runs, ["run_id", "scenario"], "runs")
    scenarios = list(scenarios or dict.fromkeys(runs["scenario"]))
    unknown = set(scenarios) - set(runs["scenario"])
    if unknown:
        raise ValueError(f"no runs of scenario(s) {sorted(unknown)} in these results")
    params = design_columns(runs[runs["scenario"].isin(scenarios)])
    out: list[tuple[str, str, pd.DataFrame]] = []
    pooled_points = 0
    for name in scenarios:
        r = runs[runs["scenario"] == name]
        if params and not pool:
            for key, g in r.groupby(params, sort=True, dropna=False):
                values = key if isinstance(key, tuple) else (key,)
                where = ", ".join(f"{short_name(p)} {_fmt(v)}" for p, v in zip(params, values, strict=True))
                out.append((name, where if len(scenarios) == 1 else f"{name}\n{where}", g))
        else:
            pooled_points = max(pooled_points, r.groupby(params).ngroups if params else 1)
            out.append((name, name, r))
    if len(out) > max_panels:
        raise ValueError(f"{len(out)} panels (scenario × design point) are too many for one figure (at most {max_panels}): "
                         "choose runs first, e.g. runs[runs['point'] == 0] or scenarios=[...], "
                         "or pass pool=True to pool the design points (the title then says so)")
    notes = [f"scenario {scenarios[0]}"] if len(scenarios) == 1 and params and not pool else []
    if pooled_points > 1:
        notes.append(f"each panel pools {pooled_points} design points over {', '.join(short_name(p) for p in params)}")
    return out, "; ".join(notes)


def _wrap(text: str, inches: float, fontsize: float) -> str:
    """Wrap a title to the figure's width, so it is never cut at the edge (about 0.55 em a glyph)."""
    width = max(20, int(inches * 72 / (fontsize * 0.55)))
    return "\n".join(textwrap.fill(part, width) for part in text.split("\n"))


def _suptitle(fig: Figure, text: str, fontsize: float = 12) -> None:
    fig.suptitle(_wrap(text, fig.get_figwidth(), fontsize), fontsize=fontsize)


# ---------------------------------------------------------------------------------------------
def fan_chart(outcomes: pd.DataFrame, runs: pd.DataFrame, outcome: str = "jk_affinity",
              scenarios: Sequence[str] | None = None, ncols: int = 4, pool: bool = False,
              baseline: str | None = None, fig: Figure | None = None) -> Figure:
    """Median with 50% and 90% bands over time, one panel per scenario and design point, on a
    shared y axis; ``baseline`` overlays that scenario's median on every panel. (A rupture is a
    conjunction of events, not a level of affinity, so no threshold line is drawn.)"""
    data = with_scenario(outcomes, runs)
    _require(data, [outcome], "outcomes")
    kept = runs[runs["run_id"].isin(data["run_id"].unique())]
    if scenarios is not None:
        unknown = set(scenarios) - set(kept["scenario"])
        if unknown:
            raise ValueError(f"no runs of scenario(s) {sorted(unknown)} in these results")
    if baseline is not None and baseline not in set(kept["scenario"]):
        raise ValueError(f"baseline {baseline!r}: no runs of that scenario in these results")
    groups, note = panels(kept, scenarios, pool)
    n = len(groups)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    width = max(3.6 * ncols, 6.4)  # a single panel still leaves room for the title
    fig = fig or Figure(figsize=(width, 2.9 * nrows + 1.0), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()

    def quantiles(ids: pd.Series) -> pd.DataFrame:
        d = data[data["run_id"].isin(ids)]
        return d.groupby("date")[outcome].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()

    base_q = quantiles(kept.loc[kept["scenario"] == baseline, "run_id"]) if baseline else None
    for ax, (name, title, g) in zip(axes, groups, strict=False):
        q = quantiles(g["run_id"])
        x = _dates(q.index.to_series())
        ax.fill_between(x, q[0.05], q[0.95], color="#9ecae1", label="90% of runs", linewidth=0)
        ax.fill_between(x, q[0.25], q[0.75], color="#4292c6", label="50% of runs", linewidth=0)
        ax.plot(x, q[0.5], color="black", linewidth=1.6, label="median")
        if base_q is not None and name != baseline:
            ax.plot(_dates(base_q.index.to_series()), base_q[0.5], color="#e08214", linewidth=1.4, linestyle="-.",
                    label=f"{baseline} median")
        if outcome == "jk_affinity":
            ax.axhline(0, color=GREY, linewidth=0.6, linestyle=":")
        ax.set_title(f"{title} (n={g['run_id'].nunique()})", fontsize=8 if "\n" in title else 9)
        _date_axis(ax)
        ax.label_outer()
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.supylabel(_wrap(outcome_label(outcome), 2.9 * nrows + 0.6, 10), fontsize=10)
    legend: dict[str, Any] = {}
    for ax in axes[:n]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(lab, h)
    handles, labels = list(legend.values()), list(legend)
    fig.legend(handles, labels, fontsize=7, loc="outside lower center", ncols=len(labels), frameon=False)
    by = "scenario and design point" if n > len({s for s, _, _ in groups}) else "scenario"
    _suptitle(fig, f"{_title(outcome)} over time by {by}: median and 50% / 90% bands of runs" + (f"; {note}" if note else ""))
    return fig


def scenario_comparison(runs: pd.DataFrame, outcome: str = "final_jk_affinity",
                        scenarios: Sequence[str] | None = None, pool: bool = False, fig: Figure | None = None) -> Figure:
    """Left: distribution of a final outcome per scenario and design point (box plot over the runs'
    strip); right: probability that the thaw survives, with 95% Wilson intervals."""
    _require(runs, ["scenario", "status", "thaw_survived", outcome], "runs")
    ok = runs[runs["status"] == "ok"]
    if ok.empty:
        raise ValueError("no successful runs to compare")
    groups, note = panels(ok, scenarios, pool, max_panels=40)
    rows = [title.replace("\n", " · ") for _, title, _ in groups]
    fig = fig or Figure(figsize=(11, 0.45 * len(rows) + 2.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, sharey=True, width_ratios=[3, 2])
    y = np.arange(len(rows))
    values = [g[outcome].dropna().to_numpy() for _, _, g in groups]
    rng = np.random.default_rng(0)  # jitter only: fixed so the figure is reproducible
    for i, v in enumerate(values):
        ax1.scatter(v, i + rng.uniform(-0.25, 0.25, len(v)), s=4, color="#969696", alpha=0.5, linewidths=0)
    ax1.boxplot(values, positions=y, orientation="horizontal", widths=0.6, showfliers=False,
                medianprops={"color": "black", "linewidth": 1.8}, boxprops={"color": GREY},
                whiskerprops={"color": GREY}, capprops={"color": GREY})
    ax1.set_yticks(y, rows, fontsize=8 if len(rows) > 12 else 10)
    ax1.invert_yaxis()
    ax1.set_xlabel(_wrap(outcome_label(outcome), 6, 10))
    ax1.set_title(f"{_title(outcome)}: runs (dots), quartiles (box)", fontsize=10)
    if "affinity" in outcome:
        ax1.axvline(0, color=GREY, linewidth=0.6, linestyle=":")
    est = [proportion_ci(int(g["thaw_survived"].sum()), len(g)) for _, _, g in groups]
    p = np.array([e[0] for e in est])
    err = np.clip(np.array([[e[0] - e[1] for e in est], [e[2] - e[0] for e in est]]), 0, None)  # rounding at p = 0 or 1
    ax2.errorbar(p, y, xerr=err, fmt="o", color="black", ecolor=GREY, capsize=3)
    ax2.axvline(0.5, color=GREY, linewidth=0.6, linestyle=":")
    ax2.set_xlim(-0.02, 1.02)
    ax2.set_xlabel(_wrap("P(thaw survives the horizon), share of runs", 3.5, 10))
    ax2.set_title("P(thaw survives) with 95% intervals", fontsize=10)
    n = [len(g) for _, _, g in groups]
    what = "Scenario comparison" + (" by design point" if len(rows) > len({s for s, _, _ in groups}) else "")
    _suptitle(fig, f"{what} ({min(n)}–{max(n)} runs a row)" if min(n) != max(n) else f"{what} ({n[0]} runs a row)"
              + (f"; {note}" if note else ""))
    return fig


def _edges(values: np.ndarray) -> np.ndarray:
    """Cell edges half-way between grid values, so that unevenly spaced values sit where they are."""
    mid = (values[1:] + values[:-1]) / 2
    return np.concatenate([[values[0] - (mid[0] - values[0])], mid, [values[-1] + (values[-1] - mid[-1])]])


def heatmap(runs: pd.DataFrame, x: str, y: str, value: str = "p_survive", scenario: str | None = None,
            ax: Axes | None = None) -> Figure:
    """P(thaw survives) (or the mean of ``value``) per cell of a two-parameter grid of one
    scenario, each cell annotated with its estimate and run count, cells placed at their values,
    the contour where P crosses 0.5, and hatching where the 95% interval of P spans 0.5."""
    _require(runs, [x, y, "scenario", "status", "thaw_survived"], "runs")
    ok = runs[runs["status"] == "ok"]
    names = list(dict.fromkeys(ok["scenario"]))
    if scenario is None:
        if len(names) > 1:
            raise ValueError(f"runs hold {len(names)} scenarios ({', '.join(names)}); a heatmap shows one: pass scenario=")
        scenario = names[0] if names else None
    elif scenario not in names:
        raise ValueError(f"no runs of scenario {scenario!r} in these results")
    ok = ok[ok["scenario"] == scenario]
    others = [c for c in design_columns(ok) if c not in (x, y)]
    if others:
        raise ValueError(f"these runs also vary {others}; a heatmap over {x} × {y} would average over them: "
                         "select one value of each first, e.g. runs[runs[key] == value]")
    if value != "p_survive":
        _require(ok, [value], "runs")
    xs = np.sort(ok[x].unique()).astype(float)
    ys = np.sort(ok[y].unique()).astype(float)
    if len(xs) < 2 or len(ys) < 2:
        raise ValueError(f"a heatmap needs at least two values of each of {x!r} and {y!r}")
    stats = ok.groupby([y, x]).agg(n=("thaw_survived", "size"), k=("thaw_survived", "sum"),
                                    **({"v": (value, "mean")} if value != "p_survive" else {}))
    shape = (len(ys), len(xs))
    n, p, lo, hi, v = (np.full(shape, np.nan) for _ in range(5))
    for (yv, xv), row in stats.iterrows():
        i, j = int(np.searchsorted(ys, yv)), int(np.searchsorted(xs, xv))
        n[i, j] = row["n"]
        p[i, j], lo[i, j], hi[i, j] = proportion_ci(int(row["k"]), int(row["n"]))
        v[i, j] = p[i, j] if value == "p_survive" else row["v"]
    fig, ax = _figure(ax, figsize=(7.2, 6), layout="constrained")
    cmap = "viridis" if value == "p_survive" else "cividis"  # perceptually uniform, greyscale-monotone
    kw = {"vmin": 0, "vmax": 1} if value == "p_survive" else {}
    mesh = ax.pcolormesh(_edges(xs), _edges(ys), np.ma.masked_invalid(v), cmap=cmap, **kw)
    label = "P(thaw survives)" if value == "p_survive" else outcome_label(value)
    fig.colorbar(mesh, ax=ax, label=_wrap(label, 5, 10))
    handles = []
    if np.isfinite(p).all() and np.nanmin(p) < 0.5 < np.nanmax(p):
        ax.contour(xs, ys, p, levels=[0.5], colors="white", linewidths=2.4)
        ax.contour(xs, ys, p, levels=[0.5], colors="black", linewidths=1.0, linestyles="--")
        handles.append(Line2D([], [], color="black", linestyle="--", label="P(survive) = 0.5"))
    xe, ye = _edges(xs), _edges(ys)
    spans = (lo < 0.5) & (hi > 0.5)
    for i, j in zip(*np.nonzero(spans), strict=True):
        ax.add_patch(Rectangle((xe[j], ye[i]), xe[j + 1] - xe[j], ye[i + 1] - ye[i], fill=False, hatch="///",
                               edgecolor="#bbbbbb", linewidth=0, label="_spans"))
    if spans.any():
        handles.append(Patch(facecolor="none", edgecolor="#888888", hatch="///", label="95% interval of P spans 0.5"))
    norm = mesh.norm
    for i in range(shape[0]):
        for j in range(shape[1]):
            if np.isnan(n[i, j]):
                continue
            shade = mesh.cmap(norm(v[i, j]))
            dark = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] < 0.5
            text = f"{v[i, j]:.2f}" if value == "p_survive" else f"{v[i, j]:+.2f}"
            ax.text(xs[j], ys[i], f"{text}\nn={int(n[i, j])}", ha="center", va="center", fontsize=6.5,
                    color="white" if dark else "black")
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.11), fontsize=8, ncols=2, frameon=False)
    ax.set_xticks(xs, [f"{t:g}" for t in xs], fontsize=8)
    ax.set_yticks(ys, [f"{t:g}" for t in ys], fontsize=8)
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    ax.set_xlabel(_wrap(param_label(x), 6, 10))
    ax.set_ylabel(_wrap(param_label(y), 5, 10))
    what = "P(thaw survives)" if value == "p_survive" else f"Mean {_title(value)} at the horizon"
    ax.set_title(_wrap(f"{what} in {scenario}, by {short_name(x)} × {short_name(y)}; each cell: estimate and "
                       f"number of runs", fig.get_figwidth() * 0.8, 10), fontsize=10)
    return fig


def event_timeline(events: pd.DataFrame, outcomes: pd.DataFrame, run: Mapping[str, Any],
                   series: Sequence[str] = ("jk_affinity", "trilateral_cohesion", "us_credibility"),
                   fig: Figure | None = None) -> Figure:
    """One run, named by scenario, seed and run id: every move as a marker on its source → target
    row (shape: kind, colour: Goldstein weight), and the monthly outcomes beneath on the same time
    axis, with the months in which the run was ruptured shaded."""
    _require(events, ["date", "source", "target", "move", "goldstein"], "events")
    _require(outcomes, ["date", *series], "outcomes")
    if "scenario" not in run or "seed" not in run:
        raise ValueError("run must name the run's scenario and seed (and run_id for a batch run), "
                         "e.g. runs.iloc[0] or {'scenario': 'baseline', 'seed': 7}")
    for df, what in ((events, "events"), (outcomes, "outcomes")):
        if "run_id" in df.columns and df["run_id"].nunique() > 1:
            raise ValueError(f"{what} hold several runs; pass one run, e.g. df[df.run_id == 0]")
    from model.catalogue import MOVES

    fig = fig or Figure(figsize=(11, 7.8), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    pairs = sorted({(s, t) for s, t in zip(events["source"], events["target"], strict=True)},
                   key=lambda p: (p not in (("JPN", "KOR"), ("KOR", "JPN")), p))
    row = {p: i for i, p in enumerate(pairs)}
    kinds = events["move"].map(lambda m: MOVES[m].kind)
    x = _dates(events["date"])
    offset = events.groupby(["date", "source", "target"]).cumcount() * 4  # days: moves of a month side by side
    sc = None
    for kind, marker in KIND_MARKERS.items():
        sel = (kinds == kind).to_numpy()
        if sel.any():
            yy = [row[(s, t)] for s, t in zip(events["source"][sel], events["target"][sel], strict=True)]
            sc = ax1.scatter(x[sel] + pd.to_timedelta(offset[sel], unit="D"), yy, c=events["goldstein"][sel],
                             cmap="RdBu", vmin=-10, vmax=10, marker=marker, s=28, edgecolors="black",
                             linewidths=0.4, label=kind.replace("_", " "))
    ax1.set_yticks(range(len(pairs)), [f"{s} → {t}" for s, t in pairs], fontsize=8)
    ax1.invert_yaxis()
    ax1.set_ylabel("source → target")
    ax1.legend(title="move kind", fontsize=7, title_fontsize=8, ncols=6, loc="upper center",
               bbox_to_anchor=(0.5, -0.02), frameon=False)
    if sc is not None:
        fig.colorbar(sc, ax=ax1, label="Goldstein weight (−10 conflict … +10 cooperation)", shrink=0.8)
    ax1.set_title("Moves by source and target (marker: kind; colour: Goldstein weight)", fontsize=10)
    xo = _dates(outcomes["date"])
    styles = [("-", "black"), ("--", "#2166ac"), (":", "#b2182b"), ("-.", "#1a9850")]
    for name, (ls, colour) in zip(series, styles, strict=False):
        ax2.plot(xo, outcomes[name], linestyle=ls, color=colour, linewidth=1.5, label=outcome_label(name))
    if "rupture" in outcomes and outcomes["rupture"].any():
        ruptured = outcomes["rupture"].to_numpy().astype(bool)
        first = xo[ruptured].iloc[0]
        for i, d in enumerate(xo[ruptured]):  # every month in which the four parts of a rupture hold
            ax2.axvspan(d - pd.Timedelta(days=15), d + pd.Timedelta(days=15), color="#d6604d", alpha=0.15,
                        linewidth=0, label="ruptured (trade and security measures, a broken agreement, "
                                           "an opinion fall)" if i == 0 else None)
        ax2.annotate("rupture", (first, ax2.get_ylim()[1]), fontsize=8, va="top", ha="left")
    ax2.axhline(0, color=GREY, linewidth=0.5)
    ax2.set_ylabel("index value (see legend for scale)")
    ax2.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.24), ncols=2, frameon=False)  # off the data
    ax2.set_title("Monthly outcomes of the same run", fontsize=10)
    _date_axis(ax2)
    rid = f"run {run['run_id']} · " if run.get("run_id") is not None else ""
    _suptitle(fig, f"One run ({rid}scenario {run['scenario']} · seed {run['seed']}): event timeline and outcomes")
    return fig


def coercion_cost(outcomes: pd.DataFrame, runs: pd.DataFrame, scenarios: Sequence[str] | None = None,
                  countries: Sequence[str] = ("JPN", "KOR", "CHN"), pool: bool = False,
                  fig: Figure | None = None) -> Figure:
    """Trade lost by each side over time (median across runs, 50% band), one panel per scenario
    (and design point, unless ``pool``)."""
    data = with_scenario(outcomes, runs)
    cols = [f"trade_loss_{c.lower()}" for c in countries]
    _require(data, cols, "outcomes")
    kept = runs[runs["run_id"].isin(data["run_id"].unique())]
    scenarios = list(scenarios or [s for s in dict.fromkeys(kept["scenario"]) if "coerce" in s]
                     or dict.fromkeys(kept["scenario"]))
    groups, note = panels(kept, scenarios, pool, max_panels=12)
    fig = fig or Figure(figsize=(max(5.2 * len(groups), 6.4), 4.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(groups), sharey=True, squeeze=False)).ravel()
    for ax, (_, title, g) in zip(axes, groups, strict=True):
        d = data[data["run_id"].isin(g["run_id"])]
        for code, col in zip(countries, cols, strict=True):
            q = d.groupby("date")[col].quantile([0.25, 0.5, 0.75]).unstack()
            xx = _dates(q.index.to_series())
            st = COUNTRY_STYLE[code]
            ax.fill_between(xx, q[0.25], q[0.75], color=st["color"], alpha=0.18, linewidth=0)
            ax.plot(xx, q[0.5], color=st["color"], linestyle=st["linestyle"], marker=st["marker"], markevery=6,
                    markersize=4, linewidth=1.6, label=st["label"])
        ax.set_title(f"{title} (n={g['run_id'].nunique()})", fontsize=9)
        _date_axis(ax)
    axes[0].set_ylabel("trade lost (% of own GDP, annualised)")
    axes[0].legend(fontsize=8, handles=[Line2D([], [], color=COUNTRY_STYLE[c]["color"],
                                               linestyle=COUNTRY_STYLE[c]["linestyle"],
                                               marker=COUNTRY_STYLE[c]["marker"], label=COUNTRY_STYLE[c]["label"])
                                        for c in countries])
    _suptitle(fig, "Cost of coercion: trade lost by each side over time (median and 50% band of runs)"
              + (f"; {note}" if note else ""))
    return fig


# ---------------------------------------------------------------------------------------------
# Ensemble views for the explorer: survival over time, the horizon, paired differences
# ---------------------------------------------------------------------------------------------
def survival_table(runs: pd.DataFrame, months: int) -> pd.DataFrame:
    """Share of runs whose thaw has not ruptured by each month 0 … ``months``, with 95% Wilson
    bands: ``experiments.results.survival`` for one group, in the columns the figures read."""
    _require(runs, ["months_to_rupture", "thaw_survived"], "runs")
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    if ok.empty:  # an empty selection draws an empty band rather than failing
        return pd.DataFrame({"month": range(months + 1), "at_risk": 0, "surviving": 0, "p": np.nan, "lo": np.nan,
                             "hi": np.nan})
    curve = survival(ok.assign(months=months, _group=0), by="_group")
    return curve.rename(columns={"runs": "at_risk", "intact": "surviving", "p_intact": "p", "p_intact_lo": "lo",
                                 "p_intact_hi": "hi"})[["month", "at_risk", "surviving", "p", "lo", "hi"]]


def survival_curve(runs: pd.DataFrame, months: int, label: str = "", ax: Axes | None = None,
                   color: str = "black") -> Figure:
    """P(no rupture yet) against months since the start, with its 95% band."""
    table = survival_table(runs, months)
    fig, ax = _figure(ax, figsize=(6.4, 3.6), layout="constrained")
    ax.fill_between(table["month"], table["lo"], table["hi"], step="post", color=color, alpha=0.15, linewidth=0)
    ax.step(table["month"], table["p"], where="post", color=color, linewidth=1.6,
            label=f"{label} (n={int(table['at_risk'].iloc[0])})" if label else f"n={int(table['at_risk'].iloc[0])}")
    ax.axhline(0.5, color=GREY, linewidth=0.6, linestyle=":")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(0, months)
    ax.set_xlabel("months since the start")
    ax.set_ylabel("P(no rupture yet), share of runs")
    ax.set_title("Survival of the thaw: share of runs not yet ruptured, 95% band", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    return fig


def horizon_distribution(runs: pd.DataFrame, outcome: str = "final_jk_affinity", ax: Axes | None = None) -> Figure:
    """Histogram of one outcome at the horizon over the runs, with its median marked."""
    _require(runs, [outcome], "runs")
    v = runs.loc[runs["status"] == "ok", outcome].dropna().astype(float) if "status" in runs else runs[outcome].dropna()
    fig, ax = _figure(ax, figsize=(6.4, 3.6), layout="constrained")
    ax.hist(v, bins=min(30, max(5, len(v) // 3)), color="#9ecae1", edgecolor="#4292c6")
    ax.axvline(float(v.median()), color="black", linewidth=1.6, label=f"median {v.median():+.2f}")
    ax.set_xlabel(_wrap(outcome_label(outcome), 6, 10))
    ax.set_ylabel("runs")
    ax.set_title(f"{_title(outcome)} at the horizon over {len(v)} runs", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def paired_differences(diff: pd.DataFrame, changed: str, fig: Figure | None = None) -> Figure:
    """Changed minus unchanged scenario, run by run on the same seeds: the mean difference of each
    outcome with its 95% interval (left), and P(thaw survives) under both (right)."""
    _require(diff, ["outcome", "mean", "lo", "hi", "n"], "paired differences")
    fig = fig or Figure(figsize=(10, 0.42 * len(diff) + 2.0), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[3, 2])
    rows = diff[diff["outcome"] != "thaw_survived"].reset_index(drop=True)
    y = np.arange(len(rows))
    err = np.array([rows["mean"] - rows["lo"], rows["hi"] - rows["mean"]]).clip(0, None)
    ax1.errorbar(rows["mean"], y, xerr=err, fmt="o", color="black", ecolor=GREY, capsize=3)
    ax1.axvline(0, color=GREY, linewidth=0.8, linestyle=":")
    ax1.set_yticks(y, [outcome_label(o) for o in rows["outcome"]], fontsize=8)
    ax1.invert_yaxis()
    ax1.set_xlabel("changed − unchanged, mean over paired runs (units of each outcome)")
    ax1.set_title(f"Paired differences on {int(rows['n'].max()) if len(rows) else 0} common seeds, 95% intervals",
                  fontsize=10)
    surv = diff[diff["outcome"] == "thaw_survived"]
    if len(surv):
        r = surv.iloc[0]
        ax2.bar([0, 1], [r["unchanged"], r["changed"]], color=["#bdbdbd", "#4292c6"], edgecolor="black")
        ax2.set_xticks([0, 1], ["unchanged", "changed"])
        ax2.set_ylim(0, 1.05)
        ax2.set_ylabel("P(thaw survives the horizon)")
        ax2.set_title(f"P(thaw survives)\n{r['unchanged']:.2f} → {r['changed']:.2f} (Δ {r['mean']:+.2f})", fontsize=10)
    _suptitle(fig, f"What if: {changed}")
    return fig


def hindcast_bands(table: pd.DataFrame, fig: Figure | None = None,
                   title: str = "Hindcast 2013–2025: posterior predictive poll readings against every wave") -> Figure:
    """The model's 5–95 % and 25–75 % bands of simulated poll readings and their median at each
    wave's fieldwork month, against the waves: filled dots face to face, hollow dots online (the
    2024–25 change of mode), squares Gallup Korea's second readings."""
    from model.observation import load_waves

    _require(table, ["series", "year", "fieldwork", "model_median", "model_p05", "model_p95", "observed"], "hindcast table")
    panels = {"kor_fav_jpn": ("KOR", "South Koreans favourable to Japan"),
              "jpn_fav_kor": ("JPN", "Japanese favourable to South Korea")}
    fig = fig or Figure(figsize=(11, 4), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    second = [w for w in load_waves() if w.role == "second"]
    for ax, (series, (code, title_)) in zip(axes, panels.items(), strict=True):
        d = table[table["series"] == series].sort_values("year")
        if d.empty:
            raise ValueError(f"hindcast table has no rows for {series}")
        st = COUNTRY_STYLE[code]
        x = _dates(d["fieldwork"])
        ax.fill_between(x, d["model_p05"], d["model_p95"], color=st["color"], alpha=0.18, linewidth=0,
                        label="model, 90% of readings")
        if {"model_p25", "model_p75"} <= set(d.columns):
            ax.fill_between(x, d["model_p25"], d["model_p75"], color=st["color"], alpha=0.35, linewidth=0,
                            label="model, 50% of readings")
        ax.plot(x, d["model_median"], color=st["color"], linestyle=st["linestyle"], linewidth=1.6, label="model median")
        obs = d.dropna(subset=["observed"])
        online = obs["mode"] == "online" if "mode" in obs else pd.Series(False, index=obs.index)
        ax.plot(_dates(obs.loc[~online, "fieldwork"]), obs.loc[~online, "observed"], "o", color="black", markersize=5,
                label="poll (Genron NPO / EAI)")
        if online.any():
            ax.plot(_dates(obs.loc[online, "fieldwork"]), obs.loc[online, "observed"], "o", markerfacecolor="white",
                    color="black", markersize=5, label="poll, online (2024-25)")
        g = [w for w in second if w.series == series]
        if g:
            ax.plot(_dates(pd.Series([w.fieldwork for w in g])), [w.value for w in g], "s", color="#555555",
                    markersize=4, label="Gallup Korea (second reading)")
        ax.set_title(title_, fontsize=10)
        _date_axis(ax)
        ax.xaxis.set_major_locator(mdates.YearLocator(2))  # thirteen years in a narrow panel
        ax.set_xlabel("poll fieldwork month")
    axes[0].set_ylabel("favourable impression (% of public)")
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title)
    return fig


def episode_comparison(episodes: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Measured against modelled bite of past coercion episodes (share of the flow cut in a year)."""
    _require(episodes, ["episode", "observed", "model"], "episodes")
    fig, ax = _figure(ax, figsize=(7, 3.2), layout="constrained")
    y = np.arange(len(episodes))
    ax.barh(y - 0.2, episodes["observed"], height=0.38, color="#bdbdbd", edgecolor="black", label="measured")
    ax.barh(y + 0.2, episodes["model"], height=0.38, color="#4d4d4d", edgecolor="black", hatch="//", label="model")
    ax.set_yticks(y, episodes["episode"])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the trade flow cut, mean over the year (0 … 1)")
    ax.set_title("Coercion episodes: measured bite against the hindcast's", fontsize=10)
    ax.legend(fontsize=8, loc="center right")
    return fig


def backtest_forecasts(rows: pd.DataFrame, fig: Figure | None = None) -> Figure:
    """Each backtest origin's forecasts (median, 90 % band) of the next waves against the record and
    against persistence; one panel per public, in its country's colour."""
    from model.observation import load_waves

    _require(rows, ["origin", "series", "fieldwork", "observed", "model_median", "model_p05", "model_p95",
                    "persistence"], "backtest table")
    panels = {"kor_fav_jpn": ("KOR", "South Koreans favourable to Japan"),
              "jpn_fav_kor": ("JPN", "Japanese favourable to South Korea")}
    fig = fig or Figure(figsize=(11, 4), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    record = [w for w in load_waves() if w.role == "target"]
    origins = sorted(rows["origin"].unique())
    for ax, (series, (code, title)) in zip(axes, panels.items(), strict=True):
        st = COUNTRY_STYLE[code]
        rec = sorted((w.fieldwork, w.value) for w in record if w.series == series)
        ax.plot(_dates(pd.Series([f for f, _ in rec])), [v for _, v in rec], "o-", color="black", markersize=4,
                linewidth=0.8, label="poll (Genron NPO / EAI)")
        for k, origin in enumerate(origins):
            d = rows[(rows["series"] == series) & (rows["origin"] == origin)].sort_values("fieldwork")
            if d.empty:
                continue
            x = _dates(d["fieldwork"]) + pd.Timedelta(days=25 * (k - len(origins) / 2))  # keep origins apart
            ax.errorbar(x, d["model_median"], yerr=[d["model_median"] - d["model_p05"], d["model_p95"] - d["model_median"]],
                        fmt=st["marker"], color=st["color"], alpha=0.4 + 0.6 * (k + 1) / len(origins), markersize=4,
                        capsize=2, linewidth=1, label="model median, 90% band (by origin)" if k == 0 else None)
            ax.plot(x, d["persistence"], "x", color="#7f7f7f", label="persistence" if k == 0 else None)
        ax.set_title(title, fontsize=10)
        _date_axis(ax)
        ax.xaxis.set_major_locator(mdates.YearLocator(2))
        ax.set_xlabel("poll fieldwork month")
    axes[0].set_ylabel("favourable impression (% of public)")
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Backtest: forecasts of the next 1-3 waves from origins {', '.join(map(str, origins))}")
    return fig
