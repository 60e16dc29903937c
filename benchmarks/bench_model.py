"""Median milliseconds per 60-month baseline run, against Mesa's own floor, in one process.

The floor is a bare 4-agent Mesa model that only shuffles its agents and collects one reporter a
month: what any Mesa model of this size pays before doing anything. The two are timed in
alternation so that machine noise hits both alike. Run: ``python benchmarks/bench_model.py``;
``--profile`` adds each top function's share of a run's time (cProfile, tottime), after the timing.
Mesa's own ``batch_run`` is compared with Thaw's batch runner in ``benchmarks/bench_batch.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from pathlib import Path

import mesa

from model import ThawModel, load_scenario

MONTHS = 60
ROOT = str(Path(__file__).resolve().parents[1]) + "/"


class _Idle(mesa.Agent):
    def step(self) -> None:
        pass


class FloorModel(mesa.Model):
    """Four agents, a shuffle and one collected reporter a month."""

    def __init__(self, rng: int | None = None):
        super().__init__(rng=rng)
        _Idle.create_agents(self, 4)
        self.datacollector = mesa.DataCollector(model_reporters={"agents": lambda m: len(m.agents)})

    def step(self) -> None:
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)


def time_thaw(seed: int, scenario) -> float:
    t = time.perf_counter()
    m = ThawModel(scenario, rng=seed)
    for _ in range(MONTHS):
        m.step()
    return time.perf_counter() - t


def time_floor(seed: int) -> float:
    t = time.perf_counter()
    m = FloorModel(rng=seed)
    for _ in range(MONTHS):
        m.step()
    return time.perf_counter() - t


def profile(scenario, runs: int, top: int) -> None:
    """Share of the run time spent in each function's own code (cProfile's tottime; the profiler
    inflates call-heavy code, so read the shares, not the milliseconds)."""
    prof = cProfile.Profile()
    prof.enable()
    for seed in range(runs):
        time_thaw(seed, scenario)
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in stats.values())
    rows = sorted(((v[2], v[3], v[1], k) for k, v in stats.items()), reverse=True)[:top]
    print(f"\nprofile of {runs} runs (own time share, cumulative share, calls per run, function):")
    for own, cum, calls, (path, line, name) in rows:
        where = path.split("site-packages/")[-1].removeprefix(ROOT)
        print(f"  {100 * own / total:5.1f} %  {100 * cum / total:5.1f} %  {calls / runs:8.1f}  {name}  ({where}:{line})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--profile", action="store_true", help="also print the top functions' share of the time")
    ap.add_argument("--top", type=int, default=15, help="how many functions --profile lists")
    args = ap.parse_args()
    scenario = load_scenario("baseline")  # loading is per batch, not per run
    for seed in range(20):  # warm-up
        time_thaw(seed, scenario), time_floor(seed)
    thaw, floor = [], []
    for seed in range(args.runs):
        thaw.append(time_thaw(seed, scenario))
        floor.append(time_floor(seed))
    t, f = statistics.median(thaw) * 1e3, statistics.median(floor) * 1e3
    print(f"thaw baseline, {MONTHS} months:  median {t:.2f} ms/run over {args.runs} runs")
    print(f"mesa floor (4 agents, shuffle, 1 reporter): median {f:.2f} ms/run")
    print(f"ratio thaw / floor: {t / f:.1f}  (target: <= 5)")
    if args.profile:
        profile(scenario, min(args.runs, 200), args.top)


if __name__ == "__main__":
    main()
