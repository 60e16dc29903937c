"""Sensitivity indices from a batch: Sobol (saltelli designs), Morris (morris designs) and PAWN
(any sample), all computed by SALib from the very matrix it sampled.

Thaw is stochastic, so each design point's outcome is the mean over its replications (with
common random numbers, the same streams at every point, which makes that mean a smooth function
of the parameters). What the averaging leaves is reported as the noise share: the part of the
run-to-run variance that lies between replications of one point, and the part of the variance
of the point means that is still noise (within-point variance / replications).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.design import problem, sample_matrix
from experiments.results import Results
from experiments.spec import SAMPLED, Design

#: Summary outcomes analysed unless others are asked for (those the runs table has).
DEFAULT_OUTCOMES = ("thaw_survived", "final_jk_affinity", "final_trilateral_cohesion", "final_kor_fav_jpn",
                    "coercion_episodes")
#: The measure each design kind supports, and the column of it that ranks parameters.
MEASURE = {"saltelli": ("sobol", "ST"), "morris": ("morris", "mu_star"), "lhs": ("pawn", "pawn"),
           "sobol_sequence": ("pawn", "pawn")}
DUMMY = "(dummy: random numbers)"


def _salib():
    try:
        import SALib  # noqa: F401
    except ImportError:
        from experiments.spec import ExperimentError

        raise ExperimentError(None, None, "sensitivity analysis needs the optional extra: "
                                          "pip install 'thaw-sim[analysis]'") from None


@dataclass
class PointData:
    """One scenario's design: the SALib problem, the sampled matrix, the per-point outcome means."""

    design: Design
    scenario: str
    problem: dict
    x: np.ndarray            # points x parameters, unrounded, in design order
    y: pd.DataFrame          # points x outcomes: mean over replications
    noise: pd.DataFrame      # per outcome: variance shares
    replications: int


def design_of(results: Results) -> Design:
    content = results.manifest["experiment"]["content"]
    return Design.model_validate(content["design"])


def outcomes_of(results: Results, wanted: list[str] | tuple[str, ...] | None) -> list[str]:
    runs = results.runs
    if wanted:
        missing = [o for o in wanted if o not in runs.columns]
        if missing:
            raise ValueError(f"no outcome(s) {missing} in the runs table")
        return list(wanted)
    found = [o for o in DEFAULT_OUTCOMES if o in runs.columns]
    if found:
        return found
    skip = {"run_id", "point", "replicate", "seed", "seconds", "months", *results.parameters}
    return [c for c in runs.columns if c not in skip and pd.api.types.is_numeric_dtype(runs[c])]


def point_data(results: Results, outcomes: list[str], scenario: str | None = None) -> PointData:
    """Average the replications of every design point of one scenario, and check that the design
    points in the results are the ones the design's sampler gives (so X and Y line up)."""
    design = design_of(results)
    if design.kind not in SAMPLED:
        raise ValueError(f"sensitivity indices need a sampled design (lhs, sobol_sequence, saltelli, morris), "
                         f"not {design.kind!r}")
    runs = results.runs
    scenario = scenario or results.manifest["experiment"]["content"]["scenarios"][0]
    mine = runs[(runs["scenario"] == scenario)]
    x = sample_matrix(design)
    n_points = len(x)
    stored = pd.DataFrame(results.manifest["design"]["points"])
    rounded = np.where([k in design.integers for k in design.parameters], np.round(x), x)
    if stored.shape != x.shape or not np.allclose(stored[list(design.parameters)].to_numpy(float), rounded):
        raise ValueError("the design points in the manifest are not those the design's sampler gives; "
                         "was the batch made by another version of the sampler?")
    ok = mine[mine["status"] == "ok"].copy()
    failed = sorted(set(range(n_points)) - set(ok["point"]))
    if failed:
        raise ValueError(f"scenario {scenario!r}: design points {failed[:10]} have no finished run; SALib needs "
                         f"every point (resume the batch, or look at the failed runs' errors)")
    ok[outcomes] = ok[outcomes].astype(float)
    grouped = ok.groupby("point")
    y = grouped[outcomes].mean().reindex(range(n_points))
    reps = int(grouped.size().min())
    noise_rows = []
    for o in outcomes:
        # one-way analysis of variance: total sum of squares = between points + within points
        total_ss = float(((ok[o] - ok[o].mean()) ** 2).sum())
        within_ss = float(((ok[o] - grouped[o].transform("mean")) ** 2).sum())
        within = within_ss / (len(ok) - ok["point"].nunique()) if reps > 1 else np.nan
        between = float(y[o].var(ddof=1))
        noise_rows.append({"outcome": o, "replications": reps, "run_variance": float(ok[o].var(ddof=1)),
                           "noise_share_of_runs": within_ss / total_ss if total_ss and reps > 1 else np.nan,
                           "noise_share_of_point_means": (within / reps) / between if between else np.nan})
    return PointData(design, scenario, problem(design), x, y, pd.DataFrame(noise_rows), reps)


def _usable(y: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(y)) and np.var(y) > 0)


