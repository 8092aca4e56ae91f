"""Lean neighbour graphs and DBSCAN labels for the engine's many re-runs.

:func:`radius_graph` is :func:`stclusters.cluster.neighbour_graph` built row block by
row block (the same neighbours, diagonal included, column indices sorted) and kept as
``indptr`` / ``indices`` only (4 bytes an entry; no boolean data array, no list of all
pairs while building). :func:`graph_labels` gives
:func:`stclusters.cluster.dbscan_from_graph`'s labels (the same core points, from the
same neighbourhood sums, numbered by lowest core point, borders to the lowest
neighbouring cluster) with one union-find pass over the graph instead of copying its
core sub-graph. Both are tested against the ``stclusters.cluster`` functions they mirror
(tests/test_sensitivity_scale.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy.spatial import cKDTree

from stclusters.cluster import WEIGHT_RTOL, _radius, _weighted_degree, index_dtype
from stclusters.unionfind import find as _find
from stclusters.unionfind import union_lowest

ROW_BLOCK = 1 << 13
"""Rows per block when listing neighbours (radius graphs, the pair tables)."""


@dataclass
class Graph:
    """A symmetric radius graph in CSR form without data (entries are all true)."""

    indptr: np.ndarray
    indices: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(n, n)."""
        n = len(self.indptr) - 1
        return n, n

    @property
    def nnz(self) -> int:
        """Number of entries (two per neighbouring pair, one per point)."""
        return len(self.indices)

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return int(self.indptr.nbytes + self.indices.nbytes)


def block_neighbours(tree: cKDTree, xyz: np.ndarray, lo: int, hi: int, r: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Every (u, v) with ``lo <= u < hi`` and point ``v`` of ``tree`` (built on ``xyz``)
    within chord ``r`` (u itself included), sorted by u then v."""
    rec = cKDTree(xyz[lo:hi]).sparse_distance_matrix(tree, r, output_type="ndarray")
    n = np.int64(len(xyz))
    key = rec["i"].astype(np.int64) * n + rec["j"]
    del rec
    key.sort()
    return key // n + lo, key % n


def radius_graph(xyz: np.ndarray, eps_km: float, tree: cKDTree | None = None) -> Graph:
    """The radius graph of unit-sphere points ``xyz`` at great-circle ``eps_km`` (the
    neighbours :func:`stclusters.cluster.neighbour_graph` lists), built in row blocks:
    memory is the graph (4 bytes an entry) plus one block's neighbours."""
    n = len(xyz)
    tree = cKDTree(xyz) if tree is None else tree
    r = _radius(eps_km)
    idx = index_dtype(n)
    counts = np.zeros(n, dtype=np.int64)
    parts = []
    for lo in range(0, n, ROW_BLOCK):
        hi = min(lo + ROW_BLOCK, n)
        u, v = block_neighbours(tree, xyz, lo, hi, r)
        counts[lo:hi] = np.bincount(u - lo, minlength=hi - lo)
        parts.append(v.astype(idx))
        del u, v
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.concatenate(parts) if parts else np.empty(0, dtype=idx)
    parts.clear()
    return Graph(indptr, indices)


def estimate_nbytes(tree: cKDTree, xyz: np.ndarray, eps_km: float, sample: int = 2000,
                    seed: int = 0) -> int:
    """Bytes :func:`radius_graph` will take, from the neighbour counts of a sample."""
    n = len(xyz)
    if n == 0:
        return 8
    pick = np.random.default_rng(seed).choice(n, min(sample, n), replace=False)
    mean = float(np.mean(tree.query_ball_point(xyz[pick], _radius(eps_km), return_length=True)))
    return int(8 * (n + 1) + 4 * mean * n)


def graph_labels(graph: Graph, weight: np.ndarray, min_weight: float) -> np.ndarray:
    """:func:`stclusters.cluster.dbscan_from_graph` of ``graph`` (a :class:`Graph`):
    the same labels, without a copy of the graph."""
    n = graph.shape[0]
    w = np.asarray(weight, dtype=np.float64)
    if n == 0:
        return np.full(0, -1, dtype=np.int64)
    if np.any(np.diff(graph.indptr) == 0):
        raise ValueError("graph rows must include the point itself (diagonal)")
    wdeg = _weighted_degree(graph, w)
    threshold = float(min_weight) - WEIGHT_RTOL * abs(float(min_weight))
    core = wdeg >= threshold
    return _labels(graph.indptr, graph.indices, core)


@numba.njit(cache=True)
def _labels(indptr: np.ndarray, indices: np.ndarray, core: np.ndarray
            ) -> np.ndarray:  # pragma: no cover - compiled
    """Core points: connected components, numbered by lowest index; others: the lowest
    label among their core neighbours, or -1."""
    n = len(core)
    parent = np.arange(n)
    for i in range(n):
        if core[i]:
            for k in range(indptr[i], indptr[i + 1]):
                j = indices[k]
                if j > i and core[j]:
                    union_lowest(parent, i, j)
    labels = np.full(n, -1, dtype=np.int64)
    number = np.full(n, -1, dtype=np.int64)
    nxt = 0
    for i in range(n):
        if core[i]:
            r = _find(parent, i)
            if number[r] < 0:
                number[r] = nxt
                nxt += 1
            labels[i] = number[r]
    for i in range(n):
        if not core[i]:
            best = -1
            for k in range(indptr[i], indptr[i + 1]):
                j = indices[k]
                if core[j] and (best < 0 or labels[j] < best):
                    best = labels[j]
            labels[i] = best
    return labels
