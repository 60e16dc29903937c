"""The 2013–2025 hindcast: posterior predictive bands of the poll readings against every wave.

Each replicate draws one sample of the shipped posterior (``parameters = "posterior"``), runs the
record, and is read through the poll measurement model (``model.observation``): the bands carry
parameter, stochastic and measurement uncertainty, and are compared with what a poll would have
printed, not with a latent opinion no poll sees. All 2013–2025 waves are in sample now: the
posterior was fitted to them; ``thaw backtest`` is the out-of-sample check.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.observation import DEFAULT_N, Wave, load_waves, observe

SCENARIO = "hindcast_2013_2025"
SERIES = ("kor_fav_jpn", "jpn_fav_kor")
YEARS = range(2013, 2026)
#: Month used for a year without a wave (the Japanese series has none in 2024).
UNKNOWN_FIELDWORK_MONTH = 9
MEASUREMENT_STREAM = 0x0B5  # spawn key of a run's measurement noise, apart from the model's use of its seed
QUANTILES = {"model_p05": 0.05, "model_p25": 0.25, "model_median": 0.5, "model_p75": 0.75, "model_p95": 0.95}
COLUMNS = ["series", "year", "fieldwork", "mode", *QUANTILES, "latent_median", "observed"]

EXPERIMENT = """
name = "hindcast"
description = "The 2013-2025 hindcast, {reps} replications"
scenarios = ["{scenario}"]
replications = {reps}
root_seed = 2013
parameters = "{parameters}"
[outputs]
outcomes = true
events = false
"""


def waves() -> list[Wave]:
    """One Genron NPO / EAI wave per series and year 2013–2025; a placeholder (NaN) where none."""
    have = {(w.series, w.year): w for w in load_waves(YEARS) if w.role == "target"}
    out = []
    for series in SERIES:
        for year in YEARS:
            out.append(have.get((series, year)) or Wave(series, series, year, f"{year}-{UNKNOWN_FIELDWORK_MONTH:02d}",
                                                        float("nan"), "none", DEFAULT_N, "face-to-face", "target"))
    return out


def readings(outcomes: pd.DataFrame, seeds: dict[int, int], table: list[Wave]) -> tuple[np.ndarray, np.ndarray]:
    """(latent, simulated readings), each [run, wave], from a batch's outcomes; a run's measurement
    noise comes from its own seed, so the bands do not depend on the executor."""
    runs = sorted(seeds)
    idx = outcomes.set_index(["run_id", "date"])
    latent = np.empty((len(runs), len(table)))
    for j, w in enumerate(table):
        try:
            latent[:, j] = idx.loc[[(r, w.fieldwork) for r in runs], w.series].to_numpy()
        except KeyError:
            raise ValueError(f"the hindcast outcomes have no month {w.fieldwork}") from None
    reads = np.empty_like(latent)
    for i, r in enumerate(runs):
        rng = np.random.default_rng(np.random.SeedSequence(seeds[r], spawn_key=(MEASUREMENT_STREAM,)))
        reads[i] = [observe(latent[i, j], w, rng) for j, w in enumerate(table)]
    return latent, reads


def bands(latent: np.ndarray, reads: np.ndarray, table: list[Wave]) -> pd.DataFrame:
    rows = []
    for j, w in enumerate(table):
        q = {k: float(np.quantile(reads[:, j], p)) for k, p in QUANTILES.items()}
        rows.append({"series": w.series, "year": w.year, "fieldwork": w.fieldwork, "mode": w.mode, **q,
                     "latent_median": float(np.median(latent[:, j])), "observed": w.value})
    return pd.DataFrame(rows, columns=COLUMNS)


@dataclass
class Fit:
    series: str
    rmse: float
    bias: float
    coverage: float  # share of observed waves inside the 90 % band
    coverage50: float
    naive_rmse: float  # forecasting each wave by the previous one
    n: int


def fit(table: pd.DataFrame, years: range = YEARS) -> list[Fit]:
    fits = []
    for series in SERIES:
        d = table[(table["series"] == series) & table["year"].isin(years)].dropna(subset=["observed"]).sort_values("year")
        err = d["model_median"] - d["observed"]
        in90 = (d["observed"] >= d["model_p05"]) & (d["observed"] <= d["model_p95"])
        in50 = (d["observed"] >= d["model_p25"]) & (d["observed"] <= d["model_p75"])
        obs = d["observed"].to_numpy()
        naive = float(np.sqrt(np.mean(np.diff(obs) ** 2))) if len(obs) > 1 else np.nan
        fits.append(Fit(series, float(np.sqrt(np.mean(err**2))), float(err.mean()), float(in90.mean()),
                        float(in50.mean()), naive, len(d)))
    return fits


def changes(table: pd.DataFrame, pairs=((2019, 2020), (2023, 2025))) -> pd.DataFrame:
    """Change of the model's median reading against the record's change, between two waves."""
    rows = []
    for series in SERIES:
        d = table[table["series"] == series].set_index("year")
        for a, b in pairs:
            rows.append({"series": series, "from": a, "to": b,
                         "record": d.at[b, "observed"] - d.at[a, "observed"],
                         "model": d.at[b, "model_median"] - d.at[a, "model_median"]})
    return pd.DataFrame(rows)


def run_hindcast(replications: int = 1000, out: str | Path | None = "hindcast.csv", executor: str = "processes",
                 workers: int | None = None, results: str | Path | None = None, quiet: bool = True,
                 scenario: str = SCENARIO, parameters: str = "posterior") -> tuple[pd.DataFrame, list[Fit]]:
    """Run the hindcast through the batch runner; write the CSV; return it with the fit. Without
    ``results`` the batch goes to a temporary folder that is removed afterwards."""
    from experiments.batch import run_batch
    from experiments.results import load

    # the experiment file (and the results, unless kept in ``results``) live only as long as the call
    with tempfile.TemporaryDirectory(prefix="thaw-hindcast-") as tmp:
        exp = Path(tmp) / "hindcast.toml"
        exp.write_text(EXPERIMENT.format(reps=replications, scenario=scenario, parameters=parameters))
        folder = Path(results) if results is not None else Path(tmp) / "results"
        run_batch(exp, folder, executor=executor, workers=workers, quiet=quiet)
        res = load(folder)
        seeds = dict(zip(res.runs["run_id"], res.runs["seed"], strict=True))
        table_waves = waves()
        latent, reads = readings(res.outcomes, seeds, table_waves)
    table = bands(latent, reads, table_waves)
    if out is not None:
        table.to_csv(out, index=False, float_format="%.3f")
    return table, fit(table)


def format_fit(fits: list[Fit], table: pd.DataFrame | None = None) -> str:
    lines = ["Fit on the 2013-2025 waves (in sample: the posterior was fitted to them); model = median simulated "
             "poll reading:"]
    for f in fits:
        lines.append(f"  {f.series}: RMSE {f.rmse:.2f} points, bias {f.bias:+.2f}; 90% band covers {f.coverage:.0%} "
                     f"and 50% band {f.coverage50:.0%} of {f.n} waves; naive 'same as last wave' RMSE {f.naive_rmse:.2f}")
    if table is not None:
        for r in changes(table).itertuples():
            lines.append(f"  {r.series} {r._2}->{r.to}: model {r.model:+.1f} points, record {r.record:+.1f}")
    return "\n".join(lines)


def without_events(predicate, scenario: str = SCENARIO):
    """The hindcast scenario minus the dated events for which ``predicate(event)`` is true: a
    counterfactual record, to see which events drive the model's path."""
    from model import load_scenario
    from model.scenario import LoadedScenario

    sc = load_scenario(scenario)
    params = sc.params.model_copy(update={"events": [e for e in sc.params.events if not predicate(e)]})
    return LoadedScenario(params, sc.sources, sc.files, sc.raw)


def medians(scenario, replications: int = 100, years: range = YEARS) -> pd.DataFrame:
    """Median latent favourability at each wave's month over ``replications`` seeds (0, 1, …):
    common random numbers, so two scenarios compared this way differ by their inputs, not by luck."""
    from model import ThawModel

    runs = [ThawModel(scenario, rng=s).run().outcomes().set_index("date") for s in range(replications)]
    rows = [(w.series, w.year, float(np.median([r.at[w.fieldwork, w.series] for r in runs])))
            for w in waves() if w.year in years]
    return pd.DataFrame(rows, columns=["series", "year", "median"])
