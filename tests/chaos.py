"""Faults injected into batch workers by the hardening tests (imported by the worker processes,
which share the test process's ``sys.path``): a worker that dies as the OOM killer would kill it."""

from __future__ import annotations

import os
import signal

from experiments.worker import run_chunk


def run_chunk_or_die(specs, *args, die_on: int = -1, **kwargs):
    """``run_chunk``, except that the worker process is SIGKILLed when the chunk holds run ``die_on``."""
    if any(s.run_id == die_on for s in specs):
        os.kill(os.getpid(), signal.SIGKILL)
    return run_chunk(specs, *args, **kwargs)
