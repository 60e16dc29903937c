"""What a dotted parameter key means, read from the scenario schema's field descriptions.

Plots and the explorer label parameters with these words instead of dotted keys, so that a figure
or a slider says "China: provocation above which coercion gains utility (0 … 10)" and a reader
does not need the schema open beside it. The schema class is reached through a loaded scenario,
not imported by module path, so a reorganised ``model`` package keeps working.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from functools import cache

COUNTRY_NAMES = {"JPN": "Japan", "KOR": "South Korea", "CHN": "China", "USA": "US"}


@dataclass(frozen=True)
class ParamInfo:
    key: str
    description: str
    lo: float | None
    hi: float | None
    kind: str  # "float", "int" or "bool"

    @property
    def range_text(self) -> str:
        return "" if self.lo is None or self.hi is None else f"{self.lo:g} … {self.hi:g}"

    @property
    def who(self) -> str:
        parts = self.key.split(".")
        return COUNTRY_NAMES.get(parts[1], "") if parts[0] == "states" and len(parts) > 1 else ""


@cache
def _scenario_class() -> type:
    from model import load_scenario

    return type(load_scenario("baseline").params)


def _model_of(annotation: typing.Any) -> type | None:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


@cache
def param_info(key: str) -> ParamInfo | None:
    """The schema's description, bounds and type of a dotted key; None when the schema has no such key."""
    try:
        cls: type | None = _scenario_class()
    except Exception:  # noqa: BLE001 - no scenario to read the schema from: fall back to the key itself
        return None
    parts = key.split(".")
    i = 0
    from pydantic import RootModel

    while cls is not None and i < len(parts):
        if issubclass(cls, RootModel):  # a keyed table such as ``states`` (one entry per state code): skip the key
            cls = _model_of(typing.get_args(cls.model_fields["root"].annotation)[1])
            i += 1
            continue
        field = cls.model_fields.get(parts[i])
        if field is None:
            return None
        ann = field.annotation
        if typing.get_origin(ann) is dict:  # keyed map (one value per country, channel, kind): skip the key
            i += 1
            value_type = typing.get_args(ann)[1]
            if i == len(parts) - 1:
                lo, hi = _bounds(getattr(value_type, "__metadata__", ()))
                return ParamInfo(key, field.description or parts[-1], lo, hi, "float")
            cls = _model_of(value_type)
            i += 1
            continue
        if i == len(parts) - 1:
            lo, hi = _bounds(field.metadata)
            kind = "bool" if ann is bool else "int" if ann is int else "float"
            return ParamInfo(key, field.description or parts[-1], lo, hi, kind)
        cls = _model_of(ann)
        i += 1
    return None


def _bounds(metadata: typing.Iterable[typing.Any]) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in metadata:
        for name in ("ge", "gt"):
            if getattr(m, name, None) is not None:
                lo = float(getattr(m, name))
        for name in ("le", "lt"):
            if getattr(m, name, None) is not None:
                hi = float(getattr(m, name))
        for sub in getattr(m, "metadata", ()) or ():  # a FieldInfo inside Annotated
            slo, shi = _bounds([sub])
            lo, hi = slo if slo is not None else lo, shi if shi is not None else hi
    return lo, hi


def param_label(key: str, short: bool = False) -> str:
    """An axis label for a parameter: who, what (from the schema) and the range as its unit.

    ``short`` keeps only the part of the description before a colon or comma, for titles."""
    info = param_info(key)
    if info is None:
        return key
    what = info.description
    if short:
        what = what.split(":")[0].split(",")[0].split(" (")[0]
    named = info.who and not what.lower().startswith(info.who.lower())
    text = f"{info.who}: {what}" if named else what[0].upper() + what[1:]
    return text if short or not info.range_text else f"{text} ({info.range_text})"


def short_name(key: str) -> str:
    """A compact name for panel titles, where a full description would not fit: 'US commitment'."""
    parts = key.split(".")
    who = COUNTRY_NAMES.get(parts[1], parts[1]) + " " if parts[0] == "states" and len(parts) > 2 else ""
    return f"{who}{parts[-1].replace('_', ' ')}"
