"""The documentation says what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from model.parameters import markdown_table, parameter_table
from model.schema import Mechanisms

ROOT = Path(__file__).resolve().parents[1]
MODEL_MD = (ROOT / "docs" / "model.md").read_text()


def test_parameter_table_in_docs_matches_schema_and_baseline():
    block = re.search(r"<!-- parameter-table:start -->\n(.*?)\n<!-- parameter-table:end -->", MODEL_MD, re.S)
    assert block, "docs/model.md lost its parameter-table markers"
    assert block.group(1).strip() == markdown_table(parameter_table()).strip(), (
        "docs/model.md is out of date: regenerate the table with `python -m model.parameters`"
    )


def test_every_mechanism_switch_is_documented():
    for name in Mechanisms.model_fields:
        assert f"`{name}`" in MODEL_MD, name


def test_readme_gives_the_two_commands_first():
    readme = (ROOT / "README.md").read_text()
    first_code = re.findall(r"```(?:sh|bash)?\n(.*?)```", readme, re.S)[0]
    assert "make run" in first_code and "make test" in first_code
