"""A balanced KD-tree over 3-D points, in flat arrays, for the numba kernels.

Layout (as in scikit-learn's ``BinaryTree``): a complete binary tree of ``2^L - 1`` nodes,
node ``i`` with children ``2i + 1`` and ``2i + 2``; the points are permuted so that every
node covers a contiguous range ``[start[i], end[i])`` of the permuted order, split at the
middle of the range along the dimension of largest spread (median split). Each node keeps
its bounding box, the total weight of its points and (set later) the smallest core
distance among them. All arithmetic is float64 without fast-math, so distances are
bit-for-bit those of the plain formula ``sqrt(dx*dx + dy*dy + dz*dz)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np


class KDTree(NamedTuple):
    """Flat KD-tree; ``perm[k]`` is the input index of the ``k``-th point in tree order."""

    perm: np.ndarray  # int64 (n,)
    start: np.ndarray  # int64 (n_nodes,)
    end: np.ndarray  # int64 (n_nodes,)
    lo: np.ndarray  # float64 (n_nodes, 3): box minimum
    hi: np.ndarray  # float64 (n_nodes, 3): box maximum
    weight: np.ndarray  # float64 (n_nodes,): total weight of the node's points
    n_leaf_first: int  # nodes >= n_leaf_first are leaves


def n_levels_for(n: int, leaf_size: int) -> int:
    """Levels of the complete tree: leaves hold between leaf_size / 2 and leaf_size points."""
    levels = 1
    while (n >> (levels - 1)) > leaf_size:
        levels += 1
    return levels


@numba.njit(cache=True)
def _select(idx, x, s, e, k, dim):  # pragma: no cover - compiled
    """Reorder ``idx[s:e]`` so that ``idx[k]`` holds the point of rank ``k - s`` along
    ``dim`` (smaller or equal before it, larger or equal after it): Hoare quickselect with
    a median-of-three pivot."""
    lo, hi = s, e - 1
    while hi > lo:
        mid = (lo + hi) // 2
        a, b, c = x[idx[lo], dim], x[idx[mid], dim], x[idx[hi], dim]
        if a > b:
            a, b = b, a
        if b > c:
            b = c
        if a > b:
            b = a
        pivot = b
        i, j = lo, hi
        while i <= j:
            while x[idx[i], dim] < pivot:
                i += 1
            while x[idx[j], dim] > pivot:
                j -= 1
            if i <= j:
                t = idx[i]
                idx[i] = idx[j]
                idx[j] = t
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return


@numba.njit(cache=True)
def _build(x, w, n_nodes, n_leaf_first):  # pragma: no cover - compiled
    n = x.shape[0]
    idx = np.arange(n)
    start = np.zeros(n_nodes, dtype=np.int64)
    end = np.zeros(n_nodes, dtype=np.int64)
    lo = np.empty((n_nodes, 3))
    hi = np.empty((n_nodes, 3))
    wsum = np.zeros(n_nodes)
    start[0], end[0] = 0, n
    for node in range(n_nodes):
        s, e = start[node], end[node]
        for d in range(3):
            lo[node, d] = np.inf
            hi[node, d] = -np.inf
        for k in range(s, e):
            p = idx[k]
            for d in range(3):
                v = x[p, d]
                if v < lo[node, d]:
                    lo[node, d] = v
                if v > hi[node, d]:
                    hi[node, d] = v
        if node >= n_leaf_first:
            tot = 0.0
            for k in range(s, e):
                tot += w[idx[k]]
            wsum[node] = tot
            continue
        dim = 0
        for d in range(1, 3):
            if hi[node, d] - lo[node, d] > hi[node, dim] - lo[node, dim]:
                dim = d
        mid = s + (e - s) // 2
        if e - s > 1:
            _select(idx, x, s, e, mid, dim)
        left, right = 2 * node + 1, 2 * node + 2
        start[left], end[left] = s, mid
        start[right], end[right] = mid, e
    for node in range(n_leaf_first - 1, -1, -1):
        wsum[node] = wsum[2 * node + 1] + wsum[2 * node + 2]
    return idx, start, end, lo, hi, wsum


def build_kdtree(xyz: np.ndarray, weight: np.ndarray, leaf_size: int = 16) -> KDTree:
    """Build the tree over ``xyz`` (``(n, 3)`` float64) with point weights ``weight``."""
    x = np.ascontiguousarray(xyz, dtype=np.float64)
    w = np.ascontiguousarray(weight, dtype=np.float64)
    n = len(x)
    levels = n_levels_for(max(n, 1), leaf_size)
    n_nodes = 2**levels - 1
    n_leaf_first = 2 ** (levels - 1) - 1
    perm, start, end, lo, hi, wsum = _build(x, w, n_nodes, n_leaf_first)
    return KDTree(perm, start, end, lo, hi, wsum, n_leaf_first)


@numba.njit(cache=True, inline="always")
def min_dist2(q, lo, hi, node):  # pragma: no cover - compiled
    """Squared distance from point ``q`` to the box of ``node`` (0 inside)."""
    r = 0.0
    for d in range(3):
        v = q[d]
        if v < lo[node, d]:
            t = lo[node, d] - v
            r += t * t
        elif v > hi[node, d]:
            t = v - hi[node, d]
            r += t * t
    return r


@numba.njit(cache=True, inline="always")
def max_dist2(q, lo, hi, node):  # pragma: no cover - compiled
    """Squared distance from point ``q`` to the farthest corner of the box of ``node``."""
    r = 0.0
    for d in range(3):
        a = abs(q[d] - lo[node, d])
        b = abs(hi[node, d] - q[d])
        t = a if a > b else b
        r += t * t
    return r


@numba.njit(cache=True, inline="always")
def dist2(x, i, j):  # pragma: no cover - compiled
    """Squared euclidean distance between rows ``i`` and ``j`` of ``x`` (x, y, z order)."""
    t = x[i, 0] - x[j, 0]
    r = t * t
    t = x[i, 1] - x[j, 1]
    r += t * t
    t = x[i, 2] - x[j, 2]
    r += t * t
    return r
