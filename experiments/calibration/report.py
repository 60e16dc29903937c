"""Markdown tables of a calibration record, for docs/calibration.md.

``python -m experiments.calibration.report [posterior.json]`` prints the prior and posterior of
every parameter, and the cost per generation, so that the docs are regenerated, not retyped, after
``thaw calibrate --apply``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _g(x: float) -> str:
    return f"{x:.4g}"


def parameter_table(record: dict[str, Any]) -> str:
    lines = ["| parameter | prior | posterior mean | 90 % interval | shrinkage | why |", "| --- | --- | --- | --- | --- | --- |"]
    for key, e in record["parameters"].items():
        p = e["prior"]
        prior = f"U({_g(p['low'])}, {_g(p['high'])})" if p["kind"] == "uniform" else (
            f"N({_g(p['mean'])}, {_g(p['sd'])}) on [{_g(p['low'])}, {_g(p['high'])}]")
        lines.append(f"| `{key}` | {prior} | {_g(e['mean'])} | {_g(e['q05'])} – {_g(e['q95'])} | {e['shrinkage']:+.2f} "
                     f"| {e['why']} |")
    return "\n".join(lines)


def cost_table(record: dict[str, Any]) -> str:
    lines = ["| generation | epsilon | simulations | acceptance | effective sample size |", "| --- | --- | --- | --- | --- |"]
    for g in record["generations"]:
        t = "prior sample" if g["t"] < 0 else g["t"]
        eps = "—" if g["t"] < 0 else f"{g['epsilon']:.3f}"
        ess = "—" if g.get("ess") is None else f"{g['ess']:.1f}"
        lines.append(f"| {t} | {eps} | {g['evaluations']} | {g['acceptance']:.2f} | {ess} |")
    lines.append(f"\nTotal: {record['evaluations']} simulations in {record['seconds']:.0f} s "
                 f"({record['budget']['workers']} workers, population {record['budget']['population']}, seed {record['seed']}).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        record = json.loads(Path(argv[0]).read_text())
    else:
        from experiments.calibration.posterior import metadata

        record = metadata()
    print(parameter_table(record))
    print()
    print(cost_table(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
