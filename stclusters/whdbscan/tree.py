"""From the mutual-reachability MST to flat clusters: level tree, condensed tree,
stability, excess-of-mass (or leaf) selection, labels.

**Level tree.** Kruskal over the MST edges sorted by weight, where all merges at one
distance form a single node: a node's children are the connected components just below
its distance (several when edges tie), its leaves are locations. This tree depends only
on the mutual-reachability distances, not on which of several equally light MSTs was
found or on the order of tied edges.

**Condensed tree** (Campello et al. 2013/2015, with weights): walking down from the root,
a cluster at a node of distance ``delta`` (``lambda = 1 / delta``) looks at the node's
children; a child is *big* when its weight reaches ``min_cluster_weight``. With two or
more big children, each big child is a new cluster born at ``lambda`` and every other
child's locations fall out of the cluster at ``lambda``; with one, the cluster continues
into it and the others fall out; with none, all its locations fall out. A location is a
child like any other: with a weight of at least ``min_cluster_weight`` it can be a
cluster by itself, whose weight falls out at ``1 / c`` (its core distance: integer
copies of the location stay connected up to ``c``); at a node of distance equal to its
core distance it dissolves there (its copies are joined only at that distance).

**Stability** of a cluster: ``sum (lambda_out - lambda_birth) * weight`` over its
locations and child clusters (``lambda_out``: where a location falls out or the child
is born). **Excess of mass** keeps a cluster when its stability is at least the sum of
its children's (after their own selection), as ``hdbscan`` does; **leaf** keeps the
clusters without child clusters. The root is a candidate only with
``allow_single_cluster``.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from stclusters.unionfind import find as _find
from stclusters.whdbscan.core import WEIGHT_RTOL


class LevelTree(NamedTuple):
    """Multi-way single-linkage tree. Nodes ``0..n-1`` are the points; internal nodes
    follow. ``first_child`` / ``next_sibling`` link the children; ``dist`` is the merge
    distance of internal nodes; ``weight`` the total weight below a node."""

    root: int
    dist: np.ndarray
    weight: np.ndarray
    first_child: np.ndarray
    next_sibling: np.ndarray


@numba.njit(cache=True)
def _adopt(a, b, first, last, nxt, count, par):  # pragma: no cover - compiled
    """Append the children of node ``b`` to node ``a``."""
    c = first[b]
    while c >= 0:
        par[c] = a
        c = nxt[c]
    if first[a] < 0:
        first[a] = first[b]
    else:
        nxt[last[a]] = first[b]
    last[a] = last[b]
    count[a] += count[b]
    first[b] = -1
    count[b] = 0


@numba.njit(cache=True)
def _add_child(a, c, first, last, nxt, count, par):  # pragma: no cover - compiled
    nxt[c] = -1
    par[c] = a
    if first[a] < 0:
        first[a] = c
    else:
        nxt[last[a]] = c
    last[a] = c
    count[a] += 1


@numba.njit(cache=True)
def _level_tree(n, eu, ev, ew, w):  # pragma: no cover - compiled
    size = 2 * n
    dist = np.full(size, -1.0)
    weight = np.zeros(size)
    weight[:n] = w
    first = np.full(size, -1, dtype=np.int64)
    last = np.full(size, -1, dtype=np.int64)
    nxt = np.full(size, -1, dtype=np.int64)
    count = np.zeros(size, dtype=np.int64)
    par = np.full(size, -1, dtype=np.int64)
    uf = np.arange(n)
    top = np.arange(n)  # tree node of each union-find root
    n_nodes = n
    for k in range(len(eu)):
        d = ew[k]
        ra, rb = _find(uf, eu[k]), _find(uf, ev[k])
        a, b = top[ra], top[rb]
        a_lvl = a >= n and dist[a] == d
        b_lvl = b >= n and dist[b] == d
        if a_lvl and b_lvl:
            if count[b] > count[a]:
                a, b = b, a
            _adopt(a, b, first, last, nxt, count, par)
            weight[a] += weight[b]
            node = a
        elif a_lvl or b_lvl:
            if b_lvl:
                a, b = b, a
            _add_child(a, b, first, last, nxt, count, par)
            weight[a] += weight[b]
            node = a
        else:
            node = n_nodes
            n_nodes += 1
            dist[node] = d
            _add_child(node, a, first, last, nxt, count, par)
            _add_child(node, b, first, last, nxt, count, par)
            weight[node] = weight[a] + weight[b]
        uf[rb] = ra
        top[ra] = node
    root = top[_find(uf, 0)] if n > 0 else -1
    return root, dist, weight, first, nxt


def level_tree(n: int, eu: np.ndarray, ev: np.ndarray, ew: np.ndarray,
               weight: np.ndarray) -> LevelTree:
    """Multi-way single-linkage tree of ``n`` points from MST edges ``(eu, ev, ew)``."""
    order = np.argsort(ew, kind="stable")
    root, dist, wt, first, nxt = _level_tree(
        int(n), np.ascontiguousarray(eu[order], dtype=np.int64),
        np.ascontiguousarray(ev[order], dtype=np.int64),
        np.ascontiguousarray(ew[order], dtype=np.float64),
        np.ascontiguousarray(weight, dtype=np.float64))
    return LevelTree(int(root), dist, wt, first, nxt)


class Condensed(NamedTuple):
    """Condensed tree: each point's cluster (the one it falls out of, -1 when the root
    is below ``min_cluster_weight``) and ``lambda``; each cluster's parent (-1 for the
    root, cluster 0), birth ``lambda`` and weight. Children have larger ids than parents."""

    point_cluster: np.ndarray
    point_lambda: np.ndarray
    parent: np.ndarray
    birth: np.ndarray
    weight: np.ndarray


@numba.njit(cache=True)
def _emit(node, cl, lam, n, first, nxt, point_cluster, point_lambda, stack):  # pragma: no cover
    """Every point below ``node`` falls out of cluster ``cl`` at ``lam``."""
    stack[0] = node
    top = 1
    while top > 0:
        top -= 1
        v = stack[top]
        if v < n:
            point_cluster[v] = cl
            point_lambda[v] = lam
            continue
        c = first[v]
        while c >= 0:
            stack[top] = c
            top += 1
            c = nxt[c]


@numba.njit(cache=True)
def _is_big(ch, d, n, weight, core, mcw):  # pragma: no cover - compiled
    if weight[ch] < mcw:
        return False
    return ch >= n or core[ch] < d  # a location dissolves at its own core distance


@numba.njit(cache=True)
def _condense(n, root, dist, weight, first, nxt, core, mcw):  # pragma: no cover - compiled
    point_cluster = np.full(n, -1, dtype=np.int64)
    point_lambda = np.zeros(n)
    cap = 2 * n + 1
    c_parent = np.full(cap, -1, dtype=np.int64)
    c_birth = np.zeros(cap)
    c_weight = np.zeros(cap)
    if root < 0 or weight[root] < mcw:
        return point_cluster, point_lambda, c_parent[:0], c_birth[:0], c_weight[:0]
    c_weight[0] = weight[root]
    n_cl = 1
    work_node = np.empty(cap, dtype=np.int64)
    work_cl = np.empty(cap, dtype=np.int64)
    scratch = np.empty(cap, dtype=np.int64)
    work_node[0], work_cl[0] = root, 0
    top = 1
    while top > 0:
        top -= 1
        node, cl = work_node[top], work_cl[top]
        if node < n:  # a cluster made of one location
            point_cluster[node] = cl
            point_lambda[node] = 1.0 / core[node] if core[node] > 0.0 else np.inf
            continue
        d = dist[node]
        lam = 1.0 / d
        n_big = 0
        c = first[node]
        while c >= 0:
            if _is_big(c, d, n, weight, core, mcw):
                n_big += 1
            c = nxt[c]
        c = first[node]
        while c >= 0:
            if n_big > 0 and _is_big(c, d, n, weight, core, mcw):
                target = cl
                if n_big >= 2:
                    target = n_cl
                    c_parent[n_cl] = cl
                    c_birth[n_cl] = lam
                    c_weight[n_cl] = weight[c]
                    n_cl += 1
                work_node[top], work_cl[top] = c, target
                top += 1
            else:
                _emit(c, cl, lam, n, first, nxt, point_cluster, point_lambda, scratch)
            c = nxt[c]
    return (point_cluster, point_lambda, c_parent[:n_cl].copy(), c_birth[:n_cl].copy(),
            c_weight[:n_cl].copy())


def condense(tree: LevelTree, core: np.ndarray, min_cluster_weight: float) -> Condensed:
    """Condensed tree for ``min_cluster_weight`` (reached within a relative 1e-9)."""
    n = len(core)
    mcw = float(min_cluster_weight) - WEIGHT_RTOL * abs(float(min_cluster_weight))
    out = _condense(n, tree.root, tree.dist, tree.weight, tree.first_child,
                    tree.next_sibling, np.ascontiguousarray(core, dtype=np.float64), mcw)
    return Condensed(*out)


def stability(ct: Condensed, weight: np.ndarray) -> np.ndarray:
    """Stability of each cluster (``inf`` for a cluster ending in a location of core
    distance 0, whose density is unbounded)."""
    k = len(ct.parent)
    if k == 0:
        return np.zeros(0)
    pc = ct.point_cluster
    inside = pc >= 0
    contrib = (ct.point_lambda[inside] - ct.birth[pc[inside]]) * weight[inside]
    s = np.bincount(pc[inside], weights=contrib, minlength=k).astype(np.float64)
    child = np.arange(1, k)
    s += np.bincount(ct.parent[child], weights=(ct.birth[child] - ct.birth[ct.parent[child]])
                     * ct.weight[child], minlength=k)
    return s


def select(ct: Condensed, stab: np.ndarray, method: str = "eom",
           allow_single_cluster: bool = False) -> np.ndarray:
    """Boolean mask of the selected clusters (``eom`` or ``leaf``)."""
    k = len(ct.parent)
    selected = np.zeros(k, dtype=bool)
    if k == 0:
        return selected
    has_child = np.zeros(k, dtype=bool)
    has_child[ct.parent[1:]] = True
    if method == "leaf":
        selected[1:] = ~has_child[1:]
        return selected
    if method != "eom":
        raise ValueError(f"cluster_selection_method must be 'eom' or 'leaf', got {method!r}")
    selected = _eom(ct.parent, np.asarray(stab, dtype=np.float64), has_child,
                    bool(allow_single_cluster))
    return selected


@numba.njit(cache=True)
def _eom(parent, stab, has_child, allow_root):  # pragma: no cover - compiled
    k = len(parent)
    selected = np.zeros(k, dtype=np.bool_)
    child_sum = np.zeros(k)
    best = stab.copy()
    lowest = 0 if allow_root else 1
    for c in range(k - 1, lowest - 1, -1):
        if has_child[c] and child_sum[c] > stab[c]:
            best[c] = child_sum[c]
        else:
            selected[c] = True
        if c > 0:
            child_sum[parent[c]] += best[c]
    # a selected cluster's descendants are not selected
    covered = np.zeros(k, dtype=np.bool_)
    for c in range(1, k):
        p = parent[c]
        covered[c] = covered[p] or selected[p]
        if covered[c]:
            selected[c] = False
    return selected


def labels_from(ct: Condensed, selected: np.ndarray) -> np.ndarray:
    """Cluster id (a selected cluster) of each point, -1 for noise; ``hdbscan``'s rule for
    a selected root (only points falling out at the root's largest lambda are labelled)."""
    k = len(ct.parent)
    n = len(ct.point_cluster)
    if k == 0 or not selected.any():
        return np.full(n, -1, dtype=np.int64)
    owner = np.full(k, -1, dtype=np.int64)
    owner[0] = 0 if selected[0] else -1
    for c in range(1, k):  # parents come first
        owner[c] = c if selected[c] else owner[ct.parent[c]]
    pc = ct.point_cluster
    out = np.where(pc >= 0, owner[np.maximum(pc, 0)], -1)
    if selected[0]:
        root_rows = ct.point_lambda[pc == 0]
        child_births = ct.birth[1:][ct.parent[1:] == 0]
        top = max(root_rows.max(initial=-np.inf), child_births.max(initial=-np.inf))
        out[(out == 0) & (ct.point_lambda < top)] = -1
    return out.astype(np.int64)
