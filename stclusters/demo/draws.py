"""How the demo generator draws categories from probabilities (every draw from one
``numpy.random.Generator``, so the order of calls is part of the world's definition)."""

from __future__ import annotations

import numpy as np


def choice_cdf(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    """``size`` independent draws of the categories 0..len(p)-1 with probabilities ``p``
    (one uniform per draw, inverted through the cumulative sum)."""
    c = np.cumsum(p)
    c[-1] = 1.0
    return np.searchsorted(c, rng.random(size), side="right")


def systematic_u(rng: np.random.Generator, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Stratified uniforms: within each group, (random rank + one offset) / group size.

    Drawing categories with these instead of independent uniforms gives every category
    within one of its expected count (systematic sampling), so small places and metros
    are present even at small scales.
    """
    n = len(group)
    order = np.lexsort((rng.random(n), group))
    sizes = np.bincount(group, minlength=n_groups)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - first[group[order]]
    offset = rng.random(n_groups)
    return (rank + offset[group]) / np.maximum(sizes[group], 1)
