"""The shipped posterior: weighted parameter draws, and the deterministic choice of one per run."""

from __future__ import annotations

import csv
import json
import re
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np


class PosteriorError(ValueError):
    pass


@cache
def load() -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(parameter keys, draws as an array [draw, key], normalised weights) of model/data/posterior.csv."""
    try:
        text = resources.files("model").joinpath("data/posterior.csv").read_text()
    except FileNotFoundError:
        raise PosteriorError("model/data/posterior.csv: missing; run `thaw calibrate --apply`") from None
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], rows[1:]
    if header[:2] != ["draw", "weight"] or not body:
        raise PosteriorError("model/data/posterior.csv: expected columns draw, weight, <parameters> and draws")
    values = np.array([[float(x) for x in r[2:]] for r in body])
    w = np.array([float(r[1]) for r in body])
    return tuple(header[2:]), values, w / w.sum()


def metadata() -> dict[str, Any]:
    return json.loads(resources.files("model").joinpath("data/posterior.json").read_text())


def draw_index(seed_sequence: np.random.SeedSequence) -> int:
    """A weighted draw of one posterior sample, fixed by ``seed_sequence`` alone."""
    _, _, w = load()
    u = np.random.default_rng(seed_sequence).random()
    return int(min(np.searchsorted(np.cumsum(w), u, side="right"), len(w) - 1))


def draw(index: int) -> dict[str, float]:
    keys, values, _ = load()
    return {k: float(v) for k, v in zip(keys, values[index], strict=True)}


#: The scenario the posterior was fitted on; its initial conditions are those of its start month.
HINDCAST = "hindcast_2013_2025"
#: Posterior keys that are the hindcast's initial conditions of a slowly moving state (the allied
#: publics' long-run favourability of each other in 2013), not constants of the model.
CARRIED = re.compile(r"^states\.([A-Z]{3})\.opinion_level\.([A-Z]{3})$")


def hindcast_hash(hindcast: str | Path = HINDCAST) -> str:
    """Hash of the resolved hindcast scenario: the carried levels depend on its dated leader changes."""
    from model import load_scenario

    return load_scenario(hindcast).hash


def carried(params: tuple[tuple[str, float], ...], start: str,
            hindcast: str | Path = HINDCAST) -> tuple[tuple[str, float], ...]:
    """The carried keys' values in the month before ``start``, as the hindcast's own run under
    ``params`` reaches them (the long-run levels move only by the record's dated leader changes and
    the norms' drift, so any seed gives the same values). Nothing is carried for a scenario that
    starts with the hindcast or before it; one that starts after the hindcast's last month
    (2025-12) gets the levels of that month (the record ends there). Cached per (parameters,
    start, hindcast contents), so an edited hindcast file is not served stale values. ``hindcast``
    is the shipped hindcast by name, or a path (``--apply`` carries from the folder it rewrites)."""
    return _carried(params, start, hindcast, hindcast_hash(hindcast))


@lru_cache(maxsize=4096)
def _carried(params: tuple[tuple[str, float], ...], start: str, hindcast: str | Path,
             _contents: str) -> tuple[tuple[str, float], ...]:
    from model import ThawModel, load_scenario
    from model.components.scheduled_events import month_of

    values = dict(params)
    keys = [k for k in values if CARRIED.match(k)]
    sc = load_scenario(hindcast)  # a name or a path, as load_scenario takes them
    months = min(month_of(sc.params.start, start) - 1, sc.params.months)  # the months before start
    if not keys or months < 1:
        return ()
    m = ThawModel(sc, rng=0, months=months, **values).run()
    out = []
    for k in keys:
        holder, other = CARRIED.match(k).groups()  # type: ignore[union-attr]
        out.append((k, m.state.relations.get("opinion_level", m.state.codes.index(holder), m.state.codes.index(other))))
    return tuple(out)


def draw_for(index: int, start: str) -> dict[str, float]:
    """Posterior sample ``index`` for a scenario starting in ``start`` (YYYY-MM): the model's
    parameters as drawn, and the hindcast's initial conditions carried forward to that start, so
    that a November 2025 scenario starts from the long-run levels the record's 2013-2025 brought
    that draw to, not from 2013's."""
    values = draw(index)
    return {**values, **dict(carried(tuple(values.items()), start))}


def file_hash() -> str:
    """Short hash of the shipped posterior draws: part of a posterior experiment's identity."""
    import hashlib

    return hashlib.sha256(resources.files("model").joinpath("data/posterior.csv").read_bytes()).hexdigest()[:16]
