"""A pyabc sampler on local processes whose every particle is reproducible from one seed.

pyabc's own multicore samplers reseed each worker from fresh entropy (``np.random.seed()``), so
two runs of the same calibration differ. This sampler follows ``pyabc.sampler.MappingSampler``
(each task draws, simulates and tests particles until one is accepted) but gives task ``i`` of
generation ``t`` the seed ``SeedSequence(seed, spawn_key=(t + 1, i))`` (pyabc numbers its
calibration sample -1), and keeps results in task order: the same seed gives the same posterior at
any worker count.
"""

from __future__ import annotations

import multiprocessing
import random
from collections.abc import Callable
from typing import Any

import numpy as np

_SIMULATE: Callable | None = None




def _slot(seed: int, simulate_one: Callable | None = None) -> tuple[Any, int]:
    simulate_one = simulate_one or _SIMULATE
    np.random.seed(seed)
    random.seed(seed)
    sample, n = None, 0
    while True:
        particle = simulate_one()
        n += 1
        if sample is None:
            sample = [particle]
        else:
            sample.append(particle)
        if particle.accepted:
            return sample, n


def slot_seeds(seed: int, t: int, n: int) -> list[int]:
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed, spawn_key=(t + 1,)).spawn(n)]


def make_sampler(workers: int, seed: int, progress: Callable[[int, int, int], None] | None = None):
    """A ``pyabc`` sampler; ``progress(t, accepted, n)`` is called as particles arrive."""
    from pyabc.sampler import Sampler

    class SeededPoolSampler(Sampler):
        def __init__(self) -> None:
            super().__init__()
            self.workers, self.seed, self.progress = workers, seed, progress

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):  # noqa: ARG002 - pyabc's signature
            seeds = slot_seeds(self.seed, t, n)
            sample = self._create_empty_sample()
            evals = 0
            if self.workers <= 1:
                results = (_slot(s, simulate_one) for s in seeds)
                pool = None
            else:
                # fork: the workers inherit simulate_one (pyabc's closure over the model, the transitions
                # and the sample) without pickling, as pyabc's own multicore samplers do. A forkserver
                # pool that unpickled it in an initializer hung under load in a trial, so fork it is;
                # Python warns that the parent holds threads (numpy's BLAS pool), which fork copies idle.
                global _SIMULATE
                _SIMULATE = simulate_one
                pool = multiprocessing.get_context("fork").Pool(self.workers)
                results = pool.imap(_slot, seeds, chunksize=1)  # imap keeps task order
            try:
                for i, (particles, k) in enumerate(results, 1):
                    for p in particles:
                        sample.append(p)
                    evals += k
                    if self.progress:
                        self.progress(t, i, n)
            finally:
                if pool is not None:
                    pool.close()
                    pool.join()
            self.nr_evaluations_ = evals
            return sample

    return SeededPoolSampler()
