"""Density-based clustering of one source's weighted unique locations.

Locations are points on the sphere (WGS84 degrees treated as spherical, radius
:data:`EARTH_RADIUS_KM`) carrying a weight (fractional record count). Two algorithms:

* :func:`dbscan`: weighted DBSCAN with exactly the semantics of scikit-learn's
  ``DBSCAN(eps=eps_km / R, min_samples=min_weight, metric="haversine")`` fitted with
  ``sample_weight=weight``, but computed on a KD-tree over unit-sphere xyz coordinates.
  The chord length ``2 sin(d / 2R)`` is strictly increasing in the great-circle distance
  ``d`` (for ``d`` up to half the circumference), so "chord <= chord(eps)" selects the same
  neighbours as "haversine <= eps". :func:`dbscan` and :func:`dbscan_sweep` work on the
  list of neighbouring pairs, listed once for the largest radius in blocks of bounded
  memory, and on a contracted graph of grid cells for connectivity, so one radius's pairs
  serve every density threshold; :func:`neighbour_graph` + :func:`dbscan_from_graph`
  give the same labels from a CSR radius graph (re-weighted points, bootstrap).
* :func:`hdbscan_labels` / :func:`hdbscan_sweep`: exact weighted HDBSCAN
  (:mod:`stclusters.whdbscan`) on unit-sphere xyz; its hierarchy depends only on the
  order of distances, so the chord gives the same tree as great-circle distance. Weights
  are part of the definitions (core distances, cluster sizes), not copies of points.

:func:`cluster_source` is the entry point used by the workflow for one source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from stclusters import whdbscan
from stclusters.arrays import unique
from stclusters.geo import EARTH_RADIUS_KM, chord, to_xyz

DIST_RTOL = 1e-9
"""Relative tolerance on radii: a pair exactly at ``eps`` (up to float rounding of the xyz
chord, about 1e-13 relative at 13 km) counts as within ``eps``, like ``haversine <= eps``.
1e-9 of 13 km is 13 micrometres, far below the precision of any address."""

WEIGHT_RTOL = 1e-9
"""Relative tolerance on the density threshold: neighbourhood weights are sums of
fractional counts (1/3 + 1/3 + 1/3), whose float sum may fall a few ulps short of the
exact value; a neighbourhood weight within this relative tolerance of ``min_weight``
counts as reaching it."""

_REDUCE_CHUNK = 1 << 22  # graph entries per block when summing neighbour weights


def _radius(eps_km: float) -> float:
    """KD-tree query radius for great-circle ``eps_km``, ties included."""
    if eps_km < 0:
        raise ValueError(f"eps_km must be >= 0, got {eps_km}")
    if eps_km >= math.pi * EARTH_RADIUS_KM:
        return 2.0 + 1e-9  # the whole sphere
    return chord(eps_km) * (1.0 + DIST_RTOL)


def _check_coords(lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray]:
    lat = np.asarray(lat_deg, dtype=np.float64).ravel()
    lon = np.asarray(lon_deg, dtype=np.float64).ravel()
    if lat.shape != lon.shape:
        raise ValueError("lat_deg and lon_deg must have the same length")
    if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon))):
        raise ValueError("coordinates must be finite")
    return lat, lon


def _check_weight(weight, n: int) -> np.ndarray:
    w = np.asarray(weight, dtype=np.float64).ravel()
    if w.shape != (n,):
        raise ValueError(f"weight must have length {n}, got {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite")
    return w


def index_dtype(n: int) -> type:
    """The integer type of indices below ``n``: int32 where they fit (4 bytes an entry),
    else int64."""
    return np.int32 if n < np.iinfo(np.int32).max else np.int64


def _graph_from_tree(tree: cKDTree, n: int, eps_km: float) -> sparse.csr_matrix:
    """Symmetric radius graph (self loops included) from a KD-tree over xyz points."""
    pairs = tree.query_pairs(_radius(eps_km), output_type="ndarray")  # i < j, int64
    idx_dtype = index_dtype(2 * len(pairs) + n)
    i = pairs[:, 0].astype(idx_dtype)
    j = pairs[:, 1].astype(idx_dtype)
    del pairs
    diag = np.arange(n, dtype=idx_dtype)
    rows = np.concatenate([i, j, diag])
    cols = np.concatenate([j, i, diag])
    del i, j, diag
    return _csr_from_coo(rows, cols, n)


def _csr_from_coo(rows: np.ndarray, cols: np.ndarray, n: int) -> sparse.csr_matrix:
    """Boolean CSR, column indices sorted within rows, from duplicate-free COO indices.

    Sorted rows matter: scipy's connected components run several times faster on them
    (memory locality), and they make the graph canonical.
    """
    data = np.ones(len(rows), dtype=bool)
    graph = sparse.coo_matrix((data, (rows, cols)), shape=(n, n)).tocsr()
    graph.sort_indices()  # no-op when tocsr() already sorted (it does, to sum duplicates)
    return graph


def neighbour_graph(
    lat_deg: np.ndarray | Iterable[float], lon_deg: np.ndarray | Iterable[float], eps_km: float
) -> sparse.csr_matrix:
    """Sparse boolean radius graph: entry ``(i, j)`` when points ``i`` and ``j`` lie within
    great-circle ``eps_km`` of each other (ties included, diagonal included).

    Symmetric CSR with ``int32`` indices (``int64`` beyond 2^31 entries) and column
    indices sorted within rows; memory is about 10 bytes per neighbouring pair (two
    directions, 4-byte index and 1-byte flag each) plus 4 per point.
    """
    lat, lon = _check_coords(lat_deg, lon_deg)
    n = len(lat)
    if n == 0:
        return sparse.csr_matrix((0, 0), dtype=bool)
    return _graph_from_tree(cKDTree(to_xyz(lat, lon)), n, eps_km)


def _weighted_degree(graph: sparse.csr_matrix, weight: np.ndarray) -> np.ndarray:
    """``graph @ weight`` for a boolean CSR graph whose rows are all non-empty, without
    a float copy of the whole graph (summed in blocks of rows)."""
    n = graph.shape[0]
    indptr, indices = graph.indptr, graph.indices
    out = np.empty(n, dtype=np.float64)
    start = 0
    while start < n:
        # rows [start, stop) with about _REDUCE_CHUNK entries (at least one row)
        stop = int(np.searchsorted(indptr, indptr[start] + _REDUCE_CHUNK, side="right")) - 1
        stop = min(max(stop, start + 1), n)
        lo, hi = int(indptr[start]), int(indptr[stop])
        vals = weight[indices[lo:hi]]
        out[start:stop] = np.add.reduceat(vals, (indptr[start:stop] - lo).astype(np.int64))
        start = stop
    return out


def dbscan_from_graph(
    graph: sparse.csr_matrix, weight: np.ndarray | Iterable[float], min_weight: float
) -> np.ndarray:
    """DBSCAN labels from a precomputed radius graph (see :func:`neighbour_graph`).

    A point is *core* when the total weight of its graph neighbours (itself included)
    reaches ``min_weight`` (within :data:`WEIGHT_RTOL`). Clusters are the connected
    components of core points; a non-core point with a core neighbour (*border*) joins
    the neighbouring cluster with the lowest label; all other points are noise (-1).
    Clusters are numbered 0..k-1 in order of their lowest-index core point. This is
    exactly the labelling scikit-learn's ``DBSCAN`` produces (its expansion visits core
    points in index order, and a border point keeps the first cluster that reaches it),
    so labels agree with scikit-learn, not only the partition.

    Cheap enough to call repeatedly with re-weighted points (bootstrap): one pass over the
    graph for the weights, one core-core sub-graph and a connected-components call.
    """
    graph = sparse.csr_matrix(graph)
    n = graph.shape[0]
    w = _check_weight(weight, n)
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels
    if np.any(np.diff(graph.indptr) == 0):
        raise ValueError("graph rows must include the point itself (diagonal)")
    wdeg = _weighted_degree(graph, w)
    threshold = float(min_weight) - WEIGHT_RTOL * abs(float(min_weight))
    core = wdeg >= threshold
    core_idx = np.flatnonzero(core)
    if len(core_idx) == 0:
        return labels
    sub = graph[core_idx][:, core_idx]
    # the graph is symmetric, so its strongly connected components are its connected
    # components; scipy's strong-components routine needs no transpose (4x faster here)
    n_comp, comp = connected_components(sub, directed=True, connection="strong")
    del sub
    # renumber components by their lowest-index core point (core_idx is ascending,
    # so the first occurrence of a component in `comp` is its lowest core point)
    _, first = np.unique(comp, return_index=True)
    rank = np.empty(n_comp, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(n_comp, dtype=np.int64)
    labels[core_idx] = rank[comp]
    # border points: lowest cluster label among core neighbours
    noncore_idx = np.flatnonzero(~core)
    if len(noncore_idx):
        rows = graph[noncore_idx]
        big = np.int64(n_comp)
        neigh = np.where(core[rows.indices], labels[rows.indices], big)
        best = np.minimum.reduceat(neigh, rows.indptr[:-1].astype(np.int64))
        labels[noncore_idx] = np.where(best < big, best, -1)
    return labels


def dbscan(
    lat_deg: np.ndarray | Iterable[float],
    lon_deg: np.ndarray | Iterable[float],
    weight: np.ndarray | Iterable[float],
    eps_km: float,
    min_weight: float,
) -> np.ndarray:
    """Weighted DBSCAN on the sphere; ``int64`` labels, -1 for noise.

    Same result as scikit-learn's ``DBSCAN(eps=eps_km / EARTH_RADIUS_KM,
    min_samples=min_weight, metric="haversine").fit(np.radians([lat, lon]).T,
    sample_weight=weight)``: a point is core when the total weight of the points within
    great-circle distance ``eps_km`` (itself included; ties at exactly ``eps_km`` count)
    reaches ``min_weight``. See :func:`dbscan_from_graph` for the labelling; computed as a
    one-point :func:`dbscan_sweep` (pair lists in blocks: bounded memory).
    """
    return dbscan_sweep(lat_deg, lon_deg, weight, [eps_km], [min_weight])[
        (float(eps_km), float(min_weight))
    ]


# ------------------------------------------------------------------ pair-list engine
# The sweep engine works on the list of neighbouring pairs (i < j) rather than a CSR
# graph: pairs are listed block by block (bounded transient memory), neighbourhood weights
# are bincounts, and connectivity of core points is computed on a contracted graph of
# grid cells (:func:`_cells`), which is small, so each density threshold costs little
# once the pairs of an eps are known.

_PAIR_BLOCK = 1 << 16  # points per block when listing pairs (bounds transient memory)
_PAIR_CHUNK = 1 << 23  # pairs per chunk in passes over the pair list


def _pairs_within(
    xyz: np.ndarray, radii: list[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs ``i < j`` of points within chord ``max(radii)``, grouped by radius.

    ``xyz`` must be sorted by z (column 2) and ``radii`` ascending. Returns ``(i, j,
    ends)``: the pairs within ``radii[k]`` are ``i[:ends[k]], j[:ends[k]]`` (a pair is in
    the group of the smallest radius it is within; z order is kept inside each group).
    Points are cut into blocks of consecutive indices; a block's pairs are found with one
    KD-tree over the block and the slab of later points within ``max(radii)`` in z, so
    every pair is found exactly once (in the block of its lower index) and the transient
    memory is that of one block's pairs. Both ends of a pair lie in one block and its
    slab, so later passes over the pairs touch memory locally. Indices are ``int32``
    (``int64`` beyond 2^31 points).
    """
    n = len(xyz)
    idx_dtype = index_dtype(n)
    n_groups = len(radii)
    r = float(radii[-1])
    r2 = [float(x) * float(x) for x in radii[:-1]]
    z = xyz[:, 2]
    parts: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(n_groups)]
    for lo in range(0, n, _PAIR_BLOCK):
        hi = min(lo + _PAIR_BLOCK, n)
        ext = int(np.searchsorted(z, z[hi - 1] + r, side="right"))
        local = xyz[lo:ext]
        p = cKDTree(local).query_pairs(r, output_type="ndarray")  # local a < b
        a = p[:, 0].astype(idx_dtype)
        b = p[:, 1].astype(idx_dtype)
        del p
        if ext > hi:
            keep = a < hi - lo  # pairs inside the slab are found in later blocks
            a, b = a[keep], b[keep]
            del keep
        if n_groups > 1:
            cols = [np.ascontiguousarray(local[:, c]) for c in range(3)]
            d2 = np.zeros(len(a))
            for col in cols:
                diff = col[a] - col[b]
                d2 += diff * diff
            del diff, cols
            group = np.zeros(len(a), dtype=np.int8)
            for rk2 in r2:
                group += d2 > rk2
            del d2
            o = np.argsort(group, kind="stable")
            a, b = a[o], b[o]
            bounds = np.searchsorted(group[o], np.arange(n_groups + 1), side="left")
            del o, group
        else:
            bounds = np.array([0, len(a)])
        a += lo
        b += lo
        for k in range(n_groups):
            if bounds[k + 1] > bounds[k]:
                parts[k].append((a[bounds[k] : bounds[k + 1]], b[bounds[k] : bounds[k + 1]]))
        del a, b
    sizes = [sum(len(x) for x, _ in g) for g in parts]
    ends = np.cumsum(sizes, dtype=np.int64)
    total = int(ends[-1]) if n_groups else 0
    i = np.empty(total, dtype=idx_dtype)
    j = np.empty(total, dtype=idx_dtype)
    pos = 0
    for g in parts:
        for x, y in g:
            i[pos : pos + len(x)] = x
            j[pos : pos + len(x)] = y
            pos += len(x)
        g.clear()
    return i, j, ends


