"""Exact weighted core distances.

The core distance of point ``q`` is the smallest radius ``r`` at which the total weight
of the points within ``r`` (``q`` itself included; ties at exactly ``r`` included)
reaches ``m``: ``c(q) = min{r : W(B(q, r)) >= m}``. It is always the distance from ``q``
to some point, so it is exact (no interpolation); ``c(q) = 0`` when ``q`` alone weighs
``m``.

Computing it by k-nearest-neighbour queries costs about ``m / mean weight`` neighbours per
point (hundreds at the workflow's densities). Instead every point gets a bracket
``lo <= c(q) <= hi`` and only the points in the shell ``lo < d <= hi`` are examined:
tree nodes entirely within ``lo`` add their total weight at once, nodes beyond ``hi`` are
skipped, and a weighted quickselect over the shell finds the exact radius. The bracket
comes from the points processed just before (points are visited along a Morton curve, so
they are close; the tightest bound of the last few is taken), because core distances are
1-Lipschitz:
``|c(q) - c(p)| <= d(p, q)`` (a ball around ``p`` of radius ``c(p)`` lies in the ball
around ``q`` of radius ``c(p) + d(p, q)``, and conversely). The shell is thin. The first point of each block is bracketed by
doubling a radius with bulk weight counts.
"""

from __future__ import annotations

import numba
import numpy as np

from stclusters.whdbscan.kdtree import KDTree, dist2, max_dist2, min_dist2

WEIGHT_RTOL = 1e-9
"""Relative tolerance on ``min_samples_weight``: fractional weights (1/3 + 1/3 + 1/3) may
sum a few ulps short of the exact value; within this tolerance the threshold is reached
(the same rule as :data:`stclusters.cluster.WEIGHT_RTOL`)."""

_BLOCK = 2048  # points per parallel block (each block starts with a doubling bracket)
_SLACK = 1e-12  # relative widening of the Lipschitz bracket against rounding
_ANCHORS = 8  # candidates for the bracketing neighbour among the points just processed


@numba.njit(cache=True)
def _weight_within(x, q, r2, lo, hi, start, end, wnode, w, n_leaf_first):  # pragma: no cover
    """Total weight of the points within squared distance ``r2`` of point ``q``."""
    stack = np.empty(128, dtype=np.int64)
    stack[0] = 0
    top = 1
    tot = 0.0
    while top > 0:
        top -= 1
        node = stack[top]
        if min_dist2(x[q], lo, hi, node) > r2:
            continue
        if max_dist2(x[q], lo, hi, node) <= r2:
            tot += wnode[node]
            continue
        if node >= n_leaf_first:
            for j in range(start[node], end[node]):
                if dist2(x, q, j) <= r2:
                    tot += w[j]
            continue
        stack[top] = 2 * node + 1
        stack[top + 1] = 2 * node + 2
        top += 2
    return tot


@numba.njit(cache=True)
def _weighted_select(d2, wt, k, target):  # pragma: no cover - compiled
    """Smallest value ``v`` among ``d2[:k]`` with ``sum(wt[d2 <= v]) >= target`` (in-place
    3-way quickselect on the pair of arrays); ``inf`` when the total falls short."""
    lo, hi = 0, k
    acc = 0.0
    state = np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(k)
    while hi > lo:
        # median of three pseudo-random entries (xorshift): buffers arrive in tree order,
        # whose patterns can defeat fixed pivot positions
        span = np.uint64(hi - lo)
        state ^= state << np.uint64(13)
        state ^= state >> np.uint64(7)
        state ^= state << np.uint64(17)
        a = d2[lo + np.int64(state % span)]
        state ^= state << np.uint64(13)
        state ^= state >> np.uint64(7)
        state ^= state << np.uint64(17)
        b = d2[lo + np.int64(state % span)]
        state ^= state << np.uint64(13)
        state ^= state >> np.uint64(7)
        state ^= state << np.uint64(17)
        c = d2[lo + np.int64(state % span)]
        if a > b:
            a, b = b, a
        if b > c:
            b = c
        if a > b:
            b = a
        pivot = b
        # Dutch-flag partition of [lo, hi): < pivot | == pivot | > pivot
        lt, i, gt = lo, lo, hi
        w_lt = 0.0
        w_eq = 0.0
        while i < gt:
            v = d2[i]
            if v < pivot:
                d2[i], d2[lt] = d2[lt], d2[i]
                wt[i], wt[lt] = wt[lt], wt[i]
                w_lt += wt[lt]
                lt += 1
                i += 1
            elif v > pivot:
                gt -= 1
                d2[i], d2[gt] = d2[gt], d2[i]
                wt[i], wt[gt] = wt[gt], wt[i]
            else:
                w_eq += wt[i]
                i += 1
        if acc + w_lt >= target:
            hi = lt
        elif acc + w_lt + w_eq >= target:
            return pivot
        else:
            acc += w_lt + w_eq
            lo = gt
    return np.inf


