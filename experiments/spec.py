"""Experiment files: which scenarios, which design, how many replications, which outputs.

An experiment file is TOML, validated like a scenario: unknown keys, wrong types, out-of-range
values and parameters the scenarios do not have are refused with the file, the key and what was
expected.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model import ScenarioError, load_scenario
from model.scenario import LoadedScenario, explain, shipped_scenario_dir

#: The shipped experiment files: package data, so that a wheel install has them too.
SHIPPED = Path(str(resources.files("experiments"))).resolve()
#: Limits refused up front, before anything is built in memory or written.
MAX_POINTS = 100_000
MAX_RUNS = 10_000_000


class ExperimentError(ScenarioError):
    """An experiment file could not be used; says which file, which key, what was expected."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


Value = float | int | bool | str
SAMPLED = ("lhs", "sobol_sequence", "saltelli", "morris")


class Design(Strict):
    """``grid``: every combination of the listed values; ``lhs`` / ``sobol_sequence``: ``points``
    samples of the ranges ``[low, high]`` (scipy.stats.qmc); ``saltelli``: SALib's Sobol'
    cross-sample of ``points`` base samples, for Sobol indices; ``morris``: SALib's Morris
    trajectories, for elementary effects; ``none``: the scenarios as they are.

    A sampled parameter may be given as ``[]`` to take its range from the model (``default_range``:
    the schema's range, or the scenario's value ± ``spread`` of itself), and ``every_parameter``
    adds every numeric parameter of the first scenario that way."""

    kind: Literal["none", "grid", "lhs", "sobol_sequence", "saltelli", "morris"] = "none"
    parameters: dict[str, list[Value]] = Field(default_factory=dict)
    points: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    seed: Annotated[int, Field(ge=0)] = 0
    integers: list[str] = Field(default_factory=list, description="sampled parameters to round to whole numbers")
    every_parameter: bool = Field(False, description="sample every numeric parameter of the first scenario")
    default_range: Literal["schema", "relative"] = "schema"
    spread: Annotated[float, Field(gt=0, le=10)] = 0.5
    second_order: bool = Field(False, description="saltelli: also sample for second-order indices")
    trajectories: Annotated[int, Field(ge=2, le=100_000)] | None = None
    levels: Annotated[int, Field(ge=2, le=1000)] = 4

    @field_validator("kind", mode="before")
    @classmethod
    def _renamed(cls, kind: Any) -> Any:
        if kind == "sobol":
            raise ValueError("the kind 'sobol' is now called 'sobol_sequence' (a scrambled Sobol sequence from "
                             "scipy.stats.qmc, a space-filling sample); for Sobol sensitivity indices use 'saltelli'")
        return kind

    @model_validator(mode="after")
    def _shape(self) -> Design:
        sampled = self.kind in SAMPLED
        if self.kind == "none":
            if self.parameters or self.every_parameter:
                raise ValueError("a design of kind 'none' takes no parameters")
            return self
        if not sampled and self.every_parameter:
            raise ValueError("every_parameter is for sampled designs (lhs, sobol_sequence, saltelli, morris)")
        if not self.parameters and not self.every_parameter:
            raise ValueError(f"a {self.kind} design needs at least one entry under [design.parameters]")
        for key, values in self.parameters.items():
            if not sampled and not values:
                raise ValueError(f"parameters.{key}: needs at least one value")
            if sampled and values:
                ok = len(values) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
                if not ok or values[0] >= values[1]:
                    raise ValueError(f"parameters.{key}: a sampled range is [low, high] with low < high, or [] for "
                                     f"the model's range, not {values}")
        if self.kind in ("lhs", "sobol_sequence", "saltelli") and self.points is None:
            what = "base samples N (runs N x (D + 2))" if self.kind == "saltelli" else "the number of samples"
            raise ValueError(f"a {self.kind} design needs `points`, {what}")
        if self.kind == "morris" and self.trajectories is None:
            raise ValueError("a morris design needs `trajectories`, the number of one-at-a-time paths (points r x (D + 1))")
        if self.kind != "morris" and self.trajectories is not None:
            raise ValueError("`trajectories` is for morris designs")
        if self.kind == "morris" and self.points is not None:
            raise ValueError("a morris design takes `trajectories`, not `points`")
        if self.kind == "grid" and self.points is not None:
            raise ValueError("a grid design takes no `points`: its size is the product of the value lists")
        if self.second_order and self.kind != "saltelli":
            raise ValueError("`second_order` is for saltelli designs")
        if self.kind == "saltelli" and self.points is not None and self.points & (self.points - 1):
            raise ValueError(f"a saltelli design needs `points` a power of two (SALib's Sobol' sequence), not {self.points}")
        unknown = set(self.integers) - set(self.parameters)
        if unknown and not self.every_parameter:
            raise ValueError(f"integers names parameters not in the design: {', '.join(sorted(unknown))}")
        return self


