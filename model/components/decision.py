"""The decision: every state scores each (move kind, target) and picks by a logit rule.

Additive on purpose: each term is one of the DESIGN's motives (relations, security, economics,
domestic politics, reciprocity, doctrine) with one weight ``decision.w_*`` that can be read, set to
zero and swept; the formula is docs/model.md §7.1. Moves take effect at once (``State.apply_move``),
so a state that acts later in the (shuffled) month already sees what was done to it earlier.
"""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from model.catalogue import COERCIVE_KINDS, COOPERATIVE_WEIGHT, KINDS, MOVES, kind_goldstein, tools_for
from model.components.base import Component
from model.roles import Roles
from model.state import State

if TYPE_CHECKING:
    from model.components.coercion import Coercion

#: Moves of negative Goldstein weight: answering in kind when memory is bad is "reciprocity".
HOSTILE = {name: mv.goldstein < 0 for name, mv in MOVES.items()}
CONFLICT_ROLES = {"protest": 1, "coerce_econ": 4, "coerce_mil": 4}
# The role of an option in the utility: which motive-specific terms it adds.
COOPERATIVE, PROTEST, ALIGN_PATRON, ALIGN_RIVAL, COERCE = range(5)
#: The decision weights, in the order ``Decision`` unpacks them (read from the schema's w_* fields).
WEIGHTS = ("affinity", "reciprocity", "opinion", "security", "economics", "capital", "history", "hawkishness",
           "alliance", "hedging", "solidarity", "agreement", "trade_loss", "dispute")


class Option(NamedTuple):
    kind: str
    tools: tuple[str, ...]
    g: float  # expected Goldstein weight / 10
    cw: float  # how much the kind counts as cooperation
    base: float
    cost: float  # political capital cost at full unpopularity
    role: int
    econ: bool


@cache
def options_for(roles: Roles, s: int, t: int, coercion: bool, base: tuple, cost: tuple,
                ally_cooperation: float = 0.0, ally_coercion: float = 0.0) -> tuple[Option, ...]:
    """Every kind ``s`` may choose toward ``t``, with the parts of its utility that do not change
    during a run precomputed (read 60 × 12 times a run; cached across runs). ``ally_cooperation``
    is added to the intercept of cooperation between the two allies only (a programme of theirs),
    ``ally_coercion`` to that of their coercion of each other (their own rate in the record)."""
    base_of, cost_of = dict(base), dict(cost)
    if roles.is_ally_pair(s, t):
        base_of["cooperate"] += ally_cooperation
        base_of["coerce_econ"] += ally_coercion
        base_of["coerce_mil"] += ally_coercion
    opts = []
    for kind in KINDS[1:]:
        if kind in COERCIVE_KINDS and not coercion:
            continue
        tools = tools_for(roles, s, t, kind)
        if not tools:
            continue
        cw = COOPERATIVE_WEIGHT.get(kind, 0.0)
        if kind == "align":
            role = ALIGN_PATRON if t == roles.patron else ALIGN_RIVAL
            cw = 0.5 if t == roles.patron else 0.0  # aligning with the patron is also cooperation with it
        else:
            role = CONFLICT_ROLES.get(kind, COOPERATIVE)
        g = kind_goldstein(roles, s, t, kind) / 10.0
        opts.append(Option(kind, tools, g, cw, base_of[kind], cost_of[kind], role, kind == "coerce_econ"))
    return tuple(opts)


#: The numbers of each options tuple as plain tuples ``(g, cw, base, cost, role, econ)``, by
#: ``id(options)`` with the tuple itself (so that a reused id is not mistaken): the utilities'
#: loop unpacks a plain tuple about twice as fast as a named one.
_ROWS: dict[int, tuple[tuple[Option, ...], tuple[tuple[float, float, float, float, int, bool], ...]]] = {}


def option_rows(options: tuple[Option, ...]) -> tuple[tuple[float, float, float, float, int, bool], ...]:
    rows = tuple((o.g, o.cw, o.base, o.cost, o.role, o.econ) for o in options)
    if len(_ROWS) > 4096:  # only hand-built plans (tests) add entries beyond the cached ones
        _ROWS.clear()
    _ROWS[id(options)] = (options, rows)
    return rows


