"""What-if mode: the changed and the unchanged scenario on the same seeds, and their paired
differences.

Both arms run replicate r on the seed of r alone (common random numbers), so a difference between
them is the parameters' doing, not luck's, and far fewer runs give a sharp answer than two
independent batches would. Runs go through the project's executors and worker function, so a
what-if run is exactly a batch run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd

from experiments.design import RunSpec, run_seed
from experiments.results import mean_ci
from model import load_scenario

#: Per-run outcomes compared by the paired differences (all in ``ThawModel.summary()``).
#: Below this many run-months an arm runs in the calling (background) thread: a 60-month run takes
#: about 7 ms, so starting and feeding worker processes costs more than it saves (measured on two
#: cores: 50 x 60 months serial 0.4 s idle and 1.3-1.6 s under a load of 9; processes 0.2-1.1 s
#: idle and 4-8 s under that load).
SERIAL_BELOW = 200 * 60

COMPARED = ("thaw_survived", "final_jk_affinity", "final_trilateral_cohesion", "final_kor_fav_jpn",
            "final_jpn_fav_kor", "final_us_credibility", "coercion_episodes", "coercion_backfired")


def common_seed(root_seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` in both arms: a batch's seed under common random numbers,
    SeedSequence(root, spawn_key=(replicate,)), whatever the scenario and design point."""
    return run_seed(root_seed, "", 0, replicate, common=True)


@dataclass
class Arm:
    runs: pd.DataFrame
    outcomes: pd.DataFrame
    seconds: float


def run_arm(scenario: str, overrides: dict[str, Any], replications: int, months: int | None = None,
            root_seed: int = 0, executor: str = "auto", workers: int | None = None,
            progress: Callable[[int], None] | None = None) -> Arm:
    """``replications`` runs of ``scenario`` with ``overrides``, replicate r on ``common_seed(root_seed, r)``.

    ``executor`` is one of the project's (serial, processes, dask) or ``auto``: serial for small
    arms (``SERIAL_BELOW`` run-months), processes beyond."""
    from experiments.executors import default_workers, execute
    from experiments.worker import run_chunk

    if replications < 1:
        raise ValueError(f"replications {replications}: expected at least 1")
    t0 = time.perf_counter()
    workers = workers or default_workers()
    if executor == "auto":
        executor = "serial" if replications * (months or 60) < SERIAL_BELOW else "processes"
    specs = [RunSpec(r, scenario, 0, r, common_seed(root_seed, r), dict(overrides)) for r in range(replications)]
    size = max(1, min(25, -(-replications // (2 * workers))))
    chunks = [specs[i:i + size] for i in range(0, len(specs), size)]
    # the resolved scenario travels with the task, as in a batch: workers never look a name up again
    task = partial(run_chunk, scenarios={scenario: load_scenario(scenario)}, months=months, keep_outcomes=True,
                   keep_events=False, identity="what-if")
    runs, outcomes = [], []
    for result in execute(chunks, task, "serial" if executor == "serial" or len(chunks) == 1 else executor, workers):
        runs.append(result.runs)
        outcomes.append(result.tables["outcomes"])
        if progress is not None:
            progress(len(result.runs))
    r = pd.concat(runs, ignore_index=True).sort_values("run_id", kind="stable").reset_index(drop=True)
    failed = r[r["status"] != "ok"]
    if len(failed):
        raise RuntimeError(f"{len(failed)} of {len(r)} runs failed; first error:\n{failed['error'].iloc[0]}")
    o = pd.concat(outcomes, ignore_index=True).sort_values(["run_id", "month"], kind="stable").reset_index(drop=True)
    return Arm(r, o, time.perf_counter() - t0)


def paired_differences(unchanged: pd.DataFrame, changed: pd.DataFrame,
                       outcomes: tuple[str, ...] = COMPARED) -> pd.DataFrame:
    """Per outcome: the arms' means and the mean of changed − unchanged over replicates paired by
    seed, with a 95% t-interval of that mean."""
    a = unchanged.set_index("seed")
    b = changed.set_index("seed")
    common = a.index.intersection(b.index)
    if len(common) == 0:
        raise ValueError("the two arms share no seed: they were not run on common random numbers")
    rows = []
    for col in outcomes:
        if col not in a or col not in b:
            continue
        x = a.loc[common, col].astype(float)
        y = b.loc[common, col].astype(float)
        m, lo, hi = mean_ci(y - x)
        rows.append({"outcome": col, "unchanged": float(x.mean()), "changed": float(y.mean()), "mean": m,
                     "lo": lo, "hi": hi, "n": len(common)})
    return pd.DataFrame(rows)


def describe_change(overrides: dict[str, Any], defaults: dict[str, Any]) -> str:
    """'US commitment 0.6 → 0.2, spillover on → off' for a figure title."""
    from experiments.labels import short_name

    def fmt(v: Any) -> str:
        return ("on" if v else "off") if isinstance(v, bool) else f"{v:g}"

    parts = [f"{short_name(k)} {fmt(defaults[k])} → {fmt(v)}" for k, v in overrides.items()]
    return ", ".join(parts) if parts else "nothing changed (both arms identical)"
