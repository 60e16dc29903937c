"""Political capital: unpopular moves spend it, and it recovers toward full.

Always on. Cooperating with a state the public dislikes, or attacking one it likes, spends
``capital_cost_kind · max(unpopularity, 0.2)``; capital recovers by ``recovery · (1 − capital)`` a
month. Capital scarcity enters the decision (``decision.w_capital``).
"""

from __future__ import annotations

from model.catalogue import Move
from model.components.base import Component
from model.state import State


class PoliticalCapital(Component):
    name = "political_capital"
    params = ("decision.capital_cost", "dynamics.capital", "states.*.political_capital")
    reads = ("relations.opinion",)
    writes = ("capital",)
    phases = ("move", "end")

    def __init__(self, state: State):
        super().__init__(state)
        self.cost = dict(state.params.decision.capital_cost)
        self.recovery = state.params.dynamics.capital.recovery

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        fav = state.relations.opinion[st]
        unpop = (50.0 - fav) / 50.0 if gi > 0 else (fav - 50.0) / 50.0
        cost = self.cost.get(mv.kind, 0.0) * (unpop if unpop > 0.2 else 0.2)
        cap = state.capital
        c = cap[s] - cost
        cap[s] = c if c > 0.0 else 0.0

    def on_end(self, state: State) -> None:
        rec = self.recovery
        state.capital[:] = [c + rec * (1.0 - c) for c in state.capital]
