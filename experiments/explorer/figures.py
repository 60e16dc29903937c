"""Figures the explorer shows, rendered to PNG bytes for ``ipywidgets.Image``.

PNG images instead of live matplotlib widgets: they render the same in JupyterLab, in Voilà and
in a headless notebook run, need no JavaScript extension, and a changed figure is a changed value
that a browser test can see.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments import plots

DPI = 80


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def placeholder(text: str, width: float = 10, height: float = 3) -> bytes:
    fig = Figure(figsize=(width, height))
    fig.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color="#444444", wrap=True)
    return png(fig)


def arms_overview(unchanged_runs: pd.DataFrame, unchanged_out: pd.DataFrame, changed_runs: pd.DataFrame,
                  changed_out: pd.DataFrame, months: int, title: str) -> Figure:
    """Japan–Korea affinity (median and 50% band) and survival curves of both arms, on shared axes."""
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    arms = (("unchanged", unchanged_runs, unchanged_out, "#7f7f7f", "--"),
            ("changed", changed_runs, changed_out, "#2166ac", "-"))
    for label, runs, out, colour, ls in arms:
        q = out.groupby("month")["jk_affinity"].quantile([0.25, 0.5, 0.75]).unstack()
        ax1.fill_between(q.index, q[0.25], q[0.75], color=colour, alpha=0.2, linewidth=0)
        ax1.plot(q.index, q[0.5], color=colour, linestyle=ls, linewidth=1.8, label=f"{label}: median, 50% band")
        plots.survival_curve(runs, months, label=label, ax=ax2, color=colour)
    ax1.axhline(0, color="#444444", linewidth=0.5, linestyle=":")
    ax1.set_xlabel("months since the start")
    ax1.set_ylabel(plots.outcome_label("jk_affinity"))
    ax1.set_title(f"Japan–Korea affinity over {len(unchanged_runs)} paired runs", fontsize=10)
    ax1.legend(fontsize=7, loc="lower left")
    plots._suptitle(fig, title)
    return fig


def run_outcomes(outcomes: pd.DataFrame, columns: list[str]) -> str:
    """One run's monthly outcomes as an HTML table (every 3rd month, to stay short)."""
    cols = ["month", "date", *[c for c in columns if c in outcomes]]
    table = outcomes[cols].iloc[np.r_[0:len(outcomes):3]].round(3)
    return table.to_html(index=False, border=0, classes="thaw-table")
