"""The model's mechanisms, one module each, in the order they act within a month.

``COMPONENTS`` is the one list the model steps through; docs/model.md's process overview is
generated from it (``python -m model.components``) and a test keeps the two in sync. To add a
mechanism: write a module here with a ``Component`` subclass, add it to ``COMPONENTS`` at the place
in the month where it acts, give it a schema section (``model/schema.py``) and a switch in
``Mechanisms``, its values with sources in ``scenarios/baseline.toml``, and a contract test in
``tests/test_contracts.py``.
"""

from __future__ import annotations

from model.components.affinity import Affinity
from model.components.agreements import Agreements
from model.components.base import PHASES, Component
from model.components.coercion import Coercion
from model.components.decision import Decision
from model.components.disputes import Disputes
from model.components.hedging import Hedging
from model.components.history_flareups import HistoryFlareups
from model.components.leader_cue import LeaderCue
from model.components.leader_turnover import LeaderTurnover
from model.components.norms import Norms
from model.components.opinion import Opinion
from model.components.political_capital import PoliticalCapital
from model.components.reciprocity import Reciprocity
from model.components.rupture import Rupture
from model.components.scheduled_events import ScheduledEvents
from model.components.spillover import Spillover
from model.components.threat import Threat
from model.components.trade import Trade
from model.components.us_credibility import USCredibility

#: Every mechanism in the order its hooks run within each phase. The order matters where two
#: touch the same numbers: scheduled events before elections before flare-ups (as in the record), leader
#: cues before the norms' drift (a level a new leader moved drifts from where the cue put it),
#: affinity's month end before opinion's (its baseline is this month's favourability), agreements
#: after opinion (the lapse hazard reads the relaxed favourability).
COMPONENTS: tuple[type[Component], ...] = (
    ScheduledEvents,
    LeaderTurnover,
    LeaderCue,
    Norms,
    HistoryFlareups,
    Hedging,
    Coercion,
    Decision,
    Reciprocity,
    Affinity,
    Opinion,
    Threat,
    Trade,
    Spillover,
    Disputes,
    USCredibility,
    PoliticalCapital,
    Agreements,
    Rupture,
)

PHASE_TITLES = {
    "events": "What happens to the states",
    "start": "Quantities fixed for the month",
    "decisions": "Decisions (`agents.shuffle_do(\"step\")`)",
    "move": "Effects of each move, at once",
    "end": "Month-end dynamics",
    "measure": "Outcomes, collected by `OutcomeCollector`",
}


def process_overview() -> str:
    """The month as a markdown list: phase by phase, the components acting in it, with modules."""
    lines = []
    for i, phase in enumerate(PHASES, start=1):
        names = [f"{c.name} (`{c.module()}`" + (f", switch `{c.switch}`" if c.switch else "") + ")"
                 for c in COMPONENTS if phase in c.phases]
        lines.append(f"{i}. **{PHASE_TITLES[phase]}** (`{phase}`): " + "; ".join(names) + ".")
    return "\n".join(lines)


__all__ = ["COMPONENTS", "PHASES", "Component", "process_overview"]
