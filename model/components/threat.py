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

    def on_move(self, state: State, s: int, t: int, mv: Move, goldstein: float, gi: float, intensity: float) -> None:
        Tt = state.relations.threat[t]
        kind = mv.kind
        if kind == "coerce_mil" or kind == "coerce_econ":
            bump = self.military if kind == "coerce_mil" else self.economic
            Tt[s] += bump * intensity * (1.0 - Tt[s])
        else:
            Tt[s] = max(0.0, Tt[s] - self.reassurance * intensity)

    def on_end(self, state: State) -> None:
        k = self.relaxation
        for Ts, Ls in zip(state.relations.threat, state.relations.threat_level, strict=True):
            Ts[:] = [x + k * (lv - x) for x, lv in zip(Ts, Ls, strict=True)]

    def on_measure(self, state: State, out: dict[str, Any]) -> None:
        T, (a, b), rival = state.relations.threat, state.roles.allies, state.roles.rival
        out["kor_threat_chn"] = T[b][rival]
        out["jpn_threat_chn"] = T[a][rival]
