"""China's coercion doctrine: red lines, provocation, when to coerce, how hard, and the episodes.

The rival keeps a provocation ledger: each alignment move that crosses a red line adds its weight
× intensity, and the ledger decays by ``provocation_decay`` a month. Its coercive options gain the
doctrine utility ``sensitivity · (provocation[t] − threshold) · leverage(t) − own_cost ·
exposure[rival, t]/10 − restraint · credibility`` (the last term toward the patron's allies only),
with ``leverage(t) = exposure[t, rival] / leverage_scale``. It picks its economic tool by the
doctrine's tool weights, at intensity ``min(1, max(0.1, intensity · leverage · (1 + provocation
above threshold)))``. Its coercion of an ally after ``EPISODE_GAP`` quiet months opens an episode,
judged a backfire if the target drew closer to the other ally within ``BACKFIRE_HORIZON`` months.

Switch ``coercion`` off: no state may coerce at all (the decision drops the coercive kinds and
scheduled coercion is skipped), so this component has nothing to do.
"""

from __future__ import annotations

from typing import Any

from model.catalogue import COERCIVE_KINDS, Move
from model.components.base import Component
from model.roles import Roles
from model.state import State

EPISODE_GAP = 6  # months without the rival's coercion of a state that end an episode
BACKFIRE_HORIZON = 12  # months after an episode opens at which it is judged


class Coercion(Component):
    name = "coercion"
    switch = "coercion"
    params = ("states.*.doctrine",)  # the rival's
    reads = ("relations.exposure", "relations.affinity", "credibility")
    writes = ("provocation",)
    phases = ("decisions", "move", "end", "measure")
    outcomes = {"china_coercion": 0, "china_coercion_intensity": 0.0}
    records = ("trigger red_line:<move>", "trigger doctrine", "episodes")
    summary = ("coercion_episodes", "coercion_backfired")

    def __init__(self, state: State):
        super().__init__(state)
        self.doctrine = d = state.params.state_map()[state.codes[state.roles.rival]].doctrine
        self.red_lines = dict(d.red_lines)
        self.provocation = [0.0] * state.n  # the rival's accumulated grievance against each state
        self.last_red_line = [""] * state.n
        self.month_count = 0
        self.month_intensity = 0.0
        self.episodes: list[dict[str, Any]] = []
        self.last_coercion = dict.fromkeys(state.roles.allies, -999)

    # Decision side -----------------------------------------------------------------------------
    def leverage(self, state: State, t: int) -> float:
        """The rival's leverage over ``t``: t's trade with it as a share of t's GDP, scaled."""
        return state.relations.exposure[t * state.n + state.roles.rival] / self.doctrine.leverage_scale

    def doctrine_utility(self, state: State, t: int) -> float:
        d = self.doctrine
        E = state.relations.exposure
        u = d.sensitivity * (self.provocation[t] - d.threshold) * self.leverage(state, t)
        u -= d.own_cost * E[state.roles.rival * state.n + t] / 10.0
        if state.roles.other_ally(t) is not None:
            u -= d.restraint * state.credibility
        return u

    def choose(self, state: State, t: int, kind: str, tools: tuple[str, ...]) -> tuple[str, float, str]:
        """(move, intensity, trigger) of a coercive move of the rival toward ``t``."""
        d = self.doctrine
        move = state.random.choices(tools, weights=[d.tools[x] for x in tools])[0] if kind == "coerce_econ" else tools[0]
        excess = max(0.0, self.provocation[t] - d.threshold)
        intensity = min(1.0, max(0.1, d.intensity * self.leverage(state, t) * (1.0 + excess)))
        red = self.last_red_line[t]
        trigger = f"red_line:{red}" if red and self.provocation[t] > d.threshold else "doctrine"
        return move, intensity, trigger

    # Effects -------------------------------------------------------------------------------------
    def acts_on(self, roles: Roles, s: int, t: int, kind: str) -> bool:
        return (kind == "align" and s != roles.rival) or (kind in COERCIVE_KINDS and s == roles.rival)

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None:
        if mv.kind == "align":
            weight = self.red_lines.get(mv.name, 0.0)
            if weight > 0:
                self.provocation[s] += weight * intensity
                self.last_red_line[s] = mv.name
            return
        self.month_count += 1
        self.month_intensity += intensity
        if t in self.last_coercion:
            if state.month - self.last_coercion[t] > EPISODE_GAP:
                b = state.roles.other_ally(t)
                self.episodes.append({"target": state.codes[t], "start": state.month,
                                      "affinity_start": state.relations.affinity[t * state.n + b], "backfired": None})
            self.last_coercion[t] = state.month

    def on_end(self, state: State) -> None:
        decay = self.doctrine.provocation_decay
        self.provocation[:] = [x * decay for x in self.provocation]

    def on_measure(self, state: State, out: dict[str, Any]) -> None:
        out["china_coercion"] = self.month_count
        out["china_coercion_intensity"] = self.month_intensity
        self.month_count, self.month_intensity = 0, 0.0  # a tally per month
        more = state.month < state.horizon  # episodes still open are judged at the end
        if self.episodes and self.episodes[-1]["backfired"] is None or not more:
            A = state.relations.affinity
            for ep in self.episodes:
                if ep["backfired"] is None and (state.month - ep["start"] >= BACKFIRE_HORIZON or not more):
                    t = state.codes.index(ep["target"])
                    ep["backfired"] = A[t * state.n + state.roles.other_ally(t)] > ep["affinity_start"]

    def summarise(self, out: dict[str, Any]) -> None:
        out["coercion_episodes"] = len(self.episodes)
        out["coercion_backfired"] = sum(1 for e in self.episodes if e["backfired"])
