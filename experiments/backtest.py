"""Rolling-origin backtest: fit on the record up to an origin year, forecast the next waves.

For each origin the calibration is rerun on the waves, coercion bites and move counts up to the end
of that year only (``Targets.upto``), with a reduced budget (:data:`BUDGET`, stated in the output);
then posterior draws are run forward and read through the poll measurement model for the next one
to three waves of each series. The forecasts are *conditional on the record's dated events* after
the origin (the export controls, the 2023 settlement…): the backtest asks whether the mechanisms
turn known events into the right opinion, not whether anyone could have foreseen the events.

The fitted posterior conditions the *parameters* on the record to the origin; a run drawn from it
still starts its forecast wherever its own noise has taken it, which can be far from the last
reading that persistence knows. So each forecast is also conditioned on the *state* at the origin,
as a particle filter's update step: each posterior draw is run :data:`POOL` times, each run is
weighed by the measurement model's likelihood of the last wave of each series at or before the
origin (``model.observation``: sampling error, plus the mode term for an online wave), the weights
are normalised within each draw (the draw keeps its posterior weight: the posterior was fitted to
the same waves, and re-weighing the parameters by them would count them twice), and the bands are
the weighted quantiles of the runs' readings. The effective sample size of the weights (Kish's) is
reported per origin (``ess``), and per draw (``ess / draws``, the harmonic mean of the draws' own:
never below one, so the total never falls below the number of draws), so a forecast whose draws
each rest on one run says so. Only waves of the origin's year or earlier enter the weights. The
conditioning is on the last waves alone, not on every wave to the origin: an approximation (a full
filter would update at every wave), on the information that persistence also uses.

Scores against two naive forecasts: persistence (the last wave before the origin) and a linear
trend (least squares through the waves up to the origin).
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.calibration.runner import Budget, calibrate
from experiments.calibration.simulator import SCENARIO, latent, run
from experiments.calibration.targets import START_YEAR, all_targets
from experiments.executors import forkserver_context
from model.observation import Wave, measurement_sd, observe

ORIGINS = (2016, 2018, 2019, 2021, 2023)
HORIZON = 3  # waves ahead
SERIES = ("kor_fav_jpn", "jpn_fav_kor")
#: Reduced calibration budget per origin: enough to move off the prior, not a converged posterior.
BUDGET = Budget(population=80, generations=5, max_minutes=5.0, workers=2, seed=2016)
DRAWS = 60  # posterior draws run forward per origin (the effective sample after conditioning is reported)
QUICK = Budget(population=6, generations=1, max_minutes=1.0, workers=1, seed=2016)
QUICK_DRAWS = 6
#: Runs simulated per posterior draw, among which the origin's waves choose (``condition``).
POOL = 30


def year_of(fieldwork: str) -> float:
    return int(fieldwork[:4]) + (int(fieldwork[5:7]) - 0.5) / 12


def baselines(history: list[tuple[str, float]], fieldwork: str) -> tuple[float, float]:
    """(persistence, linear trend) forecasts of a wave at ``fieldwork`` from (fieldwork, value) waves."""
    if not history:
        raise ValueError("a naive forecast needs at least one earlier wave")
    history = sorted(history)
    persistence = history[-1][1]
    if len(history) < 2:
        return persistence, persistence
    x = np.array([year_of(f) for f, _ in history])
    y = np.array([v for _, v in history])
    slope, intercept = np.polyfit(x, y, 1)
    return float(persistence), float(intercept + slope * year_of(fieldwork))


def anchors(origin: int, waves: list[Wave]) -> list[Wave]:
    """The waves a forecast from ``origin`` is conditioned on: each series' last one at or before it."""
    out = []
    for s in SERIES:
        known = [x for x in waves if x.series == s and x.year <= origin]
        if known:
            out.append(max(known, key=lambda x: x.fieldwork))
    return out


class ForecastError(ValueError):
    """A forecast that cannot be made from the runs (said to the user, not raised as a traceback)."""


#: Lowest measurement sd, in points, that a weight uses: a run at exactly 0 or 100 % has no sampling
#: error, and a reading of it would otherwise weigh as infinitely (un)likely. Half a point is the
#: sampling sd at about 2.6 % or 97.4 % with 1,000 respondents.
SD_FLOOR = 0.5


def log_likelihood(latents: np.ndarray, table: list[Wave]) -> np.ndarray:
    """Log-likelihood of each run (row of ``latents``, one column per wave of ``table``) under the
    measurement model: each wave a normal reading of the latent value with that wave's sd at the
    latent value (not below :data:`SD_FLOOR`)."""
    ll = np.zeros(latents.shape[0])
    for j, x in enumerate(table):
        sd = np.maximum(np.asarray(measurement_sd(latents[:, j], x), dtype=float), SD_FLOOR)
        ll += -0.5 * ((x.value - latents[:, j]) / sd) ** 2 - np.log(sd)
    return ll


