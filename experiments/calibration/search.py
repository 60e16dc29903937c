"""A direct search on the ABC distance: where more ABC generations would lead.

ABC-SMC at a session's budget stops at an epsilon where most parameters are barely identified, so
its posterior cannot say whether the *model* can fit the record or only the budget is short. A
local optimiser on the same distance answers that: if its optimum misses a feature of the record
(the 2019 fall), a larger ABC budget will miss it too, and the mechanism has to change
(docs/calibration.md, "What the fall needed").

``python -m experiments.calibration.search START OUT.json [--maxfev N] [--seeds K]`` runs Powell's
method (scipy) in prior-normalised coordinates on the mean distance over K fixed seeds, from START
(``draw:I`` for the shipped posterior's draw I, ``median`` for its weighted medians, or a JSON file
this module wrote), and keeps the best point in OUT.json. ``--show OUT.json`` prints that point's
median reading against every wave of the record.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from experiments.calibration import priors
from experiments.calibration import simulator as S
from experiments.calibration import targets as T
from experiments.calibration.posterior import load
from experiments.calibration.runner import weighted_quantile

#: the record's 2019 collapse, read at the waves' fieldwork months (June 2019, October 2020)
FALL = ("kor_fav_jpn", 2019, 2020)


class Search:
    """The distance, and the 2019 fall, of a parameter vector averaged over fixed seeds."""

    def __init__(self, seeds: int = 6, table: list[priors.Prior] | None = None):
        self.table = table or priors.PARAMETERS
        self.targets = T.all_targets()
        self.observed, self.distance = self.targets.observed(), T.make_distance(self.targets)
        self.scenario = S.load_scenario(S.SCENARIO)
        self.seeds = range(1000, 1000 + seeds)
        series, a, b = FALL
        waves = self.targets.waves
        self.before = next(i for i, w in enumerate(waves) if w.series == series and w.year == a)
        self.after = next(i for i, w in enumerate(waves) if w.series == series and w.year == b)

    def to_params(self, z: np.ndarray) -> dict[str, float]:
        z = np.clip(z, 0.0, 1.0)
        return {p.key: p.low + float(v) * (p.high - p.low) for p, v in zip(self.table, z, strict=True)}

    def to_unit(self, params: dict[str, float]) -> np.ndarray:
        return np.array([(params[p.key] - p.low) / (p.high - p.low) for p in self.table])

    def simulate(self, params: dict[str, float]) -> list[dict[str, np.ndarray]]:
        return [S.simulate(params, seed, self.targets, self.scenario) for seed in self.seeds]

    def evaluate(self, params: dict[str, float]) -> tuple[float, float]:
        """Mean distance over the seeds, and the median fall of the latent Korean series."""
        sims = self.simulate(params)
        dist = float(np.mean([self.distance(x, self.observed) for x in sims]))
        fall = float(np.median([x["latent"][self.before] - x["latent"][self.after] for x in sims]))
        return dist, fall


def start_point(start: str, table: list[priors.Prior]) -> dict[str, float]:
    """A posterior draw, the posterior's weighted medians, or a point this module saved."""
    if start.startswith("draw:") or start == "median":
        keys, values, weights = load()
        if start == "median":
            row = {k: weighted_quantile(values[:, j], weights, 0.5) for j, k in enumerate(keys)}
        else:
            row = dict(zip(keys, values[int(start[5:])], strict=True))
    else:
        row = json.loads(Path(start).read_text())["params"]
    missing = [p.key for p in table if p.key not in row]
    if missing:
        raise SystemExit(f"search: start {start!r} has no value for {', '.join(missing)}")
    return {p.key: float(row[p.key]) for p in table}


def search(start: dict[str, float], out: Path, maxfev: int = 1500, seeds: int = 6,
           log=print) -> dict[str, Any]:
    from scipy.optimize import minimize

    s = Search(seeds)
    best: dict[str, Any] = {"distance": np.inf}
    t0 = time.time()

    def objective(z: np.ndarray) -> float:
        params = s.to_params(z)
        dist, fall = s.evaluate(params)
        if dist < best["distance"]:
            best.update(distance=dist, fall=fall, params=params, evaluations=calls[0], seeds=seeds)
            out.write_text(json.dumps(best, indent=1))
            log(f"{time.time() - t0:6.0f} s  distance {dist:.3f}  median 2019→2020 fall {fall:.1f} points")
        calls[0] += 1
        # Powell is unbounded: a penalty outside the unit box keeps it inside the priors' support
        return dist + 10.0 * float(np.sum(np.clip(z - 1, 0, None) + np.clip(-z, 0, None)))

    calls = [0]
    minimize(objective, s.to_unit(start), method="Powell", options={"maxfev": maxfev, "xtol": 1e-3, "ftol": 1e-4})
    best["evaluations"] = calls[0]
    out.write_text(json.dumps(best, indent=1))
    return best


def show(path: Path, seeds: int = 12) -> str:
    """The saved point's median latent reading against every wave (12 seeds)."""
    s = Search(seeds)
    params = json.loads(path.read_text())["params"]
    sims = s.simulate(params)
    lat = np.median([x["latent"] for x in sims], axis=0)
    dist, fall = s.evaluate(params)
    lines = [f"distance {dist:.3f} (mean of {seeds} seeds), median 2019→2020 fall {fall:.1f} points",
             "| series | fieldwork | record | model (median) |", "| --- | --- | --- | --- |"]
    lines += [f"| {w.series} | {w.fieldwork} | {w.value:.1f} | {lat[i]:.1f} |" for i, w in enumerate(s.targets.waves)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.calibration.search", description=__doc__.split("\n")[0])
    ap.add_argument("start", nargs="?", help="draw:I, median, or a JSON file this module wrote")
    ap.add_argument("out", nargs="?", type=Path, help="JSON file for the best point")
    ap.add_argument("--maxfev", type=int, default=1500, help="at most this many evaluations (default 1500)")
    ap.add_argument("--seeds", type=int, default=6, help="fixed seeds per evaluation (default 6)")
    ap.add_argument("--show", type=Path, metavar="FILE", help="print FILE's point against the record instead")
    args = ap.parse_args(argv)
    if args.show:
        if not args.show.exists():
            ap.error(f"--show: no such file {args.show}")
        print(show(args.show))
        return 0
    if not (args.start and args.out):
        ap.error("needs START and OUT (or --show FILE)")
    best = search(start_point(args.start, priors.PARAMETERS), args.out, args.maxfev, args.seeds)
    print(f"best distance {best['distance']:.3f}, median fall {best['fall']:.1f} points → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