class Outputs(Strict):
    outcomes: bool = False
    events: bool = False
    trade_cuts: bool = False


class Experiment(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = Field(min_length=1)
    model: str = Field("thaw", description="the registered model to run (experiments.models); thaw unless a test")
    scenarios: list[str] = Field(min_length=1)
    design: Design = Field(default_factory=Design)
    replications: Annotated[int, Field(ge=1, le=1_000_000)]
    months: Annotated[int, Field(ge=1, le=1200)] | None = None
    root_seed: Annotated[int, Field(ge=0)]
    outputs: Outputs = Field(default_factory=Outputs)
    common_random_numbers: bool = Field(
        False, description="seed runs by (root seed, replicate) only, so scenarios and design points are paired")
    parameters: Literal["scenario", "posterior"] = Field(
        "scenario", description="'scenario': the scenarios' own values; 'posterior': each run also draws one sample "
                                "of the shipped posterior (model/data/posterior.csv), chosen from its seed")

    @model_validator(mode="after")
    def _unique(self) -> Experiment:
        if len(set(self.scenarios)) != len(self.scenarios):
            raise ValueError("scenarios: each scenario may be named once")
        return self

    def identity(self) -> str:
        """Hash of everything that fixes what each run is, except the replication count, so that a
        batch can be resumed or extended with more replications without losing what it has."""
        content = self.model_dump(mode="json", exclude={"replications"})
        if self.parameters == "scenario":  # files written before the option keep their identity
            del content["parameters"]
        else:  # a new posterior makes new runs
            from experiments.calibration.posterior import file_hash as posterior_hash
            from experiments.calibration.posterior import hindcast_hash

            content["posterior_hash"] = posterior_hash()
            content["hindcast_hash"] = hindcast_hash()  # the runs' starting levels are carried by it
        blob = json.dumps(content, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def design_size(design: Design) -> int:
    if design.kind == "none":
        return 1
    if design.kind == "grid":
        return math.prod(len(v) for v in design.parameters.values())
    d = len(design.parameters)
    if design.kind == "saltelli":
        return int(design.points or 0) * ((2 * d + 2) if design.second_order else (d + 2))
    if design.kind == "morris":
        return int(design.trajectories or 0) * (d + 1)
    return int(design.points or 0)


def find_experiment(spec: str | Path) -> Path:
    path = Path(spec)
    for candidate in (path, SHIPPED / path, SHIPPED / f"{spec}.toml"):
        try:
            if candidate.is_file():
                return candidate.resolve()
        except (OSError, ValueError):  # a name too long for the file system, or holding a NUL
            continue
    known = ", ".join(p.stem for p in sorted(SHIPPED.glob("*.toml")))
    raise ExperimentError(spec, None, f"no such experiment file; shipped experiments: {known}")


def load_experiment(spec: str | Path, replications: int | None = None) -> tuple[Experiment, Path]:
    """Read and validate an experiment file, fill in ranges left to the model, and check every
    design parameter against every scenario it names (at both ends of its range), so that a typo
    fails before the first run."""
    from experiments.models import registered

    path = find_experiment(spec)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(path, None, f"not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise ExperimentError(path, None, f"not UTF-8 text, as TOML must be ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise ExperimentError(path, None, "nested too deeply to be an experiment file") from None
    except OSError as exc:
        raise ExperimentError(path, None, f"cannot be read ({exc.strerror})") from None
    if replications is not None:
        raw["replications"] = replications
    try:
        exp = Experiment.model_validate(raw)
    except ValidationError as exc:
        key, expected = explain(exc.errors(include_url=False)[0], Experiment)
        if replications is not None and key == "replications":
            expected += " (from --replications)"
        raise ExperimentError(path, key or None, expected) from None
    try:
        model = registered(exp.model)
    except ScenarioError as exc:
        raise ExperimentError(path, "model", exc.expected) from None
    if not model.monthly_outputs and (exp.outputs.outcomes or exp.outputs.events):
        raise ExperimentError(path, "outputs", f"the {exp.model} model keeps run summaries only; set outcomes and "
                                               "events to false")
    if exp.model == "thaw":  # scenario files: a path resolves relative to the experiment file
        resolved = {name: resolve_scenario(name, path) for name in exp.scenarios}
    else:
        resolved = {}
        for name in exp.scenarios:
            try:
                model.check(name, {})
            except ScenarioError as exc:
                raise ExperimentError(path, "scenarios", f"{name!r} cannot be loaded: {exc}") from None
    exp = _resolve_ranges(exp, path, resolved)
    points = design_size(exp.design)
    if points > MAX_POINTS:
        raise ExperimentError(path, "design", f"at most {MAX_POINTS:,} design points, not {points:,}")
    runs = points * exp.replications * len(exp.scenarios)
    if runs > MAX_RUNS:
        raise ExperimentError(path, "replications", f"at most {MAX_RUNS:,} runs in one batch, not {runs:,} "
                              f"({len(exp.scenarios)} scenarios x {points:,} points x {exp.replications:,} replications)")
    if exp.months is not None and "months" in exp.design.parameters:
        raise ExperimentError(path, "design.parameters.months", "not together with `months`: give the horizon once")
    for name in exp.scenarios:
        if name in resolved:
            _check_design(exp, path, name, resolved[name])
            if exp.parameters == "posterior":
                _check_posterior(path, name, resolved[name])
        else:
            _check_registered(exp, path, name, model)
    return exp, path


def _check_registered(exp: Experiment, path: Path, name: str, model: Any) -> None:
    for key, values in exp.design.parameters.items():
        for value in (values if exp.design.kind == "grid" else [values[0], values[-1]]):
            v = round(value) if key in exp.design.integers else value
            try:
                model.check(name, {key: v})
            except ScenarioError as exc:
                raise ExperimentError(path, f"design.parameters.{key}",
                                      f"a valid value for scenario {name!r}: {exc.expected}") from None


def _check_design(exp: Experiment, path: Path, name: str, scenario: LoadedScenario) -> None:
    for key, values in exp.design.parameters.items():
        sampled = exp.design.kind != "grid"
        for value in ([values[0], values[-1]] if sampled else values):
            v = round(value) if key in exp.design.integers else (float(value) if sampled else value)
            try:
                load_scenario(scenario, {key: v})
            except ScenarioError as exc:
                whole = sampled and key not in exp.design.integers and _is_int(scenario, key)
                hint = "; it takes whole numbers: list it under design.integers" if whole else ""
                raise ExperimentError(
                    path, f"design.parameters.{key}", f"a valid value for scenario {name!r}: {exc.expected}{hint}"
                ) from None


def _is_int(scenario: LoadedScenario, key: str) -> bool:
    try:
        value = scenario.value(key)
    except (KeyError, TypeError):
        return False
    return isinstance(value, int) and not isinstance(value, bool)


def resolve_scenario(name: str, experiment_file: Path) -> LoadedScenario:
    """A scenario named in an experiment: a path resolves relative to the experiment file, a bare
    name through the scenario search path."""
    is_path = name.endswith(".toml") or "/" in name or os.sep in name
    try:
        if is_path:
            path = Path(name).expanduser()
            return load_scenario(path if path.is_absolute() else experiment_file.parent / path)
        return load_scenario(name)
    except ScenarioError as exc:
        raise ExperimentError(experiment_file, "scenarios", f"{name!r} cannot be loaded: {exc}") from None


def shadowing(name: str, scenario: LoadedScenario) -> str | None:
    """A warning when a bare name resolved to a local file although a shipped scenario has that name."""
    shipped = shipped_scenario_dir()
    if shipped is None or name.endswith(".toml") or "/" in name:
        return None
    own = shipped / f"{name}.toml"
    if own.is_file() and scenario.files[0].resolve() != own.resolve():
        return (f"scenario {name!r} is {scenario.files[0]}, which shadows the shipped {own}; "
                "the resolved file and its hash are recorded in the manifest")
    return None


def batch_identity(exp: Experiment, scenario_hashes: dict[str, str]) -> str:
    """What fixes every run of a batch: the experiment (but its replication count) and the resolved
    content of every scenario it uses (its hash). Equal identities mean equal runs for equal run ids."""
    blob = json.dumps({"experiment": exp.identity(), "scenarios": dict(sorted(scenario_hashes.items()))},
                      sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def first_difference(old: object, new: object, prefix: str = "") -> str | None:
    """The first dotted key at which two JSON-like values differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new), key=str):
            if k not in old or k not in new:
                return f"{prefix}{k}"
            found = first_difference(old[k], new[k], f"{prefix}{k}.")
            if found:
                return found
        return None
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            found = first_difference(a, b, f"{prefix.rstrip('.')}[{i}].")
            if found:
                return found
        return None
    return None if old == new else prefix.rstrip(".") or "(top level)"


def _resolve_ranges(exp: Experiment, path: Path, resolved: dict[str, LoadedScenario] | None = None) -> Experiment:
    """Sampled parameters written ``[]`` (or all of them, with ``every_parameter``) get their range
    from the first scenario: the schema's range, or the value ± ``spread`` of itself (clipped to the
    schema; a zero value gets ± spread x 10% of the schema's width). Whole-number parameters are
    rounded. The resolved ranges are what the manifest and the experiment's identity record."""
    from experiments.models import registered

    d = exp.design
    if d.kind not in SAMPLED:
        return exp
    first = (resolved or {}).get(exp.scenarios[0], exp.scenarios[0])
    info = {p.name: p for p in registered(exp.model).parameters(first)}
    wanted = dict(d.parameters)
    if d.every_parameter:
        for key in info:
            wanted.setdefault(key, [])
    params: dict[str, list[Value]] = {}
    integers = list(d.integers)
    for key, values in wanted.items():
        p = info.get(key)
        if not values and p is not None and p.integer and key not in integers:
            integers.append(key)  # a range taken from the model keeps the model's type: whole numbers
        if values:
            params[key] = values
            continue
        if p is None:
            raise ExperimentError(path, f"design.parameters.{key}",
                                  f"a parameter of scenario {exp.scenarios[0]!r} (to take its range from the model)")
        lo, hi = _default_range(p, d.default_range, d.spread)
        if not lo < hi:
            raise ExperimentError(path, f"design.parameters.{key}",
                                  f"an explicit [low, high]: the {d.default_range} range of value {p.value:g} is empty")
        params[key] = [lo, hi]
    unknown = set(integers) - set(params)
    if unknown:
        raise ExperimentError(path, "design.integers", f"parameters of the design; not: {', '.join(sorted(unknown))}")
    design = d.model_copy(update={"parameters": params, "integers": integers})
    return exp.model_copy(update={"design": design})


def _default_range(p, how: str, spread: float) -> tuple[float, float]:
    width = p.hi - p.lo
    if how == "schema":
        lo, hi = p.lo, p.hi
    else:
        half = spread * abs(p.value) if p.value != 0 else spread * 0.1 * width
        lo, hi = max(p.lo, p.value - half), min(p.hi, p.value + half)
    # an open bound is not a valid value: stay a hair inside it
    eps = 1e-9 * (width if width and width != float("inf") else 1.0)
    if p.lo_open and lo <= p.lo:
        lo = p.lo + eps
    if p.hi_open and hi >= p.hi:
        hi = p.hi - eps
    if p.integer:
        lo, hi = float(math.ceil(lo)), float(math.floor(hi))
    return float(lo), float(hi)


def _check_posterior(path: Path, name: str, scenario: LoadedScenario) -> None:
    """The shipped posterior's keys and values must be valid overrides of every scenario."""
    from experiments.calibration.posterior import PosteriorError, draw, load

    try:
        _, values, _ = load()
        for i in (0, len(values) - 1):
            load_scenario(scenario, draw(i))
    except PosteriorError as exc:
        raise ExperimentError(path, "parameters", f"'posterior' needs the shipped posterior: {exc}") from None
    except ScenarioError as exc:
        raise ExperimentError(path, "parameters", f"posterior draws valid for scenario {name!r}: {exc}") from None


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
