"""Reciprocity: each state remembers what it received, and forgets at a fixed rate.

Always on: memory is the decision's tit-for-tat term (``decision.w_reciprocity``).
"""

from __future__ import annotations

from model.catalogue import Move
from model.components.base import Component
from model.state import State


class Reciprocity(Component):
    name = "reciprocity"
    params = ("dynamics.memory",)
    writes = ("relations.memory",)
    phases = ("move", "end")

    def __init__(self, state: State):
        super().__init__(state)
        self.retention = state.params.dynamics.memory.retention

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        """The target's memory of the mover moves by the move's Goldstein weight / 10 × intensity."""
        state.relations.memory[ts] += gi

    def on_end(self, state: State) -> None:
        keep = self.retention
        M = state.relations.memory
        M[:] = [m * keep for m in M]
