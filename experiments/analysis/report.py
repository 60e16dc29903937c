"""``thaw analyse DIR``: sensitivity, scenario discovery, assumption risk, survival and paired
contrasts of a results folder, written to ``DIR/analysis/`` as tables (Parquet and CSV), PNGs and
a short Markdown report.

What runs depends on the batch: indices need a sampled design (Sobol from ``saltelli``, Morris
from ``morris``, PAWN from ``lhs`` / ``sobol_sequence``), discovery needs swept parameters,
contrasts need several scenarios, survival needs Thaw's rupture times.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from experiments.analysis import PARTS
from experiments.results import Results, load
from experiments.spec import SAMPLED


@dataclass
class Analysis:
    out: Path
    files: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    conclusions: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def table(self, df: pd.DataFrame, name: str) -> None:
        df = df.reset_index(drop=True)
        for col in df.columns:  # Parquet wants one type per column
            if df[col].dtype == object:
                df[col] = df[col].astype("string")
        df.to_parquet(self.out / f"{name}.parquet", index=False)
        df.to_csv(self.out / f"{name}.csv", index=False)
        self.files += [self.out / f"{name}.parquet", self.out / f"{name}.csv"]

    def figure(self, fig, name: str) -> None:
        path = self.out / f"{name}.png"
        fig.savefig(path, dpi=110)
        self.files.append(path)
        self.lines.append(f"![{name}]({name}.png)\n")


def md_table(df: pd.DataFrame, floatfmt: str = ".3g") -> str:
    def cell(v) -> str:
        if isinstance(v, float):
            return "" if pd.isna(v) else format(v, floatfmt)
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in df.columns) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def default_parts(kind: str) -> tuple[str, ...]:
    """What ``thaw analyse`` does unasked: indices where the design supports them, discovery only
    on space-filling samples (a Saltelli or Morris sample is built for its estimator, not to map
    where an outcome happens), survival and contrasts always."""
    if kind in ("saltelli", "morris"):
        return ("sensitivity", "risk", "survival", "contrasts")
    if kind in ("lhs", "sobol_sequence"):
        return PARTS
    if kind == "grid":
        return ("discovery", "survival", "contrasts")
    return ("survival", "contrasts")


def analyse(path: str | Path, parts: list[str] | None = None, outcomes: list[str] | None = None,
            condition: str | None = None, scenario: str | None = None) -> Analysis:
    """Analyse a results folder; return what was written and the report's conclusions."""
    from experiments.analysis.discovery import DEFAULT_CONDITION

    res = load(path)
    manifest = res.manifest
    if res.runs.empty:
        raise ValueError(f"{path}: the results folder holds no finished runs yet")
    content = manifest["experiment"]["content"]
    kind = manifest["design"]["kind"]
    model = content.get("model", "thaw")
    scenario = scenario or content["scenarios"][0]
    if scenario not in content["scenarios"]:
        raise ValueError(f"--scenario {scenario!r}: not a scenario of this batch ({', '.join(content['scenarios'])})")
    condition = condition or DEFAULT_CONDITION
    unknown = set(parts or []) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown analysis part(s) {sorted(unknown)}; expected some of {', '.join(PARTS)}")
    wanted = list(parts or default_parts(kind))
    a = Analysis(Path(path) / "analysis")
    a.out.mkdir(parents=True, exist_ok=True)
    n_runs = len(res.runs)
    a.lines += [f"# Analysis of `{manifest['experiment']['name']}`\n",
                f"{content['description']}. Design `{kind}` with {len(manifest['design']['points'])} point(s) x "
                f"{manifest['replications']} replication(s) x {len(content['scenarios'])} scenario(s) = {n_runs} runs "
                f"({int((res.runs['status'] == 'ok').sum())} finished); common random numbers: "
                f"{'yes' if res.common_random_numbers else 'no'}; model `{model}`.\n"]
    importance = None
    tables: dict[str, pd.DataFrame] = {}
    if "sensitivity" in wanted or "risk" in wanted:
        t0 = time.perf_counter()
        importance, tables = _sensitivity(a, res, kind, outcomes, scenario, model, "sensitivity" in wanted)
        a.seconds["sensitivity"] = time.perf_counter() - t0
    if "risk" in wanted:
        if importance is None or importance.empty:
            a.skipped["risk"] = a.skipped.get("sensitivity", "no importance to join with sources")
        else:
            t0 = time.perf_counter()
            _risk(a, importance, model, scenario, list(res.parameters))
            a.seconds["risk"] = time.perf_counter() - t0
    if "discovery" in wanted:
        t0 = time.perf_counter()
        _discovery(a, res, condition, outcomes)
        a.seconds["discovery"] = time.perf_counter() - t0
    if "survival" in wanted:
        t0 = time.perf_counter()
        _survival(a, res)
        a.seconds["survival"] = time.perf_counter() - t0
    if "contrasts" in wanted:
        _contrasts(a, res)
    if a.skipped:
        a.lines.append("## Not done\n")
        a.lines += [f"- {k}: {v}" for k, v in a.skipped.items()]
        a.lines.append("")
    report = a.out / "report.md"
    report.write_text("\n".join(a.lines) + "\n")
    a.files.append(report)
    return a


