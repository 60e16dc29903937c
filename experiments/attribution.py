"""Mechanism attribution: each scenario's P(thaw survives) and end-of-horizon outcomes, with every
mechanism switched off in turn.

``python -m experiments.attribution [--replications 150] [--scenarios a,b] [--markdown]`` prints,
per scenario, the all-on row and one row per switched-off mechanism, with the change in P(thaw
survives) against the all-on row. Replication ``r`` of every configuration uses seed ``r``
(common random numbers), so differences between rows are paired. Used for docs/scenarios.md.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from model.schema import Mechanisms
from model.thaw import ThawModel

SCENARIOS = ("baseline", "china_coerces_japan", "china_coerces_both", "us_retrenchment", "history_flareup",
             "leader_turnover", "tech_partnership", "quad_squad_inclusion")
MECHANISMS: tuple[str, ...] = tuple(Mechanisms.model_fields)


def _run(args: tuple[str, str | None, int]) -> dict[str, Any]:
    scenario, off, seed = args
    overrides = {f"mechanisms.{off}": False} if off else {}
    m = ThawModel(scenario, rng=seed, **overrides).run()
    s = m.summary()
    last = m.outcomes().iloc[-1]
    return {"survived": bool(s["thaw_survived"]), "kor_fav_jpn": float(last["kor_fav_jpn"]),
            "jpn_fav_kor": float(last["jpn_fav_kor"]), "jk_affinity": float(last["jk_affinity"]),
            "episodes": int(s["coercion_episodes"])}


def table(scenario: str, replications: int, pool: ProcessPoolExecutor) -> list[dict[str, Any]]:
    rows = []
    for off in (None, *MECHANISMS):
        res = list(pool.map(_run, [(scenario, off, r) for r in range(replications)], chunksize=10))
        n = len(res)
        rows.append({"scenario": scenario, "off": off or "(all on)",
                     "p_survive": sum(r["survived"] for r in res) / n,
                     "kor_fav_jpn": sorted(r["kor_fav_jpn"] for r in res)[n // 2],
                     "jpn_fav_kor": sorted(r["jpn_fav_kor"] for r in res)[n // 2],
                     "jk_affinity": sorted(r["jk_affinity"] for r in res)[n // 2],
                     "episodes": sum(r["episodes"] for r in res) / n})
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=150)
    ap.add_argument("--scenarios", default="baseline")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    names = SCENARIOS if args.scenarios == "all" else tuple(args.scenarios.split(","))
    print("| scenario | switched off | P(thaw survives) | Δ vs all on | KOR fav JPN | JPN fav KOR | JK affinity | episodes |")
    print("|---|---|---|---|---|---|---|---|")
    with ProcessPoolExecutor(args.workers) as pool:
        for name in names:
            rows = table(name, args.replications, pool)
            p0 = rows[0]["p_survive"]
            for r in rows:
                print(f"| {r['scenario']} | {r['off']} | {r['p_survive']:.2f} | {r['p_survive'] - p0:+.2f} | "
                      f"{r['kor_fav_jpn']:.1f} | {r['jpn_fav_kor']:.1f} | {r['jk_affinity']:+.2f} | {r['episodes']:.2f} |",
                      flush=True)


if __name__ == "__main__":
    main()
