"""The shipped posterior: weighted parameter draws, and the deterministic choice of one per run."""

from __future__ import annotations

import csv
import json
from functools import cache
from importlib import resources
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


def file_hash() -> str:
    """Short hash of the shipped posterior draws: part of a posterior experiment's identity."""
    import hashlib

    return hashlib.sha256(resources.files("model").joinpath("data/posterior.csv").read_bytes()).hexdigest()[:16]