def _pair_degree(
    n: int, i: np.ndarray, j: np.ndarray, base: np.ndarray, w: np.ndarray
) -> np.ndarray:
    """``base`` plus, for each point, the weight of its partners in the pairs ``(i, j)``."""
    out = base.copy()
    for lo in range(0, len(i), _PAIR_CHUNK):
        a, b = i[lo : lo + _PAIR_CHUNK], j[lo : lo + _PAIR_CHUNK]
        out += np.bincount(a, weights=w[b], minlength=n)
        out += np.bincount(b, weights=w[a], minlength=n)
    return out


def _cells(xyz: np.ndarray, eps_km: float) -> tuple[np.ndarray, int]:
    """Grid cells of side ``chord(eps_km) / sqrt(3)`` in unit-sphere xyz.

    Two points of one cell are less than the cell diagonal, ``chord(eps_km)``, apart, so
    they are neighbours: all core points of a cell belong to one cluster. Returns the cell
    index of each point (0..k-1) and k.
    """
    n = len(xyz)
    idx = index_dtype(n)
    side = chord(min(eps_km, math.pi * EARTH_RADIUS_KM)) / math.sqrt(3.0)
    if n == 0 or not side > 0:
        return np.arange(n, dtype=idx), n
    g = np.floor(xyz / side).astype(np.int64)
    g -= g.min(axis=0)
    span = g.max(axis=0) + 1
    if float(span[0]) * float(span[1]) * float(span[2]) < 2.0**62:
        key = (g[:, 0] * span[1] + g[:, 1]) * span[2] + g[:, 2]
        uniq, cell = np.unique(key, return_inverse=True)
    else:
        uniq, cell = np.unique(g, axis=0, return_inverse=True)
    return cell.astype(idx).ravel(), len(uniq)


