"""Month-end dynamics: relaxation, recovery, agreements, credibility drift, and the outcomes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from model.countries import CHN, CODES, JPN, KOR, USA

if TYPE_CHECKING:
    from model.thaw import ThawModel

#: Months after an episode opens at which we judge whether it backfired.
BACKFIRE_HORIZON = 12


def update(model: ThawModel) -> None:
    """Everything that happens between one month's moves and the next month's."""
    k = model.rates
    mech = model.mechanisms
    A, O, T, M, S = model.affinity, model.opinion, model.threat, model.memory, model.solidarity
    O0, T0 = model.opinion0, model.threat0
    aff = k.affinity_decay if mech.affinity else 0.0
    op = k.opinion_relaxation if mech.opinion else 0.0
    th, mem, sol = k.threat_relaxation, k.memory_retention, k.solidarity_retention
    for s in range(4):
        As, Os, Ts, Ms, Ss, O0s, T0s = A[s], O[s], T[s], M[s], S[s], O0[s], T0[s]
        for t in range(4):
            # Governments drift toward where their public is: the affinity baseline is
            # favourability mapped from 0 … 100 % onto -1 … 1.
            As[t] += aff * ((Os[t] - 50.0) / 50.0 - As[t])
            Os[t] += op * (O0s[t] - Os[t])
            Ts[t] += th * (T0s[t] - Ts[t])
            Ms[t] *= mem
            Ss[t] *= sol
    rec = k.capital_recovery
    model.capital = [c + rec * (1.0 - c) for c in model.capital]
    decay = model.doctrine.provocation_decay
    model.provocation = [x * decay for x in model.provocation]
    if mech.us_credibility:
        c = model.credibility + k.credibility_drift * (model.p_commitment - model.credibility)
        model.credibility = 1.0 if c > 1.0 else 0.0 if c < 0.0 else c
    model.cut_history.append(dict(model.cuts) if model.cuts else {})
    if model.cuts:
        keep = k.trade_keep
        model.cuts = {key: v * keep for key, v in model.cuts.items() if v * keep > 1e-4}
    if mech.agreements:
        _agreements(model)
    measure(model)


def _agreements(model: ThawModel) -> None:
    """Form an agreement when both allies cooperated in the same area within the window; lapse
    by a hazard.

    One agreement per area of cooperation (supply chains, technology, intelligence, exercises) can
    be in force at a time, as with GSOMIA: renewed cooperation in a covered area sustains the
    agreement rather than signing a second one. The hazard is
    ``base · exp(-durability · distance + opinion_sensitivity · sour)``, log-linear so that each
    factor multiplies the lapse odds and it stays positive: ``distance`` is the signers'
    ideological distance (0 … 2), the article's "unlikely partners are more durable"; ``sour`` is
    how far the two publics' mean favourability of each other is below 50 %, on 0 … 1.
    """
    ag = model.config.params.dynamics.agreements
    window = ag.window
    in_force = {a["area"] for a in model.agreements if a["lapsed"] is None}
    pending = model.pending_coop
    for area in list(pending[JPN]):
        mj, mk = pending[JPN][area], pending[KOR].get(area)
        if mk is not None and area not in in_force and model.month - min(mj, mk) < window:
            lj, lk = model.states["JPN"].leader, model.states["KOR"].leader
            model.agreements.append(
                {"area": area, "signed": model.month, "lapsed": None,
                 "distance": abs(lj.ideology - lk.ideology), "signers": f"{lj.name} / {lk.name}"}
            )
            in_force.add(area)
            del pending[JPN][area], pending[KOR][area]
    for side in (JPN, KOR):
        pending[side] = {a: m for a, m in pending[side].items() if model.month - m < window - 1}
    sour = max(0.0, (50.0 - 0.5 * (model.opinion[JPN][KOR] + model.opinion[KOR][JPN])) / 50.0)
    n = 0
    for a in model.agreements:
        if a["lapsed"] is not None:
            continue
        if a["signed"] < model.month:
            hazard = ag.base_hazard * math.exp(-ag.durability * a["distance"] + ag.opinion_sensitivity * sour)
            if model.random.random() < min(1.0, hazard):
                a["lapsed"] = model.month
                continue
        n += 1
    model.agreements_in_force = n


def measure(model: ThawModel) -> None:
    """Compute this month's outcome values as model attributes, for the collector."""
    A, O, T = model.affinity, model.opinion, model.threat
    model.jk_affinity = 0.5 * (A[JPN][KOR] + A[KOR][JPN])
    model.jk_goldstein_months.append(model.month_jk_goldstein)
    model.jk_cooperation = sum(model.jk_goldstein_months[-12:])
    model.kor_fav_jpn = O[KOR][JPN]
    model.jpn_fav_kor = O[JPN][KOR]
    # The two alliance ties count only as far as the allies believe the US will honour them.
    cred = model.credibility
    us_ties = 0.5 * (A[JPN][USA] + A[USA][JPN] + A[KOR][USA] + A[USA][KOR]) * cred
    model.trilateral_cohesion = (us_ties + model.jk_affinity) / 3.0
    model.us_credibility = model.credibility
    model.kor_threat_chn = T[KOR][CHN]
    model.jpn_threat_chn = T[JPN][CHN]
    model.china_coercion = model.month_china_count
    model.china_coercion_intensity = model.month_china_intensity
    losses = trade_losses(model) if model.cuts else (0.0, 0.0, 0.0, 0.0)
    model.trade_loss_jpn, model.trade_loss_kor, model.trade_loss_chn, model.trade_loss_usa = losses
    rp = model.config.params.dynamics.rupture
    model.below_threshold = model.below_threshold + 1 if model.jk_affinity < rp.threshold else 0
    if model.month > 0 and model.below_threshold >= rp.months and model.rupture_month is None:
        model.rupture_month = model.month
    model.rupture = model.below_threshold >= rp.months
    if model.episodes and model.episodes[-1]["backfired"] is None or not _more(model):
        _judge_episodes(model)


def trade_losses(model: ThawModel) -> tuple[float, ...]:
    """Trade lost by each state this month, as an annualised % of its own GDP.

    The target loses the cut share of the channel's flow; the coercer loses ``coercer_cost_ratio``
    of that in USD, which in its own GDP terms is the same cut of its own exposure.
    """
    loss = [0.0] * 4
    ratio = model.rates.coercer_cost_ratio
    shares = model.rates.share
    E = model.exposure
    for (c, t, ch), cut in model.cuts.items():
        share = shares[ch] * cut
        loss[t] += E[t][c] * share
        loss[c] += E[c][t] * share * ratio
    return tuple(loss)


def _judge_episodes(model: ThawModel) -> None:
    """An episode backfired if its target drew closer to the other ally within a year of it."""
    for ep in model.episodes:
        if ep["backfired"] is None and (model.month - ep["start"] >= BACKFIRE_HORIZON or not _more(model)):
            t = CODES.index(ep["target"])
            b = KOR if t == JPN else JPN
            ep["backfired"] = model.affinity[t][b] > ep["affinity_start"]


def _more(model: ThawModel) -> bool:
    """Whether the run goes on after this month (episodes still open are judged at the end)."""
    return model.month < model.horizon
