"""Sorted unique values of a numeric array by sorting, not by hashing.

NumPy 2.3 and later find the unique values of integer arrays with a hash table; on this
project's inputs (a million distinct int64 keys, packed codes, row numbers) that takes
4-10 s where a sort takes 0.1-0.2 s (NumPy 2.2: 0.1 s; measured in docs/benchmarks.md),
and ``np.union1d`` inherits it. NumPy cannot be held below 2.3 here: the SLURM executor
plugin needs 2.4.5 or later. :func:`unique` and :func:`union` return exactly what
``np.unique`` and ``np.union1d`` return (missing floats: one NaN, last), by a sort.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["union", "unique"]


def unique(values: ArrayLike) -> np.ndarray:
    """``np.unique(values)`` (flattened, sorted, one NaN) by sorting; other dtypes than
    numbers and datetimes (objects, strings) go to ``np.unique`` itself."""
    a = np.asarray(values).ravel()
    if a.dtype.kind not in "biufmM":
        return np.unique(a)
    s = np.sort(a)
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    if s.dtype.kind in "fmM":  # NaN (NaT) sort last and differ from themselves: keep one
        missing = np.isnan(s)
        keep[1:] &= ~(missing[1:] & missing[:-1])
    return s[keep]


def union(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """``np.union1d(a, b)``: the sorted unique values of both, by :func:`unique`."""
    return unique(np.concatenate([np.asarray(a).ravel(), np.asarray(b).ravel()]))
