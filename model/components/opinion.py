"""Public opinion: favourability moves with visible moves and history disputes, and relaxes to a level.

A move raises (or lowers) the target public's favourability of the mover by
``response · visibility_kind · G/10 · i`` points; a history event costs both allied publics
``history_shock · i`` points; at month end favourability relaxes toward ``opinion_level`` at
``relaxation``.
"""

from __future__ import annotations

from model.catalogue import Move
from model.components.base import Component
from model.state import State, clip


class Opinion(Component):
    name = "opinion"
    switch = "opinion"
    params = ("dynamics.opinion", "states.*.opinion_level")
    reads = ("relations.opinion_level",)
    writes = ("relations.opinion",)
    phases = ("move", "end")

    def __init__(self, state: State):
        super().__init__(state)
        p = state.params.dynamics.opinion
        self.response, self.relaxation = p.response, p.relaxation
        self.visibility = dict(p.visibility)

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        O = state.relations.opinion
        O[ts] = clip(O[ts] + self.response * self.visibility[mv.kind] * gi, 0.0, 100.0)

    def on_end(self, state: State) -> None:
        k = self.relaxation
        O = state.relations.opinion
        O[:] = [o + k * (lv - o) for o, lv in zip(O, state.relations.opinion_level, strict=True)]


def history_shock(state: State, intensity: float) -> None:
    """A history event, random or dated, sours both allied publics: each loses favourability of
    the other (the Goldstein weight of an accusation, −2, would understate how salient these
    disputes are)."""
    if state.mechanisms.opinion:
        shock = state.params.dynamics.opinion.history_shock * intensity
        O = state.relations.opinion
        a, b = state.roles.allies
        ab, ba = a * state.n + b, b * state.n + a
        O[ab] = max(0.0, O[ab] - shock)
        O[ba] = max(0.0, O[ba] - shock)
