"""Calibrating a few free parameters on the first half of the record.

Method: simulated minimum distance with common random numbers — ``scipy.optimize.minimize``
(Nelder–Mead, bounded) on a distance between the hindcast and its targets, where every evaluation
reuses the same block of seeds, so that the objective is a deterministic function of the parameters
and the optimiser is not chasing Monte Carlo noise. Uncertainty: the optimisation is repeated from
the optimum on further, independent seed blocks; the spread of the fitted values across blocks is
reported as their standard deviation (Monte Carlo uncertainty of the estimator, not a posterior).

Targets (in-sample only):
- the Genron NPO / EAI waves 2013–2019 of both favourability series, at their fieldwork months;
- measured bites of coercion: Chinese arrivals in Korea −48 % in 2017 (THAAD tour ban), Korean
  arrivals in Japan −25.9 % in 2019 (boycott), Japanese seafood exports to China −30 % in 2023 and
  −93 % in 2024 against 2022 (seafood ban), each compared with the model's mean cut of that trade
  channel over the year.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from experiments.hindcast import IN_SAMPLE, SCENARIO, waves
from model import ThawModel, load_scenario
from model.scenario import find_scenario

#: The free parameters and their search ranges.
PARAMETERS: dict[str, tuple[float, float]] = {
    "dynamics.opinion.response": (0.2, 8.0),
    "dynamics.opinion.relaxation": (0.0, 0.15),
    "dynamics.opinion.history_shock": (0.0, 8.0),
    "dynamics.history.base_rate": (0.0, 0.15),
    "dynamics.trade.recovery_months": (3.0, 48.0),
    "dynamics.trade.channels.tourism.bite": (0.2, 1.0),
    "dynamics.trade.channels.consumer.bite": (0.1, 1.0),
    "dynamics.trade.channels.seafood.bite": (0.3, 1.0),
    "states.KOR.opinion_level.JPN": (5.0, 50.0),
    "states.JPN.opinion_level.KOR": (5.0, 50.0),
}
#: (label, coercer, target, channel, year, observed cut, how it was derived)
EPISODES = [
    ("THAAD tour ban 2017", "CHN", "KOR", "tourism", 2017, 0.483,
     "coercion_episodes.csv: Chinese arrivals in Korea 8.07M (2016) -> 4.17M (2017)"),
    ("Korean boycott 2019", "KOR", "JPN", "consumer", 2019, 0.259,
     "coercion_episodes.csv: Korean arrivals in Japan -25.9% in 2019 on 2018"),
    ("seafood ban 2023", "CHN", "JPN", "seafood", 2023, 0.300,
     "coercion_episodes.csv: Japan's seafood exports to China JPY 87.1bn (2022) -> 61.0bn (2023)"),
    ("seafood ban 2024", "CHN", "JPN", "seafood", 2024, 0.930,
     "coercion_episodes.csv: JPY 87.1bn (2022) -> 6.1bn (2024)"),
]
POLL_SCALE = 5.0  # points: a 5-point miss on a wave counts as much as ...
CUT_SCALE = 0.1  # ... a 10-point miss on a measured trade cut
OUTPUT = Path(__file__).resolve().parents[1] / "model" / "data" / "calibration.json"
SOURCE_PREFIX = "calibrated"


@dataclass
class Evaluation:
    loss: float
    polls: dict[tuple[str, int], float]
    episodes: dict[str, float]


def simulate(params: dict[str, float], seeds: list[int], scenario: str = SCENARIO) -> Evaluation:
    """The hindcast's poll medians and episode cuts under ``params`` (common seeds)."""
    targets = waves()
    targets = targets[targets["year"].isin(IN_SAMPLE)].dropna(subset=["observed"])
    base = load_scenario(scenario)
    poll_vals: dict[tuple[str, int], list[float]] = {}
    cut_vals: dict[str, list[float]] = {e[0]: [] for e in EPISODES}
    for seed in seeds:
        m = ThawModel(base, rng=seed, **params).run()
        out = m.outcomes().set_index("date")
        for row in targets.itertuples():
            poll_vals.setdefault((row.series, row.year), []).append(float(out.at[row.fieldwork, row.series]))
        dates = list(out.index)
        for label, c, t, ch, year, _obs, _ in EPISODES:
            cut = m.channel_cut(c, t, ch)
            months = [i for i, d in enumerate(dates) if d.startswith(str(year))]
            cut_vals[label].append(float(np.mean([cut[i] for i in months])))
    polls = {k: float(np.median(v)) for k, v in poll_vals.items()}
    episodes = {k: float(np.mean(v)) for k, v in cut_vals.items()}
    obs = {(r.series, r.year): r.observed for r in targets.itertuples()}
    poll_loss = np.mean([((polls[k] - obs[k]) / POLL_SCALE) ** 2 for k in obs])
    ep_loss = np.mean([((episodes[label] - o) / CUT_SCALE) ** 2 for label, *_, o, _ in EPISODES])
    return Evaluation(float(poll_loss + ep_loss), polls, episodes)


