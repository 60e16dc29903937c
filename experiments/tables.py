"""Everyday views of a results folder: the summary table ``thaw summary`` reprints, and the tidy
CSV or Parquet tables ``thaw export`` writes for spreadsheets, BehaviorSpace users, R or DuckDB.

Both read the folder only through ``experiments.load``, whatever its layout on disk.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from experiments.results import Results, load

FORMATS = ("csv", "parquet")


def summary_text(res: Results, max_rows: int = 40) -> str:
    """The table ``thaw batch`` prints at its end: per scenario for sampled designs (too many
    points, each with few runs, for a per-point table), per scenario and point otherwise; under
    common random numbers, each scenario's paired difference from the baseline below it."""
    from experiments.cli import format_table
    from experiments.spec import SAMPLED

    if res.runs.empty:
        raise ValueError(f"{res.path}: no finished runs to summarise")
    where = f"experiments.load({str(res.path)!r}).summary()"
    if res.manifest["design"]["kind"] in SAMPLED:
        text = format_table(res.summary(by="scenario")) + f"\nPer design point: {where}"
    else:
        lines = format_table(res.summary()).splitlines()
        if len(lines) > max_rows + 2:
            lines = [*lines[:max_rows + 1], f"… {len(lines) - max_rows - 2} more rows: {where}", lines[-1]]
        text = "\n".join(lines)
    if res.common_random_numbers and res.runs["scenario"].nunique() > 1:
        from experiments.analysis.cli import format_contrasts

        text += "\n\n" + format_contrasts(res.contrasts())
    return text


def tidy_tables(res: Results) -> dict[str, pd.DataFrame]:
    """One table per kind of observation, each row one observation: runs (one per run, with its
    scenario, design values, seed and outcomes), monthly outcomes (one per run and month), events
    (one per move) and the summary (one per scenario and design point). Run ids join them."""
    tables = {"runs": res.runs}
    if res.runs.empty:
        raise ValueError(f"{res.path}: no finished runs to export")
    keys = ["run_id", "scenario", "point", "replicate"]
    for name, df in (("outcomes", res.outcomes), ("events", res.events)):
        if not df.empty:  # scenario and replicate next to each row, so a spreadsheet filter needs no join
            tables[name] = res.runs[[k for k in keys if k in res.runs]].merge(df, on="run_id", how="right")
    tables["summary"] = res.summary()
    return tables


def export(results: str | Path, out: str | Path | None = None, fmt: str = "csv") -> list[Path]:
    """Write the tidy tables of a results folder to ``out`` (default ``RESULTS/export``)."""
    if fmt not in FORMATS:
        raise ValueError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    res = load(results)
    tables = tidy_tables(res)
    folder = Path(out) if out is not None else Path(results) / "export"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, df in tables.items():
            path = folder / f"{name}.{fmt}"
            tmp = path.with_name(path.name + ".tmp")
            if fmt == "csv":
                df.to_csv(tmp, index=False)
            else:
                df.to_parquet(tmp, index=False)
            tmp.replace(path)  # a reader never sees half a table
            written.append(path)
    except OSError as exc:
        raise ValueError(f"--out {folder}: cannot write there ({exc.strerror}); expected a writable folder") from None
    return written
