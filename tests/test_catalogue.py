"""Every move's metadata is checked, as the Axelrod library checks every strategy's."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from model.catalogue import (
    DECISION_TOOLS,
    DEFAULT_MOVE_FOR_KIND,
    GOLDSTEIN,
    KINDS,
    MOVES,
    TRADE_CHANNELS,
    kind_goldstein,
    tools_for,
)
from model.roles import BASE_ROLES as R

JPN, KOR, CHN, USA = range(4)

DATA = Path(__file__).resolve().parents[1] / "model" / "data"


@pytest.mark.parametrize("move", list(MOVES.values()), ids=list(MOVES))
def test_move_metadata(move):
    assert move.kind in KINDS and move.kind != "hold"
    assert move.cameo_code in GOLDSTEIN
    assert move.description
    if move.kind == "coerce_econ" and move.name != "downgrade_ties":  # the one diplomatic measure
        assert move.channel in TRADE_CHANNELS
    else:
        assert move.channel is None
    # the sign of the Goldstein weight matches what the kind is for
    if move.kind in ("cooperate", "reassure"):
        assert move.goldstein > 0
    if move.kind in ("protest", "coerce_econ", "coerce_mil"):
        assert move.goldstein < 0


def test_goldstein_weights_are_the_shipped_table():
    with (DATA / "goldstein_cameo.csv").open() as fh:
        rows = {r["cameo_code"]: float(r["goldstein"]) for r in csv.DictReader(fh)}
    assert rows == GOLDSTEIN
    assert MOVES["import_ban"].goldstein == -8.0 and MOVES["intelligence_sharing"].goldstein == 7.0


def test_every_tool_and_default_move_is_in_the_catalogue():
    for kind, tools in DECISION_TOOLS.items():
        assert all(MOVES[t].kind == kind for t in tools)
    for kind, move in DEFAULT_MOVE_FOR_KIND.items():
        assert move in MOVES, kind


def test_who_may_do_what():
    assert tools_for(R, CHN, JPN, "align") == ()
    assert "taiwan_statement" in tools_for(R, JPN, CHN, "align")
    assert set(tools_for(R, KOR, USA, "align")) == {"missile_defence", "join_framework"}
    assert tools_for(R, JPN, USA, "coerce_mil") == ()
    assert "deterrence_pledge" in tools_for(R, USA, KOR, "reassure")
    assert "deterrence_pledge" not in tools_for(R, JPN, KOR, "reassure")
    assert "cultural_cancellation" in tools_for(R, CHN, JPN, "coerce_econ")
    assert "history_dispute" in tools_for(R, KOR, JPN, "protest")
    assert kind_goldstein(R, JPN, KOR, "hold") == 0.0
    assert kind_goldstein(R, JPN, KOR, "cooperate") > 0 > kind_goldstein(R, JPN, KOR, "protest")
