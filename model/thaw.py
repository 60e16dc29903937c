"""ThawModel: the states and the ordered list of mechanisms, stepped month by month.

The model owns the state (``model/state.py``) and the components (``model/components``); it
orders their hooks by phase and exposes the outputs. No component imports it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import mesa
import pandas as pd

from model.agents import StateAgent
from model.components import COMPONENTS, Component
from model.components.agreements import Agreements
from model.components.coercion import Coercion
from model.components.decision import Decision
from model.components.hedging import Hedging
from model.components.trade import Trade, trade_cuts_frame
from model.outcomes import EVENT_COLUMNS, OUTCOME_COLUMNS, OutcomeCollector, summarise
from model.roles import Roles
from model.scenario import LoadedScenario, load_scenario
from model.state import State


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
        horizon = int(months if months is not None else p.months)
        if horizon < 1:
            raise ValueError(f"months must be at least 1, not {horizon}")
        self.labels = month_labels(p.start, horizon + 1)
        self.state = st = State(p, config.roles, self.random, horizon, self.labels[0])
        self.components: dict[str, Component] = {}
        for cls in COMPONENTS:
            c = cls(st, self.components.get("coercion")) if cls is Decision else cls(st)
            self.components[c.name] = c
        active = [c for c in self.components.values() if c.active()]
        self._events = [c.on_events for c in active if "events" in c.phases]
        self._start = [c.on_start for c in active if "start" in c.phases]
        self._end = [c.on_end for c in active if "end" in c.phases]
        self._measure = [c.on_measure for c in self.components.values() if "measure" in c.phases]
        st.set_move_hooks([(c.on_move, c.acts_on) for c in active if "move" in c.phases])
        self._decision: Decision = self.components["decision"]  # type: ignore[assignment]
        self.states = {code: StateAgent(self, code) for code in st.codes}
        self.datacollector = OutcomeCollector()
        self._measure_month()

    # -----------------------------------------------------------------------------------------
    def step(self) -> None:
        st = self.state
        st.month += 1
        st.date = self.labels[st.month - 1]
        for hook in self._events:
            hook(st)
        for hook in self._start:
            hook(st)
        self.agents.shuffle_do("step")
        for hook in self._end:
            hook(st)
        self._measure_month()
        self.datacollector.collect(self)
        if st.month >= st.horizon:
            self.running = False

    def _measure_month(self) -> None:
        st = self.state
        out = st.out
        out["month"], out["date"] = st.month, st.date
        for hook in self._measure:
            hook(st, out)

    def run(self) -> ThawModel:
        """Run to the horizon; returns the model so that ``ThawModel(...).run().summary()`` reads."""
        while self.running:
            self.step()
        return self

    # -----------------------------------------------------------------------------------------
    # Views of the state that callers (tests, hindcast, notebooks) read
    @property
    def month(self) -> int:
        return self.state.month

    @property
    def date(self) -> str:
        return self.state.date

    @property
    def horizon(self) -> int:
        return self.state.horizon

    @property
    def roles(self) -> Roles:
        return self.state.roles

    @property
    def mechanisms(self):
        return self.state.mechanisms

    @property
    def credibility(self) -> float:
        return self.state.credibility

    @credibility.setter
    def credibility(self, value: float) -> None:
        self.state.credibility = value

    @property
    def capital(self) -> list[float]:
        return self.state.capital

    @property
    def event_log(self) -> list[tuple]:
        return self.state.event_log

    @property
    def leader_log(self) -> list[tuple[int, str, str, str, str]]:
        return self.state.leader_log

    @property
    def agreements(self) -> list[dict[str, Any]]:
        ag: Agreements = self.components["agreements"]  # type: ignore[assignment]
        return ag.agreements

    @property
    def episodes(self) -> list[dict[str, Any]]:
        co: Coercion = self.components["coercion"]  # type: ignore[assignment]
        return co.episodes

    def hedging_pressure(self) -> float:
        """0 while US credibility is above the threshold, rising to 1 as it falls to zero."""
        h: Hedging = self.components["hedging"]  # type: ignore[assignment]
        return h.pressure(self.state.credibility) if h.active() else 0.0

    # -----------------------------------------------------------------------------------------
    # Outputs
    def outcomes(self) -> pd.DataFrame:
        """Monthly outcomes, one row per month (see ``model.outcomes.OUTCOME_COLUMNS``)."""
        return self.datacollector.get_model_vars_dataframe()[OUTCOME_COLUMNS].reset_index(drop=True)

    def events(self) -> pd.DataFrame:
        """The event log, one row per move, in the shape of real event datasets."""
        return pd.DataFrame(self.state.event_log, columns=EVENT_COLUMNS)

    def channel_cut(self, coercer: str, target: str, channel: str) -> list[float]:
        """Share of a trade channel's flow cut in each month so far (for checks against measured
        coercion episodes)."""
        tr: Trade = self.components["trade"]  # type: ignore[assignment]
        codes = self.state.codes
        return tr.channel_cut(codes.index(coercer), codes.index(target), channel, self.state.month)

    def trade_cuts(self) -> pd.DataFrame:
        """The trade cuts in force at the end of each month, tidy: month, coercer, target, channel,
        share_cut (share of the channel's flow cut); months and pairs without a cut have no row."""
        tr: Trade = self.components["trade"]  # type: ignore[assignment]
        return trade_cuts_frame(tr.rows(self.state.codes))

    def rupture_starts(self) -> list[str]:
        """The months (YYYY-MM) in which a rupture started, by the rupture rule's own definition of a
        start (``components/rupture.py``): the calibration's rupture counts read these, so that the
        targets and the model cannot disagree on what one rupture is."""
        return [self.labels[m - 1] for m in self.components["rupture"].starts]  # type: ignore[attr-defined]

    def summary(self) -> dict[str, Any]:
        return summarise(self)

    def __repr__(self) -> str:
        return f"ThawModel({self.config.name!r}, month={self.month}/{self.horizon}, date={self.date})"


__all__ = ["ThawModel", "month_label"]
