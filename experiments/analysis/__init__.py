"""Analysis of batch results: sensitivity indices (SALib), scenario discovery (EMA Workbench),
the assumption-risk report, survival curves and paired contrasts; ``thaw analyse DIR``.

SALib and EMA Workbench are the optional extra ``analysis`` and are imported only when an
analysis needs them, so that running batches (and the ``thaw`` command line) stays light.
"""

from importlib import import_module
from typing import Any

#: The parts of ``thaw analyse``, in the order they run.
PARTS = ("sensitivity", "discovery", "risk", "survival", "contrasts")
__all__ = ["analyse", "Analysis", "PARTS"]


def __getattr__(name: str) -> Any:
    if name in ("analyse", "Analysis"):
        return getattr(import_module("experiments.analysis.report"), name)
    raise AttributeError(f"module 'experiments.analysis' has no attribute {name!r}")
