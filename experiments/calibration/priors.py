"""The calibrated parameters: one row each, with its prior and the reason for it.

To calibrate another parameter, add a row to :data:`PARAMETERS` (its dotted scenario key, a prior,
and why): the simulator passes every row to ``ThawModel`` as an override, the posterior file gets a
column for it, and the docs table is generated from this list. Priors are uniform over a range the
mechanism can defend (flat: the record, not the prior, should locate the value) unless a row says
otherwise; a ``normal`` prior is truncated to ``[low, high]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np


@dataclass(frozen=True)
class Prior:
    key: str  # dotted scenario key, as ThawModel(**{key: value}) takes it
    low: float
    high: float
    why: str
    kind: Literal["uniform", "normal"] = "uniform"
    mean: float | None = None  # normal priors only
    sd: float | None = None

    def scipy(self) -> Any:
        """The prior as a frozen scipy.stats distribution."""
        from scipy import stats

        if self.kind == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)

    @property
    def prior_sd(self) -> float:
        return float(self.scipy().std())

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


PARAMETERS: list[Prior] = [
    # --- the ten parameters fitted by the earlier point calibration (ranges as its search box)
    Prior("dynamics.opinion.response", 0.2, 16.0, "favourability points per visible move: the poll swings; the "
          "prior reaches past 10, the hand-set value at which the 2019 controls move Korean opinion ~19 points"),
    Prior("dynamics.opinion.relaxation", 0.0, 0.15, "monthly pull toward the long-run level: how fast swings fade"),
    Prior("dynamics.opinion.history_shock", 0.0, 8.0, "points both publics lose per history flare-up"),
    Prior("dynamics.history.base_rate", 0.0, 0.15, "monthly flare-up probability; events.csv has 3 dated history rows "
          "in 13 years, so the prior reaches well above that"),
    Prior("dynamics.trade.recovery_months", 3.0, 48.0, "e-folding recovery of a cut flow: THAAD arrivals recovered "
          "within about two years (coercion_episodes.csv)"),
    Prior("dynamics.trade.channels.tourism.bite", 0.2, 1.0, "share of tourism a full ban cuts (THAAD 2017: -48 %)"),
    Prior("dynamics.trade.channels.consumer.bite", 0.1, 1.0, "share of consumer flows a boycott cuts (2019: -26 % "
          "arrivals, -49 % beer)"),
    Prior("dynamics.trade.channels.seafood.bite", 0.3, 1.0, "share of seafood a ban cuts (2024: -93 %)"),
    Prior("states.KOR.opinion_level.JPN", 5.0, 60.0, "Koreans' long-run favourability of Japan; the record spans 12-52 %"),
    Prior("states.JPN.opinion_level.KOR", 5.0, 50.0, "Japanese long-run favourability of Korea; the record spans 20-37 %"),
    # --- 'assumption' parameters that the exploration sample says drive ruptures
    Prior("dynamics.affinity.decay", 0.01, 0.3, "assumption until now (0.08); PRIM puts it first among rupture drivers; "
          "half-lives from 2 to 70 months"),
    Prior("decision.w_reciprocity", 0.0, 4.0, "assumption until now (2.0); second rupture driver; 0 = no tit for tat"),
    # --- decision intercepts that set the rate of each move type (fitted to events.csv's counts)
    Prior("decision.base.coerce_econ", -9.0, -2.0, "intercept of economic coercion; the hindcast gave 8.6 Chinese "
          "episodes a run against 3 in the record"),
    Prior("decision.base.coerce_mil", -10.0, -3.0, "intercept of military coercion (one radar lock in the record)"),
    Prior("decision.base.align", -8.0, -2.0, "intercept of alignment moves (THAAD 2016, the 2025 Taiwan remarks)"),
    Prior("states.CHN.doctrine.sensitivity", 0.0, 6.0, "assumption until now (3.0): how hard China answers a red-line "
          "move; with the intercepts it sets China's coercion rate"),
    # --- the shock-true opinion mechanism (issue 9): hand-set from the 2019-2022 record, now fitted
    Prior("dynamics.opinion.negativity", 1.0, 5.0, "hostile over friendly moves of equal weight; 2-3 in the "
          "negativity-bias literature (Soroka 2006)"),
    Prior("dynamics.opinion.shock_half_life", 3.0, 36.0, "months; the 2020-2022 recovery (12.3, 20.5, 30.6 %) "
          "suggests about a year"),
    Prior("dynamics.opinion.persistence", 0.0, 0.6, "share of a shock entering the slow anchor"),
    Prior("dynamics.opinion.headline", 1.0, 6.0, "salience of settlements and summits over routine moves"),
    Prior("dynamics.opinion.grievance", 0.0, 16.0, "points a month lost while the other's trade measures stand; "
          "the 2019 low held for 15 months"),
    # --- spillover's balance, trade feedback and the escalating disputes (issue 9)
    Prior("dynamics.spillover.balance", 0.0, 1.0, "solidarity (1) against entrapment (0); the record runs both "
          "ways (docs/model.md 7.5)"),
    Prior("decision.w_trade_loss", 0.0, 6.0, "weight of trade lost to cuts in force"),
    Prior("decision.w_dispute", 0.0, 8.0, "weight of a salient dispute on coercing the other ally; the record's "
          "one clustered escalation (2018-10 to 2019-09) and no other"),
    Prior("dynamics.dispute.flareup", 0.0, 1.0, "dispute salience a history flare-up gives the offended ally"),
    Prior("dynamics.dispute.escalation", 0.0, 3.0, "dispute salience a coercive measure gives its target"),
    # --- leader cues, each public's history sensitivity and the boycott's own pace (stop 18)
    Prior("dynamics.opinion.leader_cue", 0.0, 30.0, "points of long-run favourability per unit change of the "
          "leader's history stance; 0 = no cue. Yoon after Moon is a change of 0.7, and Korean favourability "
          "rose about 20 points in the three years after (20.5 % in 2021, 41.7 % in 2024)"),
    Prior("dynamics.opinion.history_sensitivity.KOR", 0.0, 1.0, "the Korean public's share of a history shock (the "
          "Japanese public's is 1): Koreans' favourability rose through both dated history clashes"),
    Prior("dynamics.trade.channels.consumer.recovery_months", 3.0, 48.0, "how fast a boycott fades: the 2020 "
          "beer cut (-93 %) says slowly, the 2021 recovery of opinion says the quarrel did not stay in the news"),
    # --- the slow drift of each allied public's long-run view to its norm (issue 9, stop 22)
    Prior("dynamics.norms.rate", 0.0, 0.03, "monthly share of the gap to the norm that closes; 0 = no drift, 0.03 = "
          "a half-time under two years. The Korean series rises about three points a year in both calm stretches "
          "of the record (2013-2019, 2020-2025)"),
    Prior("dynamics.norms.level.KOR", 10.0, 80.0, "the long-run favourability of Japan the Korean public drifts to; "
          "the record's Korean series reaches 31.7 % (2019) and 41.7-52.4 % (2024-2025) and rises through both"),
    Prior("dynamics.norms.level.JPN", 5.0, 60.0, "the long-run favourability of Korea the Japanese public drifts "
          "to; the record's Japanese series has no trend (20-37 %)"),
]


def keys() -> list[str]:
    return [p.key for p in PARAMETERS]


def by_key() -> dict[str, Prior]:
    return {p.key: p for p in PARAMETERS}


def pyabc_prior(params: list[Prior] | None = None) -> Any:
    """The joint prior as a ``pyabc.Distribution`` (independent components)."""
    import pyabc

    params = PARAMETERS if params is None else params
    rvs = {}
    for p in params:
        if p.kind == "uniform":
            rvs[p.key] = pyabc.RV("uniform", p.low, p.high - p.low)
        else:
            a, b = (p.low - p.mean) / p.sd, (p.high - p.mean) / p.sd
            rvs[p.key] = pyabc.RV("truncnorm", a, b, p.mean, p.sd)
    return pyabc.Distribution(**rvs)


def sample(n: int, rng: np.random.Generator, params: list[Prior] | None = None) -> list[dict[str, float]]:
    """``n`` independent prior draws (for prior-predictive checks and tests)."""
    params = PARAMETERS if params is None else params
    cols = {p.key: p.scipy().rvs(size=n, random_state=rng) for p in params}
    return [{k: float(v[i]) for k, v in cols.items()} for i in range(n)]
