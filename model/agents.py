"""The state agent: scores every (move kind, target) and picks by a logit rule."""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

import mesa

from model.catalogue import COERCIVE_KINDS, COOPERATIVE_WEIGHT, KINDS, kind_goldstein, tools_for
from model.countries import CHN, CODES, USA, other_ally
from model.schema import Leader

if TYPE_CHECKING:
    from model.thaw import ThawModel

CONFLICT_KINDS = frozenset({"protest", "coerce_econ", "coerce_mil"})
# The role of an option in the utility: which motive-specific terms it adds.
COOPERATIVE, PROTEST, COERCE_ECON, COERCE_MIL, ALIGN_US, ALIGN_CHINA = range(6)


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
def options_for(s: int, t: int, coercion: bool, base: tuple, cost: tuple) -> tuple[Option, ...]:
    """Every kind ``s`` may choose toward ``t``, with the parts of its utility that do not change
    during a run precomputed (they are read 60 × 12 times a run; cached across runs)."""
    base_of, cost_of = dict(base), dict(cost)
    opts = []
    for kind in KINDS[1:]:
        if kind in COERCIVE_KINDS and not coercion:
            continue
        tools = tools_for(s, t, kind)
        if not tools:
            continue
        cw = COOPERATIVE_WEIGHT.get(kind, 0.0)
        if kind == "align":
            role = ALIGN_US if t == USA else ALIGN_CHINA
            cw = 0.5 if t == USA else 0.0  # aligning with the US is also cooperation with it
        elif kind in CONFLICT_KINDS:
            role = {"protest": PROTEST, "coerce_econ": COERCE_ECON, "coerce_mil": COERCE_MIL}[kind]
        else:
            role = COOPERATIVE
        g = kind_goldstein(s, t, kind) / 10.0
        opts.append(Option(kind, tools, g, cw, base_of[kind], cost_of[kind], role, kind == "coerce_econ"))
    return tuple(opts)


class StateAgent(mesa.Agent):
    """One of JPN, KOR, CHN, USA.

    The numbers a state holds about the others (opinion, threat, affinity, exposure, memory) are
    rows of the model's 4×4 matrices, so that the dynamics can update all states at once while each
    agent still reads its own row as ``self.opinion[KOR]``.
    """

    model: ThawModel

    def __init__(self, model: ThawModel, code: str, leader: Leader):
        super().__init__(model)
        self.code = code
        self.idx = CODES.index(code)
        self.leader = leader
        i = self.idx
        self.opinion = model.opinion[i]
        self.threat = model.threat[i]
        self.affinity = model.affinity[i]
        self.exposure = model.exposure[i]
        self.memory = model.memory[i]
        self.targets = [t for t in range(4) if t != i]
        self.ally = other_ally(i)
        self.third = {t: tuple(k for k in range(4) if k not in (i, t)) for t in self.targets}
        self.options = {t: self._options_toward(t) for t in self.targets}

    @property
    def political_capital(self) -> float:
        return self.model.capital[self.idx]

    def _options_toward(self, t: int) -> tuple[Option, ...]:
        d = self.model.p_decision
        return options_for(self.idx, t, self.model.mechanisms.coercion,
                           tuple(d.base.items()), tuple(d.capital_cost.items()))

    # -----------------------------------------------------------------------------------------
    def step(self) -> None:
        """Choose at most one move toward each other state and carry it out at once.

        Moves take effect immediately, so a state that acts later in the (shuffled) month already
        sees what was done to it earlier in the month: China can answer a red-line move at once.
        """
        m = self.model
        rnd = m.random.random
        lam = m.p_rationality
        exp = math.exp
        for t in self.targets:
            utils = self.utilities(t)
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
            opts = self.options[t]
            chosen = opts[-1]  # guards against rounding leaving r just above the last weight
            for opt, w in zip(opts, weights, strict=True):
                if r < w:
                    chosen = opt
                    break
                r -= w
            m.act(self.idx, t, chosen.kind, chosen.tools)

    def utilities(self, t: int) -> list[float]:
        """Expected utility of each allowed kind toward ``t`` (holding scores 0).

        Additive on purpose: each term is one of the DESIGN's motives (relations, security,
        economics, domestic politics, reciprocity, doctrine) and can be read and switched alone.
        Written flat, without helper calls, because it is the model's hot loop.
        """
        m = self.model
        w = m.weights
        s = self.idx
        ally = self.ally
        O_st = self.opinion[t]
        T = m.threat
        # Relational terms favour moves whose Goldstein sign matches the relationship.
        rel = w.affinity * self.affinity[t] + w.reciprocity * self.memory[t] + w.opinion * (O_st - 50.0) / 50.0
        econ = w.economics * self.exposure[t] * 0.1
        k1, k2 = self.third[t]
        Ts, Tt = T[s], T[t]
        shared = (Ts[k1] if Ts[k1] < Tt[k1] else Tt[k1]) + (Ts[k2] if Ts[k2] < Tt[k2] else Tt[k2])
        coop = w.security * shared + econ + w.solidarity * m.solidarity[s][t]
        hawk = history = accommodate = 0.0
        if ally is not None:
            if t == ally:
                coop += w.agreement * m.agreements_in_force + w.hedging * m.hedge * m.p_hedge_mix
                history = w.history * self.leader.history_stance
            elif t == USA:  # centred: a credible patron attracts, a doubtful one repels
                coop += w.alliance * (2.0 * m.credibility - 1.0)
            else:  # China
                hawk = w.hawkishness * self.leader.hawkishness
                accommodate = w.hedging * m.hedge * (1.0 - m.p_hedge_mix)
        elif s == USA:
            if t == CHN:
                hawk = w.hawkishness * self.leader.hawkishness
            else:
                coop += w.alliance * (2.0 * m.p_commitment - 1.0)
        scarcity = w.capital / (m.capital[s] if m.capital[s] > 0.05 else 0.05)
        unpop_coop = scarcity * (50.0 - O_st) / 50.0 if O_st < 50.0 else 0.0  # cooperating with the disliked
        unpop_conflict = scarcity * (O_st - 50.0) / 50.0 if O_st > 50.0 else 0.0  # attacking the liked
        doctrine = m.doctrine_utility(t) if s == CHN else 0.0
        out = []
        for _kind, _tools, g, cw, base, cost, role, is_econ in self.options[t]:
            u = base + g * rel + cw * coop
            if role == COOPERATIVE:
                u += accommodate - hawk - 0.5 * history - cost * unpop_coop
            elif role == PROTEST:
                u += w.security * Ts[t] + hawk + history - accommodate - cost * unpop_conflict
            elif role == ALIGN_US:
                u += w.security * Ts[CHN] - cost * unpop_coop
            elif role == ALIGN_CHINA:
                u += hawk - accommodate - cost * scarcity * 0.2
            else:  # coercion
                u += 0.5 * hawk - accommodate + doctrine - cost * unpop_conflict
                if is_econ:
                    u -= econ
            out.append(u)
        return out
