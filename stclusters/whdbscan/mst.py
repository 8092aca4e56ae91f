"""Minimum spanning tree of the mutual-reachability distance (Boruvka on the KD-tree).

``mr(p, q) = max(c(p), c(q), d(p, q))`` with core distances ``c``. Each Boruvka round finds,
for every component, its lightest edge to another component: every point searches the tree
for its nearest "alien" point under ``mr``, pruning nodes that lie entirely in its own
component, nodes whose lower bound ``max(c(q), min core in node, box distance)`` is no
better than the best edge already known for its component, and stopping as soon as it
finds an edge of weight ``c(q)`` (no edge of ``q`` is lighter). Everything is float64 in
squared distances; a round's candidate edges are merged with a union-find, so ties between
equally light edges are harmless (any minimum spanning tree gives the same single-linkage
hierarchy, which is all that is used downstream).
"""

from __future__ import annotations

import numba
import numpy as np

from stclusters.unionfind import find as _find
from stclusters.whdbscan.kdtree import KDTree, dist2, min_dist2


@numba.njit(cache=True)
def _node_min_core(core2, start, end, n_nodes, n_leaf_first):  # pragma: no cover - compiled
    out = np.empty(n_nodes)
    for node in range(n_nodes - 1, -1, -1):
        if node >= n_leaf_first:
            v = np.inf
            for j in range(start[node], end[node]):
                if core2[j] < v:
                    v = core2[j]
            out[node] = v
        else:
            a, b = out[2 * node + 1], out[2 * node + 2]
            out[node] = a if a < b else b
    return out


@numba.njit(cache=True)
def _node_components(comp, start, end, n_nodes, n_leaf_first):  # pragma: no cover - compiled
    """Component shared by all points of a node, or -1."""
    out = np.empty(n_nodes, dtype=np.int64)
    for node in range(n_nodes - 1, -1, -1):
        if node >= n_leaf_first:
            s, e = start[node], end[node]
            c = comp[s] if e > s else -1
            for j in range(s + 1, e):
                if comp[j] != c:
                    c = -1
                    break
            out[node] = c
        else:
            a, b = out[2 * node + 1], out[2 * node + 2]
            out[node] = a if a == b else -1
    return out


@numba.njit(cache=True)
def _nearest_alien(x, q, core2, comp, node_comp, node_core, lo, hi, start, end,
                   n_leaf_first, bound):  # pragma: no cover - compiled
    """Lightest ``mr^2`` edge from ``q`` to another component, if lighter than ``bound``:
    ``(mr2, j)``, ``j = -1`` when none is."""
    cq = comp[q]
    own = core2[q]
    best_j = -1
    stack = np.empty(128, dtype=np.int64)
    stack[0] = 0
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        if node_comp[node] == cq:
            continue
        lb = min_dist2(x[q], lo, hi, node)
        if node_core[node] > lb:
            lb = node_core[node]
        if own > lb:
            lb = own
        if lb >= bound:
            continue
        if node >= n_leaf_first:
            for j in range(start[node], end[node]):
                if comp[j] == cq:
                    continue
                mr = dist2(x, q, j)
                if core2[j] > mr:
                    mr = core2[j]
                if own > mr:
                    mr = own
                if mr < bound:
                    bound = mr
                    best_j = j
            if best_j >= 0 and bound <= own:
                break  # nothing from q is lighter than its own core distance
            continue
        left, right = 2 * node + 1, 2 * node + 2
        dl = min_dist2(x[q], lo, hi, left)
        dr = min_dist2(x[q], lo, hi, right)
        if dl <= dr:  # visit the nearer child first (pushed last)
            stack[top] = right
            stack[top + 1] = left
        else:
            stack[top] = left
            stack[top + 1] = right
        top += 2
    return bound, best_j


@numba.njit(cache=True, parallel=True)
def _round_candidates(x, core2, comp, node_comp, node_core, lo, hi, start, end,
                      n_leaf_first, n_comp_slots):  # pragma: no cover - compiled
    n = x.shape[0]
    cand_w = np.full(n, np.inf)
    cand_j = np.full(n, -1, dtype=np.int64)
    comp_best = np.full(n_comp_slots, np.inf)
    for q in numba.prange(n):
        c = comp[q]
        bound = comp_best[c]
        if core2[q] >= bound:
            continue
        mr, j = _nearest_alien(x, q, core2, comp, node_comp, node_core, lo, hi, start, end,
                               n_leaf_first, bound)
        if j >= 0:
            cand_w[q] = mr
            cand_j[q] = j
            if mr < comp_best[c]:
                comp_best[c] = mr  # a racy write only weakens pruning, never correctness
    return cand_w, cand_j


@numba.njit(cache=True)
def _merge_round(cand_w, cand_j, comp, parent, eu, ev, ew, n_edges):  # pragma: no cover
    """Lightest candidate per component (ties: lowest point index), joined by union-find."""
    n = len(cand_w)
    best_w = np.full(n, np.inf)
    best_q = np.full(n, -1, dtype=np.int64)
    for q in range(n):
        j = cand_j[q]
        if j < 0:
            continue
        c = comp[q]
        if cand_w[q] < best_w[c]:
            best_w[c] = cand_w[q]
            best_q[c] = q
    for c in range(n):
        q = best_q[c]
        if q < 0:
            continue
        j = cand_j[q]
        a, b = _find(parent, q), _find(parent, j)
        if a == b:
            continue
        parent[b] = a
        eu[n_edges] = q
        ev[n_edges] = j
        ew[n_edges] = best_w[c]
        n_edges += 1
    for q in range(n):
        comp[q] = _find(parent, q)
    return n_edges


@numba.njit(cache=True)
def _boruvka(x, core2, lo, hi, start, end, n_leaf_first):  # pragma: no cover - compiled
    n = x.shape[0]
    n_nodes = len(start)
    parent = np.arange(n)
    comp = np.arange(n)
    eu = np.empty(max(n - 1, 0), dtype=np.int64)
    ev = np.empty(max(n - 1, 0), dtype=np.int64)
    ew = np.empty(max(n - 1, 0))
    node_core = _node_min_core(core2, start, end, n_nodes, n_leaf_first)
    n_edges = 0
    while n_edges < n - 1:
        node_comp = _node_components(comp, start, end, n_nodes, n_leaf_first)
        cand_w, cand_j = _round_candidates(x, core2, comp, node_comp, node_core, lo, hi,
                                           start, end, n_leaf_first, n)
        before = n_edges
        n_edges = _merge_round(cand_w, cand_j, comp, parent, eu, ev, ew, n_edges)
        if n_edges == before:  # cannot happen on a connected (complete) graph
            break
    return eu[:n_edges], ev[:n_edges], ew[:n_edges]


def mutual_reachability_mst(tree: KDTree, xs: np.ndarray, core2: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges ``(u, v, weight)`` of a minimum spanning tree of the mutual-reachability
    distance over the points ``xs`` (tree order) with squared core distances ``core2``;
    weights are distances (``sqrt`` of the squared ones, so ``max`` and ``sqrt`` commute
    exactly), ``n - 1`` edges for ``n`` points."""
    core2 = np.ascontiguousarray(core2, dtype=np.float64)
    u, v, w2 = _boruvka(np.ascontiguousarray(xs), core2, tree.lo, tree.hi, tree.start,
                        tree.end, tree.n_leaf_first)
    if len(u) != max(len(xs) - 1, 0):
        raise RuntimeError("mutual-reachability MST is incomplete")
    return u, v, np.sqrt(w2)
