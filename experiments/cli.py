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
from model.scenario import resolved_parameters, shipped_scenario_dir

EXIT_USAGE = 2
MAX_MONTHS = 1200  # the schema's bound on a scenario's horizon


class CliError(Exception):
    """An input problem to report in one paragraph with exit status 2."""


def parse_value(text: str) -> Any:
    """A ``--set`` value as TOML reads it (0.4, true, "x"); bare words stay text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError, KeyError):
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
    shipped = shipped_scenario_dir()
    for name, path in scenarios.items():
        try:
            desc = load_scenario(path).params.description
        except ScenarioError as exc:
            desc = f"INVALID: {exc}"
        own = shipped / f"{name}.toml" if shipped else None
        if own is not None and own.is_file() and own.resolve() != path.resolve():
            desc = f"[{path} shadows the shipped one] {desc}"
        print(f"{name:<{width}}  {textwrap.shorten(desc, 100 if not desc.startswith('[') else 200)}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    if args.diff:
        from experiments.scenario_diff import format_diff

        print(format_diff(args.scenario, parse_sets(args.set)))
        return 0
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
    if args.months is not None and not 1 <= args.months <= MAX_MONTHS:
        raise CliError(f"--months {args.months}: expected a whole number of months from 1 to {MAX_MONTHS}")
    if args.seed is not None and not 0 <= args.seed < 2**128:
        raise CliError(f"--seed {args.seed}: expected a whole number from 0 to 2**128 - 1")
    seed = args.seed
    if seed is None:  # drawn here, not left to fresh entropy inside the model, so it can be printed and recorded
        import secrets

        seed = secrets.randbits(32)
        print(f"(no --seed given: drew seed {seed}; repeat this run with --seed {seed})")
    # overrides go into the scenario, not into ThawModel's keywords: `--set months=24` is a parameter too
    model = ThawModel(load_scenario(args.scenario, overrides), rng=seed, months=args.months).run()
    summary = model.summary()
    print(format_summary(model, summary, seed))
    if args.out:
        write_outputs(model, summary, Path(args.out), args.format, seed, overrides)
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
            model.trade_cuts().to_csv(out / "trade_cuts.csv", index=False)
        else:
            outcomes.to_parquet(out / "outcomes.parquet", index=False)
            events.to_parquet(out / "events.parquet", index=False)
            model.trade_cuts().to_parquet(out / "trade_cuts.parquet", index=False)
        meta = {**summary, "seed": seed, "scenario_hash": model.config.hash, "overrides": overrides,
                "files": [str(f) for f in model.config.files]}
        (out / "summary.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    except OSError as exc:
        raise CliError(f"--out {out}: cannot write results there ({exc.strerror}); expected a writable folder") from None
    print(f"Wrote outcomes, events, trade_cuts ({fmt}) and summary.json to {out}")


def cmd_batch(args: argparse.Namespace) -> int:
    from experiments.batchcmd import cmd_batch as run

    return run(args)


def cmd_plot(args: argparse.Namespace) -> int:
    from experiments.plotset import write_standard_plots

    if args.out is not None and Path(args.out).exists() and not Path(args.out).is_dir():
        raise CliError(f"--out {args.out}: is a file; expected a folder for the PNGs (new or existing)")
    try:
        files = write_standard_plots(args.results, args.out)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    folder = files[0].parent if files else args.out
    print(f"Wrote {len(files)} plots to {Path(folder).resolve()}:")
    for f in files:
        print(f"  {f.name}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from experiments.results import load
    from experiments.tables import summary_text

    try:
        print(summary_text(load(args.results)))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from experiments.tables import export

    try:
        files = export(args.results, args.out, args.format)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    print(f"Wrote {len(files)} tables ({args.format}) to {files[0].parent.resolve()}: {', '.join(f.name for f in files)}")
    return 0


def cmd_explore(args: argparse.Namespace) -> int:
    from experiments.explorer.serve import ExploreError, serve

    try:
        return serve(args.results, port=args.port)
    except ExploreError as exc:
        raise CliError(str(exc)) from None


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


def _budget(budget, args: argparse.Namespace, names: tuple[str, ...]):
    """The budget with the options the user gave, checked (a clear message, not a traceback)."""
    from experiments.calibration.runner import Budget

    for name in names:
        value = getattr(args, name)
        if value is not None:
            budget = Budget(**{**budget.__dict__, name: value})
    try:
        budget.check()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return budget


def cmd_calibrate(args: argparse.Namespace) -> int:
    from experiments.calibration.runner import QUICK, Budget, apply

    try:
        import pyabc  # noqa: F401
    except ImportError:
        raise CliError("needs the optional extra: pip install 'thaw-sim[calibration]' (pyabc)") from None
    budget = _budget(QUICK if args.quick else Budget(), args,
                     ("population", "generations", "min_epsilon", "max_minutes", "workers", "seed"))
    from experiments.calibration.runner import calibrate

    out = Path(args.out)
    try:
        record = calibrate(out, budget)
    except OSError as exc:
        raise CliError(f"--out {out}: cannot write there ({exc.strerror}); expected a writable folder") from None
    for key, e in record["parameters"].items():
        print(f"  {key:<40} mean {e['mean']:>8.4g}  90% [{e['q05']:.4g}, {e['q95']:.4g}]  shrinkage {e['shrinkage']:+.2f}")
    if args.apply:
        from experiments.calibration.defaults import apply_defaults

        for path in apply(out):
            print(f"Applied: wrote {path}")
        scenarios = Path(__file__).resolve().parent.parent / "scenarios"
        for name, keys in apply_defaults(record, scenarios).items():
            print(f"Applied: {scenarios / name}: {len(keys)} single-run defaults set to the posterior medians")
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
    if Path(args.out).is_dir():  # refused now, not after every origin's fit
        raise CliError(f"--out {args.out}: is a folder; expected the path of a CSV file")
    budget, draws = (backtest.QUICK, backtest.QUICK_DRAWS) if args.quick else (backtest.BUDGET, backtest.DRAWS)
    budget = _budget(budget, args, ("population", "generations", "max_minutes"))
    try:
        table, scores = backtest.run_backtest(origins, budget, draws, args.out, weighted=not args.unweighted)
    except backtest.ForecastError as exc:
        raise CliError(f"backtest: {exc}") from None
    except OSError as exc:
        raise CliError(f"--out {args.out}: cannot write the CSV there ({exc.strerror})") from None
    print(f"Wrote {args.out}: {len(table)} forecasts")
    print(backtest.format_scores(scores, budget, draws, table, weighted=not args.unweighted))
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    from experiments.analysis.cli import run

    return run(args)


def format_table(summary) -> str:
    """The summary as a readable text table: estimates with their 95% intervals."""
    import pandas as pd

    keys = [c for c in summary.columns if c in ("scenario",) or "." in c]
    out = summary[keys].copy()
    out["runs"] = summary["runs"]

    def num(v, fmt: str) -> str:
        return "—" if pd.isna(v) else f"{v:{fmt}}"  # e.g. no median rupture month: most runs survive

    def ci(col: str, fmt: str) -> pd.Series:
        return summary.apply(lambda r: f"{num(r[col], fmt)} [{num(r[col + '_lo'], fmt)}, {num(r[col + '_hi'], fmt)}]"
                             if pd.notna(r[col]) and pd.notna(r[col + "_lo"]) else num(r[col], fmt), axis=1)

    for col, label, fmt in COLUMNS:
        if col in summary:  # a test model has other outcomes
            out[label] = ci(col, fmt)
    if summary["failed"].any():
        out["failed"] = summary["failed"]
    return out.to_string(index=False) + ("\n(means over runs with 95% intervals: t for means, bootstrap for counts, "
                                         "Wilson for P; median months to rupture from the survival curve)")


COLUMNS = (("p_survive", "P(thaw survives)", ".2f"), ("median_months_to_rupture", "median rupture month", ".0f"),
           ("final_jk_affinity", "JK affinity (end)", "+.2f"), ("final_trilateral_cohesion", "cohesion (end)", "+.2f"),
           ("final_kor_fav_jpn", "KOR fav. JPN % (end)", ".1f"), ("coercion_episodes", "coercion episodes", ".1f"),
           ("coercion_backfired", "backfired", ".1f"))


# ---------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="thaw", description="Thaw: Japan–Korea relations under Chinese coercion, agent-based.")
    ap.add_argument("--version", action="version", version=f"thaw {_version()}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list the scenarios, one line each")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="print a scenario's resolved parameters with their sources")
    p.add_argument("scenario", help="scenario name or TOML file")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")
    p.add_argument("--diff", action="store_true", help="print only what the scenario changes against the one it extends")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("run", help="run one scenario once and print a summary")
    p.add_argument("scenario", help="scenario name or TOML file")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: drawn, printed and recorded)")
    p.add_argument("--months", type=int, default=None, help="horizon in months (default: the scenario's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter by dotted path, e.g. states.USA.commitment=0.4 (repeatable)")
    p.add_argument("--out", default=None, metavar="DIR", help="write outcomes, events and summary.json here")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="format of --out tables")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("batch", help="run an experiment file: scenarios x design x replications")
    from experiments.batchcmd import add_arguments

    add_arguments(p)
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("plot", help="write the standard PNGs for a results folder")
    p.add_argument("results", metavar="RESULTS_DIR", help="a folder written by thaw batch")
    p.add_argument("--out", default=None, metavar="DIR", help="where to write (default: RESULTS_DIR/plots)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("summary", help="reprint a results folder's summary table")
    p.add_argument("results", metavar="RESULTS_DIR", help="a folder written by thaw batch")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("export", help="write a results folder's tidy tables as CSV or Parquet")
    p.add_argument("results", metavar="RESULTS_DIR", help="a folder written by thaw batch")
    p.add_argument("--format", choices=("csv", "parquet"), default="csv", help="table format (default csv)")
    p.add_argument("--out", default=None, metavar="DIR", help="where to write (default: RESULTS_DIR/export)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("explore", help="serve the ensemble explorer on http://127.0.0.1 (offline)")
    p.add_argument("results", nargs="?", default=None, metavar="RESULTS_DIR", help="a folder written by thaw batch")
    p.add_argument("--port", type=int, default=8866, help="TCP port on 127.0.0.1 (default 8866)")
    p.set_defaults(func=cmd_explore)

    from experiments.analysis.cli import add_parser as add_analyse

    add_analyse(sub, cmd_analyse)

    p = sub.add_parser("hindcast", help="replay 2013-2025 and compare simulated poll readings with every wave")
    p.add_argument("--replications", type=int, default=1000,
                   help="runs of the hindcast (default 1000; with 100 the medians move the RMSE by about 0.4)")
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
                   help="also copy the posterior into model/data/ and set the scenarios' calibrated single-run "
                        "defaults to its medians (tracked files: only when asked)")
    p.add_argument("--quick", action="store_true", help="a tiny budget, to check that it runs (seconds)")
    p.add_argument("--population", type=int, default=None, help="particles per generation (default 160)")
    p.add_argument("--generations", type=int, default=None, help="at most this many generations (default 8)")
    p.add_argument("--min-epsilon", type=float, default=None, help="stop when the threshold falls below this")
    p.add_argument("--max-minutes", type=float, default=None, help="wall-time limit, minutes (default 13)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default 2)")
    p.add_argument("--seed", type=int, default=None, help="seed of the whole calibration (default 2013)")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("backtest", help="rolling-origin backtest: fit to an origin, forecast the next waves "
                                        "from runs weighed by the origin's last waves")
    p.add_argument("--out", default="backtest.csv", metavar="FILE", help="CSV of forecasts (default backtest.csv)")
    p.add_argument("--origin", type=int, action="append", default=None,
                   help="origin year (repeatable; default 2016 2018 2019 2021 2023)")
    p.add_argument("--quick", action="store_true", help="a tiny budget per origin, to check that it runs")
    p.add_argument("--population", type=int, default=None, help="particles per generation and origin (default 80)")
    p.add_argument("--generations", type=int, default=None, help="at most this many generations per origin (default 5)")
    p.add_argument("--max-minutes", type=float, default=None, help="wall-time limit per origin, minutes (default 5)")
    p.add_argument("--unweighted", action="store_true",
                   help="count every forecast run alike, without the origin's waves (for comparison)")
    p.set_defaults(func=cmd_backtest)
    return ap


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("thaw-sim")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def glue_option_values(argv: Sequence[str], options: tuple[str, ...] = ("--set",)) -> list[str]:
    """``--set VALUE`` as ``--set=VALUE``: argparse would read a value that starts with ``-`` (such as
    ``--set -x=1``) as an unknown option; glued, it reaches the loader, which says what is wrong."""
    out: list[str] = []
    it = iter(argv)
    for a in it:
        if a in options:
            nxt = next(it, None)
            out.append(a if nxt is None else f"{a}={nxt}")
        else:
            out.append(a)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(glue_option_values(sys.argv[1:] if argv is None else argv))
    try:
        return args.func(args)
    except (ScenarioError, CliError) as exc:
        print(f"thaw {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RecursionError:
        print(f"thaw {args.command}: an input is nested too deeply to be read", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"thaw {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

