"""Design points and run seeds.

Space-filling samples come from ``scipy.stats.qmc`` (Latin hypercube, scrambled Sobol sequence),
the samples behind sensitivity indices from SALib (Saltelli's cross-sample for Sobol indices,
Morris trajectories for elementary effects), so that the analysis can hand the same matrix back
to SALib. Seeds come from ``numpy.random.SeedSequence`` keyed by (root seed, scenario, design
point, replicate), or by (root seed, replicate) alone under common random numbers, so a run's seed
does not depend on the executor, the worker count, the order of completion, the other scenarios
in the file, or how many replications there are.
"""

from __future__ import annotations

import hashlib
import itertools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments.spec import Design, Experiment, ExperimentError


def problem(design: Design) -> dict[str, Any]:
    """The design's parameters and ranges as a SALib problem."""
    keys = list(design.parameters)
    return {"num_vars": len(keys), "names": keys,
            "bounds": [[float(design.parameters[k][0]), float(design.parameters[k][1])] for k in keys]}


def sample_matrix(design: Design) -> np.ndarray:
    """The sampled design as a (points x parameters) matrix before rounding, in design order:
    what SALib's analysers need next to the outcomes."""
    keys = list(design.parameters)
    d = len(keys)
    if design.kind in ("saltelli", "morris"):
        try:
            from SALib.sample import morris, sobol
        except ImportError:
            raise ExperimentError(None, "design.kind", f"{design.kind} designs need the optional extra: "
                                                       "pip install 'thaw-sim[analysis]'") from None
        prob = problem(design)
        if design.kind == "saltelli":
            return sobol.sample(prob, design.points, calc_second_order=design.second_order, seed=design.seed)
        return morris.sample(prob, design.trajectories, num_levels=design.levels, seed=design.seed)
    from scipy.stats import qmc  # only sampled designs need scipy

    if design.kind == "lhs":
        unit = qmc.LatinHypercube(d=d, rng=np.random.default_rng(design.seed)).random(design.points)
    else:
        sampler = qmc.Sobol(d=d, scramble=True, rng=np.random.default_rng(design.seed))
        with warnings.catch_warnings():  # scipy warns when n is not a power of two: balance is lost, not validity
            warnings.simplefilter("ignore", UserWarning)
            unit = sampler.random(design.points)
    lows = [design.parameters[k][0] for k in keys]
    highs = [design.parameters[k][1] for k in keys]
    return qmc.scale(unit, lows, highs)


def design_points(design: Design) -> list[dict[str, Any]]:
    """The parameter overrides of every design point, in a fixed order."""
    if design.kind == "none":
        return [{}]
    keys = list(design.parameters)
    if design.kind == "grid":
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*design.parameters.values())]
    points = []
    for row in sample_matrix(design):
        point = {}
        for k, v in zip(keys, row, strict=True):
            point[k] = int(round(v)) if k in design.integers else float(v)
        points.append(point)
    return points


def scenario_key(name: str) -> int:
    """A stable 32-bit number for a scenario name (not its position in the file)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


def run_seed(root_seed: int, scenario: str, point: int, replicate: int, common: bool = False) -> int:
    """The seed of one run: SeedSequence(root, spawn_key=(scenario, point, replicate)), or with
    common random numbers SeedSequence(root, spawn_key=(replicate,)), the same for every scenario
    and design point, so that their differences are paired."""
    key = (replicate,) if common else (scenario_key(scenario), point, replicate)
    ss = np.random.SeedSequence(root_seed, spawn_key=key)
    lo, hi = ss.generate_state(2, dtype=np.uint32)
    return (int(hi) << 32 | int(lo)) & (2**63 - 1)


@dataclass(frozen=True)
class RunSpec:
    run_id: int
    scenario: str
    point: int
    replicate: int
    seed: int
    params: dict[str, Any]
    model: str = "thaw"
    draw: int | None = None  # index of the posterior sample this run uses (parameters = "posterior")


def plan(exp: Experiment, scenarios: dict[str, Any] | None = None) -> list[RunSpec]:
    """Every run of the experiment. Run ids are assigned replicate-major, so that adding
    replications appends ids and never renumbers the runs a batch already has. ``scenarios`` are
    the experiment's resolved scenarios by name (``batch.resolve``): a posterior draw reads their
    start month (a scenario given as a path resolves relative to the experiment file, which only
    the caller knows); a bare name missing from it is loaded through the search path."""
    points = design_points(exp.design)
    posterior = exp.parameters == "posterior"
    scenarios = scenarios or {}
    per_rep = len(exp.scenarios) * len(points)
    runs = []
    for rep in range(exp.replications):
        for si, name in enumerate(exp.scenarios):
            for pi, params in enumerate(points):
                rid = rep * per_rep + si * len(points) + pi
                seed = run_seed(exp.root_seed, name, pi, rep, exp.common_random_numbers)
                spec = RunSpec(rid, name, pi, rep, seed, params, exp.model)
                runs.append(with_posterior_draw(spec, scenarios.get(name)) if posterior else spec)
    return runs


def seed_rule(exp: Experiment) -> str:
    """How the experiment's run seeds are made, in words for the manifest."""
    if exp.common_random_numbers:
        return "numpy.random.SeedSequence(root_seed, spawn_key=(replicate,)) (common random numbers)"
    return "numpy.random.SeedSequence(root_seed, spawn_key=(sha256(scenario)[:4], point, replicate))"


POSTERIOR_STREAM = 0x9051  # spawn key that separates the posterior draw from the model's use of the seed


def posterior_index(seed: int) -> int:
    """The posterior sample a run of ``seed`` draws: fixed by the seed alone, on its own stream."""
    from experiments.calibration import posterior

    return posterior.draw_index(np.random.SeedSequence(seed, spawn_key=(POSTERIOR_STREAM,)))


def with_posterior_draw(spec: RunSpec, scenario: Any = None) -> RunSpec:
    """The run with one posterior sample, chosen by its seed alone, under its design overrides (the
    design's explicit values win over the posterior's); the sample's 2013 initial conditions are
    carried to the scenario's start (``posterior.draw_for``) under the posterior's own values: a
    design that varies a parameter of the carry (the norms, the leader cue) varies it from the
    scenario's start on, not over 2013-2025. ``scenario`` is the resolved scenario (by name when
    not given)."""
    from experiments.calibration import posterior
    from model import load_scenario

    index = posterior_index(spec.seed)
    start = (scenario if scenario is not None else load_scenario(spec.scenario)).params.start
    return RunSpec(spec.run_id, spec.scenario, spec.point, spec.replicate, spec.seed,
                   {**posterior.draw_for(index, start), **spec.params}, spec.model, index)