@numba.njit(cache=True)
def _shell_core(x, q, lo2, hi2, m, lo, hi, start, end, wnode, w, n_leaf_first, buf_d, buf_w):  # pragma: no cover
    """Exact squared core distance of ``q`` given ``lo2 <= c(q)^2 <= hi2``: ``-1`` when the
    bracket was wrong, ``-2`` when the shell does not fit the buffers (the caller grows
    them and retries)."""
    stack = np.empty(128, dtype=np.int64)
    stack[0] = 0
    top = 1
    inner = 0.0
    k = 0
    cap = len(buf_d)
    while top > 0:
        top -= 1
        node = stack[top]
        if min_dist2(x[q], lo, hi, node) > hi2:
            continue
        if max_dist2(x[q], lo, hi, node) < lo2:
            inner += wnode[node]
            continue
        if node >= n_leaf_first:
            for j in range(start[node], end[node]):
                dd = dist2(x, q, j)
                if dd < lo2:
                    inner += w[j]
                elif dd <= hi2:
                    if k == cap:
                        return -2.0
                    buf_d[k] = dd
                    buf_w[k] = w[j]
                    k += 1
            continue
        stack[top] = 2 * node + 1
        stack[top + 1] = 2 * node + 2
        top += 2
    if inner >= m:
        return -1.0
    c2 = _weighted_select(buf_d, buf_w, k, m - inner)
    return -1.0 if c2 == np.inf else c2


@numba.njit(cache=True)
def _exact_core(x, q, lo2, hi2, m, lo, hi, start, end, wnode, w, n_leaf_first, bufs):  # pragma: no cover
    """:func:`_shell_core` with buffers (``bufs``: a 2-row array) grown as needed;
    returns ``(c2, bufs)``."""
    while True:
        c2 = _shell_core(x, q, lo2, hi2, m, lo, hi, start, end, wnode, w, n_leaf_first,
                         bufs[0], bufs[1])
        if c2 != -2.0:
            return c2, bufs
        bufs = np.empty((2, 2 * bufs.shape[1]))


@numba.njit(cache=True)
def _doubling_bracket(x, q, m, lo, hi, start, end, wnode, w, n_leaf_first):  # pragma: no cover
    """``(lo2, hi2)`` with ``W(B(q, sqrt(lo2))) < m <= W(B(q, sqrt(hi2)))`` (``lo2 = 0``
    when ``q`` alone may reach ``m``)."""
    if w[q] >= m:
        return 0.0, 0.0
    far = max_dist2(x[q], lo, hi, 0)  # the whole tree lies within this
    r2 = 1e-12
    prev = 0.0
    while r2 < far:
        if _weight_within(x, q, r2, lo, hi, start, end, wnode, w, n_leaf_first) >= m:
            return prev, r2
        prev = r2
        r2 *= 4.0
    return prev, far


@numba.njit(cache=True)
def _bracket(x, q, seq, pos, first, out):  # pragma: no cover - compiled
    """Lipschitz bracket ``(lo, hi)`` of ``c(q)`` (not squared) from the (up to)
    ``_ANCHORS`` points processed just before ``q`` in its block: the tightest of
    ``c(p) - d(p, q) <= c(q) <= c(p) + d(p, q)``; ``hi = -1`` when there is none."""
    lo_r, hi_r = 0.0, np.inf
    for t in range(max(first, pos - _ANCHORS), pos):
        p = seq[t]
        dp = np.sqrt(dist2(x, q, p))
        cp = np.sqrt(out[p])
        if cp - dp > lo_r:
            lo_r = cp - dp
        if cp + dp < hi_r:
            hi_r = cp + dp
    if hi_r == np.inf:
        return 0.0, -1.0
    return lo_r * (1.0 - _SLACK) - 1e-15, hi_r * (1.0 + _SLACK) + 1e-15