# --------------------------------------------------------------------------------------------
def _sensitivity(a: Analysis, res: Results, kind: str, outcomes, scenario: str, model: str, write: bool):
    from experiments.analysis import figures, sensitivity
    from experiments.analysis.sources import parameter_sources

    if kind not in SAMPLED:
        a.skipped["sensitivity"] = f"a `{kind}` design has no sample to compute indices from"
        return None, {}
    names = sensitivity.outcomes_of(res, outcomes)
    pdata = sensitivity.point_data(res, names, scenario)
    classes = parameter_sources(model, scenario).set_index("parameter")["source_class"].to_dict()
    constant = [o for o in names if pdata.y[o].nunique() < 2]
    tables: dict[str, pd.DataFrame] = {}
    measure = sensitivity.MEASURE[kind][0]
    if measure == "sobol":
        first, second = sensitivity.sobol(pdata)
        tables["sobol"] = first
        if write:
            a.table(first, "sobol_indices")
            if not second.empty:
                a.table(second, "sobol_second_order")
            a.lines.append("## Sobol indices\n")
            a.lines.append(f"Saltelli cross-sample, N = {pdata.design.points} base samples, "
                           f"{len(pdata.x)} design points; SALib's estimators (Saltelli 2010 for S1, Jansen for ST), "
                           "95% intervals from 1,000 bootstrap resamples of the points. S1: the share of the "
                           "outcome's variance due to the parameter alone; ST: including its interactions.\n")
            if not first.empty:
                a.figure(figures.index_bars(first, "ST", "ST_lo", "ST_hi", "Sobol index (share of variance)",
                                            "Sobol total indices ST (bars, 95% bootstrap intervals) by source class",
                                            classes=classes), "sobol_total")
                a.figure(figures.index_bars(first, "S1", "S1_lo", "S1_hi", "Sobol index (share of variance)",
                                            "Sobol first-order indices S1 (95% bootstrap intervals) by source class",
                                            classes=classes), "sobol_first")
    elif measure == "morris":
        t = sensitivity.morris(pdata)
        tables["morris"] = t
        if write:
            a.table(t, "morris_indices")
            a.lines.append("## Morris elementary effects\n")
            a.lines.append(f"{pdata.design.trajectories} trajectories on a {pdata.design.levels}-level grid over "
                           f"{pdata.problem['num_vars']} parameters ({len(pdata.x)} design points). mu*: mean absolute "
                           "elementary effect (outcome change for a step, per full range of the parameter), with a "
                           "95% bootstrap interval; sigma: their spread (non-linearity or interactions).\n")
            if not t.empty:
                a.figure(figures.index_bars(t, "mu_star", "mu_star_lo", "mu_star_hi",
                                            "mu* (outcome units per full range)",
                                            "Morris mu* (95% bootstrap intervals), top parameters by source class",
                                            classes=classes), "morris_mu_star")
                a.figure(figures.morris_plane(t, classes=classes), "morris_plane")
    else:
        t = sensitivity.pawn(pdata)
        tables["pawn"] = t
        if write:
            a.table(t, "pawn_indices")
            a.lines.append("## PAWN indices\n")
            a.lines.append(f"Moment-independent PAWN indices from the {len(pdata.x)}-point sample: the median over ten "
                           "conditioning slices of the Kolmogorov–Smirnov distance between the outcome's distribution "
                           "with the parameter fixed in a slice and unconditionally (min–max over slices as the bar). "
                           f"`{sensitivity.DUMMY}` is a column of random numbers: indices near its value are noise.\n")
            if not t.empty:
                a.figure(figures.index_bars(t, "pawn", "pawn_min", "pawn_max", "PAWN index (KS distance)",
                                            "PAWN indices (median, min–max over slices) by source class",
                                            classes={**classes, sensitivity.DUMMY: "unclassified"}), "pawn")
    if write:
        a.table(pdata.noise, "noise_share")
        a.lines.append("### Replications and noise\n")
        streams = ("common random numbers: the same streams at every point" if res.common_random_numbers
                   else "independent streams per point")
        a.lines.append(f"Each point's outcome is the mean over its {pdata.replications} replication(s) ({streams}). "
                       "`noise_share_of_runs`: share of the run-to-run variance that is between replications of one "
                       "point; `noise_share_of_point_means`: share of the variance of the point means that is still "
                       "noise (within-point variance / replications). Indices cannot resolve effects smaller than it.\n")
        a.lines.append(md_table(pdata.noise) + "\n")
        if constant:
            a.lines.append(f"Constant over the design, so without indices: {', '.join(constant)}.\n")
    imp = sensitivity.importance(kind, tables)
    if write and not imp.empty:
        a.table(imp, "importance")
    return imp, tables