def condition(ll: np.ndarray, groups: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Normalised importance weights from log-likelihoods, and their effective sample size
    (Kish's ``1 / Σ w²``). With ``groups`` (the posterior draw of each run) the weights are
    normalised within each group, so every draw keeps the weight the posterior gave it and the
    likelihood only chooses among its runs: the posterior was fitted to the same waves, and letting
    them re-weigh the parameters would count them twice. A run whose likelihood is not a number
    gets no weight; a group none of whose runs has a finite one is refused."""
    ll = np.where(np.isfinite(ll), ll, -np.inf)
    groups = np.zeros(len(ll), dtype=int) if groups is None else np.asarray(groups)
    w = np.zeros(len(ll))
    labels = np.unique(groups)
    for g in labels:
        at = groups == g
        top = ll[at].max()
        if not np.isfinite(top):
            raise ForecastError(f"no run of posterior draw {g} has a finite likelihood of the origin's waves; "
                                "expected simulated favourability between 0 and 100 %")
        e = np.exp(ll[at] - top)
        w[at] = e / e.sum() / len(labels)
    return w, float(1.0 / np.sum(w**2))


def _forecast_run(task: tuple) -> tuple[list[float], list[float]]:
    """One run forward: its simulated readings of the target waves and its latent values at the
    anchor waves (a top-level function, so that worker processes can run it)."""
    params, sim_seed, months, targets, known = task
    model = run(params, sim_seed, months)
    meas = np.random.default_rng(np.random.SeedSequence(sim_seed, spawn_key=(1,)))
    reads = [float(observe(v, x, meas)) for v, x in zip(latent(model, targets), targets, strict=True)]
    return reads, [float(v) for v in latent(model, known)]


def forecast_rows(origin: int, posterior: pd.DataFrame, draws: int, waves: list[Wave], seed: int,
                  pool: int = POOL, workers: int = 1, weighted: bool = True) -> list[dict]:
    """Forecasts of the next ``HORIZON`` target waves of each series after ``origin``: ``draws``
    posterior draws, ``pool`` runs each, the runs of each draw weighed by the last waves at or before
    the origin (module docstring); ``weighted=False`` counts every run alike (as before stop 23,
    which ran one run a draw; for comparison)."""
    keys = [c for c in posterior.columns if c not in ("draw", "weight")]
    w = posterior["weight"].to_numpy(dtype=float)
    values = posterior[keys].to_numpy(dtype=float)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(origin,)))
    picks = rng.choice(len(posterior), size=draws, p=w / w.sum())
    ahead = {s: sorted((x for x in waves if x.series == s and x.year > origin), key=lambda x: x.fieldwork)[:HORIZON]
             for s in SERIES}
    targets = [x for s in SERIES for x in ahead[s]]
    if not targets:
        return []
    known = anchors(origin, waves)
    last = max(x.fieldwork for x in targets)
    months = (int(last[:4]) - START_YEAR) * 12 + int(last[5:7])
    tasks, group = [], []
    for d, pick in enumerate(picks):  # every seed is drawn here, in order, so the workers' count changes nothing
        params = dict(zip(keys, map(float, values[pick]), strict=True))
        for _ in range(pool):
            tasks.append((params, int(rng.integers(0, 2**62)), months, targets, known))
            group.append(d)
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=forkserver_context()) as ex:
            results = list(ex.map(_forecast_run, tasks, chunksize=max(1, len(tasks) // (8 * workers))))
    else:
        results = [_forecast_run(t) for t in tasks]
    reads = np.array([r for r, _ in results])
    now = np.array([x for _, x in results])
    ll = log_likelihood(now, known) if weighted else np.zeros(len(tasks))
    weights, ess = condition(ll, np.array(group))
    rows = []
    for j, x in enumerate(targets):
        history = [(h.fieldwork, h.value) for h in waves if h.series == x.series and h.year <= origin]
        persistence, trend = baselines(history, x.fieldwork)
        q = np.quantile(reads[:, j], [0.05, 0.25, 0.5, 0.75, 0.95], weights=weights, method="inverted_cdf")
        rows.append({"origin": origin, "series": x.series, "horizon": ahead[x.series].index(x) + 1, "year": x.year,
                     "fieldwork": x.fieldwork, "mode": x.mode, "observed": x.value, "model_median": q[2],
                     "model_p05": q[0], "model_p25": q[1], "model_p75": q[3], "model_p95": q[4],
                     "persistence": persistence, "trend": trend,
                     "inside50": bool(q[1] <= x.value <= q[3]), "inside90": bool(q[0] <= x.value <= q[4]),
                     "runs": len(tasks), "ess": ess, "weighted": weighted})
    return rows


def score(rows: pd.DataFrame) -> pd.DataFrame:
    """RMSE and bias of the model, persistence and trend; band coverage; per series and horizon,
    with per-series and overall totals."""
    groups = [(s, h) for s in SERIES for h in (1, 2, 3)] + [(s, "all") for s in SERIES] + [("all", "all")]
    out = []
    for s, h in groups:
        d = rows
        if s != "all":
            d = d[d["series"] == s]
        if h != "all":
            d = d[d["horizon"] == h]
        if d.empty:
            continue
        rec = {"series": s, "horizon": h, "n": len(d)}
        for name in ("model_median", "persistence", "trend"):
            err = d[name] - d["observed"]
            label = "model" if name == "model_median" else name
            rec[f"rmse_{label}"] = float(np.sqrt(np.mean(err**2)))
            rec[f"bias_{label}"] = float(err.mean())
        rec["coverage50"] = float(d["inside50"].mean())
        rec["coverage90"] = float(d["inside90"].mean())
        out.append(rec)
    return pd.DataFrame(out)


def origin_seed(budget: Budget, origin: int) -> int:
    """The seed of an origin's fit and forecasts: the budget's seed offset by the origin year, so
    that an origin run alone (``--origin 2021``) gives the rows it gives in the default run."""
    return budget.seed + origin - ORIGINS[0]


def run_backtest(origins: tuple[int, ...] = ORIGINS, budget: Budget = BUDGET, draws: int = DRAWS,
                 out: str | Path | None = "backtest.csv", log=print,
                 weighted: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit at each origin, forecast, score. Writes the per-forecast rows to ``out`` (CSV)."""
    targets = all_targets()
    waves = [w for w in targets.waves if w.role == "target"]
    rows: list[dict] = []
    for origin in origins:
        seed = origin_seed(budget, origin)
        log(f"backtest: origin {origin}: fitting on the record to {origin}-12 "
            f"(population {budget.population}, {budget.generations} generations, {budget.max_minutes:g} min at most)")
        with tempfile.TemporaryDirectory(prefix=f"thaw-backtest-{origin}-") as tmp:
            calibrate(tmp, replace(budget, seed=seed), targets.upto(origin), SCENARIO,
                      log=lambda *_: None, keep_db=False)
            posterior = pd.read_csv(Path(tmp) / "posterior.csv")
        rows += forecast_rows(origin, posterior, draws, waves, seed, workers=budget.workers, weighted=weighted)
    table = pd.DataFrame(rows)
    if out is not None:
        table.to_csv(out, index=False, float_format="%.3f")
    return table, score(table)


def format_scores(scores: pd.DataFrame, budget: Budget = BUDGET, draws: int = DRAWS,
                  table: pd.DataFrame | None = None, weighted: bool = True) -> str:
    runs = int(table["runs"].iloc[0]) if table is not None and "runs" in table and len(table) else draws * POOL
    how = (f"{runs} runs of {draws} posterior draws forward, each draw's runs weighed by the last wave of each series "
           "at or before the origin" if weighted else f"{runs} runs of {draws} posterior draws forward, unweighted")
    lines = [f"Backtest (fit per origin: population {budget.population}, {budget.generations} generations; "
             f"{how}; forecasts conditional on the record's events):"]
    if table is not None and "ess" in table and weighted:
        ess = table.groupby("origin")["ess"].first()
        lines.append("effective runs after the weighting, per origin (per draw): "
                     + ", ".join(f"{o} {e:.0f} ({e / draws:.1f} of {runs // draws})" for o, e in ess.items()))
    lines.append(f"{'series':<12} {'h':>3} {'n':>3} {'RMSE model':>10} {'persist.':>8} {'trend':>7} "
                 f"{'bias model':>10} {'cov50':>6} {'cov90':>6}")
    for r in scores.itertuples():
        lines.append(f"{r.series:<12} {r.horizon!s:>3} {r.n:>3} {r.rmse_model:>10.2f} {r.rmse_persistence:>8.2f} "
                     f"{r.rmse_trend:>7.2f} {r.bias_model:>+10.2f} {r.coverage50:>6.0%} {r.coverage90:>6.0%}")
    lines.append("Targets (issue 9): 90% coverage 75-98% over all forecasts; one-wave-ahead RMSE below persistence "
                 "on both series.")
    return "\n".join(lines)
