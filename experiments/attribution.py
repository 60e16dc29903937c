"""Mechanism attribution: each scenario's P(thaw survives) and end-of-horizon outcomes, with every
mechanism switched off in turn.

``python -m experiments.attribution --hindcast 30`` instead replays the 2013–2025 hindcast and
prints the Korean and Japanese medians at the poll waves against the record, the months in which
ruptures start, and the decided move rates per (source, target, kind) against ``events.csv``.

``python -m experiments.attribution --fall 1000 --parameters posterior`` asks what holds the hindcast's
2019 fall back: Korean favourability of Japan in June 2019 and October 2020 (the record's waves
either side of the 2019 measures) and the run-by-run fall between them, with every mechanism
switched off in turn on the same seeds and posterior draws. Nothing is refitted, so a row says what
a mechanism does inside the fitted model, not what the model would fit without it. ``--series
jpn_fav_kor`` asks the same of the Japanese series, which the record has *rising* between the two
waves (a negative fall).

``python -m experiments.attribution [--replications 150] [--scenarios a,b|all] [--parameters posterior]`` prints,
per scenario, the all-on row and one row per switched-off mechanism, with the change in P(thaw
survives) against the all-on row. Replication ``r`` of every configuration uses seed ``r``
(common random numbers), so differences between rows are paired. Used for docs/scenarios.md.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from experiments.executors import forkserver_context
from model.schema import Mechanisms
from model.thaw import ThawModel

SCENARIOS = ("baseline", "china_coerces_japan", "china_coerces_both", "us_retrenchment", "history_flareup",
             "leader_turnover", "tech_partnership", "quad_squad_inclusion")
MECHANISMS: tuple[str, ...] = tuple(Mechanisms.model_fields)


def posterior_params(seed: int, scenario: str = "hindcast_2013_2025") -> dict[str, float]:
    """Replicate ``seed``'s posterior sample for ``scenario``, chosen as a batch chooses it
    (experiments.design: the initial conditions carried to the scenario's start), so every
    configuration of one replicate shares it and the rows stay paired."""
    from experiments.calibration import posterior
    from experiments.design import posterior_index
    from model import load_scenario

    return posterior.draw_for(posterior_index(seed), load_scenario(scenario).params.start)


def _run(args: tuple[str, str | None, int, bool]) -> dict[str, Any]:
    scenario, off, seed, use_posterior = args
    overrides = {f"mechanisms.{off}": False} if off else {}
    if use_posterior:
        overrides = {**posterior_params(seed, scenario), **overrides}
    m = ThawModel(scenario, rng=seed, **overrides).run()
    s = m.summary()
    last = m.outcomes().iloc[-1]
    return {"survived": bool(s["thaw_survived"]), "kor_fav_jpn": float(last["kor_fav_jpn"]),
            "jpn_fav_kor": float(last["jpn_fav_kor"]), "jk_affinity": float(last["jk_affinity"]),
            "episodes": int(s["coercion_episodes"])}


def table(scenario: str, replications: int, pool: ProcessPoolExecutor, use_posterior: bool = False) -> list[dict[str, Any]]:
    rows = []
    for off in (None, *MECHANISMS):
        res = list(pool.map(_run, [(scenario, off, r, use_posterior) for r in range(replications)], chunksize=10))
        n = len(res)
        rows.append({"scenario": scenario, "off": off or "(all on)",
                     "p_survive": sum(r["survived"] for r in res) / n,
                     "kor_fav_jpn": sorted(r["kor_fav_jpn"] for r in res)[n // 2],
                     "jpn_fav_kor": sorted(r["jpn_fav_kor"] for r in res)[n // 2],
                     "jk_affinity": sorted(r["jk_affinity"] for r in res)[n // 2],
                     "episodes": sum(r["episodes"] for r in res) / n})
    return rows


WAVES = {"kor_fav_jpn": {"2019-06": 31.7, "2020-10": 12.3, "2021-09": 20.5, "2022-08": 30.6, "2023-09": 28.9,
                         "2024-08": 41.7, "2025-08": 52.4},
         "jpn_fav_kor": {"2019-06": 20.0, "2020-10": 25.9, "2021-09": 25.4, "2022-08": 30.4, "2023-09": 37.4,
                         "2025-08": 24.8}}


#: The record's last wave before the 2019 export controls and its first after (31.7 % and 12.3 %).
FALL = ("2019-06", "2020-10")


def _fall_run(args: tuple[str | None, int, bool, str]) -> tuple[float, float]:
    off, seed, use_posterior, series = args
    overrides = {f"mechanisms.{off}": False} if off else {}
    if use_posterior:
        overrides = {**posterior_params(seed), **overrides}
    o = ThawModel("hindcast_2013_2025", rng=seed, **overrides).run().outcomes().set_index("date")[series]
    return float(o[FALL[0]]), float(o[FALL[1]])


def fall_table(replications: int, pool: Any, use_posterior: bool = True, boot: int = 2000,
               series: str = "kor_fav_jpn") -> list[dict[str, Any]]:
    """Per configuration (all on, then each mechanism off): the medians at the two waves, the median
    of the run-by-run falls, its change against all on with a 90 % interval (the runs resampled in
    pairs, same seed and posterior draw in both, ``boot`` times), and the share of runs that fall by
    at least 10 points (issue 9's target). Runs diverge once a switch changes one move, so a pair
    shares its seed, posterior draw and dated events, not its path."""
    import numpy as np

    idx = np.random.default_rng(0).integers(0, replications, size=(boot, replications))  # resampling only, not the model
    rows, base = [], None
    for off in (None, *MECHANISMS):
        res = np.array(list(pool.map(_fall_run, [(off, r, use_posterior, series) for r in range(replications)], chunksize=20)))
        falls = res[:, 0] - res[:, 1]
        base = falls if base is None else base
        change = np.median(falls[idx], axis=1) - np.median(base[idx], axis=1)
        lo, hi = np.quantile(change, [0.05, 0.95])
        rows.append({"off": off or "(all on)", "before": float(np.median(res[:, 0])), "after": float(np.median(res[:, 1])),
                     "fall": float(np.median(falls)), "change": float(np.median(falls) - np.median(base)),
                     "change_90": (float(lo), float(hi)), "at_least_10": float(np.mean(falls >= 10.0))})
    return rows


def print_fall_table(rows: list[dict[str, Any]], series: str = "kor_fav_jpn") -> None:
    a, b = (WAVES[series][d] for d in FALL)
    print(f"| switched off | {FALL[0]} (record {a}) | {FALL[1]} (record {b}) | fall, median of runs (record {a - b:.1f}) "
          "| change in the median fall (90 %) | runs falling ≥ 10 |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        lo, hi = r["change_90"]
        print(f"| {r['off']} | {r['before']:.1f} | {r['after']:.1f} | {r['fall']:.1f} | {r['change']:+.1f} "
              f"({lo:+.1f} … {hi:+.1f}) | {100 * r['at_least_10']:.0f} % |")


def hindcast(replications: int, use_posterior: bool = False) -> None:
    import collections
    import statistics

    import pandas as pd

    from model.catalogue import MOVES

    vals: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    starts: collections.Counter = collections.Counter()
    episodes, red, rates = [], collections.Counter(), collections.Counter()
    for r in range(replications):
        m = ThawModel("hindcast_2013_2025", rng=r, **(posterior_params(r) if use_posterior else {})).run()
        o = m.outcomes().set_index("date")
        for series, waves in WAVES.items():
            for d in waves:
                vals[(series, d)].append(float(o.loc[d, series]))
        starts.update(d[:4] for d in m.rupture_starts())
        episodes.append(m.summary()["coercion_episodes"])
        ev = m.events()
        ev = ev[ev.trigger != "scheduled"]
        red.update(ev[ev.trigger.str.startswith("red_line")].target)
        rates.update((a, b, MOVES[mv].kind) for a, b, mv in zip(ev.source, ev.target, ev.move, strict=True))
    for series, waves in WAVES.items():
        print(f"{series}: " + ", ".join(f"{d} {statistics.median(vals[(series, d)]):.1f} (record {v})" for d, v in waves.items()))
    print("rupture starts by year:", dict(starts), f"in {replications} runs")
    print(f"Chinese coercion episodes per run: {statistics.mean(episodes):.2f} (record 3: 2017, 2023, 2025)")
    print("red-line-triggered coercions per run by target:", {k: v / replications for k, v in red.items()})
    from importlib import resources

    with resources.files("model").joinpath("data/events.csv").open() as f:
        rec = pd.read_csv(f)
    kind_of = {"coerce": "coerce_econ", "alignment": "align", "history": "protest"}
    obs = collections.Counter()
    rec = rec[(rec.date >= "2013") & (rec.date < "2026") & rec.target.notna()]
    obs.update((a, b, kind_of.get(k, k)) for a, b, k in zip(rec.source, rec.target, rec.kind, strict=True))
    print("| source | target | kind | decided moves a year (model) | events.csv a year (all dated) |")
    print("|---|---|---|---|---|")
    for key, c in sorted(rates.items(), key=lambda x: -x[1]):
        print(f"| {key[0]} | {key[1]} | {key[2]} | {c / replications / 13:.2f} | {obs.get(key, 0) / 13:.2f} |")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=150)
    ap.add_argument("--scenarios", default="baseline")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--hindcast", type=int, default=0, help="replications of the hindcast check instead")
    ap.add_argument("--fall", type=int, default=0,
                    help="replications of the 2019-fall attribution instead (use with --parameters posterior)")
    ap.add_argument("--series", choices=tuple(WAVES), default="kor_fav_jpn",
                    help="the favourability series of the --fall attribution")
    ap.add_argument("--parameters", choices=("scenario", "posterior"), default="scenario",
                    help="the scenarios' values, or one shipped posterior sample per replicate (as batches draw it)")
    args = ap.parse_args(argv)
    post = args.parameters == "posterior"
    if args.hindcast:
        hindcast(args.hindcast, post)
        return
    if args.fall:
        how = ("each with its seed's posterior draw" if post
               else "the scenario's values (--parameters posterior: the fit's draws)")
        print(f"{args.series}: {args.fall} hindcast runs, seeds 0-{args.fall - 1}, {how}")
        with ProcessPoolExecutor(args.workers, mp_context=forkserver_context()) as pool:
            print_fall_table(fall_table(args.fall, pool, post, series=args.series), args.series)
        return
    names = SCENARIOS if args.scenarios == "all" else tuple(args.scenarios.split(","))
    print("| scenario | switched off | P(thaw survives) | Δ vs all on | KOR fav JPN | JPN fav KOR | JK affinity | episodes |")
    print("|---|---|---|---|---|---|---|---|")
    with ProcessPoolExecutor(args.workers, mp_context=forkserver_context()) as pool:
        for name in names:
            rows = table(name, args.replications, pool, post)
            p0 = rows[0]["p_survive"]
            for r in rows:
                print(f"| {r['scenario']} | {r['off']} | {r['p_survive']:.2f} | {r['p_survive'] - p0:+.2f} | "
                      f"{r['kor_fav_jpn']:.1f} | {r['jpn_fav_kor']:.1f} | {r['jk_affinity']:+.2f} | {r['episodes']:.2f} |",
                      flush=True)


if __name__ == "__main__":
    main()
