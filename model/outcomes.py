"""Monthly outcomes, the event log's columns, and the per-run summary."""

from __future__ import annotations

from collections import deque
from operator import call
from typing import TYPE_CHECKING, Any

import mesa

if TYPE_CHECKING:
    from model.thaw import ThawModel

#: Monthly outcome columns. Favourability in %, trade losses in annualised % of own GDP.
OUTCOME_COLUMNS = [
    "month",
    "date",
    "jk_affinity",
    "jk_cooperation",
    "kor_fav_jpn",
    "jpn_fav_kor",
    "trilateral_cohesion",
    "us_credibility",
    "kor_threat_chn",
    "jpn_threat_chn",
    "china_coercion",
    "china_coercion_intensity",
    "trade_loss_jpn",
    "trade_loss_kor",
    "trade_loss_chn",
    "trade_loss_usa",
    "agreements",
    "rupture",
]
EVENT_COLUMNS = ["month", "date", "source", "target", "move", "cameo_code", "goldstein", "intensity", "trigger"]


class OutcomeCollector(mesa.DataCollector):
    """Mesa's DataCollector, collecting the month's outcome values without a deepcopy per value.

    The components write each month's values into ``model.state.out`` (their measure phase); every
    outcome is an immutable number, string or bool, so Mesa's defensive ``deepcopy`` buys nothing
    here and costs a third of a run's time (measured with cProfile). Subclassing keeps
    ``model_vars`` and ``_collection_steps`` exactly as ``mesa.batch_run`` reads them.
    """

    def __init__(self) -> None:
        super().__init__(model_reporters=_REPORTERS)
        self._appends = [self.model_vars[c].append for c in OUTCOME_COLUMNS]  # the lists are never replaced

    def collect(self, model: ThawModel) -> None:
        self._collection_steps.append(model.time)
        # values.append(out[c]) for every column, looped in C (itertools' "consume" recipe)
        _consume(map(call, self._appends, map(model.state.out.__getitem__, OUTCOME_COLUMNS)))


def _reporter(column: str):
    return lambda model: model.state.out[column]


_REPORTERS = {c: _reporter(c) for c in OUTCOME_COLUMNS}  # built once, not once per model
_consume = deque(maxlen=0).extend


def summarise(model: ThawModel) -> dict[str, Any]:
    """Per-run results: did the thaw survive, when it broke, coercion and its backfire."""
    out: dict[str, Any] = {"scenario": model.config.name, "months": model.month}
    for c in model.components.values():
        c.summarise(out)
    ordered = {k: out[k] for k in SUMMARY_KEYS if k in out}
    ordered["moves"] = len(model.event_log)
    dc = model.datacollector
    for col in OUTCOME_COLUMNS:
        if col not in ("month", "date") and dc.model_vars[col]:
            ordered[f"final_{col}"] = dc.model_vars[col][-1]
    return ordered


SUMMARY_KEYS = ("scenario", "months", "thaw_survived", "months_to_rupture", "ruptures", "coercion_episodes", "coercion_backfired",
                "agreements_formed")
