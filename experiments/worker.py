"""What a worker does with a chunk of runs: run each one, catch what fails, return tables.

Outputs are gathered column-wise across the chunk and turned into one DataFrame per table at the
end, because building a DataFrame per run would cost more than a short run itself.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from typing import Any

import pandas as pd

from experiments.design import RunSpec
from model import ThawModel, load_scenario
from model.outcomes import EVENT_COLUMNS, OUTCOME_COLUMNS


@dataclass
class ChunkResult:
    runs: pd.DataFrame
    outcomes: pd.DataFrame | None
    events: pd.DataFrame | None
    written: bool = False  # already stored by the worker; ``runs`` then holds only ids and status

    @property
    def failed(self) -> int:
        return int((self.runs["status"] == "failed").sum())


def run_chunk(specs: list[RunSpec], months: int | None, keep_outcomes: bool, keep_events: bool,
              out: str | None = None) -> ChunkResult:
    """Run a chunk. With ``out`` (a results folder on a file system the worker shares), the worker
    stores the chunk itself and returns only ids and statuses, so the parent process stays idle
    instead of competing with the workers for the cores."""
    result = _run(specs, months, keep_outcomes, keep_events)
    if out is None:
        return result
    from experiments.store import ResultsStore

    ResultsStore(out).write_chunk(result)
    return ChunkResult(result.runs[["run_id", "status"]], None, None, written=True)


def _run(specs: list[RunSpec], months: int | None, keep_outcomes: bool, keep_events: bool) -> ChunkResult:
    rows: list[dict[str, Any]] = []
    out_cols: dict[str, list] = {c: [] for c in ["run_id", *OUTCOME_COLUMNS]} if keep_outcomes else {}
    events: list[tuple] = []
    for spec in specs:
        row: dict[str, Any] = {"run_id": spec.run_id, "scenario": spec.scenario, "point": spec.point,
                               "replicate": spec.replicate, "seed": spec.seed, **spec.params}
        if spec.draw is not None:
            row["posterior_draw"] = spec.draw
        t0 = time.perf_counter()
        try:
            model = ThawModel(load_scenario(spec.scenario), rng=spec.seed, months=months, **spec.params).run()
            summary = model.summary()
            summary.pop("scenario", None)
            row.update(summary, status="ok", error=None)
            if keep_outcomes:
                mv = model.datacollector.model_vars
                out_cols["run_id"].extend([spec.run_id] * model.month)
                for c in OUTCOME_COLUMNS:
                    out_cols[c].extend(mv[c])
            if keep_events:
                events.extend((spec.run_id, i, *e) for i, e in enumerate(model.event_log))
        except Exception:  # noqa: BLE001 - a failing run is data, recorded with its traceback
            row.update(status="failed", error=traceback.format_exc())
        row["seconds"] = time.perf_counter() - t0
        rows.append(row)
    runs = pd.DataFrame(rows)
    if "months_to_rupture" in runs:
        runs["months_to_rupture"] = runs["months_to_rupture"].astype("Int64")
    runs["error"] = runs["error"].astype("string")
    outcomes = pd.DataFrame(out_cols) if keep_outcomes else None
    ev = pd.DataFrame(events, columns=["run_id", "seq", *EVENT_COLUMNS]) if keep_events else None
    return ChunkResult(runs, outcomes, ev)
