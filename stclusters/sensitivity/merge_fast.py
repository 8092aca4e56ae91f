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

from collections.abc import Mapping
from dataclasses import dataclass

import numba
import numpy as np
from scipy.spatial import cKDTree

from stclusters.cluster import _radius
from stclusters.sensitivity.graphs import _find, block_neighbours

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
    idx = np.int32 if n < np.iinfo(np.int32).max else np.int64
    link_n = np.zeros(n, dtype=np.int64)
    att_n = np.zeros(n, dtype=np.int64)
    att_more = np.zeros(n, dtype=bool)
    links, atts = [], []
    tree = cKDTree(xyz) if n >= 2 and r >= 0 else None
    block = 1 << 13
    for lo in range(0, n if tree is not None else 0, block):
        hi = min(lo + block, n)
        u, v = block_neighbours(tree, xyz, lo, hi, r)
        keep = u != v
        u, v = u[keep], v[keep]
        d = _distance(xyz, u, v)
        lk = (v > u) & (src[u] != src[v]) & (d <= r_link)
        links.append(v[lk].astype(idx))
        link_n[lo:hi] = np.bincount(u[lk] - lo, minlength=hi - lo)
        near = d <= r_att
        u, v, d = u[near], v[near], d[near]
        o = np.lexsort((v, d, u))  # by location, then distance, then index
        u, v = u[o], v[o]
        rank = np.arange(len(u)) - np.searchsorted(u, u, side="left")
        first = rank < candidates
        atts.append(v[first].astype(idx))
        cnt = np.bincount(u - lo, minlength=hi - lo)
        att_n[lo:hi] = np.minimum(cnt, candidates)
        att_more[lo:hi] = cnt > candidates
        del u, v, d, o, rank, first, keep, lk, near
    return PairTables(
        link_ptr=np.concatenate([[0], np.cumsum(link_n)]).astype(np.int64),
        link_v=np.concatenate(links) if links else np.empty(0, idx),
        att_ptr=np.concatenate([[0], np.cumsum(att_n)]).astype(np.int64),
        att_v=np.concatenate(atts) if atts else np.empty(0, idx),
        att_more=att_more, xyz=xyz, tree=tree, r_query=r, r_att=r_att)


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
                    x = _find(parent, node[u])
                    y = _find(parent, node[v])
                    if x < y:
                        parent[y] = x
                    elif y < x:
                        parent[x] = y
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
    candidate (the first one in distance, then index, order)."""
    more = np.flatnonzero(_attach_kept(tables.att_ptr, tables.att_v, tables.att_more, cid,
                                       noise, member))
    if not len(more):
        return
    # cid of members is final: look these up whole, in the same order
    for lo in range(0, len(more), 1 << 12):
        us = more[lo : lo + (1 << 12)]
        lists = tables.tree.query_ball_point(tables.xyz[us], tables.r_query)
        u = np.repeat(us, [len(x) for x in lists]).astype(np.int64)
        v = np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])
        keep = u != v
        u, v = u[keep], v[keep]
        d = _distance(tables.xyz, u, v)
        ok = (d <= tables.r_att) & member[v]
        u, v, d = u[ok], v[ok], d[ok]
        o = np.lexsort((v, d, u))
        u, v = u[o], v[o]
        first = np.ones(len(u), dtype=bool)
        first[1:] = u[1:] != u[:-1]
        cid[u[first]] = cid[v[first]]