def _risk(a: Analysis, importance: pd.DataFrame, model: str, scenario: str, swept: list[str]) -> None:
    from experiments.analysis import figures, risk

    table = risk.risk_table(importance, model, scenario)
    shares = risk.class_shares(table)
    missing = risk.unswept(model, scenario, swept)
    a.table(table, "assumption_risk")
    a.table(shares.reset_index(), "assumption_risk_by_class")
    a.table(missing, "not_swept")
    measure = importance["measure"].iloc[0]
    a.lines.append("## Assumption risk\n")
    a.figure(figures.class_share_bars(shares, measure), "assumption_risk")
    a.conclusions = risk.words(table, shares, missing)
    a.lines.append(f"Each swept parameter's share of the outcome's total importance ({measure}), joined with the "
                   f"source class of its value in `{scenario}` (the leading word of its source: article, data, "
                   "derived, calibrated, assumption; \"size assumed\" marks sourced values whose size is assumed).\n")
    a.lines.append(md_table(shares.reset_index(), ".0%") + "\n")
    a.lines += [f"- {w}" for w in a.conclusions]
    a.lines.append("")


def _discovery(a: Analysis, res: Results, condition: str, outcomes) -> None:
    from experiments.analysis import discovery, figures

    if not res.parameters:
        a.skipped["discovery"] = "the design sweeps no parameters"
        return
    if condition == discovery.DEFAULT_CONDITION and "thaw_survived" not in res.runs:
        a.skipped["discovery"] = "the model has no thaw_survived outcome: give --condition"
        return
    try:
        y = discovery.condition_mask(res, condition)
    except ValueError as exc:
        a.skipped["discovery"] = str(exc)
        return
    x, ys = res.to_ema()
    a.lines.append("## Scenario discovery\n")
    a.lines.append(f"Condition: `{condition}`, true in {int(y.sum())} of {len(y)} finished runs ({y.mean():.1%}). "
                   "PRIM and CART from EMA Workbench on the runs (one row per run), via `Results.to_ema()`.\n")
    if y.sum() == 0 or y.all():
        a.skipped["discovery"] = f"the condition `{condition}` is {'never' if y.sum() == 0 else 'always'} met"
        return
    p = discovery.prim_box(x, y)
    a.table(p.trajectory, "prim_trajectory")
    a.table(p.limits, "prim_box")
    stats = p.trajectory.loc[p.chosen]
    a.figure(figures.prim_tradeoff(p.trajectory, condition), "prim_tradeoff")
    a.figure(figures.prim_limits(p.limits, condition, stats.to_dict()), "prim_box")
    a.lines.append(f"PRIM box (densest on the peeling trajectory with coverage ≥ 0.5; box {p.chosen} of "
                   f"{len(p.trajectory)}): coverage {stats['coverage']:.2f}, density {stats['density']:.2f} "
                   f"(base rate {y.mean():.2f}), mass {stats['mass']:.2f}. Limits, with quasi-p values (one-sided "
                   "binomial test that the restriction raises the density; small is significant):\n")
    a.lines.append(md_table(p.limits[["parameter", "min", "max", "range_min", "range_max", "qp_lower", "qp_upper"]])
                   + "\n")
    leaves, c = discovery.cart_leaves(x, y)
    a.table(leaves, "cart_leaves")
    a.figure(figures.cart_tree(c.clf, c.feature_names, condition), "cart_tree")
    a.lines.append("CART leaves, densest first:\n")
    a.lines.append(md_table(leaves.head(5)) + "\n")
    names = [o for o in ys if o in (outcomes or ys)]
    scores = discovery.feature_scores(x, {"condition": y, **{o: ys[o] for o in names}})
    a.table(scores, "feature_scores")
    a.lines.append("Extra-trees feature scores (EMA `get_ex_feature_scores`) for the condition and each outcome: "
                   "`feature_scores.csv`.\n")


