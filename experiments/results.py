"""Reading a results folder back, and summarising it with confidence intervals."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.spec import ExperimentError
from experiments.store import SORT_KEYS, ResultsStore, Verified

#: Summary outcomes averaged by ``summarise`` unless others are asked for.
DEFAULT_OUTCOMES = ("final_jk_affinity", "final_trilateral_cohesion", "final_kor_fav_jpn", "final_jpn_fav_kor",
                    "final_us_credibility", "coercion_episodes", "coercion_backfired", "months_to_rupture")


@dataclass
class Results:
    """A batch's results: ``runs``, ``outcomes`` and ``events`` DataFrames and the ``manifest``.

    Tables are read on first use and sorted by run id, so the same experiment gives the same frames
    whatever the executor, the worker count or interruptions. Before anything is read every chunk is
    checked against its index entry (size, SHA-256, experiment identity, no run twice): a damaged or
    foreign chunk is refused, never silently dropped or mixed in.
    """

    path: Path

    @cached_property
    def _store(self) -> ResultsStore:
        return ResultsStore(self.path)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        m = self._store.manifest()
        if m is None:
            raise ExperimentError(self.path, None,
                                  "is not a results folder (no manifest.json); expected a `thaw batch --out` folder")
        return m

    @cached_property
    def _verified(self) -> Verified:
        identity = self.manifest["experiment"]["identity"]
        v = self._store.verify(identity)
        problems = [*v.damaged, *v.foreign]
        if problems:
            name, why = problems[0]
            raise ExperimentError(self.path, None, f"chunk {name} {why} ({len(problems)} bad chunk(s) in all); "
                                  f"{self._store.damaged_note()}")
        if v.duplicates:
            raise self._store._duplicates_error(v)
        return v

    def table(self, name: str) -> pd.DataFrame:
        """Any table of the folder by name (``runs``, ``outcomes``, ``events``, ...), read through
        ``pyarrow.dataset`` from the verified chunk files only; empty if the batch did not keep it."""
        import pyarrow as pa
        import pyarrow.dataset as ds
        import pyarrow.parquet as pq

        files = self._verified.files(name)
        if not files:
            return pd.DataFrame()
        schemas = sorted((pq.read_schema(f) for f in files), key=lambda s: -len(s.names))  # richest first
        schema = pa.unify_schemas(schemas, promote_options="permissive")
        df = ds.dataset([str(f) for f in files], format="parquet", schema=schema).to_table().to_pandas()
        sort = [c for c in SORT_KEYS.get(name, ["run_id"]) if c in df.columns]
        return df.sort_values(sort, kind="stable").reset_index(drop=True)

    @property
    def tables(self) -> list[str]:
        """The tables the folder holds (``runs`` and whichever outputs the experiment kept)."""
        return sorted({t for c in self._verified.good for t in c.tables})

    @cached_property
    def runs(self) -> pd.DataFrame:
        return self.table("runs")

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        return self.table("outcomes")

    @cached_property
    def events(self) -> pd.DataFrame:
        return self.table("events")

    @cached_property
    def trade_cuts(self) -> pd.DataFrame:
        """Trade cuts in force, tidy: run_id, month, coercer, target, channel, share_cut."""
        return self.table("trade_cuts")

    @property
    def parameters(self) -> list[str]:
        return list(self.manifest["design"]["parameters"])

    def summary(self, by: str | list[str] | None = None, outcomes: tuple[str, ...] = DEFAULT_OUTCOMES) -> pd.DataFrame:
        """Per scenario (and design parameters, if the design has any) by default."""
        if by is None:
            by = ["scenario", *self.parameters]
        return summarise(self.runs, by, outcomes)

    @property
    def common_random_numbers(self) -> bool:
        return bool(self.manifest["experiment"]["content"].get("common_random_numbers", False))

    @property
    def reference(self) -> str:
        """The scenario others are compared with: ``baseline`` if the experiment has it, else the first."""
        names = self.manifest["experiment"]["content"]["scenarios"]
        return "baseline" if "baseline" in names else names[0]

    def contrasts(self, reference: str | None = None, outcomes: tuple[str, ...] = DEFAULT_OUTCOMES) -> pd.DataFrame:
        """Each scenario minus the reference, paired by design point and replicate (see ``contrasts``).
        Meaningful pairs need common random numbers; without them the intervals are those of
        independent runs matched by number and are wider."""
        return contrasts(self.runs, reference or self.reference, outcomes)

    def survival(self, by: str | list[str] | None = None) -> pd.DataFrame:
        """P(thaw intact by month t) per scenario (and design point), with 95% intervals."""
        if by is None:
            by = ["scenario", *self.parameters]
        return survival(self.runs, by)

    def to_ema(self, per: str = "run") -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """The results as EMA Workbench's (experiments, outcomes) pair, for its analysis package.

        ``experiments`` holds the design parameters (and, when the batch has several scenarios,
        the scenario as the categorical column ``policy``: EMA's ``scenario`` column is a sample
        id that its algorithms drop); ``outcomes`` maps every numeric summary outcome to an array.
        ``per="point"`` averages the replications of each scenario and design point first."""
        ok = self.runs[self.runs["status"] == "ok"].copy()
        if ok.empty:
            raise ValueError("no finished runs to analyse")
        params = self.parameters
        skip = {"run_id", "point", "replicate", "seed", "seconds", "months", *params}
        names = [c for c in ok.columns if c not in skip and (pd.api.types.is_numeric_dtype(ok[c])
                                                              or pd.api.types.is_bool_dtype(ok[c]))]
        if per == "point":
            ok[names] = ok[names].astype(float)
            ok = ok.groupby(["scenario", "point"], sort=True)[[*params, *names]].mean().reset_index()
        elif per != "run":
            raise ValueError(f"per must be 'run' or 'point', not {per!r}")
        x = ok[params].reset_index(drop=True).astype(float)
        if ok["scenario"].nunique() > 1:
            x["policy"] = pd.Categorical(ok["scenario"].to_numpy())
        outcomes = {c: ok[c].to_numpy(dtype=bool) if per == "run" and pd.api.types.is_bool_dtype(ok[c])
                    else ok[c].astype(float).to_numpy() for c in names}
        return x, outcomes


def load(path: str | Path) -> Results:
    """Open a results folder written by ``thaw batch``."""
    path = Path(path)
    if not path.is_dir():
        raise ExperimentError(path, None, "no such results folder")
    return Results(path)


def mean_ci(values: pd.Series, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and a t-interval; NaN bounds for fewer than two values."""
    from scipy import stats

    x = values.dropna().astype(float)
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan
    m = float(x.mean())
    if n < 2:
        return m, np.nan, np.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return m, m - half, m + half


