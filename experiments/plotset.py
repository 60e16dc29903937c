"""The standard set of PNGs for a results folder (what ``thaw plot`` and ``make run`` write)."""

from __future__ import annotations

from pathlib import Path

from experiments import plots
from experiments.results import load

DPI = 150


def write_standard_plots(results_dir: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write every plot the results support; returns the files written.

    Fan charts and coercion costs need monthly outcomes, the timeline needs the event log, the
    heatmap needs a design over exactly two parameters: each is skipped when its input is absent.
    """
    res = load(results_dir)
    out = Path(out) if out is not None else Path(results_dir) / "plots"
    out.mkdir(parents=True, exist_ok=True)
    runs = res.runs
    written: list[Path] = []

    def save(fig, name: str) -> None:
        path = out / name
        fig.savefig(path, dpi=DPI)
        written.append(path)

    if runs.empty:
        raise ValueError(f"{results_dir}: no finished runs to plot")
    save(plots.scenario_comparison(runs), "scenario_comparison.png")
    params = res.parameters
    if res.manifest["design"]["kind"] == "grid" and len(params) == 2:
        save(plots.heatmap(runs, x=params[1], y=params[0]), "heatmap_survival.png")
        save(plots.heatmap(runs, x=params[1], y=params[0], value="final_jk_affinity"), "heatmap_jk_affinity.png")
    outcomes = res.outcomes
    if not outcomes.empty:
        for outcome in ("jk_affinity", "kor_fav_jpn", "trilateral_cohesion"):
            save(plots.fan_chart(outcomes, runs, outcome), f"fan_{outcome}.png")
        if any("coerce" in s for s in runs["scenario"].unique()):
            save(plots.coercion_cost(outcomes, runs), "coercion_cost.png")
    events = res.events
    if not events.empty and not outcomes.empty:
        rid = int(runs.loc[runs["status"] == "ok", "run_id"].min())
        save(plots.event_timeline(events[events["run_id"] == rid], outcomes[outcomes["run_id"] == rid]),
             f"timeline_run{rid}.png")
    return written
