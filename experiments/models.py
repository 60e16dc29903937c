"""Which model an experiment runs: Thaw, or a test function with known sensitivity indices.

An experiment file names its model (``model = "thaw"`` unless it says otherwise). The registry
lets the analysis pipeline be checked end to end on a function whose answer is known analytically
(the Ishigami function), through exactly the experiment -> batch -> analyse path that Thaw takes.
A model here is anything with ``run()`` returning itself and ``summary()`` returning a dict of
outcomes; the registry also says which parameters a scenario has, their ranges and sources, and
how to check an override, so that experiment files are validated the same way for every model.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model import ScenarioError, ThawModel, load_scenario


@dataclass(frozen=True)
class ParameterInfo:
    """One sweepable number: its value in the scenario, its schema range, its type and source."""

    name: str
    value: float
    lo: float
    hi: float
    lo_open: bool
    hi_open: bool
    integer: bool
    source: str


# --------------------------------------------------------------------------------------------
# Thaw
def _thaw_build(scenario: str, seed: int, months: int | None, params: dict[str, Any]) -> ThawModel:
    return ThawModel(load_scenario(scenario), rng=seed, months=months, **params)


def _thaw_check(scenario: str, overrides: dict[str, Any]) -> None:
    load_scenario(scenario, overrides)


def _thaw_parameters(scenario: str) -> list[ParameterInfo]:
    from model.parameters import field_spec, parameter_table

    rows = []
    for p in parameter_table(scenario):
        if isinstance(p.default, list | str | bool):  # e.g. the agreements in force: not a number to sample
            continue
        _, _, typ = field_spec(p.name)
        integer = isinstance(typ, type) and issubclass(typ, int) and not issubclass(typ, bool)
        rows.append(ParameterInfo(p.name, p.default, p.lo, p.hi, p.lo_open, p.hi_open, integer, p.source))
    return rows


def _thaw_hash(scenario: str) -> str:
    return load_scenario(scenario).hash


# --------------------------------------------------------------------------------------------
# Ishigami: y = sin x1 + a sin² x2 + b x3⁴ sin x1, inputs uniform on [-π, π]
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1
_ISHIGAMI = {
    "x1": (0.0, "article: Ishigami and Homma (1990), the standard first input"),
    "x2": (0.0, "article: Ishigami and Homma (1990), the standard second input"),
    "x3": (0.0, "article: Ishigami and Homma (1990), the third input, active only with x1"),
    "x4": (0.0, "assumption: an input the function ignores, so that screening must rank it last"),
}


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> dict[str, dict[str, float]]:
    """Analytic first-order and total Sobol indices of the Ishigami function (x4 inert)."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"S1": {"x1": v1 / var, "x2": v2 / var, "x3": 0.0, "x4": 0.0},
            "ST": {"x1": (v1 + v13) / var, "x2": v2 / var, "x3": v13 / var, "x4": 0.0}}


@dataclass
class IshigamiModel:
    """The Ishigami function as a one-step model; ``noise`` adds N(0, noise²) from the run's own
    generator, so that replications and common random numbers have something to average."""

    seed: int
    params: dict[str, float] = field(default_factory=dict)
    y: float = math.nan

    def run(self) -> IshigamiModel:
        x1, x2, x3 = (float(self.params.get(k, 0.0)) for k in ("x1", "x2", "x3"))
        noise = float(self.params.get("noise", 0.0))
        rng = np.random.default_rng(self.seed)
        self.y = (math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * math.sin(x1)
                  + noise * float(rng.standard_normal()))
        return self

    def summary(self) -> dict[str, Any]:
        return {"y": self.y, "y_positive": self.y > 0}


def _ishigami_parameters(scenario: str) -> list[ParameterInfo]:
    _ishigami_scenario(scenario)
    rows = [ParameterInfo(k, v, -math.pi, math.pi, False, False, False, src) for k, (v, src) in _ISHIGAMI.items()]
    rows.append(ParameterInfo("noise", 0.0, 0.0, 10.0, False, False, False, "assumption: test noise, off by default"))
    return rows


def _ishigami_scenario(scenario: str) -> None:
    if scenario != "ishigami":
        raise ScenarioError(scenario, None, "the ishigami model has one scenario, 'ishigami'")


def _ishigami_check(scenario: str, overrides: dict[str, Any]) -> None:
    known = {p.name: p for p in _ishigami_parameters(scenario)}
    for key, value in overrides.items():
        if key not in known:
            raise ScenarioError(f"{scenario} (override)", key, f"no such parameter; parameters: {', '.join(known)}")
        p = known[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not p.lo <= value <= p.hi:
            raise ScenarioError(f"{scenario} (override)", key, f"a number in [{p.lo:g}, {p.hi:g}], not {value!r}")


def _ishigami_build(scenario: str, seed: int, months: int | None, params: dict[str, Any]) -> IshigamiModel:
    _ishigami_check(scenario, params)
    return IshigamiModel(seed, dict(params))


def _ishigami_hash(scenario: str) -> str:
    blob = json.dumps({"a": ISHIGAMI_A, "b": ISHIGAMI_B, "scenario": scenario}).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Registered:
    build: Any
    check: Any
    parameters: Any
    scenario_hash: Any
    monthly_outputs: bool  # can keep monthly outcomes and event logs


MODELS: dict[str, Registered] = {
    "thaw": Registered(_thaw_build, _thaw_check, _thaw_parameters, _thaw_hash, True),
    "ishigami": Registered(_ishigami_build, _ishigami_check, _ishigami_parameters, _ishigami_hash, False),
}


def registered(name: str) -> Registered:
    try:
        return MODELS[name]
    except KeyError:
        raise ScenarioError(None, "model", f"one of {', '.join(MODELS)}, not {name!r}") from None


def build_model(name: str, scenario: str, seed: int, months: int | None, params: dict[str, Any]) -> Any:
    """The model object of one run, ready for ``run()``."""
    return registered(name).build(scenario, seed, months, params)


def scenario_hash(name: str, scenario: str) -> str:
    return registered(name).scenario_hash(scenario)
