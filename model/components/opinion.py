"""Public opinion: a slow anchor plus a fast shock that decays, moved by salient events at record size.

Favourability ``O = anchor + shock`` (``relations.opinion_shock`` holds the shock; the anchor is
``O − shock``). A move from ``s`` to ``t`` gives public ``t``'s favourability of ``s`` an impulse

    x = response · visibility_kind · headline^[headline move] · G/10 · i · negativity^[G < 0] · room,
    room = O / 50 for a fall, (100 − O) / 50 for a rise,

of which ``persistence · x`` enters the anchor and the rest the shock; a move through a trade
channel counts only as far as the target public takes that channel's cut as the coercer's quarrel
with it (``channels.<ch>.grievance``: 0 for a consumer boycott). Every month end the shock decays
with half-life ``shock_half_life`` and the anchor relaxes toward ``opinion_level`` at
``relaxation``; while a quarrel over trade stays in a public's news (``relations.measures``: the
cuts of its channels by the other's state measures, and the boycotts its own public wages against
the other, ``components/trade.py``), it loses a further ``grievance · room · measures`` points a
month. A history event costs each allied public ``history_shock · sensitivity · i · room``.

Why these forms (docs/model.md §7.3): the 2019 record is a 19-point fall within weeks of Japan's
export controls (Genron/EAI 31.7 % in June 2019, Gallup Korea 12 % in July) that held for over a
year while the controls stood (12.3 % in October 2020), then recovered at about eight points a year
after 2020 — a fast shock that decays over a slowly moving level, renewed while measures stand.
The record's own boycott points the same way: Japanese favourability of Korea *rose* through the
Korean boycott (20.0 → 25.9 %) while Koreans' fell to 12 %, so a boycott moves the public that wages
it, not the one it targets. History clashes soured the Japanese public after both dated ones (2013,
2018) while Koreans' favourability rose through both, hence one sensitivity per public.
Hostile events move publics more than friendly ones of the same weight (negativity bias), and a
public near zero has little left to lose (room to move), so shocks saturate instead of driving
favourability out of its range.
"""

from __future__ import annotations

from model.catalogue import Move
from model.components.base import Component
from model.state import State

#: Moves that make the front page whatever their kind: settlements and agreements, lifting one's
#: measures, leaders' visits (the 2023 recovery's events, events.csv). Routine moves of the same
#: kind (technical cooperation, statements) do not.
HEADLINE_MOVES = frozenset({"formal_agreement", "sanctions_relief", "summit"})


class Opinion(Component):
    name = "opinion"
    switch = "opinion"
    params = ("dynamics.opinion", "states.*.opinion_level", "dynamics.trade.channels.*.grievance")
    reads = ("relations.opinion_level", "relations.measures")
    writes = ("relations.opinion", "relations.opinion_shock")
    phases = ("move", "end")

    def __init__(self, state: State):
        super().__init__(state)
        p = state.params.dynamics.opinion
        self.response, self.relaxation = p.response, p.relaxation
        self.visibility = dict(p.visibility)
        self.scale = {kind: self.response * v for kind, v in self.visibility.items()}  # response · visibility
        self.keep = 0.5 ** (1.0 / p.shock_half_life)
        self.persistence, self.negativity, self.grievance, self.headline = p.persistence, p.negativity, p.grievance, p.headline
        #: A move through a trade channel moves the target public as far as it takes the cut as the
        #: coercer's quarrel with it (a boycott: not at all; the boycotting public mobilises instead).
        self.felt = {name: ch.grievance for name, ch in state.params.dynamics.trade.channels.items()}

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        x = self.scale[mv.kind] * gi
        if mv.name in HEADLINE_MOVES:
            x *= self.headline
        elif mv.channel is not None:
            x *= self.felt[mv.channel]
        if x:  # impulse(state, ts, x, persistence), written out: it runs on every move
            R = state.relations
            O = R.opinion
            o = O[ts]
            # a fall, weighed by negativity, scaled by the room left below; a rise by the room above
            new = o + x * self.negativity * (o / 50.0) if x < 0 else o + x * ((100.0 - o) / 50.0)
            new = 0.0 if new < 0.0 else 100.0 if new > 100.0 else new
            R.opinion_shock[ts] += (new - o) * (1.0 - self.persistence)
            O[ts] = new

    def on_end(self, state: State) -> None:
        R = state.relations
        O, S, M = R.opinion, R.opinion_shock, R.measures
        k, keep, g = self.relaxation, self.keep, self.grievance
        if not (g and any(M)):  # no measures in force (most months): the loop below, list by list
            anchor = [o - sh for o, sh in zip(O, S, strict=True)]
            anchor = [a + k * (lv - a) for a, lv in zip(anchor, R.opinion_level, strict=True)]
            S[:] = [sh * keep for sh in S]
            O[:] = [0.0 if (x := a + sh) < 0.0 else 100.0 if x > 100.0 else x for a, sh in zip(anchor, S, strict=True)]
            return
        for i, (o, sh, lv, m) in enumerate(zip(O, S, R.opinion_level, M, strict=True)):
            anchor = o - sh
            anchor += k * (lv - anchor)
            sh *= keep
            if m and g:
                sh -= g * m * (o / 50.0)
            S[i] = sh
            x = anchor + sh
            O[i] = 0.0 if x < 0.0 else 100.0 if x > 100.0 else x  # clip(x, 0, 100), written out


def impulse(state: State, i: int, x: float, persistence: float) -> None:
    """Add ``x`` points (scaled by the room left to move) to favourability ``i``: the share
    ``persistence`` to the anchor, the rest to the decaying shock."""
    R = state.relations
    O = R.opinion
    o = O[i]
    new = o + x * (o / 50.0 if x < 0 else (100.0 - o) / 50.0)
    new = 0.0 if new < 0.0 else 100.0 if new > 100.0 else new  # clip(new, 0, 100), written out
    R.opinion_shock[i] += (new - o) * (1.0 - persistence)
    O[i] = new


def history_shock(state: State, intensity: float) -> None:
    """A history event, random or dated, sours both allied publics: each loses favourability of
    the other (the Goldstein weight of an accusation, −2, would understate how salient these
    disputes are)."""
    if state.mechanisms.opinion:
        p = state.params.dynamics.opinion
        a, b = state.roles.allies
        for public, i in ((a, a * state.n + b), (b, b * state.n + a)):
            share = p.history_sensitivity.get(state.codes[public], 1.0)
            if share:
                impulse(state, i, -p.history_shock * share * intensity, p.persistence)
