"""Union-find for the numba kernels that join points into components (weighted
HDBSCAN's trees, the sensitivity engine's DBSCAN labels and merges): ``find``, and
``union_lowest``, which keeps the lowest index of a component as its root."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def find(parent: np.ndarray, i: int) -> int:  # pragma: no cover - compiled
    """The root of ``i`` in the forest ``parent``, compressing the path to it."""
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root


@numba.njit(cache=True)
def union_lowest(parent: np.ndarray, i: int, j: int) -> None:  # pragma: no cover - compiled
    """Join the components of ``i`` and ``j`` under the lower of their roots, so that a
    component's root is its lowest index."""
    a, b = find(parent, i), find(parent, j)
    if a < b:
        parent[b] = a
    elif b < a:
        parent[a] = b
