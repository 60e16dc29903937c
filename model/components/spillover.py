"""Catalyst spillover: coercing one ally frightens the other and draws it to the victim's side.

The article's central hypothesis. When a state coerces one ally, the other ally's threat of the
coercer rises by ``threat · i · (1 − T)`` and its solidarity with the victim by
``solidarity · i``; solidarity decays by ``solidarity_retention`` a month and enters the
cooperation utility toward the victim (``decision.w_solidarity``).
"""

from __future__ import annotations

from model.catalogue import COERCIVE_KINDS, Move
from model.components.base import Component
from model.roles import Roles
from model.state import State


class Spillover(Component):
    name = "spillover"
    switch = "spillover"
    params = ("dynamics.spillover",)
    writes = ("relations.threat", "relations.solidarity")
    phases = ("move", "end")
    move_kinds = COERCIVE_KINDS

    def __init__(self, state: State):
        super().__init__(state)
        p = state.params.dynamics.spillover
        self.threat, self.solidarity, self.retention = p.threat, p.solidarity, p.solidarity_retention

    def acts_on(self, roles: Roles, s: int, t: int, kind: str) -> bool:
        b = roles.other_ally(t)
        return kind in COERCIVE_KINDS and b is not None and b != s

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        b = state.roles.other_ally(t) * state.n
        T = state.relations.threat
        T[b + s] += self.threat * intensity * (1.0 - T[b + s])
        state.relations.solidarity[b + t] += self.solidarity * intensity

    def on_end(self, state: State) -> None:
        keep = self.retention
        S = state.relations.solidarity
        S[:] = [x * keep for x in S]
