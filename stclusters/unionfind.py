"""Union-find's ``find`` for the numba kernels that join points into components
(weighted HDBSCAN's trees, the sensitivity engine's DBSCAN labels and merges)."""

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
