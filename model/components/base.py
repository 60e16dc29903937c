"""What a mechanism declares, in one place, so that the model, the docs and the tests can read it.

A component is one mechanism of ``docs/model.md``. It says which switch turns it off
(``mechanisms.<switch>``, ``None`` for the always-on bookkeeping of a move), which schema sections
it reads its parameters from (never re-listed here: the schema is the one list), which state it
reads and writes, in which phases of the month it acts, and what it records. The model only orders
the components and calls their hooks; a component never imports the model.

Phases of a month, in order: ``events`` (what happens to the states), ``start`` (quantities fixed
for the month), ``decisions`` (the states choose; each move runs the ``move`` hooks at once),
``end`` (month-end dynamics), ``measure`` (outcomes; runs even when the switch is off, so that an
off mechanism reports its state at its initial values).
"""

from __future__ import annotations

from typing import Any, ClassVar

from model.catalogue import Move
from model.roles import Roles
from model.state import State

PHASES: tuple[str, ...] = ("events", "start", "decisions", "move", "end", "measure")


class Component:
    """Base class: subclasses set the class attributes and override the hooks they need."""

    name: ClassVar[str]
    switch: ClassVar[str | None] = None
    #: Dotted schema sections (or single fields) whose values this mechanism reads.
    params: ClassVar[tuple[str, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    #: Phases in which it acts (a subset of PHASES); the model calls the matching hooks.
    phases: ClassVar[tuple[str, ...]] = ()
    #: Outcome columns it measures, with their value while nothing has happened.
    outcomes: ClassVar[dict[str, Any]] = {}
    #: Event-log triggers or other records it writes.
    records: ClassVar[tuple[str, ...]] = ()
    summary: ClassVar[tuple[str, ...]] = ()
    #: Move kinds for which ``on_move`` runs (``None``: every kind).
    move_kinds: ClassVar[frozenset[str] | None] = None

    def __init__(self, state: State):
        self.state = state

    @classmethod
    def module(cls) -> str:
        return cls.__module__.replace(".", "/") + ".py"

    def active(self) -> bool:
        return self.switch is None or bool(getattr(self.state.mechanisms, self.switch))

    # Hooks -------------------------------------------------------------------------------------
    def on_events(self, state: State) -> None: ...

    def on_start(self, state: State) -> None: ...

    def acts_on(self, roles: Roles, s: int, t: int, kind: str) -> bool:
        """Whether ``on_move`` has anything to do for a move of ``kind`` from ``s`` to ``t``.

        A function of the roles, the pair, the kind and the scenario's parameters only, never of
        the run's state: the answer is worked out once per scenario and kept across its runs
        (``State.set_move_hooks``)."""
        return self.move_kinds is None or kind in self.move_kinds

    def on_move(self, state: State, s: int, t: int, st: int, ts: int, mv: Move, goldstein: float, gi: float,
                intensity: float) -> None: ...

    def on_end(self, state: State) -> None: ...

    def on_measure(self, state: State, out: dict[str, Any]) -> None: ...

    def summarise(self, out: dict[str, Any]) -> None: ...