@numba.njit(cache=True, parallel=True)
def _core_dist2(x, w, m, seq, lo, hi, start, end, wnode, n_leaf_first, block):  # pragma: no cover
    n = x.shape[0]
    out = np.empty(n)
    n_blocks = (n + block - 1) // block
    for b in numba.prange(n_blocks):
        bufs = np.empty((2, 1024))
        first = b * block
        last = min(n, first + block)
        for pos in range(first, last):
            q = seq[pos]
            c2 = -1.0
            lo_r, hi_r = _bracket(x, q, seq, pos, first, out)
            if hi_r >= 0.0:
                lo2 = lo_r * lo_r if lo_r > 0.0 else 0.0
                c2, bufs = _exact_core(x, q, lo2, hi_r * hi_r, m, lo, hi, start, end, wnode, w,
                                       n_leaf_first, bufs)
            if c2 < 0.0:
                lo2, hi2 = _doubling_bracket(x, q, m, lo, hi, start, end, wnode, w, n_leaf_first)
                c2, bufs = _exact_core(x, q, lo2 * (1.0 - 4 * _SLACK), hi2 * (1.0 + 4 * _SLACK),
                                       m, lo, hi, start, end, wnode, w, n_leaf_first, bufs)
            if c2 < 0.0:  # cannot happen with a valid bracket; full search as a guard
                far = max_dist2(x[q], lo, hi, 0) * (1.0 + 1e-9)
                c2, bufs = _exact_core(x, q, 0.0, far, m, lo, hi, start, end, wnode, w,
                                       n_leaf_first, bufs)
            out[q] = c2
    return out


def _part1by2(v: np.ndarray) -> np.ndarray:
    """Spread the low 21 bits of ``v`` to every third bit (Morton interleaving)."""
    v = v.astype(np.uint64) & np.uint64(0x1FFFFF)
    for shift, mask in ((32, 0x1F00000000FFFF), (16, 0x1F0000FF0000FF), (8, 0x100F00F00F00F00F),
                        (4, 0x10C30C30C30C30C3), (2, 0x1249249249249249)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def morton_order(x: np.ndarray) -> np.ndarray:
    """Order of the points along a Z-order (Morton) curve of their xyz in [-1, 1]^3:
    consecutive points are mostly close, which keeps the Lipschitz brackets tight."""
    q = np.clip(((x + 1.0) * 0.5 * (2**21 - 1)).astype(np.int64), 0, 2**21 - 1)
    code = (_part1by2(q[:, 0]) << np.uint64(2)) | (_part1by2(q[:, 1]) << np.uint64(1)) | \
        _part1by2(q[:, 2])
    return np.argsort(code, kind="stable")


def core_distances2(
    tree: KDTree, xs: np.ndarray, ws: np.ndarray, min_samples_weight: float
) -> np.ndarray:
    """Exact squared core distances (float64) of the points ``xs`` in tree order
    (``xs = xyz[tree.perm]``, ``ws`` likewise) for threshold ``min_samples_weight``.

    The threshold is clamped to the total weight (then the core distance reaches the
    farthest point, as ``hdbscan`` clamps ``min_samples`` to ``n - 1``), and reached
    within :data:`WEIGHT_RTOL`.
    """
    n = len(xs)
    if n == 0:
        return np.empty(0)
    total = float(np.sum(ws))
    m = min(float(min_samples_weight), total)
    m_eff = m - WEIGHT_RTOL * abs(m)
    seq = morton_order(xs)
    c2 = _core_dist2(xs, ws, m_eff, seq, tree.lo, tree.hi, tree.start, tree.end, tree.weight,
                     tree.n_leaf_first, _BLOCK)
    return c2
