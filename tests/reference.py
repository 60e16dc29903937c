"""Reference computations the tests check the code against, written out independently of it."""

from __future__ import annotations

import numpy as np
from scipy import stats


def wilson(k, n, level=0.95):
    """Wilson's score interval written out (independent of binomtest and of experiments.results)."""
    z = stats.norm.ppf(0.5 + level / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return p, centre - half, centre + half
