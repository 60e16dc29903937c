"""Catalyst spillover, both ways: coercing one ally can draw the other to the victim's side, or
make it keep out of the quarrel and accommodate the coercer.

The article's central hypothesis, with its rival from the alliance literature (Victor Cha's
quasi-alliance model: a state that fears entrapment in its partner's quarrel distances itself).
When a state coerces one ally, the other ally's threat of the coercer rises by
``threat · i · (1 − T)``; its response of size ``solidarity · i`` splits by ``balance``: the share
``balance`` is solidarity with the victim, the rest entrapment fear held toward the coercer, so
that solidarity with the victim moves by ``solidarity · i · (2 · balance − 1)`` (negative below
one half: keeping out) and entrapment by ``solidarity · i · (1 − balance)``. Both decay by
``solidarity_retention`` a month. Solidarity enters the cooperation utility toward the victim,
entrapment the accommodation of the coercer (``decision.w_solidarity`` for both).
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
    writes = ("relations.threat", "relations.solidarity", "relations.entrapment")
    phases = ("move", "end")
    move_kinds = COERCIVE_KINDS

    def __init__(self, state: State):
        super().__init__(state)
        p = state.params.dynamics.spillover
        self.threat, self.retention = p.threat, p.solidarity_retention
        self.to_victim = p.solidarity * (2.0 * p.balance - 1.0)
        self.to_coercer = p.solidarity * (1.0 - p.balance)

    def acts_on(self, roles: Roles, s: int, t: int, kind: str) -> bool:
        b = roles.other_ally(t)
        return kind in COERCIVE_KINDS and b is not None and b != s

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        b = state.roles.other_ally(t) * state.n
        R = state.relations
        T = R.threat
        T[b + s] += self.threat * intensity * (1.0 - T[b + s])
        R.solidarity[b + t] += self.to_victim * intensity
        R.entrapment[b + s] += self.to_coercer * intensity

    def on_end(self, state: State) -> None:
        keep = self.retention
        R = state.relations
        R.solidarity[:] = [x * keep for x in R.solidarity]
        R.entrapment[:] = [x * keep for x in R.entrapment]