#: How ``s`` stands to ``t``: which relation-specific terms its utilities add.
OTHER, FELLOW_ALLY, ALLY_TO_PATRON, ALLY_TO_RIVAL, PATRON_TO_RIVAL, PATRON_TO_ALLY, RIVAL_TO_ANY = range(7)
#: (target, flat index s→t, flat index pairs (s→k, t→k) of the third states, relation, options, rival)
Plan = tuple[int, int, tuple[tuple[int, int], ...], int, tuple[Option, ...], int]


def relation_of(roles: Roles, s: int, t: int) -> int:
    if s in roles.allies:
        if t == roles.other_ally(s):
            return FELLOW_ALLY
        return ALLY_TO_PATRON if t == roles.patron else ALLY_TO_RIVAL if t == roles.rival else OTHER
    if s == roles.patron:
        return PATRON_TO_RIVAL if t == roles.rival else PATRON_TO_ALLY if t in roles.allies else OTHER
    return RIVAL_TO_ANY if s == roles.rival else OTHER


@cache
def plans_for(roles: Roles, coercion: bool, base: tuple, cost: tuple,
              ally_cooperation: float = 0.0, ally_coercion: float = 0.0) -> tuple[tuple[Plan, ...], ...]:
    """Per state, what its decision toward each other state needs that does not change in a run."""
    n = roles.n
    return tuple(
        tuple((t, s * n + t, tuple((s * n + k, t * n + k) for k in range(n) if k not in (s, t)), relation_of(roles, s, t),
               options_for(roles, s, t, coercion, base, cost, ally_cooperation, ally_coercion),
               roles.rival)
              for t in range(n) if t != s)
        for s in range(n))


