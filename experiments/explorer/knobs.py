"""The parameters the what-if mode offers, with their meaning (from the schema) and source (from
the scenario file), so that a slider says what it moves and where its default comes from."""

from __future__ import annotations

from dataclasses import dataclass

from experiments.labels import param_info, param_label, short_name

#: The parameters users tweak most, by section; every mechanism switch is added from the schema.
SECTIONS: dict[str, list[str]] = {
    "United States": ["states.USA.commitment", "states.USA.credibility"],
    "China": ["states.CHN.doctrine.threshold", "states.CHN.doctrine.restraint"],
    "Leaders": [f"states.{c}.leader.{k}" for c in ("JPN", "KOR", "CHN", "USA") for k in ("ideology", "hawkishness")],
    "Decision": ["decision.rationality"],
}


@dataclass(frozen=True)
class Knob:
    key: str
    kind: str  # "float", "int" or "bool"
    lo: float
    hi: float
    default: float | bool
    label: str
    meaning: str
    source: str

    @property
    def step(self) -> float:
        return 1.0 if self.kind == "int" else round((self.hi - self.lo) / 100, 6)


def mechanism_keys() -> list[str]:
    from experiments.labels import _scenario_class

    mechanisms = _scenario_class().model_fields["mechanisms"].annotation
    return [f"mechanisms.{name}" for name in mechanisms.model_fields]


def knobs(scenario: str = "baseline") -> dict[str, list[Knob]]:
    """The knobs by section, with defaults and sources from ``scenario``."""
    from model import load_scenario

    sc = load_scenario(scenario)
    sections = {**SECTIONS, "Mechanisms": mechanism_keys()}
    out: dict[str, list[Knob]] = {}
    for section, keys in sections.items():
        for key in keys:
            info = param_info(key)
            if info is None:  # the schema dropped or renamed it: offer nothing rather than a dead slider
                continue
            value = sc.value(key)
            # switches carry no source in scenario files: they say what the scenario turns on or off
            source = sc.sources.get(key, f"on/off switch in {sc.name}'s [mechanisms]" if info.kind == "bool" else "—")
            out.setdefault(section, []).append(Knob(
                key=key, kind=info.kind, lo=info.lo if info.lo is not None else 0.0,
                hi=info.hi if info.hi is not None else 1.0, default=value,
                label=("mechanism: " if info.kind == "bool" else "") + short_name(key), meaning=param_label(key),
                source=source))
    return out
