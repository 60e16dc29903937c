"""Running many Thaw models: experiment files, batches, executors, results and the ``thaw`` CLI.

``experiments.run_batch(FILE)`` runs an experiment; ``experiments.load(DIR)`` reads its results
back as pandas DataFrames (``.runs``, ``.outcomes``, ``.events``) with ``.manifest`` and
``.summary()``.

Names are imported on first use, so that a batch worker, which needs only
``experiments.worker``, does not load scipy, tqdm or Dask (memory it would hold per process).
"""

from importlib import import_module
from typing import Any

_WHERE = {
    "run_batch": "experiments.batch",
    "BatchReport": "experiments.batch",
    "load": "experiments.results",
    "Results": "experiments.results",
    "summarise": "experiments.results",
    "load_experiment": "experiments.spec",
    "ExperimentError": "experiments.spec",
}
__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'experiments' has no attribute {name!r}")
