"""The move catalogue: every move a state can make, with its CAMEO code and Goldstein weight.

States decide at the level of a move *kind* (cooperate, reassure, …) and then pick a concrete
move of that kind; the kind carries the decision-relevant properties, the concrete move carries
the CAMEO code that makes the event log comparable with real event datasets.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from model.roles import Roles

KINDS: tuple[str, ...] = (
    "hold",
    "cooperate",
    "reassure",
    "protest",
    "align",
    "coerce_econ",
    "coerce_mil",
)
COERCIVE_KINDS = frozenset({"coerce_econ", "coerce_mil"})

#: How much a kind counts as cooperation in the decision (security, economics, hedging terms).
COOPERATIVE_WEIGHT = {"cooperate": 1.0, "reassure": 0.6}


def _load_goldstein() -> dict[str, float]:
    text = resources.files("model").joinpath("data/goldstein_cameo.csv").read_text()
    return {row["cameo_code"]: float(row["goldstein"]) for row in csv.DictReader(text.splitlines())}


GOLDSTEIN: dict[str, float] = _load_goldstein()


@dataclass(frozen=True, slots=True)
class Move:
    """One concrete move. ``channel`` names the trade flow an economic coercion cuts."""

    name: str
    kind: str
    cameo_code: str
    description: str
    channel: str | None = None

    @property
    def goldstein(self) -> float:
        return GOLDSTEIN[self.cameo_code]


_MOVES = [
    Move("supply_chain", "cooperate", "061", "supply-chain resilience cooperation"),
    Move("technology", "cooperate", "06", "technology partnership (quantum, AI, biotech)"),
    Move("intelligence_sharing", "cooperate", "064", "intelligence sharing (GSOMIA-type)"),
    Move("joint_exercise", "cooperate", "062", "joint military exercise"),
    Move("formal_agreement", "cooperate", "057", "signing a formal agreement or joint statement"),
    Move("sanctions_relief", "cooperate", "085", "lifting one's own earlier economic measures"),
    Move("summit", "reassure", "043", "summit or leaders' visit"),
    Move("statement", "reassure", "032", "statement of intent to cooperate"),
    Move("gesture", "reassure", "018", "conciliatory gesture (e.g. bowing to the flag)"),
    Move("deterrence_pledge", "reassure", "0312", "extended-deterrence pledge"),
    Move("criticism", "protest", "111", "public criticism"),
    Move("history_dispute", "protest", "112", "accusation over the colonial past"),
    Move("court_ruling", "protest", "115", "court ruling on wartime claims"),
    Move("shrine_visit", "protest", "112", "leader's visit to Yasukuni Shrine"),
    Move("textbook_dispute", "protest", "111", "textbook or territorial dispute"),
    Move("taiwan_statement", "align", "1313", "statement on a Taiwan contingency"),
    Move("missile_defence", "align", "062", "missile-defence deployment with the US"),
    Move("join_framework", "align", "057", "joining a US-led framework (Quad, Squad)"),
    Move("import_ban", "coerce_econ", "163", "import ban (e.g. seafood)", "seafood"),
    Move("tourism_discouragement", "coerce_econ", "172", "discouraging tourism", "tourism"),
    Move("cultural_cancellation", "coerce_econ", "172", "cancelled cultural events", "culture"),
    Move("export_controls", "coerce_econ", "163", "export controls on key inputs", "inputs"),
    Move("boycott", "coerce_econ", "143", "consumer boycott", "consumer"),
    Move("downgrade_ties", "coerce_econ", "161", "downgrading ties, e.g. ending an intelligence pact"),
    Move("force_posture", "coerce_mil", "15", "force posture near the target"),
    Move("radar_lock", "coerce_mil", "150", "fire-control radar lock"),
]
MOVES: dict[str, Move] = {m.name: m for m in _MOVES}
TRADE_CHANNELS: tuple[str, ...] = ("tourism", "seafood", "culture", "inputs", "consumer")

#: The move a scheduled event of a given ``events.csv`` kind is applied as, when it names none.
DEFAULT_MOVE_FOR_KIND = {
    "cooperate": "supply_chain",
    "reassure": "summit",
    "coerce": "import_ban",
    "history": "history_dispute",
    "alignment": "join_framework",
}

#: Moves a state's decision may draw for each kind (history flare-ups and scheduled events can use
#: the others). China's economic tools are weighted by its doctrine instead of drawn uniformly.
DECISION_TOOLS = {
    "cooperate": ("supply_chain", "technology", "intelligence_sharing", "joint_exercise"),
    "reassure": ("summit", "statement", "gesture"),
    "protest": ("criticism", "history_dispute"),
    "coerce_econ": ("import_ban", "tourism_discouragement", "export_controls", "boycott"),
    "coerce_mil": ("force_posture",),
}
CHINA_ECON_TOOLS = ("import_ban", "tourism_discouragement", "cultural_cancellation", "export_controls")
CHINA_MIL_TOOLS = ("force_posture",)
#: What the two allies use against each other (events.csv 2018-12 to 2019-09): export controls, a
#: consumer boycott and ending an intelligence pact (GSOMIA); a radar lock-on or a posture move.
ALLY_TOOLS = {"coerce_econ": ("export_controls", "boycott", "downgrade_ties"), "coerce_mil": ("radar_lock", "force_posture")}


@cache
def tools_for(roles: Roles, source: int, target: int, kind: str) -> tuple[str, ...]:
    """The concrete moves ``source`` may choose toward ``target`` for ``kind`` (empty: not allowed).

    Why these limits: alignment moves only make sense from the two allies toward their patron
    (joining frameworks, missile defence) or their rival (Taiwan statements); the history dispute
    is a matter between the two allies; only the patron gives extended-deterrence pledges; the
    allies and their patron do not use military coercion against each other; and a state coerces
    only the states its role allows (``roles.coercible``).
    """
    allies = roles.allies
    if kind == "hold":
        return ("hold",)
    if kind in COERCIVE_KINDS and target not in roles.coercible[source]:
        return ()
    if kind == "align":
        if source in allies and target == roles.patron:
            return ("missile_defence", "join_framework")
        if source in allies and target == roles.rival:
            return ("taiwan_statement",)
        return ()
    if kind == "reassure":
        base = DECISION_TOOLS["reassure"]
        return base + ("deterrence_pledge",) if source == roles.patron and target in allies else base
    if kind == "protest":
        if roles.is_ally_pair(source, target):
            return DECISION_TOOLS["protest"]
        return ("criticism",)
    if kind == "coerce_mil" and roles.patron in (source, target) and (source in allies or target in allies):
        return ()
    if source == roles.rival and kind == "coerce_econ":
        return CHINA_ECON_TOOLS
    if kind in COERCIVE_KINDS and roles.is_ally_pair(source, target):
        return ALLY_TOOLS[kind]
    return DECISION_TOOLS[kind]


@cache
def kind_goldstein(roles: Roles, source: int, target: int, kind: str) -> float:
    """Mean Goldstein weight of the moves available for a kind: what the decision expects of it."""
    tools = tools_for(roles, source, target, kind)
    if kind == "hold" or not tools:
        return 0.0
    return sum(MOVES[t].goldstein for t in tools) / len(tools)


__all__ = ["KINDS", "MOVES", "Move", "GOLDSTEIN", "tools_for", "kind_goldstein"]
