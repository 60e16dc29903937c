"""Agreements: the two allies institutionalise cooperation, and agreements lapse by a hazard.

One agreement per area of cooperation (supply chains, technology, intelligence, exercises) can be
in force at a time, as with GSOMIA: renewed cooperation in a covered area sustains it rather than
signing a second one. It forms when both allies cooperate in the same area within ``window``
months. The monthly lapse hazard is ``base_hazard · exp(−durability · distance +
opinion_sensitivity · sour)``, log-linear so that each factor multiplies the odds and it stays
positive: ``distance`` is the signers' ideological distance (0 … 2), the article's "unlikely
partners are more durable"; ``sour`` is how far the two publics' mean favourability of each other
is below 50 %, on 0 … 1. Agreements in force add ``decision.w_agreement`` each to the allies'
cooperation utility toward each other. ``in_force`` names the areas with an agreement already in
force at the start (month 0; GSOMIA in November 2025).
"""

from __future__ import annotations

import math
from typing import Any

from model.catalogue import Move
from model.components.base import Component
from model.roles import Roles
from model.state import State


class Agreements(Component):
    name = "agreements"
    switch = "agreements"
    params = ("dynamics.agreements", "states.*.leader.ideology")
    reads = ("relations.opinion", "leaders")
    writes = ("agreements_in_force",)
    phases = ("move", "end", "measure")
    outcomes = {"agreements": 0}
    summary = ("agreements_formed",)

    def __init__(self, state: State):
        super().__init__(state)
        self.p = state.params.dynamics.agreements
        self.agreements: list[dict[str, Any]] = []  # every agreement ever formed
        self.pending: dict[int, dict[str, int]] = {a: {} for a in state.roles.allies}  # area -> month
        la, lb = (state.leaders[i] for i in state.roles.allies)
        for area in self.p.in_force if state.mechanisms.agreements else ():  # e.g. GSOMIA in November 2025
            self.agreements.append({"area": area, "signed": 0, "lapsed": None,
                                    "distance": abs(la.ideology - lb.ideology), "signers": f"{la.name} / {lb.name}"})
        state.agreements_in_force = len(self.agreements)

    def acts_on(self, roles: Roles, s: int, t: int, kind: str) -> bool:
        return kind == "cooperate" and roles.is_ally_pair(s, t)

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        self.pending[s][mv.name] = state.month

    def on_end(self, state: State) -> None:
        ag, month = self.p, state.month
        window = ag.window
        a, b = state.roles.allies
        pending = self.pending
        if pending[a] and pending[b]:  # one forms only if both allies cooperated in the window
            in_force = {x["area"] for x in self.agreements if x["lapsed"] is None}
            for area in list(pending[a]):
                ma, mb = pending[a][area], pending[b].get(area)
                if mb is not None and area not in in_force and month - min(ma, mb) < window:
                    la, lb = state.leaders[a], state.leaders[b]
                    self.agreements.append({"area": area, "signed": month, "lapsed": None,
                                            "distance": abs(la.ideology - lb.ideology),
                                            "signers": f"{la.name} / {lb.name}"})
                    in_force.add(area)
                    del pending[a][area], pending[b][area]
        for side in (a, b):
            pending[side] = {x: m for x, m in pending[side].items() if month - m < window - 1}
        O = state.relations.opinion
        sour = max(0.0, (50.0 - 0.5 * (O[a * state.n + b] + O[b * state.n + a])) / 50.0)
        n = 0
        for x in self.agreements:
            if x["lapsed"] is not None:
                continue
            if x["signed"] < month and state.random.random() < min(1.0, self.hazard(x["distance"], sour)):
                x["lapsed"] = month
                continue
            n += 1
        state.agreements_in_force = n

    def hazard(self, distance: float, sour: float) -> float:
        """Monthly lapse hazard of an agreement between signers ``distance`` apart, publics ``sour``."""
        ag = self.p
        return ag.base_hazard * math.exp(-ag.durability * distance + ag.opinion_sensitivity * sour)

    def on_measure(self, state: State, out: dict[str, Any]) -> None:
        out["agreements"] = state.agreements_in_force

    def summarise(self, out: dict[str, Any]) -> None:
        out["agreements_formed"] = sum(1 for x in self.agreements if x["signed"] > 0)  # not those in force at the start
