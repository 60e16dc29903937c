"""The assumption-risk report: how much of each outcome's sensitivity rests on assumed numbers.

Every swept parameter's importance (its share of the outcome's total, from the design's index)
is joined with the source class of its value in the analysed scenario. An outcome whose
importance lies mostly on assumption-sourced parameters is a conclusion the sources do not yet
carry; a sourced parameter that is not in the sweep is one whose uncertainty the batch has not
tested.
"""

from __future__ import annotations

import pandas as pd

from experiments.analysis.sources import CLASSES, parameter_sources

#: Above this share of importance on assumptions, an outcome's conclusion "rests mainly on assumptions".
MAINLY = 0.5


def risk_table(importance: pd.DataFrame, model: str, scenario: str) -> pd.DataFrame:
    """Importance per (outcome, parameter) with the parameter's source text and class."""
    src = parameter_sources(model, scenario).set_index("parameter")
    t = importance.copy()
    t["source_class"] = t["parameter"].map(src["source_class"]).fillna("unclassified")
    t["size_assumed"] = t["parameter"].map(src["size_assumed"]).fillna(False).astype(bool)
    t["source"] = t["parameter"].map(src["source"]).fillna("")
    return t


def class_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: the share of importance on each source class (rows sum to 1)."""
    shares = table.pivot_table(index="outcome", columns="source_class", values="share", aggfunc="sum", fill_value=0.0)
    order = [c for c in (*CLASSES, "unclassified") if c in shares.columns]
    return shares[order]


def unswept(model: str, scenario: str, swept: list[str]) -> pd.DataFrame:
    """The scenario's parameters the design leaves at their values, with their classes."""
    src = parameter_sources(model, scenario)
    return src[~src["parameter"].isin(swept)].reset_index(drop=True)


def words(table: pd.DataFrame, shares: pd.DataFrame, missing: pd.DataFrame, top: int = 5) -> list[str]:
    """The report's conclusions, one paragraph per outcome and one on what the sweep leaves out."""
    out = []
    swept = table.drop_duplicates("parameter")
    base = float((swept["source_class"] == "assumption").mean()) if len(swept) else 0.0
    for outcome, row in shares.iterrows():
        a = float(row.get("assumption", 0.0))
        t = table[table["outcome"] == outcome].sort_values("rank").head(top)
        drivers = ", ".join(f"`{r.parameter}` ({r.source_class}{', size assumed' if r.size_assumed else ''}, "
                            f"{r.share:.0%})" for r in t.itertuples())
        verdict = ("rests mainly on assumptions" if a > MAINLY else
                   "rests mainly on sourced numbers" if a < 1 - MAINLY else "rests about equally on both")
        n_top_assumed = int((t["source_class"] == "assumption").sum())
        out.append(f"**{outcome}** {verdict}: {a:.0%} of its importance lies on assumption-sourced parameters "
                   f"(which are {base:.0%} of the swept ones), {n_top_assumed} of its top {len(t)} drivers are "
                   f"assumptions. Top drivers: {drivers}.")
    if len(missing):
        counts = missing["source_class"].value_counts()
        listed = ", ".join(f"{n} {c}" for c, n in counts.items())
        sourced = missing[missing["source_class"] != "assumption"]
        names = ", ".join(f"`{p}`" for p in sourced["parameter"].head(12))
        more = f" and {len(sourced) - 12} more" if len(sourced) > 12 else ""
        out.append(f"Not in the sweep: {len(missing)} parameters ({listed}). Sourced ones left at their values: "
                   f"{names or 'none'}{more}.")
    else:
        out.append("Every numeric parameter of the scenario is in the sweep.")
    return out
