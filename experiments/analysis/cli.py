"""The ``thaw analyse`` subcommand: its arguments and its printout (registered in experiments.cli)."""

from __future__ import annotations

import argparse
import time

from experiments.analysis import PARTS


def add_parser(sub, func) -> None:
    p = sub.add_parser("analyse", help="sensitivity, discovery, assumption risk and survival of a results folder",
                       description="Analyse a folder written by thaw batch; writes tables (Parquet and CSV), PNGs "
                                   "and report.md into RESULTS_DIR/analysis/.")
    p.add_argument("results", metavar="RESULTS_DIR", help="a folder written by thaw batch")
    p.add_argument("parts", nargs="*", metavar="PART",
                   help=f"what to do: some of {', '.join(PARTS)} (default: all that the batch supports)")
    p.add_argument("--outcome", action="append", default=None, metavar="NAME",
                   help="summary outcome to analyse (repeatable; default: survival, affinity, cohesion, opinion, "
                        "coercion episodes)")
    p.add_argument("--condition", default=None, metavar="EXPR",
                   help="discovery: the runs of interest, a pandas expression over the runs table "
                        "(default: 'thaw_survived == False'; dotted names in backticks)")
    p.add_argument("--scenario", default=None, help="scenario whose design points are analysed (default: the first)")
    p.set_defaults(func=func)


def run(args: argparse.Namespace) -> int:
    from experiments.analysis.report import analyse
    from experiments.cli import CliError

    t0 = time.perf_counter()
    try:
        a = analyse(args.results, parts=args.parts or None, outcomes=args.outcome, condition=args.condition,
                    scenario=args.scenario)
    except ValueError as exc:
        raise CliError(f"{args.results}: {exc}") from None
    print(f"Wrote {len(a.files)} files to {a.out} in {time.perf_counter() - t0:.1f} s "
          f"(report: {a.out / 'report.md'})")
    print("  " + ", ".join(f"{part} {sec:.1f} s" for part, sec in a.seconds.items()))
    for part, why in a.skipped.items():
        print(f"  not done: {part}: {why}")
    for line in a.conclusions:
        print(f"- {line.replace('**', '').replace('`', '')}")
    return 0


def format_contrasts(table) -> str:
    """Paired differences from the reference scenario, as a text table."""
    import pandas as pd

    from experiments.cli import COLUMNS

    out = table[["scenario"]].copy()
    if table["point"].nunique() > 1:
        out["point"] = table["point"]
    out["pairs"] = table["pairs"]

    def cell(r, d: str, fmt: str) -> str:
        if pd.notna(r[d + "_lo"]):
            return f"{r[d]:{fmt}} [{r[d + '_lo']:{fmt}}, {r[d + '_hi']:{fmt}}]"
        return f"{r[d]:{fmt}}"

    for col, label, fmt in COLUMNS:
        d = f"d_{col}"
        if d in table:
            sign = "+" + fmt.lstrip("+")  # a difference always shows its sign
            out["Δ " + label] = table.apply(cell, axis=1, d=d, fmt=sign)
    ref = table["reference"].iloc[0]
    return (f"Difference from {ref!r}, paired by replicate (common random numbers):\n" + out.to_string(index=False)
            + "\n(mean paired difference with a 95% paired t-interval)")
