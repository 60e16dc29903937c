"""Outcome plots for batches and single runs, on matplotlib.

Every function takes the DataFrames that ``experiments.load`` returns (or a single model's
``outcomes()`` / ``events()``), draws on the Axes it is given or on a new Figure, returns the
Figure, and keeps no global state: styles are passed per artist, never set with ``rcParams``.
Countries have one colour, line style and marker each, chosen to differ in lightness too, so the
plots survive greyscale print.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from experiments.results import wilson

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
def fan_chart(outcomes: pd.DataFrame, runs: pd.DataFrame, outcome: str = "jk_affinity",
              scenarios: Sequence[str] | None = None, ncols: int = 4, fig: Figure | None = None) -> Figure:
    """Median with 50% and 90% bands over time, one panel per scenario, on a shared y axis."""
    data = with_scenario(outcomes, runs)
    _require(data, [outcome], "outcomes")
    scenarios = list(scenarios or dict.fromkeys(data["scenario"]))
    unknown = set(scenarios) - set(data["scenario"])
    if unknown:
        raise ValueError(f"no runs of scenario(s) {sorted(unknown)} in these results")
    n = len(scenarios)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig = fig or Figure(figsize=(3.6 * ncols, 2.8 * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax, name in zip(axes, scenarios, strict=False):
        d = data[data["scenario"] == name]
        q = d.groupby("date")[outcome].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
        x = _dates(q.index.to_series())
        ax.fill_between(x, q[0.05], q[0.95], color="#9ecae1", label="90% of runs", linewidth=0)
        ax.fill_between(x, q[0.25], q[0.75], color="#4292c6", label="50% of runs", linewidth=0)
        ax.plot(x, q[0.5], color="black", linewidth=1.6, label="median")
        if outcome == "jk_affinity":
            ax.axhline(0, color=GREY, linewidth=0.6, linestyle=":")
        ax.set_title(f"{name} (n={d['run_id'].nunique()})", fontsize=9)
        _date_axis(ax)
        ax.label_outer()
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.supylabel(outcome_label(outcome), fontsize=10)
    axes[0].legend(fontsize=7, loc="best")
    fig.suptitle(f"{_title(outcome)} over time by scenario: median and 50% / 90% bands of runs")
    return fig


def scenario_comparison(runs: pd.DataFrame, outcome: str = "final_jk_affinity",
                        scenarios: Sequence[str] | None = None, fig: Figure | None = None) -> Figure:
    """Left: distribution of a final outcome per scenario (box plot over the runs' strip);
    right: probability that the thaw survives, with 95% Wilson intervals."""
    _require(runs, ["scenario", "status", "thaw_survived", outcome], "runs")
    ok = runs[runs["status"] == "ok"]
    if ok.empty:
        raise ValueError("no successful runs to compare")
    scenarios = list(scenarios or dict.fromkeys(ok["scenario"]))
    fig = fig or Figure(figsize=(11, 0.45 * len(scenarios) + 1.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, sharey=True, width_ratios=[3, 2])
    y = np.arange(len(scenarios))
    values = [ok.loc[ok["scenario"] == s, outcome].dropna().to_numpy() for s in scenarios]
    rng = np.random.default_rng(0)  # jitter only: fixed so the figure is reproducible
    for i, v in enumerate(values):
        ax1.scatter(v, i + rng.uniform(-0.25, 0.25, len(v)), s=4, color="#969696", alpha=0.5, linewidths=0)
    ax1.boxplot(values, positions=y, orientation="horizontal", widths=0.6, showfliers=False,
                medianprops={"color": "black", "linewidth": 1.8}, boxprops={"color": GREY},
                whiskerprops={"color": GREY}, capprops={"color": GREY})
    ax1.set_yticks(y, scenarios)
    ax1.invert_yaxis()
    ax1.set_xlabel(outcome_label(outcome))
    ax1.set_title(f"{_title(outcome)}: runs (dots), quartiles (box)", fontsize=10)
    if "affinity" in outcome:
        ax1.axvline(0, color=GREY, linewidth=0.6, linestyle=":")
    est = [wilson(int(ok.loc[ok["scenario"] == s, "thaw_survived"].sum()), int((ok["scenario"] == s).sum()))
           for s in scenarios]
    p = np.array([e[0] for e in est])
    err = np.clip(np.array([[e[0] - e[1] for e in est], [e[2] - e[0] for e in est]]), 0, None)  # rounding at p = 0 or 1
    ax2.errorbar(p, y, xerr=err, fmt="o", color="black", ecolor=GREY, capsize=3)
    ax2.axvline(0.5, color=GREY, linewidth=0.6, linestyle=":")
    ax2.set_xlim(-0.02, 1.02)
    ax2.set_xlabel("P(thaw survives the horizon), share of runs")
    ax2.set_title("P(thaw survives) with 95% intervals", fontsize=10)
    fig.suptitle("Scenario comparison")
    return fig


def heatmap(runs: pd.DataFrame, x: str, y: str, value: str = "p_survive", ax: Axes | None = None) -> Figure:
    """Mean of ``value`` (or the survival probability, ``p_survive``) per cell of a two-parameter
    grid, with the contour where the survival probability crosses 0.5."""
    _require(runs, [x, y, "status", "thaw_survived"], "runs")
    ok = runs[runs["status"] == "ok"]
    surv = ok.pivot_table(index=y, columns=x, values="thaw_survived", aggfunc="mean").sort_index()
    if surv.shape[0] < 2 or surv.shape[1] < 2:
        raise ValueError(f"a heatmap needs at least two values of each of {x!r} and {y!r}")
    grid = surv if value == "p_survive" else ok.pivot_table(index=y, columns=x, values=value, aggfunc="mean").sort_index()
    fig, ax = _figure(ax, figsize=(6.4, 5), layout="constrained")
    xs, ys = grid.columns.to_numpy(float), grid.index.to_numpy(float)
    cmap = "viridis" if value == "p_survive" else "cividis"  # perceptually uniform, greyscale-monotone
    kw = {"vmin": 0, "vmax": 1} if value == "p_survive" else {}
    mesh = ax.pcolormesh(np.arange(len(xs) + 1), np.arange(len(ys) + 1), grid.to_numpy(float), cmap=cmap, **kw)
    label = "P(thaw survives)" if value == "p_survive" else outcome_label(value)
    fig.colorbar(mesh, ax=ax, label=label)
    cs = ax.contour(np.arange(len(xs)) + 0.5, np.arange(len(ys)) + 0.5, surv.to_numpy(float), levels=[0.5],
                    colors="white", linewidths=2.2)
    ax.contour(np.arange(len(xs)) + 0.5, np.arange(len(ys)) + 0.5, surv.to_numpy(float), levels=[0.5],
               colors="black", linewidths=1.0, linestyles="--")
    if cs.allsegs and any(len(s) for s in cs.allsegs[0]):
        ax.plot([], [], color="black", linestyle="--", label="P(survive) = 0.5")
        ax.legend(loc="upper right", fontsize=8)
    ax.set_xticks(np.arange(len(xs)) + 0.5, [f"{v:g}" for v in xs])
    ax.set_yticks(np.arange(len(ys)) + 0.5, [f"{v:g}" for v in ys])
    ax.set_xlabel(_param_label(x))
    ax.set_ylabel(_param_label(y))
    n = int(ok.groupby([x, y]).size().min())
    ax.set_title(f"{'P(thaw survives)' if value == 'p_survive' else _title(value)} over "
                 f"{_param_label(x, short=True)} × {_param_label(y, short=True)} (≥{n} runs a cell)", fontsize=10)
    return fig


def _param_label(key: str, short: bool = False) -> str:
    names = {"states.USA.commitment": "US commitment (0 … 1)",
             "states.CHN.doctrine.threshold": "China's red-line threshold (provocation units)"}
    label = names.get(key, key)
    return label.split(" (")[0] if short else label


def event_timeline(events: pd.DataFrame, outcomes: pd.DataFrame,
                   series: Sequence[str] = ("jk_affinity", "trilateral_cohesion", "us_credibility"),
                   fig: Figure | None = None) -> Figure:
    """One run: every move as a marker on its source → target row (shape: kind, colour: Goldstein
    weight), and the monthly outcomes beneath on the same time axis."""
    _require(events, ["date", "source", "target", "move", "goldstein"], "events")
    _require(outcomes, ["date", *series], "outcomes")
    for df, what in ((events, "events"), (outcomes, "outcomes")):
        if "run_id" in df.columns and df["run_id"].nunique() > 1:
            raise ValueError(f"{what} hold several runs; pass one run, e.g. df[df.run_id == 0]")
    from model.catalogue import MOVES

    fig = fig or Figure(figsize=(11, 7.5), layout="constrained")
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
        first = xo[outcomes["rupture"].to_numpy()].iloc[0]
        ax2.axvline(first, color=GREY, linewidth=1, linestyle=":")
        ax2.annotate("rupture", (first, ax2.get_ylim()[1]), fontsize=8, va="top", ha="left")
    ax2.axhline(0, color=GREY, linewidth=0.5)
    ax2.set_ylabel("index value (see legend for scale)")
    ax2.legend(fontsize=7, loc="lower left")
    ax2.set_title("Monthly outcomes of the same run", fontsize=10)
    _date_axis(ax2)
    fig.suptitle("One run: event timeline and outcomes")
    return fig


def coercion_cost(outcomes: pd.DataFrame, runs: pd.DataFrame, scenarios: Sequence[str] | None = None,
                  countries: Sequence[str] = ("JPN", "KOR", "CHN"), fig: Figure | None = None) -> Figure:
    """Trade lost by each side over time (median across runs, 50% band), one panel per scenario."""
    data = with_scenario(outcomes, runs)
    cols = [f"trade_loss_{c.lower()}" for c in countries]
    _require(data, cols, "outcomes")
    scenarios = list(scenarios or [s for s in dict.fromkeys(data["scenario"]) if "coerce" in s]
                     or dict.fromkeys(data["scenario"]))
    unknown = set(scenarios) - set(data["scenario"])
    if unknown:
        raise ValueError(f"no runs of scenario(s) {sorted(unknown)} in these results")
    fig = fig or Figure(figsize=(5.2 * len(scenarios), 3.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(scenarios), sharey=True, squeeze=False)).ravel()
    for ax, name in zip(axes, scenarios, strict=True):
        d = data[data["scenario"] == name]
        for code, col in zip(countries, cols, strict=True):
            q = d.groupby("date")[col].quantile([0.25, 0.5, 0.75]).unstack()
            xx = _dates(q.index.to_series())
            st = COUNTRY_STYLE[code]
            ax.fill_between(xx, q[0.25], q[0.75], color=st["color"], alpha=0.18, linewidth=0)
            ax.plot(xx, q[0.5], color=st["color"], linestyle=st["linestyle"], marker=st["marker"], markevery=6,
                    markersize=4, linewidth=1.6, label=st["label"])
        ax.set_title(f"{name} (n={d['run_id'].nunique()})", fontsize=9)
        _date_axis(ax)
    axes[0].set_ylabel("trade lost (% of own GDP, annualised)")
    axes[0].legend(fontsize=8, handles=[Line2D([], [], color=COUNTRY_STYLE[c]["color"],
                                               linestyle=COUNTRY_STYLE[c]["linestyle"],
                                               marker=COUNTRY_STYLE[c]["marker"], label=COUNTRY_STYLE[c]["label"])
                                        for c in countries])
    fig.suptitle("Cost of coercion: trade lost by each side over time (median and 50% band of runs)")
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
