"""``thaw batch``: options, the dry run, the summary table, and how to continue after a stop.

Kept apart from ``cli.py`` so that the command line stays a thin layer of registrations.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any

from experiments.spec import ExperimentError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="experiment TOML file, or the name of a shipped one")
    p.add_argument("--out", default=None, metavar="DIR", help="results folder (default: results/<experiment name>)")
    p.add_argument("--executor", default="processes", help="serial, processes (default) or dask")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler (default: a LocalCluster)")
    p.add_argument("--replications", type=int, default=None, help="override the file's replications")
    p.add_argument("--resume", action="store_true", help="run only the runs missing from --out")
    p.add_argument("--retry-failed", action="store_true", help="with --resume: run the failed runs again too")
    p.add_argument("--dry-run", action="store_true", help="print the run count, estimated time and disk; run nothing")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors and the results path")


def resume_command(args: argparse.Namespace, out: str | Path | None) -> str:
    """The command that continues this batch: every option that was given, plus --resume."""
    cmd = ["thaw", "batch", str(args.file)]
    if out is not None:
        cmd += ["--out", str(out)]
    for opt in ("executor", "workers", "scheduler", "replications"):
        value = getattr(args, opt)
        if value is not None and not (opt == "executor" and value == "processes"):
            cmd += [f"--{opt}", str(value)]
    cmd.append("--resume")
    if args.retry_failed:
        cmd.append("--retry-failed")
    if args.quiet:
        cmd.append("--quiet")
    return shlex.join(cmd)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM ends a batch the way Ctrl-C does: the manifest is saved


def cmd_batch(args: argparse.Namespace) -> int:
    from experiments.batch import BatchStopped, run_batch
    from experiments.executors import EXECUTORS

    if args.executor not in EXECUTORS:
        raise ExperimentError(None, "--executor", f"expected one of {', '.join(EXECUTORS)}, not {args.executor!r}")
    if args.replications is not None and args.replications < 1:
        raise ExperimentError(None, "--replications", f"expected at least 1, not {args.replications}")
    if args.retry_failed and not args.resume:
        raise ExperimentError(None, "--retry-failed", "only together with --resume")
    if args.dry_run:
        return dry_run(args)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        report = run_batch(args.file, out=args.out, executor=args.executor, workers=args.workers,
                           scheduler=args.scheduler, replications=args.replications, resume=args.resume,
                           quiet=args.quiet, retry_failed=args.retry_failed)
    except KeyboardInterrupt:
        print(f"thaw batch: interrupted; finished runs are saved. Continue with: {resume_command(args, _out(args))}",
              file=sys.stderr)
        return 130
    except BatchStopped as exc:
        print(f"thaw batch: {exc}. Continue with: {resume_command(args, exc.file)}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)
    if args.quiet:
        if report.failed_in_folder:
            print(f"thaw batch: {report.failed_in_folder} run(s) failed; `--resume --retry-failed` runs them again",
                  file=sys.stderr)
        print(report.out)
        return 1 if report.failed_in_folder else 0
    return print_report(report)


def _out(args: argparse.Namespace) -> str | None:
    if args.out is not None:
        return args.out
    try:
        from experiments.spec import load_experiment

        return str(Path("results") / load_experiment(args.file)[0].name)
    except ExperimentError:
        return None


def print_report(report: Any) -> int:
    from experiments.results import load
    from experiments.tables import summary_text

    rate = report.done / report.seconds if report.seconds > 0 else float("nan")
    print(f"{report.done} runs in {report.seconds:.1f} s ({rate:.0f} runs/s); {report.skipped} already done; "
          f"results in {report.out}")
    results = load(report.out)
    runs = results.runs
    where = f"experiments.load({str(report.out)!r})"
    if runs.empty or not (runs["status"] == "ok").any():
        first = runs["error"].dropna().iloc[0].strip().splitlines()[-1] if not runs.empty else "no runs"
        print(f"thaw batch: all {len(runs)} runs failed, so there is nothing to summarise; the first error: {first}. "
              f"Every traceback is in the `error` column of {where}.runs", file=sys.stderr)
        return 1
    m = results.manifest
    n_points = m["design"].get("n_points", len(m["design"].get("points", [])))
    n_scen = len(m["experiment"]["content"]["scenarios"])
    print(f"design {m['design']['kind']}: {n_points} point(s) x {m['replications']} replication(s) x {n_scen} "
          f"scenario(s) = {m['runs_total']} runs")
    print()
    print(summary_text(results))
    if report.failed_in_folder:
        ids = sorted(runs.loc[runs["status"] == "failed", "run_id"])
        print(f"\nthaw batch: {len(ids)} run(s) failed (run ids {ids[:10]}{' …' if len(ids) > 10 else ''}); their "
              f"tracebacks are in the `error` column of the runs table: {where}.runs; `--resume --retry-failed` "
              "runs them again", file=sys.stderr)
        return 1
    return 0


def dry_run(args: argparse.Namespace) -> int:
    """What the batch would do, measured on one real run per scenario, without writing anything."""
    import io

    from experiments.batch import check_same_experiment, chunk_size, identity_of, resolve
    from experiments.design import plan
    from experiments.executors import check_scheduler, check_workers, default_workers
    from experiments.store import ResultsStore
    from experiments.worker import _run

    check_workers(args.workers, args.executor)
    check_scheduler(args.scheduler, args.executor)
    exp, _, scenarios, warnings = resolve(args.file, args.replications)
    identity = identity_of(exp, scenarios)
    out = Path(args.out) if args.out else Path("results") / exp.name
    runs = plan(exp, scenarios)
    done: set[int] = set()
    store = ResultsStore(out)
    old = store.manifest() if out.is_dir() else None
    if old is not None:
        check_same_experiment(out, old, exp, scenarios, identity)
        done = store.verify(identity, checksums=False).run_ids()
    todo = [r for r in runs if r.run_id not in done]
    workers = args.workers or (1 if args.executor == "serial" else default_workers())
    sample = [next(r for r in runs if r.scenario == name) for name in exp.scenarios]
    t0 = time.perf_counter()
    result = _run(sample, scenarios, exp.months, exp.outputs.outcomes, exp.outputs.events)
    per_run = (time.perf_counter() - t0) / len(sample)
    size = 0
    for df in result.tables.values():
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        size += buf.tell()
    per_run_bytes = size / len(sample)
    seconds = per_run * len(todo) / (workers if args.executor != "serial" else 1)
    for w in warnings:
        print(f"thaw batch: note: {w}", file=sys.stderr)
    points = len(runs) // exp.replications // len(exp.scenarios)
    n_chunks = len(range(0, len(todo), chunk_size(len(todo), workers)))
    print(f"{exp.name}: {len(runs):,} runs ({len(exp.scenarios)} scenarios x {points:,} design points x "
          f"{exp.replications:,} replications); {len(done):,} already in {out}; {len(todo):,} to run in {n_chunks:,} chunks")
    print(f"estimated time: {_duration(seconds)} with {workers} {args.executor} worker(s) "
          f"(measured {per_run * 1000:.0f} ms a run on one run per scenario)")
    print(f"estimated disk: {_bytes(per_run_bytes * len(todo))} (at most; chunks compress better than single runs)")
    print("dry run: nothing was run or written")
    return 0


def _duration(s: float) -> str:
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.0f} min" if s < 7200 else f"{s / 3600:.1f} h"


def _bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
