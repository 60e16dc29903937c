"""Threat perception: coercion raises it (saturating), cooperation lowers it, and it relaxes back.

Always on. A coercive move raises the target's threat of the mover by ``military`` (or
``economic``) ``· i · (1 − T)``; a cooperative or reassuring one lowers it by ``reassurance · i``;
at month end threat relaxes toward its initial, structural level at ``relaxation``.
"""

from __future__ import annotations

from typing import Any

from model.catalogue import Move
from model.components.base import Component
from model.state import State


class Threat(Component):
    name = "threat"
    params = ("dynamics.threat",)
    reads = ("relations.threat_level",)
    writes = ("relations.threat",)
    phases = ("move", "end", "measure")
    outcomes = {"kor_threat_chn": 0.0, "jpn_threat_chn": 0.0}
    move_kinds = frozenset({"coerce_mil", "coerce_econ", "cooperate", "reassure"})

    def __init__(self, state: State):
        super().__init__(state)
        p = state.params.dynamics.threat
        self.military, self.economic, self.reassurance, self.relaxation = p.military, p.economic, p.reassurance, p.relaxation

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        T = state.relations.threat
        kind = mv.kind
        if kind == "coerce_mil" or kind == "coerce_econ":
            bump = self.military if kind == "coerce_mil" else self.economic
            T[ts] += bump * intensity * (1.0 - T[ts])
        else:
            x = T[ts] - self.reassurance * intensity
            T[ts] = x if x > 0.0 else 0.0

    def on_end(self, state: State) -> None:
        k = self.relaxation
        T = state.relations.threat
        T[:] = [x + k * (lv - x) for x, lv in zip(T, state.relations.threat_level, strict=True)]

    def on_measure(self, state: State, out: dict[str, Any]) -> None:
        T, (a, b), rival, n = state.relations.threat, state.roles.allies, state.roles.rival, state.n
        out["kor_threat_chn"] = T[b * n + rival]
        out["jpn_threat_chn"] = T[a * n + rival]
