"""The scenarios' single-run defaults of the calibrated parameters: the posterior's medians.

Batches with ``parameters = "posterior"`` draw from the whole posterior; a single run (``thaw
run``, notebooks, the explorer's what-if) uses one value per parameter, and for a calibrated one
that is the posterior median, labelled with its 90 % interval. ``thaw calibrate --apply`` rewrites
those values in the scenario files (only lines of the form ``key = { value = …, source = … }``
under the key's table; comments and everything else are kept), and a test checks that every value
labelled "calibrated" is the shipped posterior's median.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: The files that define calibrated values, and the keys each holds. The hindcast starts in 2013
#: and inherits everything else from the baseline.
FILES = ("baseline.toml", "hindcast_2013_2025.toml")
SOURCE = ("calibrated: posterior median of thaw calibrate (ABC-SMC on the 2013-2025 record), 90 % interval "
          "[{lo}, {hi}] (docs/calibration.md, model/data/posterior.json)")


INLINE = re.compile(r"(\s*)([A-Za-z0-9_]+)(\s*=\s*)\{\s*value\s*=\s*[^,]+,\s*source\s*=\s*\"[^\"]*\"\s*\}(.*)$")


def _fmt(x: float) -> str:
    return f"{x:.4g}" if abs(x) >= 1e-3 else f"{x:.3g}"


def source_text(entry: dict[str, Any]) -> str:
    return SOURCE.format(lo=_fmt(entry["q05"]), hi=_fmt(entry["q95"]))


def rewrite(text: str, values: dict[str, dict[str, Any]]) -> tuple[str, list[str]]:
    """``text`` with each key's inline ``{ value, source }`` line set to the posterior median."""
    lines = text.splitlines(keepends=True)
    table = ""
    done = []
    for i, line in enumerate(lines):
        head = re.match(r"\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if head:
            table = head.group(1).strip()
            continue
        m = INLINE.match(line.rstrip("\n"))
        if not m:
            continue
        key = f"{table}.{m.group(2)}" if table else m.group(2)
        if key in values:
            e = values[key]
            source = e.get("source") or source_text(e)
            lines[i] = (f'{m.group(1)}{m.group(2)}{m.group(3)}{{ value = {_fmt(e["q50"])}, source = "{source}" }}'
                        f"{m.group(4)}\n")
            done.append(key)
    return "".join(lines), done


def apply_defaults(record: dict[str, Any], scenarios: Path) -> dict[str, list[str]]:
    """Rewrite the calibrated keys' values in ``scenarios``' files; returns the keys set per file."""
    values = dict(record["parameters"]) if not isinstance(record["parameters"], dict) else record["parameters"]
    out = {}
    for name in FILES:
        path = scenarios / name
        text, done = rewrite(path.read_text(), values)
        path.write_text(text)
        out[name] = done
    path = scenarios / FILES[0]
    text, done = rewrite(path.read_text(), carried_defaults(values, scenarios))
    path.write_text(text)
    out[FILES[0]] = sorted({*out[FILES[0]], *done})
    return out


CARRIED_SOURCE = ("derived: the hindcast's long-run level in the month before {start} at the posterior medians "
                  "(from {initial} in 2013, moved by the record's leader cues and the norms' drift); batches with "
                  "parameters = 'posterior' carry each draw's own (experiments.calibration.posterior.draw_for)")


def carried_defaults(values: dict[str, dict[str, Any]], scenarios: Path) -> dict[str, dict[str, Any]]:
    """The baseline's values of the hindcast's initial conditions (``posterior.CARRIED``): where the
    hindcast at the posterior medians has brought them by the month before the baseline starts,
    so that a single run starts from the 2025 world as the batches' posterior draws do. Both files
    are read from ``scenarios``, the folder being rewritten, not from the shipped ones."""
    from experiments.calibration import posterior
    from model import load_scenario

    medians = {k: float(e["q50"]) for k, e in values.items()}
    start = load_scenario(scenarios / FILES[0]).params.start
    return {k: {"q50": v, "source": CARRIED_SOURCE.format(start=start, initial=_fmt(medians[k]))}
            for k, v in posterior.carried(tuple(medians.items()), start, scenarios / FILES[1])}
