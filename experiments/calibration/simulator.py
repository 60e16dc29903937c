"""One simulated record: run the hindcast under given parameters and read it as the record is read.

Only the model's public API is used (``ThawModel(...).run()``, ``.outcomes()``, ``.events()``,
``.channel_cut()``), so the mechanisms can change underneath without touching the calibration.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from experiments.calibration.targets import Targets, count_moves, rupture_counts
from model import ThawModel, load_scenario
from model.catalogue import MOVES
from model.observation import observe

SCENARIO = "hindcast_2013_2025"


def seeds(seed: int) -> tuple[int, np.random.Generator]:
    """The model's seed and the measurement generator of one simulation, both from ``seed``."""
    model_ss, meas_ss = np.random.SeedSequence(seed).spawn(2)
    return int(model_ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)), np.random.default_rng(meas_ss)


def run(params: dict[str, float], seed: int, months: int, scenario: Any = SCENARIO) -> ThawModel:
    return ThawModel(scenario, rng=seeds(seed)[0], months=months, **params).run()


def latent(model: ThawModel, waves) -> np.ndarray:
    """The model's favourability at each wave's fieldwork month."""
    out = model.outcomes().set_index("date")
    return np.array([float(out.at[w.fieldwork, w.series]) for w in waves])


def summarise(model: ThawModel, targets: Targets, meas: np.random.Generator) -> dict[str, np.ndarray]:
    """The record's statistics as the simulated world would have shown them."""
    lat = latent(model, targets.waves)
    polls = np.array([observe(v, w, meas) for v, w in zip(lat, targets.waves, strict=True)])
    dates = model.outcomes()["date"].tolist()
    bites = []
    for e in targets.episodes:
        cut = model.channel_cut(e.coercer, e.target, e.channel)
        months = [i for i, d in enumerate(dates) if d.startswith(str(e.year))]
        bites.append(float(np.mean([cut[i] for i in months])))
    ev = model.events()
    rows = list(zip(ev["date"], ev["source"], ev["target"].fillna(""), ev["move"].map(lambda m: MOVES[m].kind),
                    strict=True))
    counts = [count_moves(rows, c, f"{targets.last_year}-12") for c in targets.counts]
    counts += rupture_counts(model.rupture_starts(), targets.last_year)
    return {"polls": polls, "bites": np.array(bites), "counts": np.array(counts, dtype=float), "latent": lat}


def simulate(params: dict[str, float], seed: int, targets: Targets, scenario: Any = SCENARIO) -> dict[str, np.ndarray]:
    model_seed, meas = seeds(seed)
    model = ThawModel(scenario, rng=model_seed, months=targets.months, **params).run()
    return summarise(model, targets, meas)


def abc_model(targets: Targets, scenario: Any = SCENARIO):
    """The simulator as pyabc calls it: parameters in, statistics out. Its seed is drawn from numpy's
    global generator, which the seeded sampler sets for every particle slot."""
    base = load_scenario(scenario) if isinstance(scenario, str) else scenario

    def model(par) -> dict[str, np.ndarray]:
        seed = int(np.random.randint(0, 2**62, dtype=np.int64))
        return simulate({k: float(v) for k, v in dict(par).items()}, seed, targets, base)

    return model
