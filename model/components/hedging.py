"""Hedging: when US credibility falls below a threshold, the allies hedge.

Pressure ``h = max(0, (threshold − credibility) / threshold)``, fixed at the start of the month
from the credibility the month's events left. The decision adds ``w_hedging · h · mix`` to the
allies' cooperation with each other and ``w_hedging · h · (1 − mix)`` to accommodating the rival.
"""

from __future__ import annotations

from model.components.base import Component
from model.state import State


class Hedging(Component):
    name = "hedging"
    switch = "hedging"
    params = ("dynamics.hedging",)
    reads = ("credibility",)
    writes = ("hedge",)
    phases = ("start",)

    def __init__(self, state: State):
        super().__init__(state)
        self.threshold = state.params.dynamics.hedging.threshold

    def pressure(self, credibility: float) -> float:
        """0 while credibility is above the threshold, rising to 1 as it falls to zero."""
        th = self.threshold
        return max(0.0, (th - credibility) / th) if th > 0 else 0.0

    def on_start(self, state: State) -> None:
        state.hedge = self.pressure(state.credibility)
