"""The ``thaw`` command line: list, show, validate and run scenarios.

Every expected failure (a bad scenario, an unknown key, a value out of range, a missing file, an
unwritable output folder) ends with exit status 2 and one paragraph saying what was wrong, never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from model import ScenarioError, ThawModel, list_scenarios, load_scenario
from model.catalogue import MOVES
from model.scenario import resolved_parameters

EXIT_USAGE = 2


class CliError(Exception):
    """An input problem to report in one paragraph with exit status 2."""


def parse_value(text: str) -> Any:
    """A ``--set`` value as TOML reads it (0.4, true, "x"); bare words stay text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_sets(items: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--set {item!r}: expected KEY=VALUE, e.g. --set states.USA.commitment=0.4")
        out[key.strip()] = parse_value(value.strip())
    return out


# ---------------------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    scenarios = list_scenarios()
    if not scenarios:
        raise CliError("no scenario files found (looked in $THAW_SCENARIO_PATH, ./scenarios and the project's scenarios/)")
    width = max(map(len, scenarios))
    for name, path in scenarios.items():
        try:
            desc = load_scenario(path).params.description
        except ScenarioError as exc:
            desc = f"INVALID: {exc}"
        print(f"{name:<{width}}  {textwrap.shorten(desc, 100)}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    sc = load_scenario(args.scenario, parse_sets(args.set))
    p = sc.params
    print(f"{p.name}: {p.description}")
    print(f"  article: {textwrap.shorten(p.article_passage, 110)}")
    print(f"  files: {' <- '.join(str(f) for f in sc.files)}")
    print(f"  start {p.start}, {p.months} months; hash {sc.hash}")
    off = [k for k, v in p.mechanisms.model_dump().items() if not v]
    print(f"  mechanisms off: {', '.join(off) or 'none'}")
    print()
    rows = resolved_parameters(sc)
    width = max(len(k) for k, _, _ in rows)
    for key, value, source in rows:
        print(f"{key:<{width}}  {value!s:>8}  {source}")
    for code in ("JPN", "KOR", "CHN", "USA"):
        print(f"{'states.' + code + '.leader.name':<{width}}  {getattr(p.states, code).leader.name}")
    if p.events:
        print(f"\n{len(p.events)} scheduled events:")
        for e in p.events:
            arrow = f"{e.source}->{e.target}" if e.target else e.source
            print(f"  {e.date:<10} {arrow:<8} {e.kind:<15} {e.move or '':<22} {e.description}  [{e.ref}]")
    if p.elections:
        print(f"\n{len(p.elections)} elections:")
        for el in p.elections:
            names = ", ".join(f"{c.name} ({c.probability:.0%})" for c in el.candidates)
            print(f"  {el.date:<10} {el.state}  {names}  [{el.ref}]")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    failures = 0
    for f in args.files:
        try:
            sc = load_scenario(Path(f))
            print(f"ok       {f}  ({sc.name}, {len(resolved_parameters(sc))} sourced values)")
        except ScenarioError as exc:
            failures += 1
            print(f"INVALID  {exc}", file=sys.stderr)
    return EXIT_USAGE if failures else 0


def cmd_run(args: argparse.Namespace) -> int:
    overrides = parse_sets(args.set)
    if args.months is not None and args.months < 1:
        raise CliError(f"--months {args.months}: expected a whole number of months, at least 1")
    model = ThawModel(args.scenario, rng=args.seed, months=args.months, **overrides).run()
    summary = model.summary()
    print(format_summary(model, summary, args.seed))
    if args.out:
        write_outputs(model, summary, Path(args.out), args.format, args.seed, overrides)
    return 0


def format_summary(model: ThawModel, s: dict[str, Any], seed: int | None) -> str:
    out = model.outcomes()
    last = out.iloc[-1]
    first_date, last_date = out["date"].iloc[0], out["date"].iloc[-1]
    mtr = s["months_to_rupture"]
    rupt = "—" if mtr is None else f"{mtr} (in {out['date'].iloc[mtr - 1]})"
    ev = model.events()
    kinds = ev["move"].map(lambda m: MOVES[m].kind).value_counts()
    lines = [
        f"Thaw — {s['scenario']} (seed {seed}, {s['months']} months, {first_date} … {last_date})",
        f"  thaw survived            {'yes' if s['thaw_survived'] else 'no'}",
        f"  months to rupture        {rupt}",
        f"  coercion episodes        {s['coercion_episodes']} (backfired: {s['coercion_backfired']})",
        f"  agreements formed        {s['agreements_formed']} (in force at the end: {int(last['agreements'])})",
        f"Final month ({last_date}):",
        f"  Japan–Korea affinity     {last['jk_affinity']:+.2f}   (-1 hostile … +1 close)",
        f"  cooperation index        {last['jk_cooperation']:+.1f}   (12-month Goldstein sum, JPN<->KOR)",
        f"  Koreans favourable to JP  {last['kor_fav_jpn']:.1f} %",
        f"  Japanese favourable to KR {last['jpn_fav_kor']:.1f} %",
        f"  trilateral cohesion      {last['trilateral_cohesion']:+.2f}",
        f"  US credibility           {last['us_credibility']:.2f}",
        f"  threat of China (JP, KR) {last['jpn_threat_chn']:.2f}, {last['kor_threat_chn']:.2f}",
        f"  trade lost (JP, KR, CN)  {last['trade_loss_jpn']:.2f}, {last['trade_loss_kor']:.2f}, "
        f"{last['trade_loss_chn']:.2f} % of GDP (annualised)",
        f"Moves: {len(ev)} — " + ", ".join(f"{k} {n}" for k, n in kinds.items()),
        f"Chinese coercive moves: {int(out['china_coercion'].sum())}",
    ]
    if model.leader_log:
        lines.append("Leaders: " + "; ".join(f"{d} {c} {n} ({how})" for _, d, c, n, how in model.leader_log))
    return "\n".join(lines)


def write_outputs(model: ThawModel, summary: dict[str, Any], out: Path, fmt: str, seed: int | None,
                  overrides: dict[str, Any]) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        outcomes, events = model.outcomes(), model.events()
        if fmt == "csv":
            outcomes.to_csv(out / "outcomes.csv", index=False)
            events.to_csv(out / "events.csv", index=False)
        else:
            outcomes.to_parquet(out / "outcomes.parquet", index=False)
            events.to_parquet(out / "events.parquet", index=False)
        meta = {**summary, "seed": seed, "scenario_hash": model.config.hash, "overrides": overrides,
                "files": [str(f) for f in model.config.files]}
        (out / "summary.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    except OSError as exc:
        raise CliError(f"--out {out}: cannot write results there ({exc.strerror}); expected a writable folder") from None
    print(f"Wrote outcomes, events ({fmt}) and summary.json to {out}")


def cmd_batch(args: argparse.Namespace) -> int:
    from experiments.batch import run_batch
    from experiments.executors import EXECUTORS
    from experiments.results import load

    if args.executor not in EXECUTORS:
        raise CliError(f"--executor {args.executor!r}: expected one of {', '.join(EXECUTORS)}")
    if args.workers is not None and args.workers < 1:
        raise CliError(f"--workers {args.workers}: expected a whole number of worker processes, at least 1")
    if args.scheduler and args.executor != "dask":
        raise CliError("--scheduler is for --executor dask")
    try:
        report = run_batch(args.file, out=args.out, executor=args.executor, workers=args.workers,
                           scheduler=args.scheduler, replications=args.replications, resume=args.resume,
                           quiet=args.quiet)
    except KeyboardInterrupt:
        print(f"thaw batch: interrupted; finished runs are saved. Continue with: thaw batch {args.file} "
              f"--resume{' --out ' + args.out if args.out else ''}", file=sys.stderr)
        return 130
    rate = report.done / report.seconds if report.seconds > 0 else float("nan")
    print(f"{report.done} runs in {report.seconds:.1f} s ({rate:.0f} runs/s); {report.skipped} already done; "
          f"results in {report.out}")
    results = load(report.out)
    print()
    if results.manifest["design"]["kind"] in ("lhs", "sobol"):
        # a sample has too many points, each with few runs, for a per-point table to say anything
        print(format_table(results.summary(by="scenario")))
        print(f"Per design point: experiments.load({str(report.out)!r}).summary()")
    else:
        table = format_table(results.summary()).splitlines()
        shown = table[:41] + ([f"… {len(table) - 42} more rows: experiments.load({str(report.out)!r}).summary()",
                               table[-1]] if len(table) > 42 else table[41:])
        print("\n".join(shown))
    if report.failed:
        print(f"\nthaw batch: {report.failed} run(s) failed (run ids {report.failures[:10]}"
              f"{' …' if report.failed > 10 else ''}); their tracebacks are in the `error` column of the runs "
              f"table: experiments.load({str(report.out)!r}).runs", file=sys.stderr)
        return 1
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from experiments.plotset import write_standard_plots

    try:
        files = write_standard_plots(args.results, args.out)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    folder = files[0].parent if files else args.out
    print(f"Wrote {len(files)} plots to {Path(folder).resolve()}:")
    for f in files:
        print(f"  {f.name}")
    return 0


def cmd_hindcast(args: argparse.Namespace) -> int:
    from experiments.calibration.posterior import PosteriorError
    from experiments.hindcast import format_fit, run_hindcast

    if args.replications < 1:
        raise CliError(f"--replications {args.replications}: expected at least 1")
    try:
        table, fits = run_hindcast(args.replications, args.out, executor=args.executor, workers=args.workers,
                                   quiet=args.quiet, parameters=args.parameters)
    except OSError as exc:
        raise CliError(f"--out {args.out}: cannot write the CSV there ({exc.strerror})") from None
    except PosteriorError as exc:
        raise CliError(str(exc)) from None
    print(f"Wrote {args.out}: {len(table)} rows (series x year 2013-2025), simulated poll readings "
          f"({'posterior draws' if args.parameters == 'posterior' else 'scenario values'})")
    print(format_fit(fits, table))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from experiments.calibration.runner import QUICK, Budget, apply

    try:
        import pyabc  # noqa: F401
    except ImportError:
        raise CliError("needs the optional extra: pip install 'thaw-sim[calibration]' (pyabc)") from None
    budget = QUICK if args.quick else Budget()
    for name in ("population", "generations", "min_epsilon", "max_minutes", "workers", "seed"):
        value = getattr(args, name)
        if value is not None:
            budget = Budget(**{**budget.__dict__, name: value})
    try:
        budget.check()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    from experiments.calibration.runner import calibrate

    out = Path(args.out)
    try:
        record = calibrate(out, budget)
    except OSError as exc:
        raise CliError(f"--out {out}: cannot write there ({exc.strerror}); expected a writable folder") from None
    for key, e in record["parameters"].items():
        print(f"  {key:<40} mean {e['mean']:>8.4g}  90% [{e['q05']:.4g}, {e['q95']:.4g}]  shrinkage {e['shrinkage']:+.2f}")
    if args.apply:
        for path in apply(out):
            print(f"Applied: wrote {path}")
    else:
        print(f"Not applied: the package's posterior is unchanged (thaw calibrate --out {out} --apply to ship it)")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from experiments import backtest

    try:
        import pyabc  # noqa: F401
    except ImportError:
        raise CliError("needs the optional extra: pip install 'thaw-sim[calibration]' (pyabc)") from None
    origins = tuple(args.origin) if args.origin else backtest.ORIGINS
    bad = [o for o in origins if not 2014 <= o <= 2024]
    if bad:
        raise CliError(f"--origin {bad[0]}: expected a year from 2014 to 2024 (a wave before it and one after)")
    folder = Path(args.out).resolve().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise CliError(f"--out {args.out}: {folder} is not a writable folder; expected a CSV path in one")
    budget, draws = (backtest.QUICK, backtest.QUICK_DRAWS) if args.quick else (backtest.BUDGET, backtest.DRAWS)
    try:
        table, scores = backtest.run_backtest(origins, budget, draws, args.out)
    except OSError as exc:
        raise CliError(f"--out {args.out}: cannot write the CSV there ({exc.strerror})") from None
    print(f"Wrote {args.out}: {len(table)} forecasts")
    print(backtest.format_scores(scores, budget, draws))
    return 0


def format_table(summary) -> str:
    """The summary as a readable text table: estimates with their 95% intervals."""
    import pandas as pd

    keys = [c for c in summary.columns if c in ("scenario",) or "." in c]
    out = summary[keys].copy()
    out["runs"] = summary["runs"]

    def ci(col: str, fmt: str) -> pd.Series:
        return summary.apply(lambda r: f"{r[col]:{fmt}} [{r[col + '_lo']:{fmt}}, {r[col + '_hi']:{fmt}}]"
                             if pd.notna(r[col + "_lo"]) else f"{r[col]:{fmt}}", axis=1)

    out["P(thaw survives)"] = ci("p_survive", ".2f")
    out["JK affinity (end)"] = ci("final_jk_affinity", "+.2f")
    out["cohesion (end)"] = ci("final_trilateral_cohesion", "+.2f")
    out["KOR fav. JPN % (end)"] = ci("final_kor_fav_jpn", ".1f")
    out["coercion episodes"] = ci("coercion_episodes", ".1f")
    out["backfired"] = ci("coercion_backfired", ".1f")
    if summary["failed"].any():
        out["failed"] = summary["failed"]
    return out.to_string(index=False) + "\n(means over runs with 95% intervals: t for means, Wilson for P)"


# ---------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="thaw", description="Thaw: Japan–Korea relations under Chinese coercion, agent-based.")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list the scenarios, one line each")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="print a scenario's resolved parameters with their sources")
    p.add_argument("scenario", help="scenario name or TOML file")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("run", help="run one scenario once and print a summary")
    p.add_argument("scenario", help="scenario name or TOML file")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: fresh entropy)")
    p.add_argument("--months", type=int, default=None, help="horizon in months (default: the scenario's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter by dotted path, e.g. states.USA.commitment=0.4 (repeatable)")
    p.add_argument("--out", default=None, metavar="DIR", help="write outcomes, events and summary.json here")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="format of --out tables")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("batch", help="run an experiment file: scenarios x design x replications")
    p.add_argument("file", help="experiment TOML file, or the name of a shipped one")
    p.add_argument("--out", default=None, metavar="DIR", help="results folder (default: results/<experiment name>)")
    p.add_argument("--executor", default="processes", help="serial, processes (default) or dask")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler (default: a LocalCluster)")
    p.add_argument("--replications", type=int, default=None, help="override the file's replications")
    p.add_argument("--resume", action="store_true", help="run only the runs missing from --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("plot", help="write the standard PNGs for a results folder")
    p.add_argument("results", metavar="RESULTS_DIR", help="a folder written by thaw batch")
    p.add_argument("--out", default=None, metavar="DIR", help="where to write (default: RESULTS_DIR/plots)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("hindcast", help="replay 2013-2025 and compare simulated poll readings with every wave")
    p.add_argument("--replications", type=int, default=100, help="runs of the hindcast (default 100)")
    p.add_argument("--out", default="hindcast.csv", metavar="FILE", help="CSV to write (default hindcast.csv)")
    p.add_argument("--parameters", choices=("posterior", "scenario"), default="posterior",
                   help="each run draws a posterior sample (default) or uses the scenario's values")
    p.add_argument("--executor", default="processes", help="serial, processes (default) or dask")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_hindcast)

    p = sub.add_parser("calibrate", help="ABC-SMC calibration on the 2013-2025 record (needs the calibration extra)")
    p.add_argument("--out", default="results/calibration", metavar="DIR",
                   help="folder for posterior.csv, posterior.json and pyabc's abc.db (default results/calibration)")
    p.add_argument("--apply", action="store_true",
                   help="also copy the posterior into model/data/ (tracked files: only when asked)")
    p.add_argument("--quick", action="store_true", help="a tiny budget, to check that it runs (seconds)")
    p.add_argument("--population", type=int, default=None, help="particles per generation (default 160)")
    p.add_argument("--generations", type=int, default=None, help="at most this many generations (default 8)")
    p.add_argument("--min-epsilon", type=float, default=None, help="stop when the threshold falls below this")
    p.add_argument("--max-minutes", type=float, default=None, help="wall-time limit, minutes (default 13)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default 2)")
    p.add_argument("--seed", type=int, default=None, help="seed of the whole calibration (default 2013)")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("backtest", help="rolling-origin backtest: fit to an origin, forecast the next waves")
    p.add_argument("--out", default="backtest.csv", metavar="FILE", help="CSV of forecasts (default backtest.csv)")
    p.add_argument("--origin", type=int, action="append", default=None,
                   help="origin year (repeatable; default 2016 2018 2019 2021 2023)")
    p.add_argument("--quick", action="store_true", help="a tiny budget per origin, to check that it runs")
    p.set_defaults(func=cmd_backtest)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ScenarioError, CliError) as exc:
        print(f"thaw {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"thaw {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

