"""Leader turnover: a dated election draws the next leader from its candidates by their chances.

Leaders enter the decision (hawkishness, history stance), the flare-up rate and, through
ideology, agreement durability. Runs after the month's scheduled events.
"""

from __future__ import annotations

from collections import defaultdict

from model.components.base import Component
from model.components.scheduled_events import month_of
from model.schema import Election
from model.state import State


class LeaderTurnover(Component):
    name = "leader_turnover"
    switch = "leader_turnover"
    reads = ("elections",)
    writes = ("leaders",)
    phases = ("events",)
    records = ("leader_log election",)

    def __init__(self, state: State):
        super().__init__(state)
        self.schedule: dict[int, list[Election]] = defaultdict(list)
        for el in state.params.elections:
            self.schedule[month_of(state.start, el.date)].append(el)

    def on_events(self, state: State) -> None:
        for el in self.schedule.get(state.month, ()):
            winner = state.random.choices(el.candidates, weights=[c.probability for c in el.candidates])[0]
            state.set_leader(state.codes.index(el.state), winner, "election")