def _labels_at_thresholds(
    i: np.ndarray,
    j: np.ndarray,
    wdeg: np.ndarray,
    cell: np.ndarray,
    n_cells: int,
    thresholds: list[float],
    orig: np.ndarray,
) -> dict[float, np.ndarray]:
    """DBSCAN labels (as :func:`dbscan_from_graph` defines them) for each threshold.

    Points are in working order; ``orig[p]`` is point ``p``'s index in the caller's order,
    which numbers the clusters (by lowest original index of a core point). With the
    thresholds sorted ascending, ``band[p]`` is the number of thresholds point ``p`` is
    core at (core at the k-th iff ``band > k``). Connectivity of core points is computed
    on cells: two cells are joined at threshold k when some pair of their points has both
    bands above k (a pair's level is its smaller band, a cell pair's level the largest
    over its pairs). Border points need only the pairs whose bands differ. Labels are
    returned in working order.
    """
    n = len(wdeg)
    ts = np.sort(np.asarray(thresholds, dtype=np.float64))
    adj = ts - WEIGHT_RTOL * np.abs(ts)
    k_all = len(ts)
    band = np.searchsorted(adj, wdeg, side="right").astype(np.int8 if k_all < 127 else np.int32)
    nb = np.int64(k_all + 1)
    big_n = np.int64(n_cells)
    packed = float(n_cells) * float(n_cells) * float(nb) < 2.0**62
    keys, lv_parts, bu, bv, bl, bh = [], [], [], [], [], []
    for lo in range(0, len(i), _PAIR_CHUNK):
        a, b = i[lo : lo + _PAIR_CHUNK], j[lo : lo + _PAIR_CHUNK]
        ba, bb = band[a], band[b]
        lvl = np.minimum(ba, bb)
        ca, cb = cell[a], cell[b]
        m = (lvl > 0) & (ca != cb)
        cam, cbm = ca[m].astype(np.int64), cb[m].astype(np.int64)
        pair = np.minimum(cam, cbm) * big_n + np.maximum(cam, cbm)
        del cam, cbm, ca, cb
        if packed:
            keys.append(unique(pair * nb + lvl[m]))
        else:
            keys.append(pair)
            lv_parts.append(lvl[m].astype(np.int64))
        d = ba != bb
        if d.any():
            bad, bbd = ba[d], bb[d]
            low_first = bad < bbd
            ad, bd = a[d], b[d]
            bu.append(np.where(low_first, ad, bd))  # the endpoint with the lower band
            bv.append(np.where(low_first, bd, ad))
            bl.append(np.minimum(bad, bbd))
            bh.append(np.maximum(bad, bbd))
        del ba, bb, lvl, m, pair, d
    if packed:
        key = unique(np.concatenate(keys)) if keys else np.empty(0, np.int64)
        pair, lvl = key // nb, key % nb
        del key
    else:
        pair = np.concatenate(keys) if keys else np.empty(0, np.int64)
        lvl = np.concatenate(lv_parts) if lv_parts else np.empty(0, np.int64)
        o = np.lexsort((lvl, pair))
        pair, lvl = pair[o], lvl[o]
    del keys, lv_parts
    last = np.ones(len(pair), dtype=bool)  # sorted by (pair, level): keep the highest level
    last[:-1] = pair[1:] != pair[:-1]
    pair, lvl = pair[last], lvl[last]
    cell_a, cell_b = pair // big_n, pair % big_n
    del pair

    def cat(parts, dtype):
        return np.concatenate(parts) if parts else np.empty(0, dtype)

    bu, bv = cat(bu, i.dtype), cat(bv, i.dtype)
    bl, bh = cat(bl, band.dtype), cat(bh, band.dtype)

    out: dict[float, np.ndarray] = {}
    for k, t in enumerate(ts):
        if float(t) in out:
            continue
        labels = np.full(n, -1, dtype=np.int64)
        core_idx = np.flatnonzero(band > k)
        if len(core_idx):
            e = lvl > k
            g = sparse.csr_matrix(
                (np.ones(int(e.sum()), dtype=bool), (cell_a[e], cell_b[e])),
                shape=(n_cells, n_cells),
            )
            _, comp_cell = connected_components(g, directed=False)
            _, comp = np.unique(comp_cell[cell[core_idx]], return_inverse=True)
            comp = comp.ravel()
            n_comp = int(comp.max()) + 1
            first = np.full(n_comp, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(first, comp, orig[core_idx].astype(np.int64))
            rank = np.empty(n_comp, dtype=np.int64)
            rank[np.argsort(first, kind="stable")] = np.arange(n_comp, dtype=np.int64)
            labels[core_idx] = rank[comp]
            sel = (bl <= k) & (bh > k)  # exactly one endpoint (bv) is core
            if sel.any():
                big = np.int64(n_comp)
                best = np.full(n, big, dtype=np.int64)
                np.minimum.at(best, bu[sel], labels[bv[sel]])
                border = best < big
                labels[border] = best[border]
        out[float(t)] = labels
    return out


def dbscan_sweep(
    lat_deg: np.ndarray | Iterable[float],
    lon_deg: np.ndarray | Iterable[float],
    weight: np.ndarray | Iterable[float],
    eps_km_list: Iterable[float],
    min_weight_list: Iterable[float],
) -> dict[tuple[float, float], np.ndarray]:
    """DBSCAN labels for every ``(eps_km, min_weight)`` combination.

    Labels are identical to separate :func:`dbscan` calls (and to scikit-learn's).
    Shared work: points are put in z order (memory locality) and the pairs within the
    largest ``eps_km`` are listed once (:func:`_pairs_within`), grouped by the smallest
    ``eps_km`` they are within, so each ``eps_km``'s pairs are a prefix and its
    neighbourhood weights add one group to the previous ones. Every ``min_weight`` reuses
    them and one contracted cell graph (:func:`_labels_at_thresholds`). Keys are
    ``(float(eps_km), float(min_weight))``.
    """
    lat, lon = _check_coords(lat_deg, lon_deg)
    n = len(lat)
    w = _check_weight(weight, n)
    eps_values = sorted({float(e) for e in eps_km_list}, reverse=True)
    mw_values = list(dict.fromkeys(float(m) for m in min_weight_list))
    for e in eps_values:
        _radius(e)  # validates
    if n == 0:
        return {(e, m): np.full(0, -1, np.int64) for e in eps_values for m in mw_values}
    out: dict[tuple[float, float], np.ndarray] = {}
    if not eps_values or not mw_values:
        return out
    xyz = to_xyz(lat, lon)
    order = np.argsort(xyz[:, 2], kind="stable")
    xyz, w = xyz[order], w[order]
    eps_up = eps_values[::-1]  # ascending
    i, j, ends = _pairs_within(xyz, [_radius(e) for e in eps_up])
    wdeg = w.copy()
    start = 0
    for k, eps in enumerate(eps_up):
        stop = int(ends[k])
        wdeg = _pair_degree(n, i[start:stop], j[start:stop], wdeg, w)
        start = stop
        cell, n_cells = _cells(xyz, eps)
        labels = _labels_at_thresholds(i[:stop], j[:stop], wdeg, cell, n_cells, mw_values, order)
        for mw in mw_values:
            lab = np.empty(n, dtype=np.int64)
            lab[order] = labels[mw]
            out[(eps, mw)] = lab
    return out


def min_weight_for(
    total_weight: float, min_share: float | None = None, min_weight: float | None = None
) -> float:
    """Absolute density threshold: ``min_weight`` when given, else
    ``min_share * total_weight`` (``total_weight`` = the source's world total)."""
    if min_weight is not None:
        return float(min_weight)
    if min_share is None:
        raise ValueError("give min_share or min_weight")
    return float(min_share) * float(total_weight)


def _relabel_by_first_index(labels: np.ndarray) -> np.ndarray:
    """Renumber non-negative labels 0..k-1 in order of their first (lowest) index."""
    labels = np.asarray(labels, dtype=np.int64)
    out = np.full(len(labels), -1, dtype=np.int64)
    pos = labels >= 0
    if not pos.any():
        return out
    uniq, first = np.unique(labels[pos], return_index=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(uniq))
    out[pos] = rank[np.searchsorted(uniq, labels[pos])]
    return out


def hdbscan_labels(
    lat_deg: np.ndarray | Iterable[float],
    lon_deg: np.ndarray | Iterable[float],
    weight: np.ndarray | Iterable[float],
    min_cluster_weight: float,
    min_samples_weight: float,
    cluster_selection_method: str = "eom",
    allow_single_cluster: bool = False,
) -> np.ndarray:
    """Exact weighted HDBSCAN on the sphere; ``int64`` labels, -1 for noise.

    Weights enter the definitions themselves (:mod:`stclusters.whdbscan`): the core
    distance of a location is the smallest great-circle radius within which the total
    weight (itself included) reaches ``min_samples_weight``; the hierarchy is the single
    linkage of mutual reachability ``max(core_a, core_b, d(a, b))``; cluster sizes in the
    condensed tree are sums of weights, compared with ``min_cluster_weight`` (record
    units); clusters are chosen by excess of mass (``cluster_selection_method="leaf"``: the
    leaves). With integer weights the partition is that of ``hdbscan.HDBSCAN`` on the
    integer copies of each location with ``min_samples = min_samples_weight - 1`` and
    ``min_cluster_size = min_cluster_weight``, up to ties (docs/methodology.md).
    Co-located locations act as one; locations with weight <= 0 are noise.

    Runs on unit-sphere xyz (the chord orders pairs as great-circle distance does, so the
    hierarchy is the great-circle one). Labels are renumbered 0..k-1 by lowest location
    index. For several ``min_cluster_weight`` values use :func:`hdbscan_sweep`, which
    builds the hierarchy once.
    """
    return hdbscan_sweep(lat_deg, lon_deg, weight, [min_samples_weight], [min_cluster_weight],
                         cluster_selection_method, allow_single_cluster)[
        (float(min_samples_weight), float(min_cluster_weight))
    ]


def hdbscan_sweep(
    lat_deg: np.ndarray | Iterable[float],
    lon_deg: np.ndarray | Iterable[float],
    weight: np.ndarray | Iterable[float],
    min_samples_weights: Iterable[float],
    min_cluster_weights: Iterable[float],
    cluster_selection_method: str = "eom",
    allow_single_cluster: bool = False,
) -> dict[tuple[float, float], np.ndarray]:
    """:func:`hdbscan_labels` at every ``(min_samples_weight, min_cluster_weight)`` of a
    grid; keys ``(float(msw), float(mcw))``. One hierarchy (core distances, MST, level
    tree) per ``min_samples_weight`` serves every ``min_cluster_weight``."""
    lat, lon = _check_coords(lat_deg, lon_deg)
    w = _check_weight(weight, len(lat))
    mcws = list(dict.fromkeys(float(m) for m in min_cluster_weights))
    out: dict[tuple[float, float], np.ndarray] = {}
    xyz = to_xyz(lat, lon)
    for msw in dict.fromkeys(float(m) for m in min_samples_weights):
        h = whdbscan.build_hierarchy(xyz, w, msw)
        for mcw in mcws:
            lab = whdbscan.hierarchy_labels(h, mcw, cluster_selection_method,
                                            allow_single_cluster)
            out[(msw, mcw)] = _relabel_by_first_index(lab)
    return out


_DBSCAN_KEYS = {"eps_km", "min_share", "min_weight"}
_HDBSCAN_KEYS = {
    "min_cluster_share",
    "min_samples_share",
    "min_cluster_weight",
    "min_samples_weight",
}


def cluster_source(
    locations: pd.DataFrame, algorithm: str, params: Mapping[str, float | None]
) -> pd.DataFrame:
    """Cluster one source's current-window locations.

    ``locations`` has columns ``loc_id``, ``lat``, ``lon``, ``weight`` (one row per
    unique location). Shares in ``params`` are shares of the source's world total, i.e.
    ``locations.weight.sum()``.

    * ``algorithm="dbscan"``: ``params = {eps_km, min_share}`` or ``{eps_km, min_weight}``
      (``min_weight``, in record units, wins when both are given).
    * ``algorithm="hdbscan"``: ``params = {min_cluster_share, min_samples_share}``
      (absolute ``min_cluster_weight`` / ``min_samples_weight`` override them).

    Returns columns ``loc_id`` (int64), ``label`` (int64, -1 noise), sorted by ``loc_id``.
    Points are processed in ``loc_id`` order, so labels do not depend on row order.
    """
    missing = {"loc_id", "lat", "lon", "weight"} - set(locations.columns)
    if missing:
        raise ValueError(f"locations lacks columns {sorted(missing)}")
    if locations["loc_id"].duplicated().any():
        raise ValueError("loc_id must be unique within one source's locations")
    loc = locations.sort_values("loc_id", kind="stable")
    loc_id = loc["loc_id"].to_numpy(dtype=np.int64)
    lat = loc["lat"].to_numpy(dtype=np.float64)
    lon = loc["lon"].to_numpy(dtype=np.float64)
    w = loc["weight"].to_numpy(dtype=np.float64)
    total = float(w.sum())
    params = {k: v for k, v in dict(params).items() if v is not None}
    if algorithm == "dbscan":
        unknown = set(params) - _DBSCAN_KEYS
        if unknown or "eps_km" not in params:
            raise ValueError(f"dbscan params need eps_km and min_share|min_weight; got {params}")
        mw = min_weight_for(total, params.get("min_share"), params.get("min_weight"))
        labels = dbscan(lat, lon, w, float(params["eps_km"]), mw)
    elif algorithm == "hdbscan":
        unknown = set(params) - _HDBSCAN_KEYS
        if unknown:
            raise ValueError(f"unknown hdbscan params {sorted(unknown)}")
        mcw = params.get("min_cluster_weight")
        msw = params.get("min_samples_weight")
        if mcw is None:
            if "min_cluster_share" not in params:
                raise ValueError("hdbscan params need min_cluster_share")
            mcw = float(params["min_cluster_share"]) * total
        if msw is None:
            msw = float(params.get("min_samples_share", 0.0)) * total
            if "min_samples_share" not in params:
                msw = mcw  # hdbscan's own default: min_samples = min_cluster_size
        labels = hdbscan_labels(lat, lon, w, float(mcw), float(msw))
    else:
        raise ValueError(f"unknown clustering algorithm {algorithm!r} (dbscan | hdbscan)")
    return pd.DataFrame({"loc_id": loc_id, "label": np.asarray(labels, dtype=np.int64)})
