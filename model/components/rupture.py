"""The thaw's measures and the rupture rule: how the two allies stand with each other each month.

Always on (it only observes). ``jk_affinity`` is the mean of the allies' two directed affinities;
``jk_cooperation`` the 12-month sum of the Goldstein weights of moves between them;
``trilateral_cohesion`` the mean of the triangle's three ties, the two alliance ties discounted by
US credibility (an alliance tie counts only as far as the allies believe it will be honoured); a
rupture is ``jk_affinity`` below ``rupture.threshold`` for ``rupture.months`` consecutive months.
"""

from __future__ import annotations

from typing import Any

from model.catalogue import Move
from model.components.base import Component
from model.roles import Roles
from model.state import State


class Rupture(Component):
    name = "rupture"
    params = ("dynamics.rupture",)
    reads = ("relations.affinity", "relations.opinion", "credibility")
    phases = ("move", "measure")
    outcomes = {"jk_affinity": 0.0, "jk_cooperation": 0.0, "kor_fav_jpn": 0.0, "jpn_fav_kor": 0.0,
                "trilateral_cohesion": 0.0, "rupture": False}
    summary = ("thaw_survived", "months_to_rupture")

    def __init__(self, state: State):
        super().__init__(state)
        self.p = state.params.dynamics.rupture
        self.month_goldstein = 0.0  # Goldstein weights of moves between the allies this month
        self.goldstein_months: list[float] = []
        self.below_threshold = 0
        self.rupture_month: int | None = None

    def acts_on(self, roles: Roles, s: int, t: int, kind: str) -> bool:
        return roles.is_ally_pair(s, t)

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        self.month_goldstein += goldstein

    def on_measure(self, state: State, out: dict[str, Any]) -> None:
        A, O = state.relations.affinity, state.relations.opinion
        (a, b), p, n = state.roles.allies, state.roles.patron, state.n
        a_, b_, p_ = a * n, b * n, p * n
        jk = 0.5 * (A[a_ + b] + A[b_ + a])
        out["jk_affinity"] = jk
        self.goldstein_months.append(self.month_goldstein)
        self.month_goldstein = 0.0
        out["jk_cooperation"] = sum(self.goldstein_months[-12:])
        out["kor_fav_jpn"] = O[b_ + a]
        out["jpn_fav_kor"] = O[a_ + b]
        us_ties = 0.5 * (A[a_ + p] + A[p_ + a] + A[b_ + p] + A[p_ + b]) * state.credibility
        out["trilateral_cohesion"] = (us_ties + jk) / 3.0
        self.below_threshold = self.below_threshold + 1 if jk < self.p.threshold else 0
        if state.month > 0 and self.below_threshold >= self.p.months and self.rupture_month is None:
            self.rupture_month = state.month
        out["rupture"] = self.below_threshold >= self.p.months

    def summarise(self, out: dict[str, Any]) -> None:
        out["thaw_survived"] = self.rupture_month is None
        out["months_to_rupture"] = self.rupture_month
