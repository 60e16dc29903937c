"""Thaw: an agent-based model of the Japan–South Korea thaw under Chinese coercion.

``ThawModel`` is the Mesa model; ``load_scenario`` reads and validates scenario files.
"""

from model.scenario import LoadedScenario, ScenarioError, list_scenarios, load_scenario
from model.thaw import ThawModel

__all__ = ["ThawModel", "LoadedScenario", "ScenarioError", "list_scenarios", "load_scenario"]
