"""Scenario discovery with EMA Workbench's analysis package: PRIM boxes, CART leaves and feature
scores for a condition on the runs (by default: the thaw breaks).

The data reach EMA through ``Results.to_ema()``; nothing of PRIM or CART is reimplemented here.
This module only chooses a box on the peeling trajectory and turns EMA's objects into tables.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.results import Results

DEFAULT_CONDITION = "thaw_survived == False"


def _ema():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "ipyparallel not installed": not needed for analysis
            from ema_workbench.analysis import cart, feature_scoring, prim
    except ImportError:
        from experiments.spec import ExperimentError

        raise ExperimentError(None, None, "scenario discovery needs the optional extra: "
                                          "pip install 'thaw-sim[analysis]'") from None
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim, cart, feature_scoring


def condition_mask(results: Results, condition: str = DEFAULT_CONDITION) -> np.ndarray:
    """Evaluate a condition (a pandas expression over the runs table's columns; dotted names in
    backticks) on the finished runs, in the order ``to_ema`` gives them."""
    ok = results.runs[results.runs["status"] == "ok"]
    try:
        mask = ok.eval(condition)
    except Exception as exc:  # noqa: BLE001 - pandas raises many kinds for a bad expression
        raise ValueError(f"--condition {condition!r}: not an expression over the runs table's columns ({exc}); "
                         "e.g. 'thaw_survived == False' or '`states.USA.commitment` < 0.3'") from None
    if not pd.api.types.is_bool_dtype(mask):
        raise ValueError(f"--condition {condition!r}: gives {mask.dtype} values, expected true/false per run")
    return mask.to_numpy(dtype=bool)


@dataclass
class PrimResult:
    trajectory: pd.DataFrame   # one row per box on the peeling (and pasting) trajectory
    limits: pd.DataFrame       # the chosen box: restricted parameter, min, max, quasi-p values
    chosen: int                # its row in the trajectory
    box: object                # EMA's PrimBox, for further inspection


def prim_box(x: pd.DataFrame, y: np.ndarray, mass_min: float = 0.05, peel_alpha: float = 0.05,
             min_coverage: float = 0.5) -> PrimResult:
    """Run PRIM for one box and choose on its trajectory the densest box that still covers
    ``min_coverage`` of the cases of interest (the usual trade-off; the full trajectory is kept)."""
    prim, _, _ = _ema()
    if y.sum() == 0 or y.all():
        raise ValueError(f"PRIM needs both outcomes of the condition; it holds in {int(y.sum())} of {len(y)} runs")
    p = prim.Prim(x, y.astype(bool), peel_alpha=peel_alpha, mass_min=mass_min)
    box = p.find_box()
    traj = box.peeling_trajectory.copy()
    eligible = traj[traj["coverage"] >= min_coverage]
    chosen = int(eligible.sort_values(["density", "coverage"], ascending=False).index[0]) if len(eligible) else 0
    stats, lims = box.inspect(chosen, style="data")[0]
    lims = lims.droplevel(0, axis=1)
    lims.columns = ["min", "max", "qp_lower", "qp_upper"]
    lims = lims.reset_index(names="parameter")
    init = box.box_lims[0]
    lims["range_min"] = [init[p].iloc[0] for p in lims["parameter"]]
    lims["range_max"] = [init[p].iloc[1] for p in lims["parameter"]]
    traj["chosen"] = traj.index == chosen
    return PrimResult(traj.reset_index(drop=True), lims, chosen, box)


def cart_leaves(x: pd.DataFrame, y: np.ndarray, mass_min: float = 0.05) -> tuple[pd.DataFrame, object]:
    """CART (scikit-learn through EMA) on the condition: one row per leaf with its coverage,
    density, mass and the limits it puts on each parameter."""
    _, cart, _ = _ema()
    c = cart.CART(x, y.astype(bool), mass_min=mass_min)
    c.build_tree()
    rows = []
    full = x.agg(["min", "max"])
    for i, (box, stats) in enumerate(zip(c.boxes, c.stats, strict=True)):
        limits = []
        for col in box.columns:
            if col not in full.columns:
                continue
            lo, hi = box[col].iloc[0], box[col].iloc[1]
            if lo > full[col].iloc[0] or hi < full[col].iloc[1]:
                limits.append(f"{lo:.3g} ≤ {col} ≤ {hi:.3g}")
        rows.append({"leaf": i, "coverage": stats["coverage"], "density": stats["density"], "mass": stats["mass"],
                     "restricted": stats["res dim"], "limits": "; ".join(limits)})
    return pd.DataFrame(rows).sort_values("density", ascending=False).reset_index(drop=True), c


def feature_scores(x: pd.DataFrame, outcomes: dict[str, np.ndarray], seed: int = 0) -> pd.DataFrame:
    """Extra-trees feature scores (EMA's ``get_ex_feature_scores``) of every parameter for every
    outcome: classification for true/false outcomes, regression for the rest."""
    _, _, fs = _ema()
    from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

    cols = {}
    for name, y in outcomes.items():
        y = np.asarray(y)
        if len(np.unique(y)) < 2 or not np.all(np.isfinite(y.astype(float))):
            continue
        binary = y.dtype == bool
        mode = RuleInductionType.CLASSIFICATION if binary else RuleInductionType.REGRESSION
        scores, _ = fs.get_ex_feature_scores(x, y.astype(int) if binary else y.astype(float), mode=mode,
                                             random_state=seed, nr_trees=100)
        cols[name] = scores.iloc[:, 0]
    return pd.DataFrame(cols).rename_axis("parameter").reset_index()
