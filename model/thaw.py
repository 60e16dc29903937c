"""ThawModel: four states trading cooperation, reassurance and coercion, month by month."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import mesa
import pandas as pd

from model import dynamics, effects, events
from model.agents import StateAgent
from model.catalogue import MOVES
from model.countries import CHN, CODES, JPN, KOR, USA, other_ally
from model.outcomes import EVENT_COLUMNS, OUTCOME_COLUMNS, OutcomeCollector, summarise
from model.scenario import LoadedScenario, load_scenario


class Weights(NamedTuple):
    """The decision weights as a plain tuple: read thousands of times a run."""

    affinity: float
    reciprocity: float
    opinion: float
    security: float
    economics: float
    capital: float
    history: float
    hawkishness: float
    alliance: float
    hedging: float
    solidarity: float
    agreement: float


def rates(p: Any) -> SimpleNamespace:
    """The dynamics' parameters flattened for the hot paths (one attribute lookup, not four)."""
    d = p.dynamics
    return SimpleNamespace(
        affinity_response=d.affinity.response,
        affinity_decay=d.affinity.decay,
        opinion_response=d.opinion.response,
        opinion_relaxation=d.opinion.relaxation,
        visibility=dict(d.opinion.visibility),
        threat_military=d.threat.military,
        threat_economic=d.threat.economic,
        threat_reassurance=d.threat.reassurance,
        threat_relaxation=d.threat.relaxation,
        memory_retention=d.memory.retention,
        capital_recovery=d.capital.recovery,
        capital_cost=dict(p.decision.capital_cost),
        bite={name: ch.bite for name, ch in d.trade.channels.items()},
        share={name: ch.share for name, ch in d.trade.channels.items()},
        trade_keep=math.exp(-1.0 / d.trade.recovery_months),
        coercer_cost_ratio=d.trade.coercer_cost_ratio,
        spillover_threat=d.spillover.threat,
        spillover_solidarity=d.spillover.solidarity,
        solidarity_retention=d.spillover.solidarity_retention,
        credibility_response=d.us_credibility.response,
        credibility_drift=d.us_credibility.drift,
    )


def month_label(start: str, month: int) -> str:
    """``YYYY-MM`` of model month ``month`` (month 1 is the start month)."""
    y, m = int(start[:4]), int(start[5:7])
    k = (y * 12 + m - 1) + (month - 1)
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


@cache
def month_labels(start: str, n: int) -> tuple[str, ...]:
    """Labels of months 1 … n, computed once per (start, horizon) rather than once per model."""
    return tuple(month_label(start, k) for k in range(1, n + 1))


