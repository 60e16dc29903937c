"""Figures of the analysis: index bars coloured by source class, Morris mu*-sigma, the PRIM
trade-off and box, CART's tree, the assumption-risk shares and the survival curves.

Like ``experiments.plots``, every function draws on a new Figure (or given Axes) and returns it,
with no global matplotlib state; labels follow ``plots.outcome_label``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from experiments.plots import GREY, outcome_label

#: One colour per source class, the same in every figure: sourced classes in blues/greens,
#: assumptions in a warm red that stands out, differing in lightness for greyscale print.
CLASS_COLOURS = {"article": "#08519c", "data": "#3182bd", "derived": "#6baed6", "calibrated": "#31a354",
                 "assumption": "#de2d26", "override": "#969696", "unclassified": "#bdbdbd"}


def _label(outcome: str) -> str:
    if outcome == "thaw_survived":
        return "P(thaw survives the horizon)"
    return outcome_label(outcome)


def _legend(ax: Axes, classes, loc: str = "lower right") -> None:
    handles = [Patch(color=CLASS_COLOURS.get(c, GREY), label=c) for c in CLASS_COLOURS if c in set(classes)]
    ax.legend(handles=handles, title="source class", fontsize=7, title_fontsize=8, loc=loc)


def index_bars(table: pd.DataFrame, value: str, lo: str | None, hi: str | None, xlabel: str, title: str,
               top: int = 15, classes: dict[str, str] | None = None) -> Figure:
    """One panel per outcome: the ``top`` parameters by ``value`` with their interval, each bar
    coloured by its parameter's source class."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    if not outcomes:
        raise ValueError("no indices to plot (every outcome constant?)")
    classes = classes or {}
    n = len(outcomes)
    ncols = min(n, 3)
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(5.2 * ncols, 0.28 * top * nrows + 1.4 * nrows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, o in zip(axes, outcomes, strict=False):
        t = table[table["outcome"] == o].sort_values(value, ascending=False).head(top).iloc[::-1]
        colours = [CLASS_COLOURS.get(classes.get(p, "unclassified"), GREY) for p in t["parameter"]]
        err = None
        if lo and hi:
            err = np.clip(np.vstack([t[value] - t[lo], t[hi] - t[value]]), 0, None)
        ax.barh(np.arange(len(t)), t[value], xerr=err, color=colours, ecolor="black", capsize=2)
        ax.set_yticks(np.arange(len(t)), t["parameter"], fontsize=7)
        ax.axvline(0, color=GREY, linewidth=0.6)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_title(_short(o), fontsize=9)
        _legend(ax, [classes.get(p, "unclassified") for p in t["parameter"]])
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig


def morris_plane(table: pd.DataFrame, classes: dict[str, str] | None = None, label_top: int = 6) -> Figure:
    """Morris mu* against sigma per outcome: far right matters, high up means non-linear or
    interacting; points coloured by source class, the strongest labelled."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    classes = classes or {}
    n = len(outcomes)
    ncols = min(n, 3)
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(5.2 * ncols, 4.2 * nrows + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, o in zip(axes, outcomes, strict=False):
        t = table[table["outcome"] == o]
        cl = [classes.get(p, "unclassified") for p in t["parameter"]]
        ax.scatter(t["mu_star"], t["sigma"], s=14, c=[CLASS_COLOURS.get(c, GREY) for c in cl], alpha=0.85)
        for r in t.nlargest(label_top, "mu_star").itertuples():
            ax.annotate(r.parameter, (r.mu_star, r.sigma), fontsize=6, xytext=(3, 2), textcoords="offset points")
        ax.set_xlabel("mu*: mean |elementary effect| (outcome units per full range)", fontsize=8)
        ax.set_ylabel("sigma: sd of elementary effects", fontsize=8)
        ax.set_title(_short(o), fontsize=9)
        _legend(ax, cl, loc="upper left")  # effects and their spread grow together: that corner stays empty
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle("Morris screening: mean absolute effect (mu*) against spread (sigma) of every parameter")
    return fig


def _short(outcome: str) -> str:
    if outcome == "thaw_survived":
        return "P(thaw survives)"
    from experiments.plots import OUTCOME_LABELS

    base = outcome.removeprefix("final_")
    what = OUTCOME_LABELS.get(base, (base.replace("_", " "),))[0]
    return f"{what} (end)" if outcome.startswith("final_") else what


def class_share_bars(shares: pd.DataFrame, measure: str) -> Figure:
    """Per outcome, how its importance splits over source classes (stacked to 100%)."""
    fig = Figure(figsize=(10, 0.5 * len(shares) + 2.2), layout="constrained")
    ax = fig.add_subplot()
    left = np.zeros(len(shares))
    y = np.arange(len(shares))
    for c in shares.columns:
        v = shares[c].to_numpy(float)
        ax.barh(y, v, left=left, color=CLASS_COLOURS.get(c, GREY), label=c, edgecolor="white")
        for yi, (l0, vi) in enumerate(zip(left, v, strict=True)):
            if vi >= 0.06:
                ax.text(l0 + vi / 2, yi, f"{vi:.0%}", ha="center", va="center", fontsize=8, color="white")
        left += v
    ax.axvline(0.5, color="black", linewidth=0.8, linestyle=":")
    ax.set_yticks(y, [_short(o) for o in shares.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share of the outcome's importance ({measure}) by the source class of each parameter")
    fig.legend(*ax.get_legend_handles_labels(), title="source class", fontsize=8, title_fontsize=8,
               ncols=len(shares.columns), loc="outside lower center")
    ax.set_title("Assumption risk: how much of each outcome's sensitivity rests on assumed numbers", fontsize=10)
    return fig


def prim_tradeoff(trajectory: pd.DataFrame, condition: str) -> Figure:
    """PRIM's peeling trajectory: coverage against density, coloured by restricted dimensions,
    the chosen box ringed."""
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.add_subplot()
    sc = ax.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"], cmap="viridis", s=18)
    fig.colorbar(sc, ax=ax, label="restricted parameters")
    ch = trajectory[trajectory["chosen"]]
    ax.scatter(ch["coverage"], ch["density"], s=140, facecolors="none", edgecolors="#de2d26", linewidths=1.8,
               label="chosen box")
    ax.set_xlabel("coverage: share of the cases of interest inside the box")
    ax.set_ylabel("density: share of the box's runs that are cases")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(f"PRIM peeling trajectory for: {condition}", fontsize=10)
    return fig


def prim_limits(limits: pd.DataFrame, condition: str, stats: dict[str, float]) -> Figure:
    """The chosen PRIM box: for each restricted parameter, its limits within the sampled range
    (normalised to 0 … 1), with the quasi-p value of each restriction."""
    fig = Figure(figsize=(7.5, 0.5 * len(limits) + 1.8), layout="constrained")
    ax = fig.add_subplot()
    for i, r in enumerate(limits.itertuples()):
        width = r.range_max - r.range_min or 1.0
        a, b = (r.min - r.range_min) / width, (r.max - r.range_min) / width
        ax.plot([0, 1], [i, i], color="#d9d9d9", linewidth=6, solid_capstyle="butt")
        ax.plot([a, b], [i, i], color="#de2d26", linewidth=6, solid_capstyle="butt")
        ax.text(a, i + 0.28, f"{r.min:.3g}", ha="center", fontsize=7)
        ax.text(b, i + 0.28, f"{r.max:.3g}", ha="center", fontsize=7)
        qps = [q for q in (r.qp_lower, r.qp_upper) if pd.notna(q)]
        ax.text(1.02, i, f"qp {min(qps):.1g}" if qps else "", va="center", fontsize=7)
    ax.set_yticks(range(len(limits)), limits["parameter"], fontsize=8)
    ax.set_xlim(-0.02, 1.15)
    ax.set_ylim(len(limits) - 0.5, -0.7)
    ax.set_xlabel("position within the sampled range (0 = low end, 1 = high end); red: the box")
    ax.set_title(f"PRIM box for {condition}: coverage {stats['coverage']:.2f}, density {stats['density']:.2f}, "
                 f"mass {stats['mass']:.2f}", fontsize=9)
    return fig


def cart_tree(clf, feature_names: list[str], condition: str) -> Figure:
    """The fitted CART tree (scikit-learn's own drawing), three levels deep."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from sklearn.tree import plot_tree

    fig = Figure(figsize=(13, 6.5), layout="constrained")
    FigureCanvasAgg(fig)  # scikit-learn measures text with the canvas's renderer
    ax = fig.add_subplot()
    plot_tree(clf, feature_names=feature_names, class_names=["no", "yes"], filled=True, max_depth=3, ax=ax,
              fontsize=6, impurity=False, proportion=True)
    ax.set_title(f"CART tree (first three levels) for: {condition}; value = [share no, share yes]", fontsize=10)
    return fig


def survival_curves(curves: pd.DataFrame, by: str = "scenario", ax: Axes | None = None,
                    horizon_label: str = "months from the start of the run") -> Figure:
    """P(thaw intact by month t) per group with its 95% band: the survival curve of the thaw."""
    if curves.empty:
        raise ValueError("no survival curve to plot")
    if ax is None:
        fig = Figure(figsize=(7.5, 4.8), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    groups = list(dict.fromkeys(curves[by]))
    styles = ["-", "--", ":", "-."]
    import matplotlib as mpl

    cmap = mpl.colormaps["tab10"]
    for i, g in enumerate(groups):
        c = curves[curves[by] == g]
        colour = cmap(i % 10)
        ax.fill_between(c["month"], c["p_intact_lo"], c["p_intact_hi"], step="post", color=colour, alpha=0.15,
                        linewidth=0)
        ax.step(c["month"], c["p_intact"], where="post", color=colour, linestyle=styles[i % 4],
                label=f"{g} (n={int(c['runs'].iloc[0])})")
    ax.axhline(0.5, color=GREY, linewidth=0.6, linestyle=":")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(horizon_label)
    ax.set_ylabel("P(thaw intact by month t)")
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title("Survival of the thaw: share of runs without a rupture by each month, 95% bands", fontsize=10)
    return fig
