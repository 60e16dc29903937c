"""Leader cues: a new leader's stance on the past moves its own public's long-run view of the other ally.

When an ally's leader changes, its public's long-run favourability of the other ally
(``relations.opinion_level``, where the opinion anchor relaxes to) moves by
``leader_cue · (old history stance − new history stance)`` points, clipped to 0 … 100.

Why (docs/model.md §7.3): publics take their views on foreign affairs from the elites they trust
(Zaller 1992, the receive–accept–sample model), and Korean views of Japan split by party. In the
record, Koreans' favourability of Japan rose from 20.5 % (2021-09) to 41.7 % (2024-08) and 52.4 %
(2025-08) after Yoon (history stance 0.1) followed Moon (0.8), more than the dated events of those
years give the move channels; without a cue the model can only explain that rise by a fast decay
of the 2019 shock, which then cannot hold the 2020 low. The cue shifts the level, not the reading:
the public follows at the opinion mechanism's ``relaxation``, so a new government changes opinion
over years, not overnight. A change of leader that keeps the stance moves nothing. Runs after the
month's scheduled events and elections (a leader put in office this month cues from this month).
"""

from __future__ import annotations

from model.components.base import Component
from model.state import State


class LeaderCue(Component):
    name = "leader_cue"
    switch = "leader_cue"
    params = ("dynamics.opinion.leader_cue", "states.*.leader.history_stance")
    reads = ("leaders",)
    writes = ("relations.opinion_level",)
    phases = ("events",)

    def __init__(self, state: State):
        super().__init__(state)
        self.cue = state.params.dynamics.opinion.leader_cue
        self.stance = [leader.history_stance for leader in state.leaders]  # the stance the levels reflect

    def on_events(self, state: State) -> None:
        n, level = state.n, state.relations.opinion_level
        for s in state.roles.allies:
            new = state.leaders[s].history_stance
            if new != self.stance[s]:
                i = s * n + state.roles.other_ally(s)
                x = level[i] + self.cue * (self.stance[s] - new)
                level[i] = 0.0 if x < 0.0 else 100.0 if x > 100.0 else x
                self.stance[s] = new