def _to_params(x: np.ndarray) -> dict[str, float]:
    return {k: lo + float(np.clip(v, 0.0, 1.0)) * (hi - lo) for (k, (lo, hi)), v in zip(PARAMETERS.items(), x, strict=True)}


def _to_unit(params: dict[str, float]) -> np.ndarray:
    return np.array([(params[k] - lo) / (hi - lo) for k, (lo, hi) in PARAMETERS.items()])


def _optimise(x0: np.ndarray, seeds: list[int], budget: int, scenario: str) -> tuple[np.ndarray, float, int]:
    from scipy.optimize import minimize

    res = minimize(lambda x: simulate(_to_params(x), seeds, scenario).loss, x0, method="Nelder-Mead",
                   bounds=[(0.0, 1.0)] * len(x0),
                   options={"maxfev": max(budget, 1), "xatol": 1e-3, "fatol": 1e-4, "initial_simplex": _simplex(x0)})
    return np.clip(res.x, 0, 1), float(res.fun), int(res.nfev)


def _simplex(x0: np.ndarray, step: float = 0.15) -> np.ndarray:
    """A starting simplex of ±15 % of each range around x0, kept inside the unit box."""
    pts = [x0]
    for i in range(len(x0)):
        p = x0.copy()
        p[i] = p[i] + step if p[i] + step <= 1 else p[i] - step
        pts.append(p)
    return np.array(pts)


def calibrate(budget: int = 300, seeds: int = 12, blocks: int = 2, scenario: str = SCENARIO,
              out: Path | None = OUTPUT, log=print) -> dict[str, Any]:
    """Fit the free parameters; write (and return) the calibration record."""
    t0 = time.perf_counter()
    base = load_scenario(scenario)
    start = {k: float(base.value(k)) for k in PARAMETERS}
    start = {k: min(max(v, PARAMETERS[k][0]), PARAMETERS[k][1]) for k, v in start.items()}
    seed_block = list(range(seeds))
    before = simulate(start, seed_block, scenario)
    log(f"calibrate: start loss {before.loss:.3f} on {seeds} seeds; budget {budget} evaluations")
    x, loss, nfev = _optimise(_to_unit(start), seed_block, budget, scenario)
    log(f"calibrate: fitted loss {loss:.3f} after {nfev} evaluations")
    fits = [x]
    for b in range(1, blocks + 1):  # re-fit on independent seed blocks for the Monte Carlo spread
        other = list(range(b * 1000, b * 1000 + seeds))
        xb, lb, nb = _optimise(x, other, max(1, budget // 3), scenario)
        fits.append(xb)
        log(f"calibrate: seed block {b}: loss {lb:.3f} after {nb} evaluations")
    values = _to_params(x)
    spread = np.std([_to_unit(_to_params(f)) for f in fits], axis=0, ddof=1) if len(fits) > 1 else np.zeros(len(x))
    final = simulate(values, seed_block, scenario)
    record = {
        "method": "simulated minimum distance with common random numbers: scipy.optimize.minimize "
                  "(Nelder-Mead, bounded); sd = spread of refits on independent seed blocks",
        "scenario": scenario,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "budget": budget, "seeds": seeds, "blocks": blocks, "seconds": round(time.perf_counter() - t0, 1),
        "loss_start": before.loss, "loss": final.loss,
        "parameters": {k: {"value": round(values[k], 4),
                           "sd": round(float(s) * (PARAMETERS[k][1] - PARAMETERS[k][0]), 4),
                           "range": list(PARAMETERS[k])} for k, s in zip(PARAMETERS, spread, strict=True)},
        "polls": [{"series": s, "year": y, "model_median": round(v, 2)} for (s, y), v in final.polls.items()],
        "episodes": [{"episode": label, "observed": o, "model": round(final.episodes[label], 3), "derivation": d}
                     for label, *_, o, d in EPISODES],
    }
    if out is not None:
        Path(out).write_text(json.dumps(record, indent=2) + "\n")
        log(f"calibrate: wrote {out}")
    return record


def source_text(entry: dict[str, Any]) -> str:
    return (f"{SOURCE_PREFIX}: fitted to the 2013-2019 poll waves and the 2017, 2019 and 2023 coercion episodes, "
            f"sd {entry['sd']:g} (docs/calibration.md, model/data/calibration.json)")


def apply(record: dict[str, Any], scenario: str = "baseline") -> Path:
    """Write the fitted values and their provenance into the scenario file every other extends."""
    path = find_scenario(scenario)
    text = path.read_text()
    for key, entry in record["parameters"].items():
        *table, leaf = key.split(".")
        header = "[" + ".".join(table) + "]"
        start = text.index(header + "\n")
        end = text.find("\n[", start + 1)
        end = len(text) if end < 0 else end
        body = text[start:end]
        line = f'{leaf} = {{ value = {entry["value"]:g}, source = "{source_text(entry)}" }}'
        new, n = re.subn(rf"^{re.escape(leaf)} = \{{.*\}}$", line, body, count=1, flags=re.M)
        if n != 1:
            raise ValueError(f"{path}: no line for {key} under {header}")
        text = text[:start] + new + text[end:]
    path.write_text(text)
    return path
