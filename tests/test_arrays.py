"""stclusters.arrays: the sort-based unique values equal NumPy's for every dtype."""

from __future__ import annotations

import numpy as np
import pytest

from stclusters.arrays import union, unique

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("values", [
    RNG.integers(-50, 50, 1000),
    RNG.integers(0, 2**62, 1000),
    RNG.integers(0, 2**63, 1000, dtype=np.uint64),
    RNG.integers(0, 5, 200).astype(np.int8),
    RNG.random(300) < 0.5,
    np.r_[RNG.normal(size=300).round(1), [np.nan, np.nan, -0.0, 0.0, np.inf, -np.inf]],
    np.array(["2024-01-01", "NaT", "2023-05-05", "NaT", "2024-01-01"], dtype="datetime64[D]"),
    np.array(["b", "a", "b", "c"], dtype=object),
    np.array(["x", "y", "x"]),
    np.zeros(0, dtype=np.int64),
    np.array([7]),
    RNG.integers(0, 9, (20, 3)),
])
def test_unique_is_numpys(values):
    got, want = unique(values), np.unique(values)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    if values.dtype.kind == "f":
        assert np.isnan(got).sum() == 1 and np.isnan(got[-1])


def test_union_is_union1d():
    a, b = RNG.integers(0, 100, 500), RNG.integers(50, 200, 300)
    np.testing.assert_array_equal(union(a, b), np.union1d(a, b))
    np.testing.assert_array_equal(union(a, np.zeros(0, dtype=a.dtype)), np.unique(a))
