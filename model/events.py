"""What happens to the states rather than by their choice: dated events, elections, flare-ups."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from model import effects
from model.catalogue import DEFAULT_MOVE_FOR_KIND, MOVES
from model.countries import CODES, JPN, KOR
from model.schema import Election, Event, Leader

if TYPE_CHECKING:
    from model.thaw import ThawModel

DOMESTIC_CRISIS_CAPITAL = -0.5  # political capital lost in a domestic crisis with no `delta` given

#: History flare-ups: (move, source, target, whose history stance drives it).
FLAREUPS = (
    ("shrine_visit", JPN, KOR, JPN),
    ("textbook_dispute", JPN, KOR, JPN),
    ("court_ruling", KOR, JPN, KOR),
    ("history_dispute", KOR, JPN, KOR),
)


def month_of(start: str, date: str) -> int:
    """Model month (1 = the start month) in which a dated event falls."""
    return (int(date[:4]) - int(start[:4])) * 12 + int(date[5:7]) - int(start[5:7]) + 1


def compile_schedule(model: ThawModel) -> dict[int, list[Event | Election]]:
    """Dated events and elections by model month, in file order, events before elections."""
    p = model.config.params
    sched: dict[int, list[Event | Election]] = defaultdict(list)
    if model.mechanisms.scheduled_events:
        for e in p.events:
            sched[month_of(model.start, e.date)].append(e)
    if model.mechanisms.leader_turnover:
        for el in p.elections:
            sched[month_of(model.start, el.date)].append(el)
    return dict(sched)


def apply_month(model: ThawModel) -> None:
    for item in model.schedule_events.get(model.month, ()):
        if isinstance(item, Election):
            _election(model, item)
        else:
            _event(model, item)
    if model.mechanisms.history_flareups:
        _flareup(model)


def set_leader(model: ThawModel, code: str, leader: Leader, how: str) -> None:
    model.states[code].leader = Leader.model_validate(leader.model_dump(include=set(Leader.model_fields)))
    model.leader_log.append((model.month, model.date, code, leader.name, how))


def _election(model: ThawModel, el: Election) -> None:
    weights = [c.probability for c in el.candidates]
    winner = model.random.choices(el.candidates, weights=weights)[0]
    set_leader(model, el.state, winner, "election")


def _event(model: ThawModel, e: Event) -> None:
    s = CODES.index(e.source)
    mech = model.mechanisms
    if e.kind == "leader_change":
        set_leader(model, e.source, e.leader, "scheduled")
    elif e.kind == "domestic_crisis":
        delta = e.delta if e.delta is not None else DOMESTIC_CRISIS_CAPITAL
        model.capital[s] = min(1.0, max(0.0, model.capital[s] + delta))
    elif e.kind == "shock":
        if e.variable == "us_credibility" and mech.us_credibility:
            model.credibility = min(1.0, max(0.0, model.credibility + e.delta))
        elif e.variable == "political_capital":
            model.capital[s] = min(1.0, max(0.0, model.capital[s] + e.delta))
    else:
        move = e.move or DEFAULT_MOVE_FOR_KIND[e.kind]
        if MOVES[move].kind in ("coerce_econ", "coerce_mil") and not mech.coercion:
            return
        effects.apply_move(model, s, CODES.index(e.target), move, e.intensity, "scheduled", e.cameo_code)
        if e.kind == "history":
            history_shock(model, e.intensity)


def _flareup(model: ThawModel) -> None:
    """At most one flare-up a month, more likely the stronger the leaders' history stances."""
    h = model.config.params.dynamics.history
    stance = {i: model.states[CODES[i]].leader.history_stance for i in (JPN, KOR)}
    rate = h.base_rate * (1.0 + h.stance_scale * 0.5 * (stance[JPN] + stance[KOR]))
    if model.random.random() >= min(1.0, rate):
        return
    weights = [0.25 + stance[driver] for *_, driver in FLAREUPS]
    move, s, t, _ = model.random.choices(FLAREUPS, weights=weights)[0]
    effects.apply_move(model, s, t, move, 1.0, "history_flareup")
    history_shock(model, 1.0)


def history_shock(model: ThawModel, intensity: float) -> None:
    """A history event, random or dated, sours both publics: each loses favourability of the other
    (the Goldstein weight of an accusation, −2, would understate how salient these disputes are)."""
    if model.mechanisms.opinion:
        shock = model.config.params.dynamics.opinion.history_shock * intensity
        O = model.opinion
        O[JPN][KOR] = max(0.0, O[JPN][KOR] - shock)
        O[KOR][JPN] = max(0.0, O[KOR][JPN] - shock)
