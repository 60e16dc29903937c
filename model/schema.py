"""The scenario schema: every parameter, its type, its range and what it means.

Values live in scenario files (``scenarios/*.toml``), each with its source; this module only says
what a valid value is. ``extra="forbid"`` and ``strict=True`` everywhere, so that a misspelt key or
a quoted number is refused instead of silently ignored or coerced.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel, model_validator

from model.catalogue import CHINA_ECON_TOOLS, GOLDSTEIN, KINDS, MOVES

#: A state's code: three capital letters (ISO 3166 alpha-3 where there is one).
Code = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
DATE_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$"


def _date_to_text(v: object) -> object:
    """TOML parses bare dates into ``datetime.date``; the schema keeps them as text."""
    return v.isoformat() if isinstance(v, dt.date) else v


Month = Annotated[str, BeforeValidator(_date_to_text), Field(pattern=MONTH_PATTERN)]
Date = Annotated[str, BeforeValidator(_date_to_text), Field(pattern=DATE_PATTERN)]


def unit(meaning: str) -> object:
    return Field(ge=0.0, le=1.0, description=meaning)


def signed(meaning: str) -> object:
    return Field(ge=-1.0, le=1.0, description=meaning)


def weight(meaning: str, hi: float = 20.0) -> object:
    return Field(ge=0.0, le=hi, description=meaning)


class KeyedValueError(ValueError):
    """A validation problem that knows the dotted key it is about (the loader reports that key)."""

    def __init__(self, key: str, expected: str):
        super().__init__(f"{key}: {expected}")
        self.key, self.expected = key, expected


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=False)


def _exact_keys(mapping: dict, expected: tuple[str, ...], what: str) -> None:
    missing = [k for k in expected if k not in mapping]
    if missing:
        raise ValueError(f"{what} needs a value for each of {', '.join(expected)}; missing {', '.join(missing)}")


# ---------------------------------------------------------------------------------------------
# States
# ---------------------------------------------------------------------------------------------
class Leader(Strict):
    name: str = Field(description="leader's name, for the event log and `thaw show`")
    ideology: float = signed("ideology, -1 progressive … +1 conservative")
    hawkishness: float = unit("hawkishness toward China, 0 dovish … 1 hawkish")
    history_stance: float = unit(
        "stance on the colonial past: Japan's revisionism, Korea's emphasis on grievances"
    )


Pct = Annotated[float, Field(ge=0.0, le=100.0)]
UnitF = Annotated[float, Field(ge=0.0, le=1.0)]
SignedF = Annotated[float, Field(ge=-1.0, le=1.0)]
Exposure = Annotated[float, Field(ge=0.0, le=100.0)]


RedLine = Literal["taiwan_statement", "missile_defence", "join_framework"]
ChinaTool = Literal["import_ban", "tourism_discouragement", "cultural_cancellation", "export_controls"]


class Doctrine(Strict):
    red_lines: dict[RedLine, Annotated[float, Field(ge=0.0, le=5.0)]] = Field(
        description="provocation added when another state makes this move (0 = not a red line)"
    )
    tools: dict[ChinaTool, UnitF] = Field(
        description="relative weight of each economic coercion tool when China coerces"
    )
    threshold: float = weight("provocation above which coercion gains utility", 10.0)
    sensitivity: float = weight("utility of coercion per unit of provocation above threshold × leverage")
    leverage_scale: float = Field(
        gt=0.0, le=100.0, description="exposure to China (% of target GDP) that counts as leverage 1"
    )
    restraint: float = weight("utility lost per unit of US credibility when coercing a US ally")
    own_cost: float = weight("utility lost per unit of China's own exposure to the target (% GDP)")
    provocation_decay: float = unit("share of provocation China still holds after a month")
    intensity: float = unit("intensity of coercion at leverage 1 and provocation at threshold")

    @model_validator(mode="after")
    def _complete(self) -> Doctrine:
        _exact_keys(self.red_lines, RedLine.__args__, "red_lines")
        _exact_keys(self.tools, CHINA_ECON_TOOLS, "tools")
        if sum(self.tools.values()) <= 0:
            raise ValueError("tools: at least one tool needs a positive weight")
        return self


class StateParams(Strict):
    """What every state holds; keyed maps hold one value per other state of the scenario. The
    patron also holds ``commitment`` and ``credibility``, the rival its ``doctrine``."""

    leader: Leader
    opinion: dict[Code, Pct] = Field(
        description="public favourability of each other state (%, comparable with polls)"
    )
    opinion_level: dict[Code, Pct] = Field(
        description="long-run favourability the public relaxes toward (travel, culture, generations), %"
    )
    threat: dict[Code, UnitF] = Field(description="initial threat perception of each other state")
    affinity: dict[Code, SignedF] = Field(
        description="initial government-to-government affinity toward each other state"
    )
    exposure: dict[Code, Exposure] = Field(
        description="bilateral goods trade with each other state, % of own GDP"
    )
    political_capital: float = unit("initial political capital: room for unpopular moves")
    commitment: float | None = Field(
        default=None, ge=0.0, le=1.0, description="US commitment to its allies: the level credibility returns to"
    )
    credibility: float | None = Field(
        default=None, ge=0.0, le=1.0, description="initial credibility of US security commitments, as the allies see it"
    )
    doctrine: Doctrine | None = None

    def partner_problems(self, code: str, codes: tuple[str, ...]) -> list[tuple[str, str]]:
        """(key, what was expected) for every partner map that does not name each other state once."""
        expected = tuple(c for c in codes if c != code)
        problems = []
        for field in PARTNER_FIELDS:
            got = getattr(self, field)
            for k in got:
                if k == code:
                    problems.append((f"states.{code}.{field}.{k}", f"cannot name the state itself ({code})"))
                elif k not in expected:
                    problems.append((f"states.{code}.{field}.{k}",
                                     f"unknown state; the scenario's states are {', '.join(codes)}"))
            missing = [k for k in expected if k not in got]
            if missing:
                problems.append((f"states.{code}.{field}",
                                 f"needs a value for each of {', '.join(expected)}; missing {', '.join(missing)}"))
        return problems


PARTNER_FIELDS = ("opinion", "opinion_level", "threat", "affinity", "exposure")


class States(RootModel[dict[Code, StateParams]]):
    """The scenario's states by code, in file order: the founding article's four, or more."""

    def __getattr__(self, name: str):  # ``params.states.USA``, as when the four were fixed fields
        root = self.__dict__.get("root")
        if isinstance(root, dict) and name in root:
            return root[name]
        return super().__getattr__(name)

    def __getitem__(self, code: str) -> StateParams:
        return self.root[code]

    def __iter__(self):  # type: ignore[override]
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)


class RolesSpec(Strict):
    """Who plays which part. The defaults are the founding article's cast, so that a scenario
    without a ``[roles]`` table means what it always meant."""

    allies: list[Code] = Field(default=["JPN", "KOR"], min_length=2, max_length=2,
                               description="the two allies whose relationship is the object of study")
    patron: Code = Field(default="USA", description="the allies' security patron (commitment, credibility)")
    rival: Code = Field(default="CHN", description="the allies' rival, whose coercion doctrine drives the story")
    coercion: dict[Code, list[Code]] | None = Field(
        default=None, description="the states each state may coerce; a state not listed may coerce every other"
    )


# ---------------------------------------------------------------------------------------------
# Decision and dynamics
# ---------------------------------------------------------------------------------------------
DecisionKind = Literal["cooperate", "reassure", "protest", "align", "coerce_econ", "coerce_mil"]


class Decision(Strict):
    rationality: float = weight("logit rationality: 0 picks at random, large picks the best", 100.0)
    w_affinity: float = weight("weight of affinity toward the target on the Goldstein sign of a move")
    w_reciprocity: float = weight("weight of the memory of moves received (tit for tat)")
    w_opinion: float = weight("weight of the public's favourability of the target")
    w_security: float = weight("weight of a threat shared with the target on cooperation")
    w_economics: float = weight("weight of trade at stake (per 10% of GDP) on cooperation and coercion")
    w_capital: float = weight("weight of political capital scarcity on costly moves")
    w_history: float = weight("weight of the leader's history stance on protest toward the other ally")
    w_hawkishness: float = weight("weight of the leader's hawkishness on moves toward China")
    w_alliance: float = weight("weight of the alliance (US credibility or commitment) on cooperation")
    w_hedging: float = weight("weight of hedging pressure when US credibility is low")
    w_solidarity: float = weight("weight of solidarity with a coerced fellow ally (spillover)")
    w_agreement: float = weight("weight of agreements in force on Japan–Korea cooperation")
    w_trade_loss: float = weight("weight of trade lost to cuts in force (% of GDP a year) on cooperation and against coercion")
    w_dispute: float = weight("weight of a salient dispute with the other ally on coercing it (disputes)")
    ally_coercion: float = Field(ge=-10.0, le=10.0,
                                 description="utility added to coercion (economic and military) between the two allies only")
    ally_cooperation: float = Field(ge=-10.0, le=10.0,
                                    description="utility added to cooperation between the two allies only (0 in the baseline)")
    base: dict[DecisionKind, Annotated[float, Field(ge=-20.0, le=20.0)]] = Field(
        description="intercept of each move kind's utility, relative to holding"
    )
    capital_cost: dict[DecisionKind, UnitF] = Field(
        description="political capital a move of this kind spends at full unpopularity"
    )

    @model_validator(mode="after")
    def _complete(self) -> Decision:
        kinds = tuple(k for k in KINDS if k != "hold")
        _exact_keys(self.base, kinds, "base")
        _exact_keys(self.capital_cost, kinds, "capital_cost")
        return self


class AffinityDyn(Strict):
    response: float = unit("affinity change per move received, per unit of Goldstein weight / 10")
    decay: float = unit("monthly pull of affinity toward the baseline set by public opinion")


class OpinionDyn(Strict):
    response: float = weight("favourability points per visible move, per unit of Goldstein / 10", 50.0)
    relaxation: float = unit("monthly pull of favourability's slow anchor toward its long-run level (states.*.opinion_level)")
    history_shock: float = weight("favourability points lost by each public in a history flare-up", 50.0)
    history_sensitivity: dict[Code, UnitF] = Field(
        default_factory=dict,
        description="share of history_shock each allied public loses in a history event (1 where not given)")
    shock_half_life: float = Field(gt=0.0, le=240.0, description="half-life of favourability's fast shock component, months")
    persistence: float = unit("share of a move's impulse entering the slow anchor, not the decaying shock")
    negativity: float = Field(ge=1.0, le=10.0, description="how much more a hostile move moves a public than a friendly one")
    headline: float = Field(ge=1.0, le=10.0, description="salience of headline moves (agreements, summits) over routine")
    grievance: float = weight("favourability points a month a public loses per unit share of its trade cut by the other", 50.0)
    leader_cue: float = weight(
        "points a public's long-run favourability of the other ally moves per unit fall in its own leader's history stance", 50.0)
    visibility: dict[DecisionKind, UnitF] = Field(
        description="how visible a move of this kind is to the target's public (0 unseen … 1 front page)"
    )

    @model_validator(mode="after")
    def _complete(self) -> OpinionDyn:
        _exact_keys(self.visibility, tuple(k for k in KINDS if k != "hold"), "visibility")
        return self


class ThreatDyn(Strict):
    military: float = unit("threat added by a military coercion received, per unit intensity")
    economic: float = unit("threat added by an economic coercion received, per unit intensity")
    reassurance: float = unit("threat removed by a cooperative move received, per unit intensity")
    relaxation: float = unit("monthly pull of threat perception back toward its initial level")


class MemoryDyn(Strict):
    retention: float = unit("share of the memory of moves received kept after a month")


class CapitalDyn(Strict):
    recovery: float = unit("monthly recovery of political capital toward full")


class Channel(Strict):
    share: float = unit("share of the bilateral exposure that flows through this channel")
    bite: float = unit("share of the channel's flow a full-intensity coercion cuts")
    grievance: float = unit("how far the target public takes a cut of this channel as the coercer's quarrel with it (0 … 1)")
    mobilisation: float = unit("how far a cut of this channel is the coercer public's own campaign against the target (0 … 1)")
    recovery_months: float | None = Field(
        default=None, gt=0.0, le=240.0,
        description="e-folding recovery time of this channel's cut, months (the trade-wide recovery_months if not given)")


Channels = Literal["tourism", "seafood", "culture", "inputs", "consumer"]


class TradeDyn(Strict):
    recovery_months: float = Field(gt=0.0, le=240.0, description="e-folding recovery time of a cut flow, months")
    coercer_cost_ratio: float = unit("coercer's loss as a share of the target's loss, in USD")
    channels: dict[Channels, Channel] = Field(description="trade channels that coercion cuts")

    @model_validator(mode="after")
    def _complete(self) -> TradeDyn:
        _exact_keys(self.channels, Channels.__args__, "channels")
        return self


class SpilloverDyn(Strict):
    threat: float = unit("threat of the coercer added for the other ally, per unit intensity")
    solidarity: float = unit("size of the other ally's response to its fellow ally's coercion, per unit intensity")
    balance: float = unit(
        "share of that response that is solidarity with the victim; the rest: entrapment fear (keep out, accommodate)"
    )
    solidarity_retention: float = unit("share of solidarity and of entrapment fear kept after a month")


class CredibilityDyn(Strict):
    response: float = unit("credibility gained per US cooperative or reassuring move toward an ally")
    drift: float = unit("monthly pull of credibility toward US commitment")


class HedgingDyn(Strict):
    threshold: float = unit("US credibility below which the allies hedge")
    mix: float = unit("share of hedging directed at the other ally (the rest: accommodating China)")


class AgreementsDyn(Strict):
    window: int = Field(ge=1, le=24, description="months within which both sides' cooperation forms an agreement")
    base_hazard: float = unit("monthly lapse hazard of an agreement between like-minded signers")
    durability: float = weight("fall of the log-hazard per unit of the signers' ideological distance", 10.0)
    opinion_sensitivity: float = weight("rise of the log-hazard per unit of soured public opinion", 10.0)
    in_force: list[Literal["supply_chain", "technology", "intelligence_sharing", "joint_exercise"]] = Field(
        description="areas with an agreement in force at the start (held by the leaders in office)"
    )


class HistoryDyn(Strict):
    base_rate: float = unit("monthly probability of a history flare-up with neutral leaders")
    stance_scale: float = weight("rate multiplier per unit of the leaders' mean history stance", 10.0)
    rate_multiplier: float = Field(ge=0.0, le=20.0,
                                   description="scenario multiplier of the flare-up probability (1 in the baseline)")


class DisputeDyn(Strict):
    escalation: float = weight("rise of the offended ally's dispute salience per unit of |Goldstein| / 10 of a hostile move, "
                               "per unit of its leader's history stance", 10.0)
    flareup: float = unit("rise of the offended ally's dispute salience per history flare-up the other drives, "
                          "per unit of its leader's history stance")
    retention: float = unit("share of dispute salience kept after a month")
    relief: float = unit("share of its dispute salience an ally spends by coercing the other")


class RuptureDyn(Strict):
    months: int = Field(ge=1, le=36, description="window (months) holding the hostile moves, agreement break and opinion fall")
    opinion_drop: float = Field(ge=0.0, le=100.0,
                              description="fall of either public's favourability of the other in the window, pts")


class NormsDyn(Strict):
    rate: float = unit("monthly share of the gap between an allied public's long-run favourability of the other ally "
                       "(states.*.opinion_level) and its norm that closes")
    level: dict[Code, Pct] = Field(
        default_factory=dict,
        description="the long-run favourability each allied public's level drifts to (cohorts, travel), %; "
                    "a public not named does not drift")


class Dynamics(Strict):
    affinity: AffinityDyn
    opinion: OpinionDyn
    norms: NormsDyn
    threat: ThreatDyn
    memory: MemoryDyn
    capital: CapitalDyn
    trade: TradeDyn
    spillover: SpilloverDyn
    us_credibility: CredibilityDyn
    hedging: HedgingDyn
    agreements: AgreementsDyn
    history: HistoryDyn
    dispute: DisputeDyn
    rupture: RuptureDyn


class Mechanisms(Strict):
    affinity: bool = Field(description="affinity moves with moves received and decays to a baseline")
    opinion: bool = Field(description="public opinion moves with visible moves and history events")
    trade: bool = Field(description="economic coercion cuts trade flows, at a cost to both sides")
    coercion: bool = Field(description="states may coerce (economically or militarily) at all")
    spillover: bool = Field(description="coercion of one ally raises the other's threat and solidarity")
    us_credibility: bool = Field(description="US credibility moves with US moves and shocks")
    hedging: bool = Field(description="the allies hedge when US credibility is low")
    agreements: bool = Field(description="Japan–Korea agreements form and lapse")
    history_flareups: bool = Field(description="random history flare-ups occur")
    disputes: bool = Field(description="hostile moves between the allies make the offended side readier to retaliate")
    leader_turnover: bool = Field(description="scheduled elections replace leaders")
    leader_cue: bool = Field(description="a new leader's stance on the past moves its public's long-run view of the other ally")
    norms: bool = Field(description="each allied public's long-run view of the other drifts slowly to its norm")
    scheduled_events: bool = Field(description="the scenario's dated events are applied")


# ---------------------------------------------------------------------------------------------
# Dated events and elections
# ---------------------------------------------------------------------------------------------
EventKind = Literal[
    "cooperate", "reassure", "coerce", "history", "alignment", "leader_change", "domestic_crisis", "shock"
]
EVENT_MOVE_KINDS = {  # cooperative events may be either cooperative kind (e.g. easing sanctions)
    "cooperate": {"cooperate", "reassure"},
    "reassure": {"reassure", "cooperate"},
    "coerce": {"coerce_econ", "coerce_mil"},
    "history": {"protest"},
    "alignment": {"align"},
}


class Event(Strict):
    """A dated event, kinds as in ``events.csv``, plus ``shock`` for a jump in a state variable."""

    date: Date
    source: Code
    target: Code | None = None
    kind: EventKind
    move: str | None = None
    cameo_code: str | None = Field(default=None, description="CAMEO code to log instead of the move's own")
    intensity: float = Field(default=1.0, ge=0.0, le=1.0)
    description: str = ""
    ref: str = Field(min_length=1, description="where the event comes from")
    leader: Leader | None = None
    variable: Literal["us_credibility", "political_capital"] | None = None
    delta: float | None = Field(default=None, ge=-1.0, le=1.0)

    @model_validator(mode="after")
    def _consistent(self) -> Event:
        if self.kind == "leader_change":
            if self.leader is None:
                raise ValueError("a leader_change event needs a `leader` table")
        elif self.kind == "shock":
            if self.variable is None or self.delta is None:
                raise ValueError("a shock event needs `variable` and `delta`")
        elif self.kind == "domestic_crisis":
            pass
        else:
            if self.target is None or self.target == self.source:
                raise ValueError(f"a {self.kind} event needs a `target` other than its source")
            if self.cameo_code is not None and self.cameo_code not in GOLDSTEIN:
                raise ValueError(f"cameo_code {self.cameo_code!r} has no Goldstein weight in the shipped table")
            if self.move is not None:
                if self.move not in MOVES:
                    raise ValueError(f"move {self.move!r} is not in the catalogue: {', '.join(MOVES)}")
                if MOVES[self.move].kind not in EVENT_MOVE_KINDS[self.kind]:
                    raise ValueError(f"move {self.move!r} is a {MOVES[self.move].kind} move, not a {self.kind} one")
        return self


class Candidate(Leader):
    probability: float = Field(gt=0.0, le=1.0, description="chance this candidate takes office")


class Election(Strict):
    state: Code
    date: Date
    candidates: list[Candidate] = Field(min_length=1)
    ref: str = Field(min_length=1)
    replaces: Date | None = Field(
        default=None, description="date of an inherited election of the same state that this one replaces (it is dropped)"
    )

    @model_validator(mode="after")
    def _probabilities(self) -> Election:
        total = sum(c.probability for c in self.candidates)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"candidate probabilities must sum to 1, not {total:g}")
        return self


class Scenario(Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = Field(min_length=1)
    article_passage: str = Field(min_length=1, description="the article passage the scenario explores")
    extends: str | None = None
    inherit_schedule: bool = Field(default=True, description="append the parent's events and elections")
    start: Month
    months: int = Field(ge=1, le=1200)
    mechanisms: Mechanisms
    roles: RolesSpec = Field(default_factory=RolesSpec)
    decision: Decision
    dynamics: Dynamics
    states: States
    events: list[Event] = []
    elections: list[Election] = []

    def state_map(self) -> dict[str, StateParams]:
        """The states by code, in the scenario's order."""
        return self.states.root

    @model_validator(mode="after")
    def _replaced_elections(self) -> Scenario:
        """An election that ``replaces`` an inherited one drops it: a scenario that brings an
        election forward must not also keep the parent's, which could undo it."""
        replaced = {(e.state, e.replaces) for e in self.elections if e.replaces is not None}
        if replaced:
            missing = replaced - {(e.state, e.date) for e in self.elections if e.replaces is None}
            if missing:
                raise ValueError(f"elections: nothing to replace at {', '.join(f'{s} {d}' for s, d in sorted(missing))}")
            self.elections = [e for e in self.elections if e.replaces is not None or (e.state, e.date) not in replaced]
        return self

    @model_validator(mode="after")
    def _roster(self) -> Scenario:
        problems = self.roster_problems()
        if problems:
            raise KeyedValueError(*problems[0])
        return self

    def roster_problems(self) -> list[tuple[str, str]]:
        """(key, what was expected) wherever states, roles, events and elections disagree."""
        states = self.state_map()
        codes = tuple(states)
        known = f"one of the scenario's states ({', '.join(codes)})"
        problems: list[tuple[str, str]] = []
        r = self.roles
        for key, code in [("roles.allies[0]", r.allies[0]), ("roles.allies[1]", r.allies[1]), ("roles.patron", r.patron),
                          ("roles.rival", r.rival)]:
            if code not in states:
                problems.append((key, f"{known}, not {code!r}"))
        cast = [*r.allies, r.patron, r.rival]
        if len(set(cast)) != 4:
            problems.append(("roles", f"two allies, a patron and a rival that are four different states, not {cast}"))
        for coercer, targets in (r.coercion or {}).items():
            for c in (coercer, *targets):
                if c not in states:
                    problems.append((f"roles.coercion.{coercer}", f"{known}, not {c!r}"))
        if problems:
            return problems
        for code, sp in states.items():
            problems += sp.partner_problems(code, codes)
        patron, rival = states[r.patron], states[r.rival]
        for field in ("commitment", "credibility"):
            if getattr(patron, field) is None:
                problems.append((f"states.{r.patron}.{field}", f"missing: the patron ({r.patron}) needs its {field}"))
        if rival.doctrine is None:
            problems.append((f"states.{r.rival}.doctrine", f"missing: the rival ({r.rival}) needs its doctrine"))
        for code, sp in states.items():
            if code != r.patron and (sp.commitment is not None or sp.credibility is not None):
                problems.append((f"states.{code}", f"commitment and credibility belong to the patron ({r.patron}) only"))
            if code != r.rival and sp.doctrine is not None:
                problems.append((f"states.{code}.doctrine", f"a doctrine belongs to the rival ({r.rival}) only"))
        for code in self.dynamics.norms.level:  # a norm is an ally public's view of the other ally
            if code not in r.allies:
                problems.append((f"dynamics.norms.level.{code}",
                                 f"one of the two allies ({', '.join(r.allies)}), not {code!r}: "
                                 "a norm is an allied public's long-run view of the other ally"))
        for i, e in enumerate(self.events):
            for field in ("source", "target"):
                c = getattr(e, field)
                if c is not None and c not in states:
                    problems.append((f"events[{i}].{field}", f"{known}, not {c!r}"))
        for i, el in enumerate(self.elections):
            if el.state not in states:
                problems.append((f"elections[{i}].state", f"{known}, not {el.state!r}"))
        return problems

    @model_validator(mode="after")
    def _dates_in_range(self) -> Scenario:
        for i, e in enumerate(self.events):
            if e.date[:7] < self.start:
                raise ValueError(f"events[{i}] on {e.date} is before the scenario start {self.start}")
        return self


#: The tables whose numeric leaves must each carry a source.
SOURCED_SECTIONS = ("decision", "dynamics", "states")
