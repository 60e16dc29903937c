"""US credibility: the patron's cooperation with its allies builds it, and it drifts to commitment.

Each cooperative or reassuring move of the patron toward an ally adds
``response · i · (1 − credibility)``; at month end credibility moves toward the patron's
``commitment`` at ``drift``; ``shock`` events jump it (``components/scheduled_events.py``).
"""

from __future__ import annotations

from typing import Any

from model.catalogue import Move
from model.components.base import Component
from model.roles import Roles
from model.state import State


class USCredibility(Component):
    name = "us_credibility"
    switch = "us_credibility"
    params = ("dynamics.us_credibility", "states.*.commitment", "states.*.credibility")  # the patron's
    writes = ("credibility",)
    phases = ("move", "end", "measure")
    outcomes = {"us_credibility": 0.0}

    def __init__(self, state: State):
        super().__init__(state)
        p = state.params.dynamics.us_credibility
        self.response, self.drift = p.response, p.drift

    def acts_on(self, roles: Roles, s: int, t: int, kind: str) -> bool:
        return (kind == "cooperate" or kind == "reassure") and s == roles.patron and t in roles.allies

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        state.credibility += self.response * intensity * (1.0 - state.credibility)

    def on_end(self, state: State) -> None:
        c = state.credibility + self.drift * (state.commitment - state.credibility)
        state.credibility = 1.0 if c > 1.0 else 0.0 if c < 0.0 else c

    def on_measure(self, state: State, out: dict[str, Any]) -> None:
        out["us_credibility"] = state.credibility
