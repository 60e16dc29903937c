"""Where chunks run: in this process, in local worker processes, or on a Dask cluster.

Each executor yields chunk results as they finish, in whatever order; the batch runner writes
them. Nothing a run computes depends on where it ran, because its seed is fixed in advance.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from functools import partial

from experiments.design import RunSpec
from experiments.spec import ExperimentError
from experiments.worker import ChunkResult, run_chunk

EXECUTORS = ("serial", "processes", "dask")


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def execute(chunks: list[list[RunSpec]], task: partial, executor: str, workers: int,
            scheduler: str | None = None) -> Iterator[ChunkResult]:
    if executor == "serial":
        for chunk in chunks:
            yield task(chunk)
    elif executor == "processes":
        yield from _processes(chunks, task, workers)
    elif executor == "dask":
        yield from _dask(chunks, task, workers, scheduler)
    else:
        raise ExperimentError(None, "--executor", f"one of {', '.join(EXECUTORS)}, not {executor!r}")


def prestart(executor: str) -> None:
    """Start the fork server now, so that it imports the model while this process is still
    reading the experiment and planning the runs (about a second saved on every batch)."""
    if executor == "processes":
        from multiprocessing import forkserver

        _forkserver_context()
        forkserver.ensure_running()


def _forkserver_context() -> multiprocessing.context.BaseContext:
    """forkserver: workers start from a clean process, not a fork of one that may hold threads;
    preloading the worker module there means each worker starts with the model already imported."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["experiments.worker"])
    return ctx


def _processes(chunks: list[list[RunSpec]], task: partial, workers: int) -> Iterator[ChunkResult]:
    ctx = _forkserver_context()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    # Keep at most 2 chunks a worker in flight, so an interrupt loses little and memory stays flat.
    pending: set[Future] = set()
    todo = iter(chunks)
    try:
        for chunk in todo:
            pending.add(pool.submit(task, chunk))
            if len(pending) >= 2 * workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                for chunk in todo:
                    pending.add(pool.submit(task, chunk))
                    break
                yield fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(chunks: list[list[RunSpec]], task: partial, workers: int, scheduler: str | None) -> Iterator[ChunkResult]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ExperimentError(None, "--executor", "dask needs the optional extra: pip install 'thaw-sim[dask]'") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
    except OSError as exc:
        raise ExperimentError(None, "--scheduler", f"a reachable Dask scheduler address ({exc})") from None
    try:
        futures = [client.submit(run_chunk, chunk, *task.args, pure=False, **task.keywords) for chunk in chunks]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
