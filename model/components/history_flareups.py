"""History flare-ups: at most one a month, likelier the stronger the leaders' history stances.

The monthly probability is ``rate_multiplier · base_rate · (1 + stance_scale · mean history
stance of the two allies' leaders)`` (``rate_multiplier`` is 1 in the baseline; a scenario that
makes flare-ups "twice as likely" sets 2). The kind (shrine visit, textbook dispute, court ruling, history dispute) is
drawn in proportion to 0.25 + the stance of the leader who drives it. A flare-up is a protest move
(trigger ``history_flareup``) and costs each public ``history_shock`` points of favourability.
"""

from __future__ import annotations

from model.components.base import Component
from model.components.disputes import history_offence
from model.components.opinion import history_shock
from model.state import State

#: (move, whose leader drives it): the first ally's revisionism, the second's grievances.
FLAREUPS = (("shrine_visit", 0), ("textbook_dispute", 0), ("court_ruling", 1), ("history_dispute", 1))


class HistoryFlareups(Component):
    name = "history_flareups"
    switch = "history_flareups"
    params = ("dynamics.history", "states.*.leader.history_stance")
    reads = ("leaders",)
    phases = ("events",)
    records = ("trigger history_flareup",)

    def __init__(self, state: State):
        super().__init__(state)
        self.p = state.params.dynamics.history

    def rate(self, stance: list[float]) -> float:
        """Monthly flare-up probability for the two allied leaders' history stances."""
        h = self.p
        return min(1.0, h.rate_multiplier * h.base_rate * (1.0 + h.stance_scale * 0.5 * (stance[0] + stance[1])))

    def on_events(self, state: State) -> None:
        allies, rnd = state.roles.allies, state.random
        stance = [state.leaders[i].history_stance for i in allies]
        if rnd.random() >= self.rate(stance):
            return
        move, driver = rnd.choices(FLAREUPS, weights=[0.25 + stance[d] for _, d in FLAREUPS])[0]
        s = allies[driver]
        state.apply_move(s, allies[1 - driver], move, 1.0, "history_flareup")
        history_shock(state, 1.0)
        history_offence(state, s, allies[1 - driver], 1.0)
