"""Where each parameter comes from: the source class of every ``{ value, source }`` number.

Scenario files open every source with its kind ("article: …", "data: …", "derived: data: …",
"calibrated: …", "assumption: …"); the class is that leading word, read the same way everywhere,
so that an importance ranking can be joined with how well each number is grounded.
"""

from __future__ import annotations

import re

import pandas as pd

CLASSES = ("article", "data", "derived", "calibrated", "assumption")
#: Values set by an experiment or ``--set`` rather than a scenario file.
OVERRIDE = "override"
_LEADING = re.compile(r"^\s*([a-z]+)", re.IGNORECASE)
_ASSUMED_SIZE = re.compile(r"\bassum(ed|ption)\b", re.IGNORECASE)


def source_class(source: str) -> str:
    """The class of a source text: its leading word when that is one of ``CLASSES`` (``data
    README: …`` is data), ``override`` for an override, else ``unclassified``."""
    m = _LEADING.match(source or "")
    word = m.group(1).lower() if m else ""
    if word in CLASSES or word == OVERRIDE:
        return word
    return "unclassified"


def size_assumed(source: str) -> bool:
    """True when a sourced (non-assumption) value says its size is assumed, as in "article:
    'more assertive China'; size assumed": the direction is grounded, the number is not."""
    return source_class(source) != "assumption" and bool(_ASSUMED_SIZE.search(source or ""))


def parameter_sources(model: str, scenario: str) -> pd.DataFrame:
    """Every sweepable parameter of a scenario: value, schema range, source text and class."""
    from experiments.models import registered

    rows = [{"parameter": p.name, "value": p.value, "lo": p.lo, "hi": p.hi, "source": p.source,
             "source_class": source_class(p.source), "size_assumed": size_assumed(p.source)}
            for p in registered(model).parameters(scenario)]
    return pd.DataFrame(rows)
