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
    Design points are drawn as panels of their own while they fit in a figure; beyond that (a
    sampled design of hundreds of points) they are pooled, and the title says so.
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
    scenarios = list(dict.fromkeys(runs["scenario"]))
    points = runs.groupby(["scenario", *plots.design_columns(runs)]).ngroups
    save(plots.scenario_comparison(runs, pool=points > 40), "scenario_comparison.png")
    params = res.parameters
    if res.manifest["design"]["kind"] == "grid" and len(params) == 2:
        for name in scenarios:
            suffix = "" if len(scenarios) == 1 else f"_{name}"
            save(plots.heatmap(runs, x=params[1], y=params[0], scenario=name), f"heatmap_survival{suffix}.png")
            save(plots.heatmap(runs, x=params[1], y=params[0], value="final_jk_affinity", scenario=name),
                 f"heatmap_jk_affinity{suffix}.png")
    outcomes = res.outcomes
    if not outcomes.empty:
        baseline = "baseline" if "baseline" in scenarios and len(scenarios) > 1 else None
        for outcome in ("jk_affinity", "kor_fav_jpn", "trilateral_cohesion"):
            save(plots.fan_chart(outcomes, runs, outcome, ncols=6 if points > 8 else 4, pool=points > plots.MAX_PANELS,
                                 baseline=baseline), f"fan_{outcome}.png")
        coerced = [s for s in scenarios if "coerce" in s]
        if coerced:
            per = runs[runs["scenario"].isin(coerced)].groupby(["scenario", *plots.design_columns(runs)]).ngroups
            save(plots.coercion_cost(outcomes, runs, pool=per > 4), "coercion_cost.png")
    events = res.events
    if not events.empty and not outcomes.empty:
        first = runs[runs["status"] == "ok"].iloc[0]
        rid = int(first["run_id"])
        save(plots.event_timeline(events[events["run_id"] == rid], outcomes[outcomes["run_id"] == rid], run=first),
             f"timeline_run{rid}.png")
    return written
