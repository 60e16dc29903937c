"""Scheduled events: the scenario's dated record, applied in file order in its month.

Forced moves (applied exactly like chosen ones, trigger ``scheduled``; coercion only while
``mechanisms.coercion`` is on), ``leader_change`` (the leader is replaced outright),
``domestic_crisis`` (political capital falls by ``delta``, default ``DOMESTIC_CRISIS_CAPITAL``) and
``shock`` (a jump in US credibility or political capital). A dated event of kind ``history`` also
sours both publics, like a flare-up (``components/opinion.py``).
"""

from __future__ import annotations

from collections import defaultdict

from model.catalogue import COERCIVE_KINDS, DEFAULT_MOVE_FOR_KIND, MOVES
from model.components.base import Component
from model.components.disputes import history_offence
from model.components.opinion import history_shock
from model.schema import Event
from model.state import State

DOMESTIC_CRISIS_CAPITAL = -0.5  # political capital lost in a domestic crisis with no `delta` given


def month_of(start: str, date: str) -> int:
    """Model month (1 = the start month) in which a dated event falls."""
    return (int(date[:4]) - int(start[:4])) * 12 + int(date[5:7]) - int(start[5:7]) + 1


class ScheduledEvents(Component):
    name = "scheduled_events"
    switch = "scheduled_events"
    reads = ("events",)
    writes = ("capital", "credibility", "leaders")
    phases = ("events",)
    records = ("trigger scheduled", "leader_log scheduled")

    def __init__(self, state: State):
        super().__init__(state)
        self.schedule: dict[int, list[Event]] = defaultdict(list)
        for e in state.params.events:
            self.schedule[month_of(state.start, e.date)].append(e)

    def on_events(self, state: State) -> None:
        for e in self.schedule.get(state.month, ()):
            self.apply(state, e)

    def apply(self, state: State, e: Event) -> None:
        s = state.codes.index(e.source)
        if e.kind == "leader_change":
            state.set_leader(s, e.leader, "scheduled")
        elif e.kind == "domestic_crisis":
            delta = e.delta if e.delta is not None else DOMESTIC_CRISIS_CAPITAL
            state.capital[s] = min(1.0, max(0.0, state.capital[s] + delta))
        elif e.kind == "shock":
            if e.variable == "us_credibility" and state.mechanisms.us_credibility:
                state.credibility = min(1.0, max(0.0, state.credibility + e.delta))
            elif e.variable == "political_capital":
                state.capital[s] = min(1.0, max(0.0, state.capital[s] + e.delta))
        else:
            move = e.move or DEFAULT_MOVE_FOR_KIND[e.kind]
            if MOVES[move].kind in COERCIVE_KINDS and not state.mechanisms.coercion:
                return
            state.apply_move(s, state.codes.index(e.target), move, e.intensity, "scheduled", e.cameo_code)
            if e.kind == "history":
                history_shock(state, e.intensity)
                history_offence(state, s, state.codes.index(e.target), e.intensity)