def _survival(a: Analysis, res: Results) -> None:
    from experiments.analysis import figures

    if "months_to_rupture" not in res.runs:
        a.skipped["survival"] = "the model has no rupture times"
        return
    curves = res.survival(by="scenario")
    a.table(curves, "survival")
    if res.parameters and len(res.manifest["design"]["points"]) <= 5000:
        a.table(res.survival(by=["scenario", "point"]), "survival_by_point")
    a.figure(figures.survival_curves(curves), "survival")
    s = res.summary(by="scenario")
    cols = ["scenario", "runs", "p_survive", "p_survive_lo", "p_survive_hi", "median_months_to_rupture",
            "median_months_to_rupture_lo", "median_months_to_rupture_hi"]
    a.lines.append("## Survival of the thaw\n")
    a.lines.append("P(thaw intact by month t): the share of runs without a rupture by each month, 95% Wilson "
                   "intervals (`survival.csv`; per design point in `survival_by_point.csv`). Median months to "
                   "rupture where more than half the runs rupture (blank: more than half survive the horizon).\n")
    a.lines.append(md_table(s[[c for c in cols if c in s]]) + "\n")


def _contrasts(a: Analysis, res: Results) -> None:
    if res.runs["scenario"].nunique() < 2:
        a.skipped["contrasts"] = "one scenario: nothing to contrast"
        return
    t = res.contrasts()
    a.table(t, "contrasts")
    kind = "paired by replicate under common random numbers" if res.common_random_numbers else \
        "matched by replicate number only (no common random numbers: the pairs share no streams)"
    a.lines.append("## Differences from the reference scenario\n")
    a.lines.append(f"Each scenario minus `{res.reference}`, {kind}; mean difference with a 95% paired t-interval.\n")
    cols = ["scenario", "point", "pairs", "d_p_survive", "d_p_survive_lo", "d_p_survive_hi", "d_final_jk_affinity",
            "d_final_jk_affinity_lo", "d_final_jk_affinity_hi"]
    a.lines.append(md_table(t[[c for c in cols if c in t]].head(30)) + "\n")
