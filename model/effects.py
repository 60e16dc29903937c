"""What a move does: to the target, to the mover, to onlookers, and to the event log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.catalogue import GOLDSTEIN, MOVES
from model.countries import CHN, CODES, JPN, KOR, USA, other_ally

if TYPE_CHECKING:
    from model.thaw import ThawModel


def apply_move(model: ThawModel, s: int, t: int, move_name: str, intensity: float, trigger: str,
               cameo_code: str | None = None) -> None:
    """Apply one move from ``s`` to ``t`` and log it.

    Every effect is guarded by its mechanism switch, so a switched-off mechanism leaves its state
    variables exactly where they started.
    """
    mv = MOVES[move_name]
    kind = mv.kind
    mech = model.mechanisms
    k = model.rates
    code = cameo_code or mv.cameo_code  # a dated event may log (and weigh) its recorded code
    goldstein = GOLDSTEIN[code]
    gi = goldstein / 10.0 * intensity

    # Reciprocity: the target remembers what it received.
    model.memory[t][s] += gi

    if mech.affinity:
        A = model.affinity
        r = k.affinity_response * gi
        A[t][s] = _clip(A[t][s] + r, -1.0, 1.0)
        A[s][t] = _clip(A[s][t] + 0.5 * r, -1.0, 1.0)

    O = model.opinion
    if mech.opinion:
        O[t][s] = _clip(O[t][s] + k.opinion_response * k.visibility[kind] * gi, 0.0, 100.0)

    T = model.threat
    if kind == "coerce_mil" or kind == "coerce_econ":
        bump = k.threat_military if kind == "coerce_mil" else k.threat_economic
        T[t][s] += bump * intensity * (1.0 - T[t][s])
        _coercion(model, s, t, mv.channel, intensity)
    elif kind == "cooperate" or kind == "reassure":
        T[t][s] = max(0.0, T[t][s] - k.threat_reassurance * intensity)
        if move_name == "sanctions_relief" and model.cuts:  # lifting one's own measures restores the flows
            model.cuts = {key: v for key, v in model.cuts.items() if key[:2] != (s, t)}
        if s == USA and t in (JPN, KOR) and mech.us_credibility:
            model.credibility += k.credibility_response * intensity * (1.0 - model.credibility)
    elif kind == "align":
        _red_line(model, s, move_name, intensity)

    # Political capital: unpopular moves spend it (cooperating with a disliked state, or
    # attacking a liked one), at least a fifth of the kind's cost.
    fav = O[s][t]
    unpop = (50.0 - fav) / 50.0 if gi > 0 else (fav - 50.0) / 50.0
    cost = k.capital_cost.get(kind, 0.0) * (unpop if unpop > 0.2 else 0.2)
    model.capital[s] = max(0.0, model.capital[s] - cost)

    if (s == JPN and t == KOR) or (s == KOR and t == JPN):
        model.month_jk_goldstein += goldstein
        if kind == "cooperate" and mech.agreements:
            model.pending_coop[s][move_name] = model.month

    model.event_log.append(
        (model.month, model.date, CODES[s], CODES[t], move_name, code, goldstein, intensity, trigger)
    )


def _red_line(model: ThawModel, s: int, move_name: str, intensity: float) -> None:
    weight = model.doctrine.red_lines.get(move_name, 0.0)
    if weight > 0 and s != CHN:
        model.provocation[s] += weight * intensity
        model.last_red_line[s] = move_name


def _coercion(model: ThawModel, s: int, t: int, channel: str | None, intensity: float) -> None:
    """Trade cuts, Chinese coercion tallies and the catalyst spillover onto the other ally."""
    mech = model.mechanisms
    if channel is not None and mech.trade:
        bite = model.rates.bite[channel] * intensity
        key = (s, t, channel)
        if bite > model.cuts.get(key, 0.0):
            model.cuts[key] = bite
    if s == CHN:
        model.month_china_count += 1
        model.month_china_intensity += intensity
        if t in (JPN, KOR):
            _track_episode(model, t)
    b = other_ally(t)
    if mech.spillover and b is not None and b != s:
        k = model.rates
        model.threat[b][s] += k.spillover_threat * intensity * (1.0 - model.threat[b][s])
        model.solidarity[b][t] += k.spillover_solidarity * intensity


EPISODE_GAP = 6  # months without Chinese coercion of a state that end an episode


def _track_episode(model: ThawModel, t: int) -> None:
    """Open a coercion episode when China coerces ``t`` after a quiet spell; judged later."""
    if model.month - model.last_china_coercion[t] > EPISODE_GAP:
        b = other_ally(t)
        model.episodes.append(
            {"target": CODES[t], "start": model.month, "affinity_start": model.affinity[t][b], "backfired": None}
        )
    model.last_china_coercion[t] = model.month


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x
