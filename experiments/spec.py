"""Experiment files: which scenarios, which design, how many replications, which outputs.

An experiment file is TOML, validated like a scenario: unknown keys, wrong types, out-of-range
values and parameters the scenarios do not have are refused with the file, the key and what was
expected.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from model import ScenarioError, load_scenario
from model.scenario import explain

SHIPPED = Path(__file__).resolve().parent


class ExperimentError(ScenarioError):
    """An experiment file could not be used; says which file, which key, what was expected."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


Value = float | int | bool | str


class Design(Strict):
    """``grid``: every combination of the listed values; ``lhs`` / ``sobol``: ``points`` samples
    of the ranges ``[low, high]`` (scipy.stats.qmc); ``none``: the scenarios as they are."""

    kind: Literal["none", "grid", "lhs", "sobol"] = "none"
    parameters: dict[str, list[Value]] = Field(default_factory=dict)
    points: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    seed: Annotated[int, Field(ge=0)] = 0
    integers: list[str] = Field(default_factory=list, description="sampled parameters to round to whole numbers")

    @model_validator(mode="after")
    def _shape(self) -> Design:
        if self.kind == "none":
            if self.parameters:
                raise ValueError("a design of kind 'none' takes no parameters")
            return self
        if not self.parameters:
            raise ValueError(f"a {self.kind} design needs at least one entry under [design.parameters]")
        for key, values in self.parameters.items():
            if not values:
                raise ValueError(f"parameters.{key}: needs at least one value")
            if self.kind in ("lhs", "sobol"):
                ok = len(values) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
                if not ok or values[0] >= values[1]:
                    raise ValueError(f"parameters.{key}: a sampled range is [low, high] with low < high, not {values}")
        if self.kind in ("lhs", "sobol") and self.points is None:
            raise ValueError(f"a {self.kind} design needs `points`, the number of samples")
        if self.kind == "grid" and self.points is not None:
            raise ValueError("a grid design takes no `points`: its size is the product of the value lists")
        unknown = set(self.integers) - set(self.parameters)
        if unknown:
            raise ValueError(f"integers names parameters not in the design: {', '.join(sorted(unknown))}")
        return self


class Outputs(Strict):
    outcomes: bool = False
    events: bool = False


class Experiment(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = Field(min_length=1)
    scenarios: list[str] = Field(min_length=1)
    design: Design = Field(default_factory=Design)
    replications: Annotated[int, Field(ge=1, le=1_000_000)]
    months: Annotated[int, Field(ge=1, le=1200)] | None = None
    root_seed: Annotated[int, Field(ge=0)]
    outputs: Outputs = Field(default_factory=Outputs)
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

            content["posterior_hash"] = posterior_hash()
        blob = json.dumps(content, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def find_experiment(spec: str | Path) -> Path:
    path = Path(spec)
    for candidate in (path, SHIPPED / path, SHIPPED / f"{spec}.toml"):
        if candidate.is_file():
            return candidate.resolve()
    known = ", ".join(p.stem for p in sorted(SHIPPED.glob("*.toml")))
    raise ExperimentError(spec, None, f"no such experiment file; shipped experiments: {known}")


def load_experiment(spec: str | Path, replications: int | None = None) -> tuple[Experiment, Path]:
    """Read and validate an experiment file, and check every design parameter against every
    scenario it names (at both ends of its range), so that a typo fails before the first run."""
    path = find_experiment(spec)
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(path, None, f"not valid TOML ({exc})") from None
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
    for name in exp.scenarios:
        try:
            load_scenario(name)
        except ScenarioError as exc:
            raise ExperimentError(path, "scenarios", f"{name!r} cannot be loaded: {exc}") from None
        for key, values in exp.design.parameters.items():
            for value in (values if exp.design.kind == "grid" else [values[0], values[-1]]):
                v = round(value) if key in exp.design.integers else value
                try:
                    load_scenario(name, {key: v})
                except ScenarioError as exc:
                    raise ExperimentError(
                        path, f"design.parameters.{key}", f"a valid value for scenario {name!r}: {exc.expected}"
                    ) from None
        if exp.parameters == "posterior":
            _check_posterior(path, name)
    return exp, path


def _check_posterior(path: Path, scenario: str) -> None:
    """The shipped posterior's keys and values must be valid overrides of every scenario."""
    from experiments.calibration.posterior import PosteriorError, draw, load

    try:
        _, values, _ = load()
        for i in (0, len(values) - 1):
            load_scenario(scenario, draw(i))
    except PosteriorError as exc:
        raise ExperimentError(path, "parameters", f"'posterior' needs the shipped posterior: {exc}") from None
    except ScenarioError as exc:
        raise ExperimentError(path, "parameters", f"posterior draws valid for scenario {scenario!r}: {exc}") from None


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
