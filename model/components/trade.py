"""Trade: economic coercion cuts a channel's flow, the cut recovers, and both sides lose.

A coercive move through channel ``ch`` cuts ``bite_ch · i`` of that flow (the larger cut wins);
cuts recover by ``exp(−1 / recovery_months)`` a month (a channel may set its own: a boycott fades at
its own pace, a ban stands at the trade-wide one); the move ``sanctions_relief`` lifts its
source's cuts on its target. Loss, annualised % of own GDP: the target loses
``exposure[t, c] · share_ch · cut``, the coercer ``coercer_cost_ratio`` of that in USD, which is
``exposure[c, t] · share_ch · cut · ratio`` of its own GDP.

Trade feeds back: the losses in force are published as ``relations.trade_lost`` (each side's loss
in its trade with the other, annualised % of own GDP), which the decision weighs (``w_trade_loss``)
for the value of cooperating with that state and against coercing it further; and the summed share
cut of a target's channels by a coercer's measures, each weighted by how far the target public
takes it as a state measure against it (``channels.*.grievance``: 0 for a consumer boycott), as
``relations.measures`` of the target toward the coercer; and each cut weighted by how far it is the
coercer public's own campaign (``channels.*.mobilisation``: 1 for a boycott) as
``relations.measures`` of the coercer toward the target. Either keeps that public's grievance alive
(``components/opinion.py``).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from model.catalogue import Move
from model.components.base import Component
from model.roles import Roles
from model.state import State

TRADE_CUT_COLUMNS = ["month", "coercer", "target", "channel", "share_cut"]


class Trade(Component):
    name = "trade"
    switch = "trade"
    params = ("dynamics.trade",)
    reads = ("relations.exposure",)
    writes = ("cuts", "relations.trade_lost", "relations.measures")
    phases = ("move", "end", "measure")
    outcomes = {"trade_loss_jpn": 0.0, "trade_loss_kor": 0.0, "trade_loss_chn": 0.0, "trade_loss_usa": 0.0}
    records = ("trade_cuts",)
    move_kinds = frozenset({"coerce_econ", "cooperate"})

    def __init__(self, state: State):
        super().__init__(state)
        p = state.params.dynamics.trade
        self.bite = {name: ch.bite for name, ch in p.channels.items()}
        self.share = {name: ch.share for name, ch in p.channels.items()}
        self.felt = {name: ch.grievance for name, ch in p.channels.items()}
        self.mobilised = {name: ch.mobilisation for name, ch in p.channels.items()}
        self.keep_of = {name: math.exp(-1.0 / (ch.recovery_months or p.recovery_months)) for name, ch in p.channels.items()}
        self.ratio = p.coercer_cost_ratio
        self.cuts: dict[tuple[int, int, str], float] = {}  # (coercer, target, channel) -> share cut
        self.history: list[dict[tuple[int, int, str], float]] = []  # the cuts in force each month
        r = state.roles
        self._loss_of = (r.allies[0], r.allies[1], r.rival, r.patron)  # trade_loss_jpn … _usa by role

    def acts_on(self, roles: Roles, s: int, t: int, kind: str) -> bool:
        return kind == "coerce_econ" or kind == "cooperate"

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        if mv.kind == "coerce_econ":
            if mv.channel is not None:
                bite = self.bite[mv.channel] * intensity
                key = (s, t, mv.channel)
                if bite > self.cuts.get(key, 0.0):
                    self.cuts[key] = bite
        elif mv.name == "sanctions_relief" and self.cuts:  # lifting one's own measures restores the flows
            self.cuts = {key: v for key, v in self.cuts.items() if key[:2] != (s, t)}
        else:
            return
        self.publish(state)

    def publish(self, state: State) -> None:
        """Write the cuts in force into the relations the decision and opinion read."""
        R, n = state.relations, state.n
        lost, measures = R.trade_lost, R.measures
        if not self.cuts and not any(lost) and not any(measures):
            return
        lost[:] = [0.0] * (n * n)
        measures[:] = [0.0] * (n * n)
        E, shares, ratio, felt, mobilised = R.exposure, self.share, self.ratio, self.felt, self.mobilised
        for (c, t, ch), cut in self.cuts.items():
            share = shares[ch] * cut
            lost[t * n + c] += E[t * n + c] * share
            lost[c * n + t] += E[c * n + t] * share * ratio
            measures[t * n + c] += cut * felt[ch]
            measures[c * n + t] += cut * mobilised[ch]  # the coercer public's own campaign (a boycott)

    def on_end(self, state: State) -> None:
        cuts = self.cuts
        self.history.append(dict(cuts) if cuts else {})
        if cuts:
            keep = self.keep_of
            self.cuts = {key: v * keep[key[2]] for key, v in cuts.items() if v * keep[key[2]] > 1e-4}
            self.publish(state)

    def losses(self, state: State) -> list[float]:
        """Trade lost by each state this month, annualised % of its own GDP."""
        loss = [0.0] * state.n
        E, shares, ratio, n = state.relations.exposure, self.share, self.ratio, state.n
        for (c, t, ch), cut in self.cuts.items():
            share = shares[ch] * cut
            loss[t] += E[t * n + c] * share
            loss[c] += E[c * n + t] * share * ratio
        return loss

    def on_measure(self, state: State, out: dict[str, Any]) -> None:
        if self.cuts:
            loss = self.losses(state)
            a, b, c, p = self._loss_of
            out["trade_loss_jpn"], out["trade_loss_kor"], out["trade_loss_chn"], out["trade_loss_usa"] = (
                loss[a], loss[b], loss[c], loss[p])
        else:
            out["trade_loss_jpn"] = out["trade_loss_kor"] = out["trade_loss_chn"] = out["trade_loss_usa"] = 0.0

    # Outputs -----------------------------------------------------------------------------------
    def channel_cut(self, s: int, t: int, channel: str, months: int) -> list[float]:
        key = (s, t, channel)
        series = [month.get(key, 0.0) for month in self.history]
        return series + [0.0] * (months - len(series))

    def rows(self, codes: tuple[str, ...]) -> list[tuple[int, str, str, str, float]]:
        """The cuts in force at the end of each month, one row per (month, coercer, target, channel),
        sorted by those four as text (as a batch's stored table is)."""
        return [(m, *row) for m, month in enumerate(self.history, start=1)
                for row in sorted((codes[c], codes[t], ch, cut) for (c, t, ch), cut in month.items())]


def trade_cuts_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TRADE_CUT_COLUMNS).astype({"month": "int64", "share_cut": "float64"})
