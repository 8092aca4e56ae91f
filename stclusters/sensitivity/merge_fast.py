"""The fast merge: :func:`stclusters.merge.build_st_clusters` for any per-source labels,
without a spatial query per run.

Mirrors :func:`stclusters.merge.build_st_clusters`, rules 1-3 of its docstring:

1. *link* source clusters of different sources with member locations within ``link_km``
   (great-circle, inclusive: the same ``stclusters.cluster._radius`` chord);
2. S&T clusters = connected components of that link graph;
3. *attach* each noise location (of a source in the run) to the S&T cluster of its
   nearest member location (any source) within ``attach_km``; ``attach_km <= 0``: none.

It gives the same partition of the locations (tested in tests/test_sensitivity.py,
``test_fast_merge_equals_build_st_clusters``), not the same cluster numbers:
``build_st_clusters`` numbers clusters by descending equal-weight score, here ids
0..k-1 are arbitrary (the score and rank are :mod:`stclusters.sensitivity.score`'s).
A noise location equidistant from two members goes to the one of lower universe index
(``build_st_clusters``: the KD-tree's pick). The stage checks the whole chain on the
nominal run and stops on any difference
(:class:`stclusters.sensitivity.stage.NominalMismatchError`): a change to
``build_st_clusters`` must be made here too.

How: :func:`pair_tables` lists once, over the universe of all locations, row block by
row block (bounded memory), each location's cross-source partners within ``link_km`` of
higher index (CSR, 4 bytes a pair) and its nearest :data:`ATTACH_CANDIDATES` candidates
within ``attach_km`` sorted by distance, then index; :func:`merge_labels` then takes the
connected components of the source clusters over the links between members (one
union-find pass) and attaches each noise location to its first candidate that is a
member; a noise location whose kept candidates hold no member but that has more
candidates gets its whole candidate list from the KD-tree (the same list, distances and
order the full table would hold).
"""

from __future__ import annotations

import ctypes
from collections.abc import Mapping
from dataclasses import dataclass

import numba
import numpy as np
from scipy.spatial import cKDTree

from stclusters.cluster import _radius, index_dtype
from stclusters.sensitivity.graphs import ROW_BLOCK, block_neighbours
from stclusters.unionfind import find as _find
from stclusters.unionfind import union_lowest

ATTACH_CANDIDATES = 32
"""Attachment candidates kept per location (the nearest); more are looked up when a
noise location's kept ones hold no member."""


@dataclass
class PairTables:
    """The universe's pairs: ``link_v[link_ptr[u]:link_ptr[u + 1]]`` = the locations of
    higher index and another source within ``link_km`` of ``u``;
    ``att_v[att_ptr[u]:att_ptr[u + 1]]`` = the nearest (at most
    :data:`ATTACH_CANDIDATES`) locations within ``attach_km`` of ``u``, nearest first
    (ties by index), ``att_more[u]``: whether ``u`` has more; ``xyz``, ``tree``,
    ``r_query``, ``r_att``: what looks the others up."""

    link_ptr: np.ndarray
    link_v: np.ndarray
    att_ptr: np.ndarray
    att_v: np.ndarray
    att_more: np.ndarray
    xyz: np.ndarray
    tree: cKDTree | None
    r_query: float
    r_att: float

    @property
    def n_link_pairs(self) -> int:
        """Number of cross-source location pairs within ``link_km``."""
        return len(self.link_v)

    @property
    def n_attach_candidates(self) -> int:
        """Number of attachment candidates kept."""
        return len(self.att_v)


