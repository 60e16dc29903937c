"""Running an experiment: plan, skip what is done, execute in chunks, stream to Parquet."""

from __future__ import annotations

import math
import platform
import subprocess
import time
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

from tqdm import tqdm

from experiments.design import RunSpec, design_points, plan, seed_rule
from experiments.executors import default_workers, execute, prestart
from experiments.models import scenario_hash
from experiments.spec import Experiment, file_hash, load_experiment
from experiments.store import ResultsStore, now
from experiments.worker import run_chunk

PACKAGES = ("thaw-sim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "scipy", "dask", "distributed")


@dataclass
class BatchReport:
    out: Path
    total: int
    skipped: int
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list[int] = field(default_factory=list)


def chunk_size(n: int, workers: int) -> int:
    """Big enough that per-task overhead is small, small enough that work spreads and an interrupt
    loses little: about four chunks a worker, at most 50 runs each."""
    return max(1, min(50, math.ceil(n / (4 * max(1, workers)))))


def git_state() -> dict[str, Any]:
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    if commit.returncode != 0:
        return {"commit": None, "dirty": None}
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def run_batch(
    file: str | Path,
    out: str | Path | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    replications: int | None = None,
    resume: bool = False,
    quiet: bool = False,
) -> BatchReport:
    prestart(executor)
    exp, path = load_experiment(file, replications)
    out = Path(out) if out is not None else Path("results") / exp.name
    workers = workers or (1 if executor == "serial" else default_workers())
    store = ResultsStore(out)
    done_ids = store.open(exp.identity(), exp.name, resume)
    runs = plan(exp)
    todo = [r for r in runs if r.run_id not in done_ids]
    report = BatchReport(out, total=len(runs), skipped=len(runs) - len(todo))

    manifest = _manifest(exp, path, store.manifest(), executor, workers, len(runs))
    store.save_manifest(manifest)

    size = chunk_size(len(todo), workers)
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    # Local workers store their own chunks; Dask workers may sit on other machines, so they send
    # results back and this process stores them.
    shared_fs = executor in ("serial", "processes")
    task = partial(run_chunk, months=exp.months, keep_outcomes=exp.outputs.outcomes, keep_events=exp.outputs.events,
                   out=str(out) if shared_fs else None)
    t0 = time.perf_counter()
    bar = tqdm(total=len(runs), initial=report.skipped, unit="run", disable=quiet, dynamic_ncols=True,
               desc=exp.name, smoothing=0.1)
    try:
        for result in execute(chunks, task, executor, workers, scheduler):
            if not result.written:
                store.write_chunk(result)
            report.done += len(result.runs)
            failed = result.runs.loc[result.runs["status"] == "failed", "run_id"].tolist()
            report.failed += len(failed)
            report.failures += failed
            bar.update(len(result.runs))
            if report.failed:
                bar.set_postfix(failed=report.failed)
    finally:
        bar.close()
        report.seconds = time.perf_counter() - t0
        session = manifest["sessions"][-1]
        session.update(finished=now(), runs_done=report.done, runs_failed=report.failed,
                       seconds=round(report.seconds, 3))
        n_done, n_failed = store.counts()
        manifest.update(runs_done=n_done, runs_failed=n_failed, complete=n_done >= len(runs),
                        finished=now() if n_done >= len(runs) else None)
        store.save_manifest(manifest)
    return report


def _manifest(exp: Experiment, path: Path, old: dict[str, Any] | None, executor: str, workers: int,
              total: int) -> dict[str, Any]:
    scenarios = {name: scenario_hash(exp.model, name) for name in exp.scenarios}
    session = {"started": now(), "executor": executor, "workers": workers, "git": git_state(),
               "versions": versions(), "replications": exp.replications}
    if old is not None:
        old["sessions"].append(session)
        old.update(replications=exp.replications, runs_total=total, scenario_hashes_now=scenarios)
        return old
    points = design_points(exp.design)
    return {
        "experiment": {"name": exp.name, "file": str(path), "file_hash": file_hash(path),
                       "identity": exp.identity(), "content": exp.model_dump(mode="json")},
        "scenario_hashes": scenarios,
        "root_seed": exp.root_seed,
        "replications": exp.replications,
        "design": {"kind": exp.design.kind, "parameters": list(exp.design.parameters), "points": points},
        "seeds": seed_rule(exp),
        "runs_total": total,
        "git": session["git"],
        "versions": session["versions"],
        "started": session["started"],
        "finished": None,
        "runs_done": 0,
        "runs_failed": 0,
        "complete": False,
        "sessions": [session],
    }


__all__ = ["run_batch", "BatchReport", "RunSpec"]
