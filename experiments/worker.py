"""What a worker does with a chunk of runs: run each one, catch what fails, return tables.

The worker is given the resolved scenarios themselves, never a name or a path to look up again:
a worker in another folder, on another machine, or after a scenario file was edited runs exactly
what the batch resolved when it started. Outputs are gathered column-wise across the chunk and
turned into one DataFrame per table at the end, because building a DataFrame per run would cost
more than a short run itself.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

import pandas as pd

from experiments.design import RunSpec
from experiments.models import build_model
from model import ThawModel, load_scenario
from model.components.trade import TRADE_CUT_COLUMNS
from model.outcomes import EVENT_COLUMNS, OUTCOME_COLUMNS
from model.scenario import LoadedScenario


@dataclass
class ChunkResult:
    tables: dict[str, pd.DataFrame]  # table name -> rows; "runs" always present
    written: bool = False  # already stored by the worker; ``runs`` then holds only ids and status

    @property
    def runs(self) -> pd.DataFrame:
        return self.tables["runs"]


def run_chunk(specs: list[RunSpec], scenarios: dict[str, LoadedScenario], months: int | None, keep_outcomes: bool,
              keep_events: bool, identity: str, out: str | None = None, keep_trade_cuts: bool = False) -> ChunkResult:
    """Run a chunk. With ``out`` (a results folder on a file system the worker shares), the worker
    stores the chunk itself and returns only ids and statuses, so the parent process stays idle
    instead of competing with the workers for the cores."""
    result = _run(specs, scenarios, months, keep_outcomes, keep_events, keep_trade_cuts)
    if out is None:
        return result
    from experiments.store import ResultsStore

    ResultsStore(out).write_chunk(result.tables, identity)
    return ChunkResult({"runs": result.runs[["run_id", "status"]]}, written=True)


def _run(specs: list[RunSpec], scenarios: dict[str, LoadedScenario], months: int | None, keep_outcomes: bool,
         keep_events: bool, keep_trade_cuts: bool = False) -> ChunkResult:
    rows: list[dict[str, Any]] = []
    out_cols: dict[str, list] = {c: [] for c in ["run_id", *OUTCOME_COLUMNS]} if keep_outcomes else {}
    events: list[tuple] = []
    cuts: list[tuple] = []
    for spec in specs:
        row: dict[str, Any] = {"run_id": spec.run_id, "scenario": spec.scenario, "point": spec.point,
                               "replicate": spec.replicate, "seed": spec.seed, **spec.params}
        if spec.draw is not None:
            row["posterior_draw"] = spec.draw
        t0 = time.perf_counter()
        try:
            if spec.model == "thaw":
                config = load_scenario(scenarios[spec.scenario], spec.params)
                model = ThawModel(config, rng=spec.seed, months=months).run()
            else:  # a registered test model (experiments.models), defined in code
                model = build_model(spec.model, spec.scenario, spec.seed, months, spec.params).run()
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
            if keep_trade_cuts:
                cuts.extend((spec.run_id, *r) for r in model.trade_cuts().itertuples(index=False))
        except Exception:  # noqa: BLE001 - a failing run is data, recorded with its traceback
            row.update(status="failed", error=traceback.format_exc())
        row["seconds"] = time.perf_counter() - t0
        rows.append(row)
    tables = {"runs": _runs_frame(rows)}
    if keep_outcomes:
        tables["outcomes"] = pd.DataFrame(out_cols)
    if keep_events:
        tables["events"] = pd.DataFrame(events, columns=["run_id", "seq", *EVENT_COLUMNS])
    if keep_trade_cuts:
        tables["trade_cuts"] = pd.DataFrame(cuts, columns=["run_id", *TRADE_CUT_COLUMNS])
    return ChunkResult(tables)


def _runs_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    runs = pd.DataFrame(rows)
    if "months_to_rupture" in runs:
        runs["months_to_rupture"] = runs["months_to_rupture"].astype("Int64")
    runs["error"] = runs["error"].astype("string")
    return runs


def failed_chunk(specs: list[RunSpec], cause: str) -> ChunkResult:
    """The runs of a chunk that could not finish at all (its worker process died), as failed rows."""
    rows = [{"run_id": s.run_id, "scenario": s.scenario, "point": s.point, "replicate": s.replicate, "seed": s.seed,
             **s.params, "status": "failed", "error": cause, "seconds": float("nan")} for s in specs]
    return ChunkResult({"runs": _runs_frame(rows)})


def exit_with_parent(pid: int) -> None:
    """Worker initializer: end this process as soon as the batch process ``pid`` is gone, however
    it went (SIGKILL included), so that no worker outlives the batch that started it. Ctrl-C (a
    SIGINT to the whole process group) is the batch process's to handle: it stops submitting and
    lets the chunks in flight finish and store themselves, so workers ignore it instead of each
    printing a KeyboardInterrupt traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            import select

            select.select([fd], [], [])
            os._exit(1)
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            time.sleep(0.5)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
