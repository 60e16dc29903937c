"""Norms: each allied public's long-run view of the other ally drifts slowly toward a norm.

Every month, for each ally ``s`` whose norm is given (``dynamics.norms.level``), its public's
long-run favourability of the other ally (``relations.opinion_level``, where the opinion anchor
relaxes to) closes the share ``dynamics.norms.rate`` of its gap to that norm:

    level ← level + rate · (norm − level).

Why (docs/model.md §7.11): the record's Korean series rises in both of its calm stretches, by
about three points a year, 12.2 % (2013) to 31.7 % (2019) and 12.3 % (2020) to 41.7 % (2024),
through dated history clashes and under governments of both camps; the rise is broad and slow, not
an answer to any dated move. Its usual explanations are cohort replacement (younger Koreans are
the most favourable to Japan in the Genron NPO / EAI waves) and contact (Korean travel to Japan
grew several-fold over the decade), both of which move a public's settled view over years, not its
reading from month to month. Without the drift, the only upward force on the level is the leader
cue, and the opinion mechanism's relaxation then pulls every reading back to the 2013 level, which
is why the hindcast and the backtest forecast the Korean series too low at every origin. A
geometric approach to a norm, rather than a trend in points a year, so that a long scenario cannot
carry favourability out of the range the norm sets; a level that a leader cue has moved above
its norm drifts back down (cues fade as governments change). Runs after the month's leader cues.
"""

from __future__ import annotations

from model.components.base import Component
from model.state import State


class Norms(Component):
    name = "norms"
    switch = "norms"
    params = ("dynamics.norms",)
    reads = ("relations.opinion_level",)
    writes = ("relations.opinion_level",)
    phases = ("events",)

    def __init__(self, state: State):
        super().__init__(state)
        p = state.params.dynamics.norms
        self.rate = p.rate
        n, roles = state.n, state.roles
        #: (flat index ally→other ally, norm) for each ally whose norm is given
        self.targets = tuple((s * n + roles.other_ally(s), p.level[state.codes[s]])
                             for s in roles.allies if state.codes[s] in p.level)

    def on_events(self, state: State) -> None:
        level, rate = state.relations.opinion_level, self.rate
        for i, norm in self.targets:
            level[i] += rate * (norm - level[i])
