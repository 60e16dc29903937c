"""The 2013–2025 hindcast: the model's favourability bands against the poll waves.

The poll waves from 2020 on are deliberately absent from the project's data: the model's values for
2020–2025 are its forecast, to be checked against the real waves elsewhere.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

SCENARIO = "hindcast_2013_2025"
SERIES = ("kor_fav_jpn", "jpn_fav_kor")
YEARS = range(2013, 2026)
IN_SAMPLE = range(2013, 2020)
#: Month of the wave for years the data does not cover: the Genron NPO / EAI waves of 2013–2019
#: were fielded April–July; for 2020 on we do not know the month, and use September as asked.
UNKNOWN_FIELDWORK_MONTH = 9

EXPERIMENT = """
name = "hindcast"
description = "The 2013-2025 hindcast, {reps} replications"
scenarios = ["{scenario}"]
replications = {reps}
root_seed = 2013
[outputs]
outcomes = true
events = false
"""


def polls() -> pd.DataFrame:
    """The shipped poll table (a copy of the reference data)."""
    text = resources.files("model").joinpath("data/opinion_polls.csv").read_text()
    return pd.DataFrame(list(csv.DictReader(text.splitlines()))).astype({"year": int, "value_pct": float})


def waves() -> pd.DataFrame:
    """One row per series and year 2013–2025: fieldwork month and observed value (NaN if none)."""
    p = polls()
    p = p[p["series"].isin(SERIES)].set_index(["series", "year"])
    rows = []
    for series in SERIES:
        for year in YEARS:
            if (series, year) in p.index:
                rows.append((series, year, p.loc[(series, year), "fieldwork"], p.loc[(series, year), "value_pct"]))
            else:
                rows.append((series, year, f"{year}-{UNKNOWN_FIELDWORK_MONTH:02d}", np.nan))
    return pd.DataFrame(rows, columns=["series", "year", "fieldwork", "observed"])


def bands(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The model's median and 5–95% band at each wave's fieldwork month."""
    table = waves()
    out = []
    for row in table.itertuples():
        vals = outcomes.loc[outcomes["date"] == row.fieldwork, row.series]
        if vals.empty:
            raise ValueError(f"the hindcast outcomes have no month {row.fieldwork}")
        out.append((vals.median(), vals.quantile(0.05), vals.quantile(0.95)))
    table[["model_median", "model_p05", "model_p95"]] = out
    return table[["series", "year", "fieldwork", "model_median", "model_p05", "model_p95", "observed"]]


@dataclass
class Fit:
    series: str
    rmse: float
    bias: float
    coverage: float
    naive_rmse: float  # forecasting each wave by the previous one
    n: int


def fit(table: pd.DataFrame, years: range = IN_SAMPLE) -> list[Fit]:
    fits = []
    for series in SERIES:
        d = table[(table["series"] == series) & table["year"].isin(years)].dropna(subset=["observed"])
        err = d["model_median"] - d["observed"]
        inside = (d["observed"] >= d["model_p05"]) & (d["observed"] <= d["model_p95"])
        obs = d.sort_values("year")["observed"].to_numpy()
        naive = float(np.sqrt(np.mean(np.diff(obs) ** 2))) if len(obs) > 1 else np.nan
        fits.append(Fit(series, float(np.sqrt(np.mean(err**2))), float(err.mean()), float(inside.mean()), naive, len(d)))
    return fits


def run_hindcast(replications: int = 100, out: str | Path | None = "hindcast.csv", executor: str = "processes",
                 workers: int | None = None, results: str | Path | None = None, quiet: bool = True,
                 scenario: str = SCENARIO) -> tuple[pd.DataFrame, list[Fit]]:
    """Run the hindcast through the batch runner; write the CSV; return it with the in-sample fit."""
    from experiments.batch import run_batch
    from experiments.results import load

    # the experiment file (and the results, unless kept in ``results``) live only as long as the call
    with tempfile.TemporaryDirectory(prefix="thaw-hindcast-") as tmp:
        exp = Path(tmp) / "hindcast.toml"
        exp.write_text(EXPERIMENT.format(reps=replications, scenario=scenario))
        folder = Path(results) if results is not None else Path(tmp) / "results"
        run_batch(exp, folder, executor=executor, workers=workers, quiet=quiet)
        table = bands(load(folder).outcomes)
    if out is not None:
        table.to_csv(out, index=False, float_format="%.3f")
    return table, fit(table)


def format_fit(fits: list[Fit]) -> str:
    lines = ["In-sample fit, 2013–2019 poll waves (model median against the observed wave):"]
    for f in fits:
        lines.append(f"  {f.series}: RMSE {f.rmse:.2f} points, bias {f.bias:+.2f}, 90% band covers "
                     f"{f.coverage:.0%} of {f.n} waves; naive 'same as last wave' RMSE {f.naive_rmse:.2f}")
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
    """Median favourability at each wave's month over ``replications`` seeds (0, 1, …): common
    random numbers, so two scenarios compared this way differ by their inputs, not by luck."""
    from model import ThawModel

    months = waves()
    runs = [ThawModel(scenario, rng=s).run().outcomes().set_index("date") for s in range(replications)]
    rows = []
    for row in months[months["year"].isin(years)].itertuples():
        rows.append((row.series, row.year, float(np.median([r.at[row.fieldwork, row.series] for r in runs]))))
    return pd.DataFrame(rows, columns=["series", "year", "median"])
