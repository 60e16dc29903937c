"""The thaw's measures and the rupture rule: how the two allies stand with each other each month.

Always on (it only observes). ``jk_affinity`` is the mean of the allies' two directed affinities;
``jk_cooperation`` the 12-month sum of the Goldstein weights of moves between them;
``trilateral_cohesion`` the mean of the triangle's three ties, the two alliance ties discounted by
US credibility (an alliance tie counts only as far as the allies believe it will be honoured).

A rupture is what happened in 2019, not a level that a relaxing variable reaches on its own:
within ``rupture.months`` months, (1) a hostile trade move between the allies (an economic coercion
through a trade channel), (2) a hostile security move between them (military coercion, or
downgrading ties such as ending an intelligence pact), (3) an agreement between them suspended or
lapsed (a ``downgrade_ties`` move or an agreement's lapse), and (4) a fall of either public's
favourability of the other by at least ``rupture.opinion_drop`` points from its highest reading in
the window. The ``rupture`` outcome is true while all four hold; a rupture *starts* in the first
such month after at least ``rupture.months`` months without one, and every start is recorded.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from model.catalogue import Move
from model.components.base import Component
from model.roles import Roles
from model.state import State

#: Moves that suspend or end an agreement or channel between the allies (GSOMIA notice, 2019).
SUSPENSIONS = frozenset({"downgrade_ties"})


class Rupture(Component):
    name = "rupture"
    params = ("dynamics.rupture",)
    reads = ("relations.affinity", "relations.opinion", "credibility", "agreements lapsed")
    phases = ("move", "measure")
    outcomes = {"jk_affinity": 0.0, "jk_cooperation": 0.0, "kor_fav_jpn": 0.0, "jpn_fav_kor": 0.0,
                "trilateral_cohesion": 0.0, "rupture": False}
    summary = ("thaw_survived", "months_to_rupture", "ruptures")

    def __init__(self, state: State):
        super().__init__(state)
        self.p = state.params.dynamics.rupture
        self.month_goldstein = 0.0  # Goldstein weights of moves between the allies this month
        self.goldstein_months: list[float] = []
        # months (model month numbers) of the last hostile trade move, security move, suspension
        self.last_trade = self.last_security = self.last_break = -10**6
        self.window: deque[tuple[float, float]] = deque(maxlen=self.p.months + 1)  # the two publics' readings
        self.last_rupture_month = -10**6
        self.in_force = state.agreements_in_force
        self.starts: list[int] = []
        self.rupture_month: int | None = None

    def acts_on(self, roles: Roles, s: int, t: int, kind: str) -> bool:
        return roles.is_ally_pair(s, t)

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        self.month_goldstein += goldstein
        if mv.kind == "coerce_econ" and mv.channel is not None:
            self.last_trade = state.month
        elif mv.kind == "coerce_mil" or mv.name in SUSPENSIONS:
            self.last_security = state.month
        if mv.name in SUSPENSIONS:
            self.last_break = state.month

    def ruptured(self, state: State, fav: tuple[float, float]) -> bool:
        m, w = state.month, self.p.months
        if min(m - self.last_trade, m - self.last_security, m - self.last_break) < 0:
            return False
        if max(m - self.last_trade, m - self.last_security, m - self.last_break) >= w:
            return False
        drop = max(max(r[i] for r in self.window) - fav[i] for i in (0, 1))
        return drop >= self.p.opinion_drop

    def on_measure(self, state: State, out: dict[str, Any]) -> None:
        A, O = state.relations.affinity, state.relations.opinion
        (a, b), p, n = state.roles.allies, state.roles.patron, state.n
        a_, b_, p_ = a * n, b * n, p * n
        jk = 0.5 * (A[a_ + b] + A[b_ + a])
        out["jk_affinity"] = jk
        self.goldstein_months.append(self.month_goldstein)
        self.month_goldstein = 0.0
        out["jk_cooperation"] = sum(self.goldstein_months[-12:])
        fav = (O[b_ + a], O[a_ + b])
        out["kor_fav_jpn"], out["jpn_fav_kor"] = fav
        us_ties = 0.5 * (A[a_ + p] + A[p_ + a] + A[b_ + p] + A[p_ + b]) * state.credibility
        out["trilateral_cohesion"] = (us_ties + jk) / 3.0
        self.window.append(fav)
        if state.agreements_in_force < self.in_force:  # an agreement lapsed at this month's end
            self.last_break = state.month
        self.in_force = state.agreements_in_force
        now = state.month > 0 and self.ruptured(state, fav)
        if now:
            if state.month - self.last_rupture_month > self.p.months:
                self.starts.append(state.month)
                if self.rupture_month is None:
                    self.rupture_month = state.month
            self.last_rupture_month = state.month
        out["rupture"] = now

    def summarise(self, out: dict[str, Any]) -> None:
        out["thaw_survived"] = self.rupture_month is None
        out["months_to_rupture"] = self.rupture_month
        out["ruptures"] = len(self.starts)
