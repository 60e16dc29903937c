"""The ensemble explorer, on ipywidgets and matplotlib: in JupyterLab with ``explore(DIR)``, in the
browser with ``thaw explore DIR`` (served by Voilà, offline).

``explore`` returns the widget; a notebook shows it as a cell's value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def explore(results: str | Path | None = None, **kwargs: Any) -> Any:
    """The explorer widget: results mode on ``results`` (a ``thaw batch --out`` folder) and
    what-if mode (``scenario``, ``replications`` = 50, ``months`` = 60, ``executor``)."""
    from experiments.explorer.app import Explorer

    return Explorer(results, **kwargs).widget