class Decision(Component):
    name = "decision"
    params = ("decision", "dynamics.hedging.mix", "states.*.leader.hawkishness", "states.*.leader.history_stance")
    reads = ("relations", "capital", "leaders", "credibility", "commitment", "hedge", "agreements_in_force")
    phases = ("decisions",)
    records = ("trigger decision", "trigger reciprocity")

    def __init__(self, state: State, coercion: Coercion | None = None):
        super().__init__(state)
        d = state.params.decision
        self.lam = d.rationality
        self.w = tuple(getattr(d, f"w_{k}") for k in WEIGHTS)
        self.mix = state.params.dynamics.hedging.mix
        self.coercion = coercion if state.mechanisms.coercion else None
        self.plans = plans_for(state.roles, state.mechanisms.coercion, tuple(d.base.items()),
                               tuple(d.capital_cost.items()), d.ally_cooperation,
                               d.ally_coercion)

    def utilities(self, s: int, t: int) -> list[float]:
        """Expected utility of each allowed kind of ``s`` toward ``t`` (holding scores 0), in the
        order of ``options_for``."""
        return self._utilities(s, next(p for p in self.plans[s] if p[0] == t))

    def _utilities(self, s: int, plan: Plan) -> list[float]:
        """Written flat, without helper calls: it is the model's hot loop."""
        t, st_, thirds, relation, options, rival = plan
        hit = _ROWS.get(id(options))
        rows = hit[1] if hit is not None and hit[0] is options else option_rows(options)
        state = self.state
        R = state.relations
        wa, wr, wo, wsec, wecon, wcap, whist, whawk, wall, whedge, wsol, wagr, wloss, wdisp = self.w
        O_st = R.opinion[st_]
        rel = wa * R.affinity[st_] + wr * R.memory[st_] + wo * (O_st - 50.0) / 50.0
        econ = wecon * R.exposure[st_] * 0.1
        T = R.threat
        shared = 0.0
        for sk, tk in thirds:
            a, b = T[sk], T[tk]
            shared += a if a < b else b
        lost = wloss * R.trade_lost[st_]  # trade s has lost in its trade with t: cooperation restores it
        coop = wsec * shared + econ + wsol * R.solidarity[st_] + lost
        hawk = history = accommodate = quarrel = 0.0
        if relation == FELLOW_ALLY:
            coop += wagr * state.agreements_in_force + whedge * state.hedge * self.mix
            history = whist * state.leaders[s].history_stance
            quarrel = wdisp * R.dispute[st_]  # a salient dispute makes retaliation thinkable (disputes.py)
        elif relation == ALLY_TO_PATRON:  # centred: a credible patron attracts, a doubtful one repels
            coop += wall * (2.0 * state.credibility - 1.0)
        elif relation == ALLY_TO_RIVAL:
            hawk = whawk * state.leaders[s].hawkishness
            accommodate = whedge * state.hedge * (1.0 - self.mix) + wsol * R.entrapment[st_]
        elif relation == PATRON_TO_RIVAL:
            hawk = whawk * state.leaders[s].hawkishness
        elif relation == PATRON_TO_ALLY:
            coop += wall * (2.0 * state.commitment - 1.0)
        cap = state.capital[s]
        scarcity = wcap / (cap if cap > 0.05 else 0.05)
        unpop_coop = scarcity * (50.0 - O_st) / 50.0 if O_st < 50.0 else 0.0  # cooperating with the disliked
        unpop_conflict = scarcity * (O_st - 50.0) / 50.0 if O_st > 50.0 else 0.0  # attacking the liked
        doctrine = self.coercion.doctrine_utility(state, t) if relation == RIVAL_TO_ANY and self.coercion else 0.0
        # Per role of an option: the terms it adds (K) and the unpopularity its capital cost scales (U).
        K = (accommodate - hawk - 0.5 * history,  # cooperative: accommodating the rival, not what hawks and history want
             wsec * T[st_] + hawk + history - accommodate,  # protest: the threat t poses, hawks, history
             wsec * T[st_ - t + rival],  # aligning with the patron: the threat of the rival
             hawk - accommodate,  # aligning against the rival (Taiwan statements)
             0.5 * hawk - accommodate + doctrine - lost + quarrel)  # coercion: more of it deepens the losses
        U = (unpop_coop, unpop_conflict, unpop_coop, scarcity * 0.2, unpop_conflict)
        X = (0.0, econ)  # economic coercion forgoes the trade at stake
        return [base + g * rel + cw * coop + (K[role] - cost * U[role]) - X[is_econ]
                for g, cw, base, cost, role, is_econ in rows]

    def decide(self, s: int) -> None:
        """Choose at most one move toward each other state and carry it out at once: a kind by the
        logit rule (holding scores 0), then a concrete move of that kind, drawn uniformly, or by the
        rival's doctrine for its coercion. Written flat: it is the model's hot loop."""
        state = self.state
        rnd = state.random.random
        lam = self.lam
        exp = math.exp
        apply = state.apply_move
        memory = state.relations.memory
        coercion = self.coercion
        utilities = self._utilities
        for plan in self.plans[s]:
            utils = utilities(s, plan)
            try:
                weights = [exp(lam * u) for u in utils]
                hold = 1.0  # exp(lam * 0): holding scores zero
            except OverflowError:  # only at extreme rationality: shift by the best utility
                top = max(0.0, *utils)
                weights = [exp(lam * (u - top)) for u in utils]
                hold = exp(-lam * top)
            r = rnd() * (hold + sum(weights)) - hold
            if r < 0.0:
                continue
            opts = plan[4]
            for i, w in enumerate(weights):
                if r < w:
                    chosen = opts[i]
                    break
                r -= w
            else:
                chosen = opts[-1]  # rounding may leave r just above the last weight
            t, tools = plan[0], chosen.tools
            if chosen.role == COERCE and s == plan[5] and coercion is not None:
                move, intensity, trigger = coercion.choose(state, t, chosen.kind, tools)
            else:
                move = tools[0] if len(tools) == 1 else tools[int(rnd() * len(tools))]
                intensity = 1.0
                trigger = "reciprocity" if memory[plan[1]] < -0.3 and HOSTILE[move] else "decision"
            apply(s, t, move, intensity, trigger)
