"""Disputes that escalate: a hostile move between the two allies makes the offended government
readier to answer with measures of its own, and each answer offends the other side in turn.

State: ``relations.dispute[s, t]`` in [0, 1], how salient ``s``'s quarrel with fellow ally ``t``
is. A coercive measure from ``t`` against ``s`` (Goldstein weight G < 0) raises it by

    escalation · stance_s · |G|/10 · i · (1 − D),

and a history flare-up that ``t`` drives (a shrine visit offends Korea, a court ruling on the
1965 settlement offends Japan; random or dated) by ``flareup · stance_s · i · (1 − D)``, both
saturating; ``stance_s`` is the history stance of ``s``'s leader (how readily that government
takes a quarrel with the other ally up: Japan's revisionism, Korea's emphasis on grievances).
A government that answers with a measure of its own spends that much of its grievance: its
dispute falls by the share ``relief`` (tit for tat settles a score; without it a quarrel, once
salient, feeds itself for ever and the allies coerce each other for years, which the record
never shows). Routine words (criticism, protests the decision draws) do not: they are the background of every
year, and counting them turns every bad year into a spiral.
Every month end it keeps ``retention`` of itself. The decision adds ``decision.w_dispute ·
D[s, t]`` to the utility of ``s``'s coercion (economic and military) of ``t``: a salient quarrel
makes retaliation thinkable. Only between the two allies; with the switch off ``dispute`` stays 0.

Why (docs/model.md §7.6): the record's one rupture between the allies was a chain, each step an
answer to the last — the Supreme Court's forced-labour rulings (2018-10-30), the radar lock-on
(2018-12-20), Japan's export controls (2019-07-04), Korea's GSOMIA notice and boycott
(2019-08), Japan's white-list removal (2019-08-28) — not a constant rate of coercion: events.csv
has the allies coercing each other 0.15–0.3 times a year, all of it inside those eleven months.
A constant intercept high enough to give that rate spreads coercion over 2013–2018 instead
(docs/scenarios.md); an escalation term gives clustered episodes, and lets leaders' history
stances (the article's Takaichi and Lee) and history flare-ups set how likely one is.
"""

from __future__ import annotations

from model.catalogue import COERCIVE_KINDS, Move
from model.components.base import Component
from model.roles import Roles
from model.state import State


class Disputes(Component):
    name = "disputes"
    switch = "disputes"
    params = ("dynamics.dispute",)
    reads = ("leaders",)
    writes = ("relations.dispute",)
    phases = ("move", "end")
    move_kinds = COERCIVE_KINDS

    def __init__(self, state: State):
        super().__init__(state)
        p = state.params.dynamics.dispute
        self.escalation, self.retention, self.settled = p.escalation, p.retention, 1.0 - p.relief

    def acts_on(self, roles: Roles, s: int, t: int, kind: str) -> bool:
        return kind in COERCIVE_KINDS and roles.is_ally_pair(s, t)

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        if gi < 0.0:
            offend(state, ts, t, self.escalation * -gi)
            state.relations.dispute[st] *= self.settled  # an answered offence: the mover's own grievance is spent

    def on_end(self, state: State) -> None:
        D, keep = state.relations.dispute, self.retention
        a, b = state.roles.allies
        n = state.n
        for i in (a * n + b, b * n + a):
            D[i] *= keep


def offend(state: State, i: int, offended: int, size: float) -> None:
    """Raise dispute ``i`` (held by ``offended``) by ``size`` times its leader's stance, saturating."""
    D = state.relations.dispute
    D[i] += size * state.leaders[offended].history_stance * (1.0 - D[i])


def history_offence(state: State, driver: int, offended: int, intensity: float) -> None:
    """A history flare-up that ``driver`` drives against fellow ally ``offended`` (random or dated)."""
    if state.mechanisms.disputes and state.roles.is_ally_pair(driver, offended):
        offend(state, offended * state.n + driver, offended, state.params.dynamics.dispute.flareup * intensity)
