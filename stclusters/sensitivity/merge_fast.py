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

How: :func:`pair_tables` lists once, over the universe of all locations, the
cross-source pairs within ``link_km`` (grouped by source pair) and each location's
candidates within ``attach_km`` sorted by distance (CSR); :func:`merge_labels` then
filters the pairs to members, takes connected components of the small graph of source
clusters, and attaches noise with a vectorised "first candidate that is a member".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from stclusters.arrays import unique
from stclusters.cluster import _radius

_DENSE_DEDUPE = 50_000_000  # node pairs up to which links are deduplicated on a bitmap


@dataclass
class PairTables:
    """The universe's pairs: ``links[(a, b)]`` = (i, j) location pairs of sources a < b
    within ``link_km``; ``att_v[att_ptr[u]:att_ptr[u + 1]]`` = the locations within
    ``attach_km`` of location ``u``, nearest first (ties by index)."""

    links: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]
    att_v: np.ndarray
    att_ptr: np.ndarray

    @property
    def n_link_pairs(self) -> int:
        """Number of cross-source location pairs within ``link_km``."""
        return int(sum(len(i) for i, _ in self.links.values()))


def pair_tables(xyz: np.ndarray, src: np.ndarray, link_km: float, attach_km: float) -> PairTables:
    """:class:`PairTables` of unit-sphere points ``xyz`` of sources ``src`` (small ints,
    non-decreasing: the universe is ordered by source)."""
    n = len(xyz)
    r_link = _radius(link_km) if link_km > 0 else -1.0
    r_att = _radius(attach_km) if attach_km > 0 else -1.0
    r = max(r_link, r_att)
    idx = np.int32 if n < np.iinfo(np.int32).max else np.int64
    if n < 2 or r < 0:
        i = j = np.empty(0, idx)
        d = np.empty(0)
    else:
        p = cKDTree(xyz).query_pairs(r, output_type="ndarray")
        i, j = p[:, 0].astype(idx), p[:, 1].astype(idx)
        del p
        d = np.sqrt(((xyz[i] - xyz[j]) ** 2).sum(axis=1))
    links = _cross_source_pairs(src, i, j, d <= r_link)
    att_v, att_ptr = _attach_candidates(n, i, j, d, d <= r_att)
    return PairTables(links, att_v, att_ptr)


def _cross_source_pairs(
    src: np.ndarray, i: np.ndarray, j: np.ndarray, near: np.ndarray
) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """The ``near`` pairs of different sources, grouped by source pair (i < j, so
    src_i <= src_j)."""
    cross = (src[i] != src[j]) & near
    li, lj = i[cross], j[cross]
    pair_src = src[li].astype(np.int64) * 128 + src[lj]
    links = {}
    for key in unique(pair_src):
        m = pair_src == key
        links[(int(key) // 128, int(key) % 128)] = (li[m], lj[m])
    return links


def _attach_candidates(
    n: int, i: np.ndarray, j: np.ndarray, d: np.ndarray, near: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """CSR of each location's ``near`` neighbours by distance, then index."""
    u = np.concatenate([i[near], j[near]])
    v = np.concatenate([j[near], i[near]])
    dd = np.concatenate([d[near], d[near]])
    o = np.lexsort((v, dd, u))  # by location, then distance, then index
    return v[o], np.concatenate([[0], np.cumsum(np.bincount(u, minlength=n))])


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
    codes = {spans[s][0] for s in labels}
    comp = _link_components(tables, codes, member, node, n_nodes)
    cid[member] = comp[node[member]]
    if attach:
        _attach(tables, cid, np.flatnonzero(lab == -1), member)
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


def _link_components(
    tables: PairTables, codes: set[int], member: np.ndarray, node: np.ndarray, n_nodes: int
) -> np.ndarray:
    """Connected component of every source-cluster node, over the links between members
    of the run's sources (rules 1 and 2)."""
    parts_a, parts_b = [], []
    for (sa, sb), (li, lj) in tables.links.items():
        if sa in codes and sb in codes:
            keep = np.flatnonzero(member[li] & member[lj])
            parts_a.append(node[li[keep]])
            parts_b.append(node[lj[keep]])
    a = np.concatenate(parts_a) if parts_a else np.empty(0, np.int64)
    b = np.concatenate(parts_b) if parts_b else np.empty(0, np.int64)
    if n_nodes * n_nodes <= _DENSE_DEDUPE:  # dedupe the node pairs on a dense bitmap
        seen = np.zeros(n_nodes * n_nodes, dtype=bool)
        seen[a * n_nodes + b] = True
        flat = np.flatnonzero(seen)
        a, b = flat // n_nodes, flat % n_nodes
    g = sparse.csr_matrix((np.ones(len(a), dtype=bool), (a, b)), shape=(n_nodes, n_nodes))
    _, comp = connected_components(g, directed=True, connection="weak")
    return comp


def _attach(tables: PairTables, cid: np.ndarray, noise: np.ndarray, member: np.ndarray) -> None:
    """Rule 3, in place: each noise location takes the cluster of its first candidate
    (the nearest) that is a member."""
    if not len(noise):
        return
    starts = tables.att_ptr[noise]
    lens = tables.att_ptr[noise + 1] - starts
    has = lens > 0
    noise, starts, lens = noise[has], starts[has], lens[has]
    if not len(noise):
        return
    cum = np.cumsum(lens)
    pos = np.arange(int(cum[-1]), dtype=np.int64) - np.repeat(cum - lens - starts, lens)
    cand = tables.att_v[pos]
    ok = np.flatnonzero(member[cand])
    row = np.searchsorted(cum, ok, side="right")  # which noise location
    first = np.ones(len(ok), dtype=bool)
    first[1:] = row[1:] != row[:-1]
    cid[noise[row[first]]] = cid[cand[ok[first]]]
