"""Affinity: governments warm to states that treat them well, and drift to where their public is.

A move of Goldstein weight G and intensity i lifts the target's affinity toward the mover by
``response · G/10 · i`` and the mover's toward the target by half that; at month end affinity
decays toward the public's favourability mapped onto −1 … 1, ``(opinion − 50) / 50``, at ``decay``.
"""

from __future__ import annotations

from model.catalogue import Move
from model.components.base import Component
from model.state import State


class Affinity(Component):
    name = "affinity"
    switch = "affinity"
    params = ("dynamics.affinity",)
    reads = ("relations.opinion",)
    writes = ("relations.affinity",)
    phases = ("move", "end")

    def __init__(self, state: State):
        super().__init__(state)
        p = state.params.dynamics.affinity
        self.response, self.decay = p.response, p.decay

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        A = state.relations.affinity
        r = self.response * gi
        a = A[ts] + r  # clip(a, -1, 1), written out: it runs on every move
        A[ts] = -1.0 if a < -1.0 else 1.0 if a > 1.0 else a
        a = A[st] + 0.5 * r
        A[st] = -1.0 if a < -1.0 else 1.0 if a > 1.0 else a

    def on_end(self, state: State) -> None:
        """Runs before opinion's month end: the baseline is this month's favourability."""
        k = self.decay
        A = state.relations.affinity
        A[:] = [a + k * ((o - 50.0) / 50.0 - a) for a, o in zip(A, state.relations.opinion, strict=True)]
