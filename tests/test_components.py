"""Every component's declaration is true: its parameters exist, are documented and sourced, and the
docs' process overview is the model's own list."""

from __future__ import annotations

import ast
import re
from fnmatch import fnmatch
from pathlib import Path

import pytest

from model.components import COMPONENTS, PHASES, Component, process_overview
from model.parameters import field_spec, parameter_table
from model.schema import Mechanisms

ROOT = Path(__file__).resolve().parents[1]
MODEL_MD = (ROOT / "docs" / "model.md").read_text()
TABLE = parameter_table()
#: Initial values the state is built from (model/state.py), not a mechanism's parameters.
INITIAL_STATE = ("states.*.opinion.*", "states.*.threat.*", "states.*.affinity.*", "states.*.exposure.*",
                 "states.*.leader.*")


def claimed(pattern: str) -> list:
    return [r for r in TABLE if fnmatch(r.name, pattern) or fnmatch(r.name, pattern + ".*")]


@pytest.mark.parametrize("component", COMPONENTS, ids=[c.name for c in COMPONENTS])
def test_component_parameters_are_in_schema_docs_table_and_sourced(component: type[Component]):
    for pattern in component.params:
        rows = claimed(pattern)
        assert rows, f"{component.name}: {pattern} matches no parameter of the schema's table"
        for r in rows:
            field_spec(r.name)  # resolves in the schema (raises KeyError otherwise)
            assert f"| `{r.name}` |" in MODEL_MD, f"{r.name} is missing from docs/model.md's parameter table"
            assert r.source.strip(), f"{r.name} has no source"


def test_every_parameter_is_read_by_some_component_or_is_initial_state():
    patterns = [p for c in COMPONENTS for p in c.params] + list(INITIAL_STATE)
    orphans = [r.name for r in TABLE if not any(fnmatch(r.name, p) or fnmatch(r.name, p + ".*") for p in patterns)]
    assert orphans == []


@pytest.mark.parametrize("component", COMPONENTS, ids=[c.name for c in COMPONENTS])
def test_component_declaration_is_complete_and_consistent(component: type[Component]):
    assert component.phases and set(component.phases) <= set(PHASES)
    assert component.switch is None or component.switch in Mechanisms.model_fields
    hooks = {"events": "on_events", "start": "on_start", "move": "on_move", "end": "on_end", "measure": "on_measure"}
    for phase, hook in hooks.items():  # a declared phase has its hook, an undeclared one has none
        overridden = getattr(component, hook) is not getattr(Component, hook)
        assert overridden == (phase in component.phases), f"{component.name}: phase {phase} vs {hook}"
    if component.outcomes:
        assert "measure" in component.phases
    assert (ROOT / component.module()).is_file()
    assert component.__doc__ or __import__(component.__module__, fromlist=["_"]).__doc__


def test_every_switch_belongs_to_exactly_one_component():
    switches = [c.switch for c in COMPONENTS if c.switch]
    assert sorted(switches) == sorted(Mechanisms.model_fields)


def test_every_outcome_column_is_measured_by_exactly_one_component():
    from model.outcomes import OUTCOME_COLUMNS

    measured = [col for c in COMPONENTS for col in c.outcomes]
    assert sorted(measured) == sorted(c for c in OUTCOME_COLUMNS if c not in ("month", "date"))


def test_no_component_imports_the_model():
    for path in (ROOT / "model" / "components").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.module not in ("model.thaw", "model.agents", "model") or node.module is None, path
                assert not (node.module or "").startswith("model.thaw"), path


def test_docs_process_overview_is_the_component_list():
    block = re.search(r"<!-- process-overview:start -->\n(.*?)\n<!-- process-overview:end -->", MODEL_MD, re.S)
    assert block, "docs/model.md lost its process-overview markers"
    assert block.group(1).strip() == process_overview().strip(), (
        "docs/model.md's process overview is out of date: regenerate it with `python -m model.components`"
    )
    for c in COMPONENTS:  # a reader finds each step's module from the overview
        assert f"`{c.module()}`" in block.group(1)
