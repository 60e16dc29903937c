"""The state agent: a Mesa agent per state, whose step is the decision component's choice."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from model.schema import Leader

if TYPE_CHECKING:
    from model.thaw import ThawModel


class StateAgent(mesa.Agent):
    """One state of the scenario. It holds no numbers of its own: what it thinks of the others is
    in ``model.state.relations`` (row ``idx``), so nothing can go stale."""

    model: ThawModel

    def __init__(self, model: ThawModel, code: str):
        super().__init__(model)
        self.code = code
        self.idx = model.state.codes.index(code)
        self._decide = model._decision.decide

    @property
    def leader(self) -> Leader:
        return self.model.state.leaders[self.idx]

    @property
    def political_capital(self) -> float:
        return self.model.state.capital[self.idx]

    def step(self) -> None:
        """Choose at most one move toward each other state and carry it out at once
        (``components/decision.py``)."""
        self._decide(self.idx)
