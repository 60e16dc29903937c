"""The parameter table: name, meaning, default, range and source of every sourced parameter.

Built from the schema (meaning, range) and a loaded scenario (value, source), so that
``docs/model.md`` can be regenerated and a test can keep it in sync:
``python -m model.parameters`` prints the table for the baseline.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, RootModel
from pydantic.fields import FieldInfo

from model.scenario import LoadedScenario, _model_in, load_scenario, resolved_parameters
from model.schema import Scenario


@dataclass(frozen=True)
class Parameter:
    name: str
    meaning: str
    default: Any
    lo: float
    hi: float
    lo_open: bool
    hi_open: bool
    source: str

    @property
    def range(self) -> str:
        lo = "(" if self.lo_open else "["
        hi = ")" if self.hi_open else "]"
        return f"{lo}{_num(self.lo)}, {_num(self.hi)}{hi}"


def _num(x: float) -> str:
    return "∞" if math.isinf(x) else f"{x:g}"


def _bounds(metadata: list) -> tuple[float, float, bool, bool]:
    lo, hi, lo_open, hi_open = -math.inf, math.inf, False, False
    for m in metadata:
        if isinstance(m, Ge):
            lo = m.ge
        elif isinstance(m, Gt):
            lo, lo_open = m.gt, True
        elif isinstance(m, Le):
            hi = m.le
        elif isinstance(m, Lt):
            hi, hi_open = m.lt, True
    return lo, hi, lo_open, hi_open


def field_spec(key: str) -> tuple[str, tuple[float, float, bool, bool], type]:
    """(meaning, bounds, type) of a dotted parameter key, read from the schema."""
    cls: Any = Scenario
    parts = key.split(".")
    meaning = ""
    i = 0
    while i < len(parts):
        fi: FieldInfo = cls.model_fields[parts[i]]
        meaning = fi.description or meaning
        ann = fi.annotation
        if typing.get_origin(ann) is dict:
            i += 1  # the next part is a key of the map
            value_type = typing.get_args(ann)[1]
            if isinstance(value_type, type) and issubclass(value_type, BaseModel):
                cls = value_type
                meaning = f"{meaning} — {parts[i]}"
                i += 1
                continue
            base, *meta = typing.get_args(value_type) or (value_type,)
            metadata = [m for f in meta if isinstance(f, FieldInfo) for m in f.metadata]
            return f"{meaning}: {parts[i]}", _bounds(metadata), base
        if isinstance(ann, type) and issubclass(ann, RootModel):  # a table keyed by state code
            ann = ann.model_fields["root"].annotation
            i += 1
            cls = typing.get_args(ann)[1]
            meaning = f"{meaning} — {parts[i]}"
            i += 1
            continue
        model = _model_in(ann)
        if model is not None:
            cls = model
            i += 1
            continue
        base = next((a for a in typing.get_args(ann) if a is not type(None)), ann)  # float | None -> float
        return meaning, _bounds(fi.metadata), base
    raise KeyError(key)


def parameter_table(scenario: str | LoadedScenario = "baseline") -> list[Parameter]:
    loaded = load_scenario(scenario)
    rows = []
    for key, value, source in resolved_parameters(loaded):
        meaning, (lo, hi, lo_open, hi_open), _ = field_spec(key)
        rows.append(Parameter(key, meaning, value, lo, hi, lo_open, hi_open, source))
    return rows


def _fmt(value: object) -> str:
    """Numbers as ``:g``; lists (e.g. the agreements in force at the start) as their items."""
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    return f"{value:g}"


def markdown_table(rows: list[Parameter]) -> str:
    def esc(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| name | meaning | default | range | source |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| `{r.name}` | {esc(r.meaning)} | {_fmt(r.default)} | {r.range} | {esc(r.source)} |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(parameter_table()))
