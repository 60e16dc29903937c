"""Running many Thaw models: experiment files, batches, executors, results and the ``thaw`` CLI.

``experiments.run_batch(FILE)`` runs an experiment; ``experiments.load(DIR)`` reads its results
back as pandas DataFrames (``.runs``, ``.outcomes``, ``.events``) with ``.manifest`` and
``.summary()``.
"""

from experiments.batch import BatchReport, run_batch
from experiments.results import Results, load, summarise
from experiments.spec import ExperimentError, load_experiment

__all__ = ["run_batch", "BatchReport", "load", "Results", "summarise", "load_experiment", "ExperimentError"]
