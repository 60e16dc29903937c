"""The model's state: pairwise relations, per-state quantities, and the one way a move happens.

Components (``model/components``) read and write this object and nothing else of the model, so
that no mechanism needs to import the model back. Pairwise numbers live in one ``Relations``
object as flat lists (faster than numpy arrays at n = 4 or 5 in the per-move hot path);
each matrix is mutated in place and never replaced, and nobody keeps an alias of it between months.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from typing import Any

from model.catalogue import GOLDSTEIN, KINDS, MOVES, Move
from model.roles import Roles
from model.schema import Leader, Scenario

#: A per-move hook: (state, source, target, flat index source→target, flat index target→source, move,
#: goldstein, goldstein/10 · intensity, intensity).
MoveHook = Callable[["State", int, int, int, int, Move, float, float, float], None]


class Relations:
    """What each state holds about each other state: flat ``n × n`` lists indexed ``holder * n + other``.

    ``opinion`` the holder public's favourability of the other (%), ``opinion_level`` where it
    relaxes to, ``threat`` threat perception (0 … 1) and ``threat_level`` its structural level,
    ``affinity`` government-to-government affinity (−1 … 1), ``exposure`` bilateral trade (% of the
    holder's GDP), ``memory`` the decaying sum of moves received (reciprocity), ``solidarity`` with
    a coerced fellow ally (negative: keeping out of its quarrel), ``entrapment`` the fear of being
    drawn into another's quarrel with the coercer (held toward the coercer), ``opinion_shock`` the
    fast, decaying part of ``opinion`` (the rest is the slow anchor), ``trade_lost`` the holder's
    trade lost to cuts in force in its trade with the other (annualised % of own GDP) and
    ``measures`` the summed share cut of the holder's channels by the other's measures in force,
    ``dispute`` how salient the holder's quarrel with a fellow ally is (0 … 1, ``components/disputes.py``).
    Flat, because one index is cheaper than two in the hot paths and a
    month-end update is one comprehension per matrix; ``get`` and ``matrix`` are the readable views.
    """

    __slots__ = ("n", "opinion", "opinion_level", "threat", "threat_level", "affinity", "exposure", "memory",
                 "solidarity", "entrapment", "opinion_shock", "trade_lost", "measures", "dispute")
    FIELDS = __slots__[1:]

    def __init__(self, n: int, **matrices: list[list[float]]):
        self.n = n
        unknown = set(matrices) - set(self.FIELDS)
        if unknown:
            raise KeyError(f"no relation {', '.join(sorted(unknown))}; relations are {', '.join(self.FIELDS)}")
        for name in self.FIELDS:
            m = matrices.get(name)
            if m is not None and (len(m) != n or any(len(r) != n for r in m)):
                raise ValueError(f"Relations.{name} must be {n}×{n}")
            setattr(self, name, [float(x) for r in m for x in r] if m is not None else [0.0] * (n * n))

    @classmethod
    def from_states(cls, codes: tuple[str, ...], states: dict[str, Any]) -> Relations:
        rows = [states[c] for c in codes]

        def matrix(field: str, fill: float = 0.0) -> list[list[float]]:
            return [[getattr(r, field).get(c, fill) for c in codes] for r in rows]

        threat = matrix("threat")
        return cls(len(codes), opinion=matrix("opinion", 50.0), opinion_level=matrix("opinion_level", 50.0),
                   threat=threat, threat_level=threat, affinity=matrix("affinity"), exposure=matrix("exposure"))

    def copy(self) -> Relations:
        """An independent copy (every list copied)."""
        new = Relations.__new__(Relations)
        new.n = self.n
        for name in self.FIELDS:
            setattr(new, name, getattr(self, name)[:])
        return new

    def get(self, name: str, holder: int, other: int) -> float:
        """One named pairwise value, e.g. ``get("opinion", KOR, JPN)``: Korea's favourability of Japan."""
        if name not in self.FIELDS:
            raise KeyError(f"no relation {name!r}; relations are {', '.join(self.FIELDS)}")
        return getattr(self, name)[holder * self.n + other]

    def set(self, name: str, holder: int, other: int, value: float) -> None:
        getattr(self, name)[holder * self.n + other] = value

    def matrix(self, name: str) -> list[list[float]]:
        """A copy of one relation as rows (``[holder][other]``)."""
        flat, n = getattr(self, name), self.n
        return [flat[i * n:(i + 1) * n] for i in range(n)]

    def snapshot(self) -> dict[str, list[list[float]]]:
        """Every relation as rows (for tests and for comparing before/after a mechanism)."""
        return {name: self.matrix(name) for name in self.FIELDS}


#: The initial relations of recently built scenarios, by ``id(params)`` (the scenario is kept with
#: them, so that its id cannot be reused while cached): a batch builds the same scenario thousands
#: of times, and reading the pydantic state tables is a sixth of building a model.
_INITIAL: dict[int, tuple[Scenario, tuple[str, ...], Relations]] = {}
_INITIAL_MAX = 64
#: Per scenario object, cast and component list: the positions of the move hooks acting on each
#: (source, target, kind) (see ``State.set_move_hooks``).
_HOOK_INDEX: dict[tuple, tuple[Scenario, dict[tuple[int, int, str], tuple[int, ...]]]] = {}


def initial_relations(params: Scenario, codes: tuple[str, ...]) -> Relations:
    """A fresh copy of the scenario's initial relations, built from its state tables once."""
    hit = _INITIAL.get(id(params))
    if hit is None or hit[0] is not params or hit[1] != codes:
        if len(_INITIAL) >= _INITIAL_MAX:
            del _INITIAL[next(iter(_INITIAL))]  # the oldest
        hit = _INITIAL[id(params)] = (params, codes, Relations.from_states(codes, params.state_map()))
    return hit[2].copy()


class State:
    """Everything the mechanisms share. Mechanism-private state (trade cuts, agreements, episodes,
    tallies) lives on the component that owns it."""

    __slots__ = ("params", "mechanisms", "roles", "codes", "n", "random", "month", "date", "start", "horizon",
                 "relations", "capital", "leaders", "credibility", "commitment", "hedge", "agreements_in_force",
                 "event_log", "leader_log", "out", "_hooks", "_hook_table", "_move_table", "_hook_index")

    def __init__(self, params: Scenario, roles: Roles, rng: _random.Random, horizon: int, start_date: str):
        self.params = params
        self.mechanisms = params.mechanisms
        self.roles = roles
        self.codes = roles.codes
        self.n = roles.n
        self.random = rng
        self.month = 0
        self.date = start_date
        self.start = params.start
        self.horizon = horizon
        states = params.state_map()
        self.relations = initial_relations(params, self.codes)
        self.capital = [states[c].political_capital for c in self.codes]
        self.leaders: list[Leader] = [states[c].leader for c in self.codes]
        patron = states[self.codes[roles.patron]]
        self.credibility: float = patron.credibility
        self.commitment: float = patron.commitment
        self.hedge = 0.0  # hedging pressure this month (components/hedging.py)
        self.agreements_in_force = 0  # the allies' agreements in force (components/agreements.py)
        self.event_log: list[tuple] = []
        self.leader_log: list[tuple[int, str, str, str, str]] = []  # month, date, state, name, how
        self.out: dict[str, Any] = {}  # this month's outcome values, written in the measure phase
        self._hooks: list[tuple[MoveHook, Callable[[Roles, int, int, str], bool]]] = []
        self._hook_table: list[dict[str, tuple[MoveHook, ...]]] = []
        self._move_table: list[dict[str, tuple]] = []
        self._hook_index: dict[tuple[int, int, str], tuple[int, ...]] = {}

    # -----------------------------------------------------------------------------------------
    def set_move_hooks(self, hooks: list[tuple[MoveHook, Callable[[Roles, int, int, str], bool]]]) -> None:
        """The active components' move effects, in component order, each with the filter that says
        for which (source, target, kind) it acts."""
        self._hooks = hooks
        self._hook_table = [{} for _ in range(self.n * self.n)]
        self._move_table = [{} for _ in range(self.n * self.n)]
        # Which hooks act on which (pair, kind) is the same in every run of a scenario with the same
        # components: worked out once, shared by id(params) (the scenario is kept with it).
        key = (id(self.params), self.roles, tuple(type(getattr(a, "__self__", a)) for _, a in hooks))
        hit = _HOOK_INDEX.get(key)
        if hit is None or hit[0] is not self.params:
            if len(_HOOK_INDEX) >= _INITIAL_MAX:
                del _HOOK_INDEX[next(iter(_HOOK_INDEX))]
            hit = _HOOK_INDEX[key] = (self.params, {})
        self._hook_index = hit[1]

    def hooks_for(self, s: int, t: int, kind: str) -> tuple[MoveHook, ...]:
        """The hooks that act on a move of ``kind`` from ``s`` to ``t``, worked out on first use."""
        by_kind = self._hook_table[s * self.n + t]
        found = by_kind.get(kind)
        if found is None:
            index = self._hook_index.get((s, t, kind))
            if index is None:
                index = self._hook_index[s, t, kind] = tuple(
                    i for i, (_, acts) in enumerate(self._hooks) if acts(self.roles, s, t, kind))
            hooks = self._hooks
            found = by_kind[kind] = tuple([hooks[i][0] for i in index])
        return found

    def apply_move(self, s: int, t: int, move_name: str, intensity: float, trigger: str,
                   cameo_code: str | None = None) -> None:
        """Carry out one move from ``s`` to ``t``: every active mechanism's effect, then the log.

        A dated event may log (and weigh) its recorded CAMEO code instead of the move's own.
        """
        st = s * self.n + t
        entry = self._move_table[st].get(move_name) if cameo_code is None else None
        if entry is None:
            entry = self._move_entry(s, t, move_name, cameo_code)
        hooks, mv, ts, code, goldstein, g10, source, target = entry
        gi = g10 * intensity
        for hook in hooks:
            hook(self, s, t, st, ts, mv, goldstein, gi, intensity)
        self.event_log.append((self.month, self.date, source, target, move_name, code, goldstein, intensity, trigger))

    def _move_entry(self, s: int, t: int, move_name: str, cameo_code: str | None) -> tuple:
        """What ``apply_move`` needs of a move from ``s`` to ``t`` that does not change in a run: its
        hooks, the move, the reverse index, its code and Goldstein weight (and that weight / 10),
        the two codes. Kept per (pair, move) unless the code is a dated event's own."""
        mv = MOVES[move_name]
        code = cameo_code or mv.cameo_code
        goldstein = GOLDSTEIN[code]
        entry = (self.hooks_for(s, t, mv.kind), mv, t * self.n + s, code, goldstein, goldstein / 10.0,
                 self.codes[s], self.codes[t])
        if cameo_code is None:
            self._move_table[s * self.n + t][move_name] = entry
        return entry

    def set_leader(self, i: int, leader: Leader, how: str) -> None:
        """Put ``leader`` in office in state ``i`` (a candidate becomes a plain ``Leader``: its
        fields were validated with the scenario, so they are copied, not validated again)."""
        self.leaders[i] = Leader.model_construct(**{f: getattr(leader, f) for f in Leader.model_fields})
        self.leader_log.append((self.month, self.date, self.codes[i], leader.name, how))


__all__ = ["Relations", "State", "MoveHook", "KINDS"]
