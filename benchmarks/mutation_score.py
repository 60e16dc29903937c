"""Mutation score per package from a finished ``mutmut run`` (the lines docs/testing.md reports).

Reads mutmut's own result files (``mutants/**/*.py.meta``) and its exit-code table, and prints
``mutation score, <package>: K of N killed`` for every group of code whose mutants were run, then
the surviving mutants (``mutmut show <name>`` prints each diff). Mutants never run ("not
checked") are left out, so a line counts exactly what the run measured. The groups:

- ``model (mechanisms)``: ``model/components/``;
- ``model (loader and core)``: the rest of ``model/`` (scenario loader, schema, parameters, the
  model, its state, agents, roles, outcomes, observation, catalogue);
- ``model``: both, printed only when both were run (in one ``mutants/`` folder);
- ``experiments (statistics, analysis, plots)``: ``experiments/results.py``, ``tables.py``,
  ``plots.py``, ``plotset.py`` and ``experiments/analysis/`` but its command line;
- ``experiments (other)``: any other ``experiments/`` module that was run (the batch engine).

Run: ``python benchmarks/mutation_score.py`` (``--survivors`` lists every survivor's name).
``--sample FILE ...`` prints the names of docs/testing.md's one-in-five sample (a mutant whose
name's SHA-1 is divisible by 5) among the generated mutants of those source files, for
``mutmut run $(python benchmarks/mutation_score.py --sample experiments/plots.py)``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = {"killed", "timeout", "caught by type check", "segfault"}
MECHANISMS = "model (mechanisms)"
CORE = "model (loader and core)"
STATS = "experiments (statistics, analysis, plots)"
STATS_FILES = {"experiments/results.py", "experiments/tables.py", "experiments/plots.py", "experiments/plotset.py"}


def group_of(relative: Path) -> str:
    """The group a source file (relative to ``mutants/``, without ``.meta``) belongs to."""
    path = relative.as_posix()
    if path.startswith("model/components/"):
        return MECHANISMS
    if path.startswith("model/"):
        return CORE
    if path in STATS_FILES or (path.startswith("experiments/analysis/") and path != "experiments/analysis/cli.py"):
        return STATS
    return f"{relative.parts[0]} (other)"


def exit_codes(meta: Path) -> dict[str, int | None]:
    """mutmut's result file for one source: each mutant's name and its exit code (None: not run)."""
    return json.loads(meta.read_text()).get("exit_code_by_key", {})


def scores(root: Path = Path("mutants")) -> tuple[dict[str, Counter], list[str]]:
    by_group: dict[str, Counter] = {}
    survivors: list[str] = []
    for meta in sorted(root.glob("**/*.py.meta")):
        source = meta.relative_to(root).with_suffix("")  # model/scenario.py
        for name, code in exit_codes(meta).items():
            status = status_by_exit_code[code]
            if status == "not checked":
                continue
            by_group.setdefault(group_of(source), Counter())[status] += 1
            if status == "survived":
                survivors.append(name)
    if MECHANISMS in by_group and CORE in by_group:
        by_group["model"] = by_group[MECHANISMS] + by_group[CORE]
    return by_group, survivors


def line(group: str, counts: Counter) -> str:
    total = sum(counts.values())
    killed = sum(n for s, n in counts.items() if s in KILLED)
    other = ", ".join(f"{s} {n}" for s, n in sorted(counts.items()) if s not in KILLED | {"survived"})
    return (f"mutation score, {group}: {killed} of {total} killed ({killed / total:.1%})"
            + (f"; {other}" if other else ""))


def sampled(sources: list[str], root: Path = Path("mutants")) -> list[str]:
    """The one-in-five sample: generated mutants of ``sources`` whose name's SHA-1 is divisible by 5."""
    missing = [src for src in sources if not (root / f"{src}.meta").is_file()]
    if missing:
        raise SystemExit(f"mutation_score.py --sample: no generated mutants for {', '.join(missing)} under "
                         f"{root}/ (expected {root}/<source>.meta: run any `mutmut run NAME` first to generate them)")
    names = [n for src in sources for n in exit_codes(root / f"{src}.meta")]
    return [n for n in names if int(hashlib.sha1(n.encode()).hexdigest(), 16) % 5 == 0]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--sample"]:
        print("\n".join(sampled(argv[1:])))
        return 0
    by_group, survivors = scores()
    if not by_group:
        print("no mutmut results under mutants/: run `make mutation` first", file=sys.stderr)
        return 2
    for group, counts in sorted(by_group.items()):
        print(line(group, counts))
    print(f"surviving mutants: {len(survivors)}")
    if "--survivors" in argv:
        for name in survivors:
            print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
