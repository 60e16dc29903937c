"""Running an experiment: resolve, lock, verify what is done, execute in chunks, stream to Parquet."""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

from experiments.design import RunSpec, design_points, plan, seed_rule
from experiments.executors import check_scheduler, check_workers, default_workers, execute, prestart
from experiments.models import scenario_hash
from experiments.spec import (
    Experiment,
    ExperimentError,
    batch_identity,
    file_hash,
    first_difference,
    load_experiment,
    resolve_scenario,
    shadowing,
)
from experiments.store import LAYOUT, ResultsStore, disk_full, now, write_bytes_atomic
from experiments.worker import run_chunk
from model.scenario import LoadedScenario

PACKAGES = ("thaw-sim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "scipy", "dask", "distributed")
#: Design points kept inline in manifest.json; a bigger design goes to design.parquet beside it.
INLINE_POINTS = 10_000


class BatchStopped(ExperimentError):
    """The batch could not go on (a full disk, an unwritable file); what finished is safe."""


@dataclass
class BatchReport:
    out: Path
    total: int
    skipped: int
    done: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed_in_folder: int = 0  # failed runs the folder holds after this session, earlier ones included


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


def resolve(file: str | Path, replications: int | None) -> tuple[Experiment, Path, dict[str, LoadedScenario], list[str]]:
    """The experiment and its scenarios, resolved once: these objects are what every worker runs."""
    exp, path = load_experiment(file, replications)
    # a registered test model (experiments.models) defines its scenarios in code: nothing to resolve
    scenarios = {name: resolve_scenario(name, path) for name in exp.scenarios} if exp.model == "thaw" else {}
    warnings = [w for w in (shadowing(n, s) for n, s in scenarios.items()) if w]
    return exp, path, scenarios, warnings


def hashes(exp: Experiment, scenarios: dict[str, LoadedScenario]) -> dict[str, str]:
    """Each scenario's content hash: a resolved scenario file's, or a registered test model's."""
    return {n: scenarios[n].hash if n in scenarios else scenario_hash(exp.model, n) for n in exp.scenarios}


def identity_of(exp: Experiment, scenarios: dict[str, LoadedScenario]) -> str:
    return batch_identity(exp, hashes(exp, scenarios))


def run_batch(
    file: str | Path,
    out: str | Path | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    replications: int | None = None,
    resume: bool = False,
    quiet: bool = False,
    retry_failed: bool = False,
) -> BatchReport:
    check_workers(workers, executor)
    check_scheduler(scheduler, executor)
    prestart(executor)
    exp, path, scenarios, warnings = resolve(file, replications)
    if not quiet:
        for w in warnings:
            print(f"thaw batch: note: {w}", file=sys.stderr)
    identity = identity_of(exp, scenarios)
    out = Path(out) if out is not None else Path("results") / exp.name
    workers = workers or (1 if executor == "serial" else default_workers())
    store = ResultsStore(out)
    store.prepare()
    with store.lock():
        return _run_locked(store, exp, path, scenarios, identity, executor, workers, scheduler, resume, quiet,
                           retry_failed)


def _run_locked(store: ResultsStore, exp: Experiment, path: Path, scenarios: dict[str, LoadedScenario], identity: str,
                executor: str, workers: int, scheduler: str | None, resume: bool, quiet: bool,
                retry_failed: bool) -> BatchReport:
    from tqdm import tqdm

    old = store.manifest()
    if old is not None:
        check_same_experiment(store.root, old, exp, scenarios, identity)
    verified, notes = store.recover(identity)
    done_ids = verified.run_ids()
    failed_ids = _failed_ids(store, verified)
    if done_ids and not resume:
        raise ExperimentError(
            store.root, None,
            f"already holds {len(done_ids)} finished runs of this experiment ({len(failed_ids)} failed); pass --resume "
            "to run only the missing ones (and --retry-failed to run the failed ones again), or choose another --out folder",
        )
    if retry_failed and failed_ids:
        dropped = store.uncommit([c for c in verified.good if failed_ids & set(c.run_ids)])
        done_ids -= dropped
        notes.append(f"--retry-failed: running the {len(failed_ids)} failed runs again (with the {len(dropped) - len(failed_ids)}"
                     " finished runs stored beside them, which give the same results)")
    elif failed_ids:
        notes.append(f"the folder holds {len(failed_ids)} failed runs; --resume --retry-failed runs them again")
    runs = plan(exp, scenarios)
    folder_reps = max(exp.replications, (old or {}).get("replications", 0))
    if folder_reps > exp.replications:
        notes.append(f"the folder holds runs of {folder_reps} replications, more than the {exp.replications} asked for; "
                     "they are kept and experiments.load() returns them all (see docs/experiments.md)")
    more = exp.model_copy(update={"replications": folder_reps})
    total = len(plan(more, scenarios)) if folder_reps > exp.replications else len(runs)
    todo = [r for r in runs if r.run_id not in done_ids]
    report = BatchReport(store.root, total=len(runs), skipped=len(runs) - len(todo), notes=notes)
    for n in (n for n in notes if not quiet or n.startswith("chunk ")):
        print(f"thaw batch: {n}", file=sys.stderr)

    manifest = _manifest(exp, path, scenarios, identity, old, executor, workers, total, folder_reps, store)
    _save(store, manifest)

    size = chunk_size(len(todo), workers)
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    # Local workers store their own chunks; Dask workers may sit on other machines, so they send
    # results back and this process stores them.
    shared_fs = executor in ("serial", "processes")
    shipped = {name: LoadedScenario(s.params, s.sources, s.files, s.raw) for name, s in scenarios.items()}
    task = partial(run_chunk, scenarios=shipped, months=exp.months, keep_outcomes=exp.outputs.outcomes,
                   keep_events=exp.outputs.events, keep_trade_cuts=exp.outputs.trade_cuts, identity=identity,
                   out=str(store.root) if shared_fs else None)
    t0 = time.perf_counter()
    bar = tqdm(total=len(runs), initial=report.skipped, unit="run", disable=quiet, dynamic_ncols=True,
               desc=exp.name, smoothing=0.1)
    stopped: OSError | None = None
    try:
        for result in execute(chunks, task, executor, workers, scheduler,
                              done=lambda: store.verify(identity, checksums=False).run_ids()):
            if not result.written:
                store.write_chunk(result.tables, identity)
            report.done += len(result.runs)
            failed = result.runs.loc[result.runs["status"] == "failed", "run_id"].tolist()
            report.failed += len(failed)
            report.failures += failed
            bar.update(len(result.runs))
            if report.failed:
                bar.set_postfix(failed=report.failed)
    except OSError as exc:
        stopped = exc
    finally:
        bar.close()
        report.seconds = time.perf_counter() - t0
        session = manifest["sessions"][-1]
        session.update(finished=now(), runs_done=report.done, runs_failed=report.failed,
                       seconds=round(report.seconds, 3))
        n_done, n_failed = _counts(store, identity)
        report.failed_in_folder = n_failed
        manifest.update(runs_done=n_done, runs_failed=n_failed, complete=n_done >= total,
                        finished=now() if n_done >= total else None)
        manifest_error = _save(store, manifest, raise_=stopped is None)
    if stopped is not None:
        what = "the disk (or a file-size limit) is full" if disk_full(stopped) else "a file could not be written"
        unsaved = "" if manifest_error is None else " (the manifest was not updated)"
        raise BatchStopped(store.root, None, f"{what}: {stopped.strerror or stopped} ({stopped.filename or 'a chunk file'}). "
                           f"The {n_done} finished runs are safe{unsaved}; free space or fix the folder, then resume")
    return report


def _save(store: ResultsStore, manifest: dict[str, Any], raise_: bool = True) -> OSError | None:
    try:
        store.save_manifest(manifest)
    except OSError as exc:
        if raise_:
            raise BatchStopped(store.root, None, f"cannot write manifest.json ({exc.strerror}); nothing was run. "
                               "Free space or fix the folder's permissions, then resume") from None
        return exc
    return None


def _failed_ids(store: ResultsStore, verified: Any) -> set[int]:
    import pyarrow.parquet as pq

    failed: set[int] = set()
    for f in verified.files("runs"):
        t = pq.read_table(f, columns=["run_id", "status"])
        failed.update(r for r, s in zip(t.column("run_id").to_pylist(), t.column("status").to_pylist(), strict=True)
                      if s == "failed")
    return failed


def _counts(store: ResultsStore, identity: str) -> tuple[int, int]:
    v = store.verify(identity, checksums=False)
    return len(v.run_ids()), len(_failed_ids(store, v))


def check_same_experiment(root: Path, old: dict[str, Any], exp: Experiment, scenarios: dict[str, LoadedScenario],
                          identity: str) -> None:
    """Refuse a folder made by another experiment, or by this one with other scenario content,
    naming what differs: mixing them would give a dataset that no single experiment produced."""
    if old["experiment"]["identity"] == identity:
        return
    old_content = {k: v for k, v in old["experiment"].get("content", {}).items() if k != "replications"}
    new_content = {k: v for k, v in exp.model_dump(mode="json").items() if k != "replications"}
    if old_content == new_content:
        for name, sc in scenarios.items():
            before = old.get("scenarios", {}).get(name, {})
            if before.get("hash") != sc.hash:
                key = first_difference(before.get("content"), sc.params.model_dump(mode="json")) or "(unknown)"
                raise ExperimentError(
                    root, None,
                    f"was made with other content of scenario {name!r} (first difference at `{key}`; "
                    f"{before.get('file', '?')} had hash {before.get('hash')}, it now has {sc.hash}). Resuming would mix "
                    "runs of two scenario versions: restore the file, or run into another --out folder",
                )
    key = first_difference(old_content, new_content)
    raise ExperimentError(
        root, None,
        f"holds results of a different experiment ({old['experiment'].get('name')!r}, identity "
        f"{old['experiment'].get('identity')}; first difference at `{key}`); expected an empty folder or one made by "
        f"{exp.name!r} as it is now. Choose another --out folder",
    )


def _manifest(exp: Experiment, path: Path, scenarios: dict[str, LoadedScenario], identity: str,
              old: dict[str, Any] | None, executor: str, workers: int, total: int, folder_reps: int,
              store: ResultsStore) -> dict[str, Any]:
    resolved = {name: {"file": str(s.files[0]), "files": [str(f) for f in s.files], "hash": s.hash,
                       "content": s.params.model_dump(mode="json")} for name, s in scenarios.items()}
    session = {"started": now(), "executor": executor, "workers": workers, "git": git_state(),
               "versions": versions(), "replications": exp.replications, "pid": os.getpid()}
    if old is not None:
        old["sessions"].append(session)
        old.update(replications=folder_reps, runs_total=total)
        return old
    points = design_points(exp.design)
    design: dict[str, Any] = {"kind": exp.design.kind, "parameters": list(exp.design.parameters)}
    if len(points) <= INLINE_POINTS:
        design["points"] = points
    else:
        import io

        import pandas as pd

        buf = io.BytesIO()
        pd.DataFrame(points).rename_axis("point").reset_index().to_parquet(buf, index=False)
        write_bytes_atomic(store.root / "design.parquet", buf.getvalue())
        design.update(points_file="design.parquet", n_points=len(points))
    return {
        "layout": LAYOUT,
        "experiment": {"name": exp.name, "file": str(path), "file_hash": file_hash(path),
                       "identity": identity, "content": exp.model_dump(mode="json")},
        "scenarios": resolved,
        "scenario_hashes": hashes(exp, scenarios),
        "root_seed": exp.root_seed,
        "replications": folder_reps,
        "design": design,
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


__all__ = ["run_batch", "BatchReport", "BatchStopped", "RunSpec"]