def sobol(pd_: PointData, level: float = 0.95, resamples: int = 1000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First-order and total Sobol indices (and second-order ones when sampled), with bootstrap
    intervals (SALib: ``conf`` is the half-width of the ``level`` interval)."""
    _salib()
    from SALib.analyze import sobol as analyse

    if pd_.design.kind != "saltelli":
        raise ValueError(f"Sobol indices need a saltelli design, not {pd_.design.kind!r}")
    rows, pairs = [], []
    for o in pd_.y.columns:
        y = pd_.y[o].to_numpy()
        if not _usable(y):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = analyse.analyze(pd_.problem, y, calc_second_order=pd_.design.second_order, num_resamples=resamples,
                                  conf_level=level, seed=0)
        for i, name in enumerate(pd_.problem["names"]):
            rows.append({"scenario": pd_.scenario, "outcome": o, "parameter": name,
                         "S1": res["S1"][i], "S1_lo": res["S1"][i] - res["S1_conf"][i],
                         "S1_hi": res["S1"][i] + res["S1_conf"][i],
                         "ST": res["ST"][i], "ST_lo": res["ST"][i] - res["ST_conf"][i],
                         "ST_hi": res["ST"][i] + res["ST_conf"][i]})
        if pd_.design.second_order:
            names = pd_.problem["names"]
            for i in range(len(names)):
                for j in range(i + 1, len(names)):
                    s2, c = res["S2"][i, j], res["S2_conf"][i, j]
                    pairs.append({"scenario": pd_.scenario, "outcome": o, "parameter": names[i], "other": names[j],
                                  "S2": s2, "S2_lo": s2 - c, "S2_hi": s2 + c})
    return pd.DataFrame(rows), pd.DataFrame(pairs)


def morris(pd_: PointData, level: float = 0.95, resamples: int = 1000) -> pd.DataFrame:
    """Morris elementary effects: mu* (mean absolute effect, with a bootstrap interval) and sigma
    (their spread: non-linearity or interaction). Effects are per unit of the parameter's range."""
    _salib()
    from SALib.analyze import morris as analyse

    if pd_.design.kind != "morris":
        raise ValueError(f"Morris indices need a morris design, not {pd_.design.kind!r}")
    rows = []
    for o in pd_.y.columns:
        y = pd_.y[o].to_numpy()
        if not _usable(y):
            continue
        res = analyse.analyze(pd_.problem, pd_.x, y, num_resamples=resamples, conf_level=level,
                              num_levels=pd_.design.levels, seed=0)
        top = float(np.nanmax(res["mu_star"])) or 1.0
        for i, name in enumerate(pd_.problem["names"]):
            ms, c = float(res["mu_star"][i]), float(res["mu_star_conf"][i])
            rows.append({"scenario": pd_.scenario, "outcome": o, "parameter": name, "mu": float(res["mu"][i]),
                         "mu_star": ms, "mu_star_lo": max(0.0, ms - c), "mu_star_hi": ms + c,
                         "sigma": float(res["sigma"][i]), "mu_star_rel": ms / top})
    return pd.DataFrame(rows)


def pawn(pd_: PointData, slices: int = 10) -> pd.DataFrame:
    """PAWN (moment-independent) indices from any sample: the median over ``slices`` conditioning
    intervals of the Kolmogorov–Smirnov distance between the outcome's distribution with the
    parameter held in the slice and without, with the min–max over slices. A column of random
    numbers is analysed alongside as a dummy: an index not clearly above the dummy's is noise."""
    _salib()
    from SALib.analyze import pawn as analyse

    rng = np.random.default_rng(12345)
    prob = dict(pd_.problem)
    prob = {"num_vars": prob["num_vars"] + 1, "names": [*prob["names"], DUMMY], "bounds": [*prob["bounds"], [0, 1]]}
    x = np.column_stack([pd_.x, rng.random(len(pd_.x))])
    rows = []
    for o in pd_.y.columns:
        y = pd_.y[o].to_numpy()
        if not _usable(y):
            continue
        res = analyse.analyze(prob, x, y, S=slices, seed=0)
        for i, name in enumerate(prob["names"]):
            rows.append({"scenario": pd_.scenario, "outcome": o, "parameter": name, "pawn": float(res["median"][i]),
                         "pawn_min": float(res["minimum"][i]), "pawn_max": float(res["maximum"][i])})
    return pd.DataFrame(rows)


def importance(kind: str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One importance per (outcome, parameter) from whichever index the design supports, and its
    share of the outcome's total: the common currency of the assumption-risk report."""
    measure, col = MEASURE[kind]
    t = tables[measure]
    if t.empty:
        return pd.DataFrame(columns=["outcome", "parameter", "measure", "importance", "share", "rank"])
    t = t[t["parameter"] != DUMMY]
    out = t[["scenario", "outcome", "parameter"]].copy()
    out["measure"] = {"ST": "Sobol total index ST", "mu_star": "Morris mu*", "pawn": "PAWN median KS"}[col]
    out["importance"] = t[col].clip(lower=0).to_numpy()
    total = out.groupby("outcome")["importance"].transform("sum")
    out["share"] = out["importance"] / total.where(total > 0)
    out["rank"] = out.groupby("outcome")["importance"].rank(ascending=False, method="first").astype(int)
    return out.sort_values(["outcome", "rank"]).reset_index(drop=True)