def _distance(xyz: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Chord between points ``u`` and ``v`` (one formula for every table and lookup, so
    ties order alike)."""
    return np.sqrt(((xyz[u] - xyz[v]) ** 2).sum(axis=1))


def pair_tables(xyz: np.ndarray, src: np.ndarray, link_km: float, attach_km: float,
                candidates: int = ATTACH_CANDIDATES) -> PairTables:
    """:class:`PairTables` of unit-sphere points ``xyz`` of sources ``src`` (small ints,
    non-decreasing: the universe is ordered by source), listed in row blocks."""
    n = len(xyz)
    r_link = _radius(link_km) if link_km > 0 else -1.0
    r_att = _radius(attach_km) if attach_km > 0 else -1.0
    r = max(r_link, r_att)
    idx = index_dtype(n)
    link_n = np.zeros(n, dtype=np.int64)
    att_n = np.zeros(n, dtype=np.int64)
    att_more = np.zeros(n, dtype=bool)
    links, atts = [], []
    tree = cKDTree(xyz) if n >= 2 and r >= 0 else None
    for lo in range(0, n if tree is not None else 0, ROW_BLOCK):
        hi = min(lo + ROW_BLOCK, n)
        u, v = block_neighbours(tree, xyz, lo, hi, r)
        d = _distance(xyz, u, v)
        lv, ln, av, an, more = _block_tables(u, v, d, src, r_link, r_att, candidates, lo, hi)
        links.append(lv.astype(idx))
        atts.append(av.astype(idx))
        link_n[lo:hi], att_n[lo:hi], att_more[lo:hi] = ln, an, more
        del u, v, d, lv, av
    release_memory()
    return PairTables(
        link_ptr=np.concatenate([[0], np.cumsum(link_n)]).astype(np.int64),
        link_v=np.concatenate(links) if links else np.empty(0, idx),
        att_ptr=np.concatenate([[0], np.cumsum(att_n)]).astype(np.int64),
        att_v=np.concatenate(atts) if atts else np.empty(0, idx),
        att_more=att_more, xyz=xyz, tree=tree, r_query=r, r_att=r_att)


@numba.njit(cache=True)
def _block_tables(u: np.ndarray, v: np.ndarray, d: np.ndarray, src: np.ndarray,
                  r_link: float, r_att: float, k: int, lo: int, hi: int):  # pragma: no cover
    """One row block's links (partners of higher index and another source within
    ``r_link``) and nearest ``k`` attachment candidates (within ``r_att``, by distance
    then index) from its neighbours ``(u, v)`` (sorted by u, then v) at chord ``d``."""
    m = hi - lo
    link_n = np.zeros(m, dtype=np.int64)
    att_n = np.zeros(m, dtype=np.int64)
    more = np.zeros(m, dtype=np.bool_)
    link_v = np.empty(len(u), dtype=np.int64)
    att_v = np.empty(min(len(u), m * k), dtype=np.int64)
    nl = na = 0
    start = 0
    while start < len(u):
        stop = start
        while stop < len(u) and u[stop] == u[start]:
            stop += 1
        row = u[start] - lo
        cand = np.empty(stop - start, dtype=np.int64)
        nc = 0
        for t in range(start, stop):
            if v[t] == u[t]:
                continue
            if v[t] > u[t] and src[u[t]] != src[v[t]] and d[t] <= r_link:
                link_v[nl] = v[t]
                nl += 1
                link_n[row] += 1
            if d[t] <= r_att:
                cand[nc] = t
                nc += 1
        if nc:
            o = np.argsort(d[cand[:nc]], kind="mergesort")  # stable: ties by index
            take = min(nc, k)
            for q in range(take):
                att_v[na] = v[cand[o[q]]]
                na += 1
            att_n[row] = take
            more[row] = nc > k
        start = stop
    return link_v[:nl].copy(), link_n, att_v[:na].copy(), att_n, more


def merge_labels(
    tables: PairTables,
    n: int,
    spans: Mapping[str, tuple[int, int, int]],
    labels: Mapping[str, np.ndarray],
    attach: bool,
) -> tuple[np.ndarray, int]:
    """S&T cluster of every universe location (-1: none, or source not in the run) for
    per-source ``labels`` (-1 noise; sources left out are not in the run).

    ``spans[source]`` = (source code, offset, number of locations) in the universe of
    ``n`` locations; ``attach``: ``attach_km > 0``. Returns (ids 0..k-1, k)."""
    lab, node, n_nodes = _source_nodes(n, spans, labels)
    member = lab >= 0
    cid = np.full(n, -1, dtype=np.int64)
    if n_nodes == 0:
        return cid, 0
    comp = _link_components(tables.link_ptr, tables.link_v, member, node, n_nodes)
    cid[member] = comp[node[member]]
    if attach:
        _attach(tables, cid, lab == -1, member)
    present, inv = np.unique(cid[cid >= 0], return_inverse=True)
    cid[cid >= 0] = inv.ravel()
    return cid, len(present)


def _source_nodes(
    n: int, spans: Mapping[str, tuple[int, int, int]], labels: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, int]:
    """Universe labels (-2: source not in the run), each member's source-cluster node
    (numbered across sources, -1 for non-members), and the number of nodes."""
    lab = np.full(n, -2, dtype=np.int64)
    node = np.full(n, -1, dtype=np.int64)
    n_nodes = 0
    for s, arr in labels.items():
        _, o, m = spans[s]
        arr = np.asarray(arr, dtype=np.int64)
        lab[o : o + m] = arr
        node[o : o + m] = np.where(arr >= 0, arr + n_nodes, -1)
        n_nodes += int(arr.max()) + 1 if len(arr) and arr.max() >= 0 else 0
    return lab, node, n_nodes


@numba.njit(cache=True)
def _link_components(link_ptr: np.ndarray, link_v: np.ndarray, member: np.ndarray,
                     node: np.ndarray, n_nodes: int) -> np.ndarray:  # pragma: no cover
    """Connected component of every source-cluster node over the links between members
    (rules 1 and 2), numbered by lowest node."""
    parent = np.arange(n_nodes)
    for u in range(len(member)):
        if member[u]:
            for k in range(link_ptr[u], link_ptr[u + 1]):
                v = link_v[k]
                if member[v]:
                    union_lowest(parent, node[u], node[v])
    comp = np.full(n_nodes, -1, dtype=np.int64)
    nxt = 0
    for i in range(n_nodes):
        r = _find(parent, i)  # the lowest node of its component
        if comp[r] < 0:
            comp[r] = nxt
            nxt += 1
        comp[i] = comp[r]
    return comp


@numba.njit(cache=True)
def _attach_kept(att_ptr: np.ndarray, att_v: np.ndarray, att_more: np.ndarray,
                 cid: np.ndarray, noise: np.ndarray, member: np.ndarray
                 ) -> np.ndarray:  # pragma: no cover - compiled
    """Rule 3 on the kept candidates, in place; returns the noise locations to look up
    (no member among kept candidates, more candidates exist)."""
    out = np.zeros(len(noise), dtype=np.bool_)
    for u in range(len(noise)):
        if noise[u]:
            found = False
            for k in range(att_ptr[u], att_ptr[u + 1]):
                v = att_v[k]
                if member[v]:
                    cid[u] = cid[v]
                    found = True
                    break
            if not found and att_more[u]:
                out[u] = True
    return out


def _attach(tables: PairTables, cid: np.ndarray, noise: np.ndarray, member: np.ndarray) -> None:
    """Rule 3, in place: each noise location takes the cluster of its nearest member
    candidate (the first one in distance, then index, order). Locations whose kept
    candidates hold no member ask a KD-tree of the run's members for their nearest one;
    where the two nearest are too close to tell apart, every member at that distance
    is compared with the tables' distance formula, so the pick is the tables' one."""
    more = np.flatnonzero(_attach_kept(tables.att_ptr, tables.att_v, tables.att_more, cid,
                                       noise, member))
    if not len(more):
        return
    members = np.flatnonzero(member)  # cid of members is final
    if not len(members):
        return
    tree = cKDTree(tables.xyz[members])
    bound = tables.r_att * (1 + 1e-9)
    dist, pos = tree.query(tables.xyz[more], k=2, distance_upper_bound=bound)
    hit = np.isfinite(dist[:, 0])
    clear = hit & ~(dist[:, 1] <= dist[:, 0] * (1 + 1e-9) + 1e-15)
    u, v = more[clear], members[pos[clear, 0]]
    ok = _distance(tables.xyz, u, v) <= tables.r_att
    cid[u[ok]] = cid[v[ok]]
    tied = np.flatnonzero(hit & ~clear)
    for i in tied:  # rare: equidistant members (a grid); all of them within a hair
        near = np.asarray(tree.query_ball_point(tables.xyz[more[i]],
                                                dist[i, 0] * (1 + 1e-9) + 1e-15), dtype=np.int64)
        cand = members[near]
        uu = np.full(len(cand), more[i])
        d = _distance(tables.xyz, uu, cand)
        keep = d <= tables.r_att
        if keep.any():
            o = np.lexsort((cand[keep], d[keep]))
            cid[more[i]] = cid[cand[keep][o[0]]]


def release_memory() -> None:
    """Hand freed heap memory back to the system (glibc keeps freed blocks of a few MB,
    so a process that built large tables in blocks would otherwise hold them)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
