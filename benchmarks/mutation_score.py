"""Mutation score per package from a finished ``mutmut run`` (the lines docs/testing.md reports).

Reads mutmut's own result files (``mutants/**/*.py.meta``) and its exit-code table, and prints
``mutation score, <package>: K of N killed`` for every package whose mutants were run, then the
surviving mutants (``mutmut show <name>`` prints each diff). Run: ``python benchmarks/mutation_score.py``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def scores(root: Path = Path("mutants")) -> tuple[dict[str, Counter], list[str]]:
    by_package: dict[str, Counter] = defaultdict(Counter)
    survivors: list[str] = []
    for meta in sorted(root.glob("**/*.py.meta")):
        package = meta.relative_to(root).parts[0]
        for name, code in json.loads(meta.read_text()).get("exit_code_by_key", {}).items():
            status = status_by_exit_code[code]
            if status == "not checked":
                continue
            by_package[package][status] += 1
            if status == "survived":
                survivors.append(name)
    return by_package, survivors


def main() -> int:
    by_package, survivors = scores()
    if not by_package:
        print("no mutmut results under mutants/: run `make mutation` first", file=sys.stderr)
        return 2
    for package, counts in sorted(by_package.items()):
        total = sum(counts.values())
        killed = sum(n for s, n in counts.items() if s in KILLED)
        other = ", ".join(f"{s} {n}" for s, n in sorted(counts.items()) if s not in KILLED | {"survived"})
        print(f"mutation score, {package}: {killed} of {total} killed ({killed / total:.1%})"
              + (f"; {other}" if other else ""))
    print(f"surviving mutants ({len(survivors)}):")
    for name in survivors:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