@lru_cache(maxsize=65536)
def proportion_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """A proportion and its Wilson score interval, from ``scipy.stats.binomtest`` (sound near 0
    and 1, unlike the normal interval). Cached: survival curves ask for the same (k, n) often."""
    if n == 0:
        return np.nan, np.nan, np.nan
    from scipy.stats import binomtest

    ci = binomtest(int(successes), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return successes / n, float(ci.low), float(ci.high)


def count_ci(values: pd.Series, level: float = 0.95, resamples: int = 999) -> tuple[float, float, float]:
    """Mean of a count and a percentile bootstrap interval (``scipy.stats.bootstrap``, fixed seed),
    which never leaves the range of the data and so never goes below zero. When every run gives
    the same count the bootstrap collapses to a point; the exact Poisson (Garwood) interval for the
    mean is given instead, so that "no episodes in 40 runs" still gets an upper bound."""
    from scipy import stats

    x = values.dropna().to_numpy(dtype=float)
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan
    m = float(x.mean())
    if n < 2:
        return m, np.nan, np.nan
    if np.all(x == x[0]):
        total, alpha = float(x.sum()), 1 - level
        lo = 0.0 if total == 0 else float(stats.chi2.ppf(alpha / 2, 2 * total) / (2 * n))
        hi = float(stats.chi2.ppf(1 - alpha / 2, 2 * total + 2) / (2 * n))
        return m, lo, hi
    res = stats.bootstrap((x,), np.mean, n_resamples=resamples, confidence_level=level, method="percentile",
                          vectorized=True, rng=np.random.default_rng(0))
    return m, max(0.0, float(res.confidence_interval.low)), float(res.confidence_interval.high)


def _is_count(col: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(col) and not pd.api.types.is_bool_dtype(col) and bool((col.dropna() >= 0).all())


def survival(runs: pd.DataFrame, by: str | list[str] = "scenario", level: float = 0.95) -> pd.DataFrame:
    """P(thaw intact by month t), for t = 0 … horizon, per group, with Wilson intervals.

    The thaw is intact by month t when it has not ruptured in months 1 … t. Every run of a group
    runs to the same horizon, so nothing is censored before it and the survival function is the
    plain share of runs still intact (the Kaplan–Meier estimate reduces to it); its interval is
    the binomial one, so that the last month equals ``p_survive`` of the summary exactly."""
    by = [by] if isinstance(by, str) else list(by)
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    if ok.empty:
        raise ValueError("no finished runs: no survival curve")
    missing = [c for c in [*by, "months", "months_to_rupture"] if c not in ok.columns]
    if missing:
        raise ValueError(f"cannot compute survival: the runs table lacks {missing}")
    rows = []
    for key, g in ok.groupby(by, sort=False, dropna=False):
        keys = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        horizons = g["months"].unique()
        if len(horizons) != 1:
            group = ", ".join(f"{k}={v}" for k, v in keys.items())
            raise ValueError(f"group {group}: runs have different horizons {sorted(int(h) for h in horizons)}; "
                             "survival needs one")
        horizon = int(horizons[0])
        t_rupt = g["months_to_rupture"].astype("Float64").fillna(np.inf).to_numpy(dtype=float)
        n = len(t_rupt)
        for t in range(horizon + 1):
            k = int((t_rupt > t).sum())
            p, lo, hi = proportion_ci(k, n, level)
            rows.append({**keys, "month": t, "runs": n, "intact": k, "p_intact": p, "p_intact_lo": lo,
                         "p_intact_hi": hi})
    return pd.DataFrame(rows)


def median_time(curve: pd.DataFrame) -> tuple[float, float, float]:
    """Median months to rupture from one group's survival curve, with the interval where the
    curve's band crosses one half (Brookmeyer–Crowley); NaN where the curve stays above it."""
    def first(col: str) -> float:
        below = curve.loc[curve[col] <= 0.5, "month"]
        return float(below.iloc[0]) if len(below) else np.nan

    return first("p_intact"), first("p_intact_lo"), first("p_intact_hi")


def summarise(runs: pd.DataFrame, by: str | list[str] = "scenario",
              outcomes: tuple[str, ...] = DEFAULT_OUTCOMES, level: float = 0.95) -> pd.DataFrame:
    """Per group: runs, failures, P(thaw survives) with a Wilson interval (``binomtest``), the
    median months to rupture, and each outcome's mean with an interval (columns ``<outcome>``,
    ``<outcome>_lo``, ``<outcome>_hi``): t for continuous outcomes, bootstrap for counts, which so
    never go below zero. ``months_to_rupture`` is the mean over the runs that ruptured."""
    by = [by] if isinstance(by, str) else list(by)
    if runs.empty:
        raise ValueError("no runs to summarise")
    missing = [c for c in by if c not in runs.columns]
    if missing:
        raise ValueError(f"cannot group by {missing}: not columns of the runs table")
    rows = []
    for key, g in runs.groupby(by, sort=False, dropna=False):
        ok = g[g["status"] == "ok"]
        row: dict[str, Any] = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        row["runs"], row["failed"] = len(g), len(g) - len(ok)
        if "thaw_survived" in g:
            p, lo, hi = proportion_ci(int(ok["thaw_survived"].sum()), len(ok), level) if len(ok) else (np.nan,) * 3
            row.update(p_survive=p, p_survive_lo=lo, p_survive_hi=hi)
        if len(ok) and {"months", "months_to_rupture"} <= set(ok.columns) and ok["months"].nunique() == 1:
            m, lo, hi = median_time(survival(ok, by=by, level=level))
            row.update(median_months_to_rupture=m, median_months_to_rupture_lo=lo, median_months_to_rupture_hi=hi)
        for col in outcomes:
            if col in ok:
                m, lo, hi = (count_ci if _is_count(runs[col]) else mean_ci)(ok[col], level)
                row.update({col: m, f"{col}_lo": lo, f"{col}_hi": hi})
        rows.append(row)
    return pd.DataFrame(rows)


def contrasts(runs: pd.DataFrame, reference: str, outcomes: tuple[str, ...] = DEFAULT_OUTCOMES,
              level: float = 0.95) -> pd.DataFrame:
    """Each scenario's difference from ``reference``, paired run by run on (design point,
    replicate): under common random numbers the two runs of a pair share their random streams, so
    the difference holds the scenario's effect and little noise. Columns ``d_<outcome>`` with a
    paired t-interval (``_lo``, ``_hi``), ``d_p_survive`` the paired difference in P(survives)."""
    ok = runs[runs["status"] == "ok"]
    if reference not in set(ok["scenario"]):
        raise ValueError(f"reference scenario {reference!r} has no finished runs")
    pair = ["point", "replicate"]
    cols = [c for c in ("thaw_survived", *outcomes) if c in ok]
    base = ok[ok["scenario"] == reference].set_index(pair)[cols]
    rows = []
    for (name, point), g in ok[ok["scenario"] != reference].groupby(["scenario", "point"], sort=False):
        other = g.set_index(pair)[cols]
        joined = other.merge(base, left_index=True, right_index=True, how="inner", suffixes=("", "__ref"))
        row: dict[str, Any] = {"scenario": name, "reference": reference, "point": point, "pairs": len(joined)}
        for col in cols:
            diff = joined[col].astype(float) - joined[f"{col}__ref"].astype(float)
            m, lo, hi = mean_ci(diff, level)
            if diff.notna().sum() >= 2 and diff.std() == 0:
                lo = hi = m  # every pair differs by the same amount: no noise to make an interval of
            name_ = "p_survive" if col == "thaw_survived" else col
            row.update({f"d_{name_}": m, f"d_{name_}_lo": lo, f"d_{name_}_hi": hi})
        rows.append(row)
    return pd.DataFrame(rows)
