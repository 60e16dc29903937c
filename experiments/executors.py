"""Where chunks run: in this process, in local worker processes, or on a Dask cluster.

Each executor yields chunk results as they finish, in whatever order; the batch runner writes
them. Nothing a run computes depends on where it ran, because its seed is fixed in advance.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from urllib.parse import urlparse

from experiments.design import RunSpec
from experiments.spec import ExperimentError
from experiments.worker import ChunkResult, exit_with_parent, failed_chunk, run_chunk

EXECUTORS = ("serial", "processes", "dask")
#: Transports a Dask scheduler address may use (``host:port`` alone means tcp).
DASK_PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx")
#: Worker processes per core above which a batch is refused: more only adds memory, not speed.
MAX_WORKERS_PER_CORE = 2


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def check_workers(workers: int | None, executor: str) -> None:
    if workers is None:
        return
    limit = MAX_WORKERS_PER_CORE * default_workers()
    if workers < 1:
        raise ExperimentError(None, "--workers", f"expected a whole number of worker processes, at least 1, not {workers}")
    if executor != "serial" and workers > limit:
        raise ExperimentError(None, "--workers", f"at most {limit} ({MAX_WORKERS_PER_CORE} per core on this machine's "
                              f"{default_workers()} cores), not {workers}: more workers only add memory")


def check_scheduler(address: str | None, executor: str) -> None:
    """Refuse an address Dask cannot use before anything starts (Dask's own errors are tracebacks)."""
    if address is None:
        return
    if executor != "dask":
        raise ExperimentError(None, "--scheduler", "only for --executor dask")
    parsed = urlparse(address if "://" in address else f"tcp://{address}")
    ok = parsed.scheme in DASK_PROTOCOLS and parsed.hostname
    try:
        port = parsed.port
    except ValueError:
        ok, port = False, None
    if not ok or port is None:
        raise ExperimentError(None, "--scheduler", f"expected a Dask scheduler address such as tcp://host:8786 (protocols: "
                              f"{', '.join(DASK_PROTOCOLS)}), not {address!r}")


def execute(chunks: list[list[RunSpec]], task: partial, executor: str, workers: int,
            scheduler: str | None = None, done: Callable[[], set[int]] | None = None) -> Iterator[ChunkResult]:
    if executor == "serial":
        for chunk in chunks:
            yield task(chunk)
    elif executor == "processes":
        yield from _processes(chunks, task, workers, done or set)
    elif executor == "dask":
        yield from _dask(chunks, task, workers, scheduler)
    else:
        raise ExperimentError(None, "--executor", f"expected one of {', '.join(EXECUTORS)}, not {executor!r}")


def prestart(executor: str) -> None:
    """Start the fork server now, so that it imports the model while this process is still
    reading the experiment and planning the runs (about a second saved on every batch)."""
    if executor == "processes":
        from multiprocessing import forkserver

        forkserver_context()
        forkserver.ensure_running()


def forkserver_context() -> multiprocessing.context.BaseContext:
    """forkserver: workers start from a clean process, not a fork of one that may hold threads;
    preloading the worker module there means each worker starts with the model already imported.
    Every process pool of the project (batches, backtest, attribution, tests) takes this one."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["experiments.worker"])
    return ctx


def _new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=forkserver_context(),
                               initializer=exit_with_parent, initargs=(os.getpid(),))


def _close_broken(pool: ProcessPoolExecutor) -> str:
    """Shut a broken pool down and say why it broke. The exit codes are read only after the
    shutdown has joined the workers: the pool marks its futures broken before it terminates and
    reaps them, so reading them at once races with the kernel and can miss the signal."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=True, cancel_futures=True)
    for p in procs:
        p.join(timeout=5)
    codes = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
    if not codes:
        return "its worker process died"
    # the cause is a death by a signal other than SIGTERM (which the broken pool sends the siblings);
    # siblings that exit with a status or by that SIGTERM once the pool breaks are its consequence
    code = sorted(codes, key=lambda c: (c == -signal.SIGTERM, c > 0))[0]
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        hint = " (the kernel's out-of-memory killer sends SIGKILL)" if -code == signal.SIGKILL else ""
        return f"its worker process was killed by {name}{hint}"
    return f"its worker process exited with status {code}"


def _processes(chunks: list[list[RunSpec]], task: partial, workers: int,
               done: Callable[[], set[int]]) -> Iterator[ChunkResult]:
    """A process pool that survives the death of a worker: when the pool breaks, the chunks that
    were in flight are run again one at a time, so that a chunk which kills its worker on its own
    is identified; its runs are recorded as failed with the cause, and the batch goes on."""
    todo = list(reversed(chunks))  # pop() from the end
    suspects: list[list[RunSpec]] = []
    pool = _new_pool(workers)
    pending: dict[Future, list[RunSpec]] = {}
    try:
        while todo or suspects or pending:
            if suspects:  # isolate: one chunk alone in the pool
                chunk = suspects.pop()
                fut = pool.submit(task, chunk)
                try:
                    yield fut.result()
                except BrokenProcessPool:
                    cause = f"not run to the end: {_close_broken(pool)} while running this chunk alone"
                    pool = _new_pool(workers)
                    stored = done()
                    lost = [s for s in chunk if s.run_id not in stored]
                    if lost:
                        yield failed_chunk(lost, cause)
                continue
            # Keep at most 2 chunks a worker in flight, so an interrupt loses little and memory stays flat.
            broken = False
            while todo and len(pending) < 2 * workers:
                chunk = todo.pop()
                try:
                    pending[pool.submit(task, chunk)] = chunk
                except BrokenProcessPool:  # the pool broke since the last wait
                    todo.append(chunk)
                    broken = True
                    break
            if not broken:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    chunk = pending.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(chunk)
                        continue
                    yield result
            if broken:
                suspects += pending.values()
                pending.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = _new_pool(workers)
                stored = done()  # a worker may have stored its chunk before the pool broke
                suspects = [c for c in ([[s for s in c if s.run_id not in stored] for c in suspects]) if c]
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
    except (OSError, ValueError, TypeError) as exc:
        raise ExperimentError(None, "--scheduler", f"expected a reachable Dask scheduler address ({exc})") from None
    try:
        futures = [client.submit(run_chunk, chunk, *task.args, pure=False, **task.keywords) for chunk in chunks]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
