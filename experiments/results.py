"""Reading a results folder back, and summarising it with confidence intervals."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
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


def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """A proportion and its Wilson score interval (sound near 0 and 1, unlike the normal one)."""
    if n == 0:
        return np.nan, np.nan, np.nan
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, centre - half, centre + half


def summarise(runs: pd.DataFrame, by: str | list[str] = "scenario",
              outcomes: tuple[str, ...] = DEFAULT_OUTCOMES, level: float = 0.95) -> pd.DataFrame:
    """Per group: runs, failures, P(thaw survives) with a Wilson interval, and each outcome's mean
    with a t-interval (columns ``<outcome>``, ``<outcome>_lo``, ``<outcome>_hi``)."""
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
        p, lo, hi = wilson(int(ok["thaw_survived"].sum()), len(ok), level) if len(ok) else (np.nan,) * 3
        row.update(p_survive=p, p_survive_lo=lo, p_survive_hi=hi)
        for col in outcomes:
            if col in ok:
                m, lo, hi = mean_ci(ok[col], level)
                row.update({col: m, f"{col}_lo": lo, f"{col}_hi": hi})
        rows.append(row)
    return pd.DataFrame(rows)