class ThawModel(mesa.Model):
    """The Japan–Korea thaw under Chinese coercion, US wavering and history flare-ups.

    ``ThawModel(scenario, rng=seed, months=None, **overrides)``: ``scenario`` is a name, a path or a
    :class:`~model.scenario.LoadedScenario`; overrides are keyed by dotted path, e.g.
    ``**{"states.USA.commitment": 0.4}``, so that ``mesa.batch_run`` can sweep them unchanged.
    The Thaw scenario is ``model.config`` (``model.scenario`` is Mesa's own experiment object).
    """

    def __init__(
        self,
        scenario: str | Path | LoadedScenario = "baseline",
        rng: Any = None,
        months: int | None = None,
        **overrides: Any,
    ):
        config = load_scenario(scenario, overrides)
        super().__init__(rng=rng)
        self.config = config
        p = config.params
        self.mechanisms = p.mechanisms
        self.horizon = int(months if months is not None else p.months)
        if self.horizon < 1:
            raise ValueError(f"months must be at least 1, not {self.horizon}")
        self.start = p.start
        self.month = 0
        self.labels = month_labels(self.start, self.horizon + 1)
        self.date = self.labels[0]
        self._init_state(p)
        self.states = {code: StateAgent(self, code, getattr(p.states, code).leader) for code in CODES}
        self.schedule_events = events.compile_schedule(self)
        self.event_log: list[tuple] = []
        self.leader_log: list[tuple[int, str, str, str, str]] = []  # month, date, state, name, how
        self.datacollector = OutcomeCollector()
        dynamics.measure(self)

    # -----------------------------------------------------------------------------------------
    def _init_state(self, p) -> None:
        st = p.states
        rows = [getattr(st, c) for c in CODES]

        def matrix(field: str, fill: float = 0.0) -> list[list[float]]:
            return [[getattr(r, field).get(c, fill) for c in CODES] for r in rows]

        self.opinion = matrix("opinion", 50.0)
        self.opinion0 = matrix("opinion_level", 50.0)  # where each public's views drift to
        self.threat = matrix("threat")
        self.threat0 = [row[:] for row in self.threat]
        self.affinity = matrix("affinity")
        self.exposure = matrix("exposure")
        self.memory = [[0.0] * 4 for _ in range(4)]
        self.solidarity = [[0.0] * 4 for _ in range(4)]
        self.capital = [r.political_capital for r in rows]
        self.provocation = [0.0] * 4  # China's accumulated grievance against each state
        self.last_red_line = [""] * 4
        self.cuts: dict[tuple[int, int, str], float] = {}  # (coercer, target, channel) -> share cut
        self.cut_history: list[dict[tuple[int, int, str], float]] = []  # the cuts in force each month
        self.credibility = st.USA.credibility
        self.p_commitment = st.USA.commitment
        self.p_decision = p.decision
        self.rates = rates(p)
        self.weights = Weights(**{k[2:]: v for k, v in p.decision.model_dump().items() if k.startswith("w_")})
        self.hedge = 0.0
        self.p_rationality = p.decision.rationality
        self.p_hedge_mix = p.dynamics.hedging.mix
        self.doctrine = st.CHN.doctrine
        self.agreements: list[dict[str, Any]] = []  # every agreement ever formed
        self.agreements_in_force = 0
        self.pending_coop: dict[int, dict[str, int]] = {JPN: {}, KOR: {}}  # area -> month of cooperation
        # Per-month tallies, reset each step, and the outcome state read by the collector.
        self.jk_goldstein_months: list[float] = []
        self.month_jk_goldstein = 0.0
        self.month_china_count = 0
        self.month_china_intensity = 0.0
        self.rupture = False
        self.below_threshold = 0
        self.rupture_month: int | None = None
        self.episodes: list[dict[str, Any]] = []
        self.last_china_coercion = {JPN: -999, KOR: -999}

    # -----------------------------------------------------------------------------------------
    def step(self) -> None:
        self.month += 1
        self.date = self.labels[self.month - 1]
        self.month_jk_goldstein = 0.0
        self.month_china_count = 0
        self.month_china_intensity = 0.0
        events.apply_month(self)
        self.hedge = self.hedging_pressure()
        self.agents.shuffle_do("step")
        dynamics.update(self)
        self.datacollector.collect(self)
        if self.month >= self.horizon:
            self.running = False

    def run(self) -> ThawModel:
        """Run to the horizon; returns the model so that ``ThawModel(...).run().summary()`` reads."""
        while self.running:
            self.step()
        return self

    # -----------------------------------------------------------------------------------------
    # Terms of the decision that need the whole model
    def common_threat(self, s: int, t: int) -> float:
        """Threat that ``s`` and ``t`` both perceive from third states: a reason to cooperate."""
        T = self.threat
        return sum(min(T[s][k], T[t][k]) for k in range(4) if k != s and k != t)

    def hedging_pressure(self) -> float:
        """0 while US credibility is above the threshold, rising to 1 as it falls to zero."""
        if not self.mechanisms.hedging:
            return 0.0
        th = self.config.params.dynamics.hedging.threshold
        return max(0.0, (th - self.credibility) / th) if th > 0 else 0.0

    def leverage(self, t: int) -> float:
        """China's leverage over ``t``: t's trade with China as a share of its GDP, scaled."""
        return self.exposure[t][CHN] / self.doctrine.leverage_scale

    def doctrine_utility(self, t: int) -> float:
        """China's doctrine: coerce when a red line is crossed, scaled by leverage, restrained by
        its own exposure and, for US allies, by US credibility."""
        d = self.doctrine
        u = d.sensitivity * (self.provocation[t] - d.threshold) * self.leverage(t)
        u -= d.own_cost * self.exposure[CHN][t] / 10.0
        if other_ally(t) is not None:
            u -= d.restraint * self.credibility
        return u

    # -----------------------------------------------------------------------------------------
    def act(self, s: int, t: int, kind: str, tools: tuple[str, ...]) -> None:
        """Carry out a decided move of ``kind``: pick the concrete move, its intensity and trigger."""
        trigger = "decision"
        intensity = 1.0
        if s == CHN and kind in ("coerce_econ", "coerce_mil"):
            d = self.doctrine
            if kind == "coerce_econ":
                weights = [d.tools[x] for x in tools]
                move = self.random.choices(tools, weights=weights)[0]
            else:
                move = tools[0]
            excess = max(0.0, self.provocation[t] - d.threshold)
            intensity = min(1.0, max(0.1, d.intensity * self.leverage(t) * (1.0 + excess)))
            red = self.last_red_line[t]
            trigger = f"red_line:{red}" if red and self.provocation[t] > d.threshold else "doctrine"
        else:
            move = tools[0] if len(tools) == 1 else tools[int(self.random.random() * len(tools))]
            if self.memory[s][t] < -0.3 and MOVES[move].goldstein < 0:
                trigger = "reciprocity"
        effects.apply_move(self, s, t, move, intensity, trigger)

    # -----------------------------------------------------------------------------------------
    # Outputs
    def outcomes(self) -> pd.DataFrame:
        """Monthly outcomes, one row per month (see ``model.outcomes.OUTCOME_COLUMNS``)."""
        return self.datacollector.get_model_vars_dataframe()[OUTCOME_COLUMNS].reset_index(drop=True)

    def events(self) -> pd.DataFrame:
        """The event log, one row per move, in the shape of real event datasets."""
        return pd.DataFrame(self.event_log, columns=EVENT_COLUMNS)

    def channel_cut(self, coercer: str, target: str, channel: str) -> list[float]:
        """Share of a trade channel's flow cut in each month so far (for checks against measured
        coercion episodes)."""
        key = (CODES.index(coercer), CODES.index(target), channel)
        return [month.get(key, 0.0) for month in self.cut_history]

    def summary(self) -> dict[str, Any]:
        return summarise(self)

    def __repr__(self) -> str:
        return f"ThawModel({self.config.name!r}, month={self.month}/{self.horizon}, date={self.date})"


__all__ = ["ThawModel", "month_label", "JPN", "KOR", "CHN", "USA"]
