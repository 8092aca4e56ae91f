"""Exact weighted HDBSCAN (stclusters.whdbscan via cluster.hdbscan_labels): equality with
``hdbscan.HDBSCAN`` on integer copies, invariances, and the weighted definitions."""

from __future__ import annotations

import numpy as np
import pytest

from stclusters import whdbscan
from stclusters.cluster import hdbscan_labels, hdbscan_sweep
from stclusters.geo import to_xyz
from stclusters.whdbscan.core import core_distances2
from stclusters.whdbscan.kdtree import build_kdtree
from stclusters.whdbscan.mst import mutual_reachability_mst
from stclusters.whdbscan.tree import condense


def _world(seed: int, n_blobs: int = 5, n_noise: int = 120, wmax: int = 3):
    """Gaussian blobs of locations (sigma 8-40 km) plus uniform noise in a 10 x 16 degree
    box; integer weights 1..wmax."""
    rng = np.random.default_rng(seed)
    lats, lons = [], []
    for _ in range(n_blobs):
        c_lat, c_lon = rng.uniform(41, 49), rng.uniform(1, 15)
        k = int(rng.integers(30, 120))
        s = rng.uniform(8, 40) / 111.0
        lats.append(c_lat + rng.normal(0, s, k))
        lons.append(c_lon + rng.normal(0, s, k) / np.cos(np.radians(c_lat)))
    lats.append(rng.uniform(40, 50, n_noise))
    lons.append(rng.uniform(0, 16, n_noise))
    lat, lon = np.concatenate(lats), np.concatenate(lons)
    w = rng.integers(1, wmax + 1, len(lat)).astype(float)
    return lat, lon, w


def _reference(lat, lon, w, mcw: int, msw: int, **kw) -> list[set[int]]:
    """``hdbscan.HDBSCAN`` on the integer copies: the set of labels of each location's copies."""
    import hdbscan

    k = w.astype(int)
    xyz = np.repeat(to_xyz(lat, lon), k, axis=0)
    owner = np.repeat(np.arange(len(lat)), k)
    lab = hdbscan.HDBSCAN(min_cluster_size=mcw, min_samples=msw - 1, approx_min_span_tree=False,
                          **kw).fit_predict(xyz)
    out: list[set[int]] = [set() for _ in range(len(lat))]
    for o, lb in zip(owner, lab, strict=True):
        out[o].add(int(lb))
    return out


def _tie_points(lat, lon, w, mcw: float, msw: float) -> np.ndarray:
    """Locations that fall out of a cluster at exactly the lambda at which it splits into
    child clusters: ``hdbscan``'s binary tree may put them into one of the children
    (whichever tied edge it merged first); the weighted tree leaves them with the parent."""
    h = whdbscan.build_hierarchy(to_xyz(lat, lon), w, msw)
    ct = condense(h.tree, h.core, mcw)
    births = {(int(p), float(b)) for p, b in zip(ct.parent[1:], ct.birth[1:], strict=True)}
    tie = np.array([(int(c), float(lam)) in births
                    for c, lam in zip(ct.point_cluster, ct.point_lambda, strict=True)])
    return tie[h.inverse]


def _assert_same_partition(ours: np.ndarray, ref: list[set[int]], allowed: np.ndarray) -> int:
    """Same clusters and same noise on every location outside ``allowed``; returns the
    number of locations where the two differ (all in ``allowed``)."""
    pairs: dict[int, set[int]] = {}
    back: dict[int, set[int]] = {}
    differ = 0
    for i, (a, rs) in enumerate(zip(ours, ref, strict=True)):
        if len(rs) != 1:
            assert allowed[i], f"location {i}: copies split over {rs} though not a tie"
            differ += 1
            continue
        (r,) = rs
        if (a < 0) != (r < 0):
            assert allowed[i], f"location {i}: ours {a}, hdbscan {r}, not a tie"
            differ += 1
            continue
        if a >= 0 and not allowed[i]:
            pairs.setdefault(int(a), set()).add(r)
            back.setdefault(r, set()).add(int(a))
    assert all(len(v) == 1 for v in pairs.values()), pairs
    assert all(len(v) == 1 for v in back.values()), back
    ref_clusters = {r for rs in ref for r in rs if r >= 0}
    assert len(set(ours[ours >= 0])) == len(ref_clusters)
    return differ


@pytest.mark.parametrize("seed", range(6))
def test_equals_hdbscan_on_integer_copies(seed):
    lat, lon, w = _world(seed)
    rng = np.random.default_rng(100 + seed)
    mcw = int(rng.integers(12, 40))
    msw = int(rng.integers(2, 12))
    ours = hdbscan_labels(lat, lon, w, mcw, msw)
    ref = _reference(lat, lon, w, mcw, msw)
    assert ours.max() >= 1  # at least two clusters: the comparison means something
    differ = _assert_same_partition(ours, ref, _tie_points(lat, lon, w, mcw, msw))
    assert differ <= 0.02 * len(lat)  # ties are rare


def test_equals_hdbscan_leaf_and_single_cluster():
    lat, lon, w = _world(7, n_blobs=4)
    ours = hdbscan_labels(lat, lon, w, 25, 6, cluster_selection_method="leaf")
    ref = _reference(lat, lon, w, 25, 6, cluster_selection_method="leaf")
    _assert_same_partition(ours, ref, _tie_points(lat, lon, w, 25, 6))
    # one blob only: with allow_single_cluster the root is a candidate
    rng = np.random.default_rng(3)
    lat1, lon1 = 45 + rng.normal(0, 0.1, 150), 7 + rng.normal(0, 0.1, 150)
    w1 = rng.integers(1, 3, 150).astype(float)
    ours1 = hdbscan_labels(lat1, lon1, w1, 30, 5, allow_single_cluster=True)
    ref1 = _reference(lat1, lon1, w1, 30, 5, allow_single_cluster=True)
    _assert_same_partition(ours1, ref1, np.zeros(150, dtype=bool))
    assert ours1.max() == 0


def test_core_distances_exact_with_ties():
    """Core distances equal brute force (sorted distances, cumulative weight, self
    included) bit for bit, on data with many equal distances and fractional weights."""
    rng = np.random.default_rng(5)
    x = np.unique(np.round(rng.normal(size=(1500, 3)) * 3) / 3, axis=0)
    w = rng.choice([0.1, 1 / 3, 1.0, 2.5, 7.0], size=len(x))
    for m in (1.0, 4.0, 30.0, 1e9):
        kd = build_kdtree(x, w, 8)
        xs, ws = x[kd.perm], w[kd.perm]
        c2 = core_distances2(kd, xs, ws, m)
        d2 = ((xs[:, None, :] - xs[None, :, :]) ** 2).sum(-1)
        mm = min(m, ws.sum()) * (1 - 1e-9)
        ref = np.empty(len(xs))
        for i in range(len(xs)):
            o = np.argsort(d2[i], kind="stable")
            ref[i] = d2[i, o[np.searchsorted(np.cumsum(ws[o]), mm)]]
        np.testing.assert_array_equal(c2, ref)


def test_mst_is_minimum():
    """Total weight of the mutual-reachability MST equals scipy's on the dense graph."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    rng = np.random.default_rng(11)
    x = rng.normal(size=(400, 3))
    w = rng.uniform(0.2, 3, 400)
    kd = build_kdtree(x, w, 8)
    xs, ws = x[kd.perm], w[kd.perm]
    c2 = core_distances2(kd, xs, ws, 6.0)
    u, v, d = mutual_reachability_mst(kd, xs, c2)
    core = np.sqrt(c2)
    dist = np.sqrt(((xs[:, None, :] - xs[None, :, :]) ** 2).sum(-1))
    mr = np.maximum(dist, np.maximum(core[:, None], core[None, :]))
    np.fill_diagonal(mr, 0)
    assert len(u) == 399
    assert d.sum() == pytest.approx(minimum_spanning_tree(mr).sum(), rel=1e-12)
    np.testing.assert_allclose(d, mr[u, v], rtol=0, atol=0)


def test_splitting_a_location_changes_no_label():
    lat, lon, w = _world(21)
    base = hdbscan_labels(lat, lon, w, 20, 5)
    rng = np.random.default_rng(0)
    parts = rng.integers(1, 4, len(lat))  # each location into 1-3 co-located parts
    idx = np.repeat(np.arange(len(lat)), parts)
    share = rng.uniform(0.1, 1.0, len(idx))
    share /= np.bincount(idx, weights=share)[idx]
    order = rng.permutation(len(idx))
    idx, share = idx[order], share[order]
    split = hdbscan_labels(lat[idx], lon[idx], w[idx] * share, 20, 5)
    # same partition: each part carries its location's cluster
    mapping = {}
    for i, lab in zip(idx, split, strict=True):
        assert (lab < 0) == (base[i] < 0)
        if lab >= 0:
            assert mapping.setdefault(int(base[i]), int(lab)) == lab
    assert len(set(mapping.values())) == len(mapping) == base.max() + 1


@pytest.mark.parametrize("factor", [0.25, 0.1, 3.0])
def test_scaling_weights_and_thresholds_changes_no_label(factor):
    lat, lon, w = _world(33)
    base = hdbscan_labels(lat, lon, w, 24, 7)
    scaled = hdbscan_labels(lat, lon, w * factor, 24 * factor, 7 * factor)
    np.testing.assert_array_equal(base, scaled)


def test_every_cluster_reaches_min_cluster_weight_towns():
    """Cities plus many small towns, each town far below the minimum cluster weight: no
    cluster is lighter than min_cluster_weight (the copies-based version returned
    hundreds of such clusters on this kind of world)."""
    rng = np.random.default_rng(8)
    lat, lon, w = [], [], []
    for _ in range(15):  # cities: heavy-tailed weights
        c = rng.uniform(35, 55), rng.uniform(-5, 25)
        k = 300
        lat.append(c[0] + rng.normal(0, 0.08, k))
        lon.append(c[1] + rng.normal(0, 0.1, k))
        w.append(rng.pareto(1.5, k) + 0.2)
    for _ in range(150):  # towns: 100 locations of weight 0.1
        c = rng.uniform(35, 55), rng.uniform(-5, 25)
        lat.append(c[0] + rng.normal(0, 0.02, 100))
        lon.append(c[1] + rng.normal(0, 0.02, 100))
        w.append(np.full(100, 0.1))
    lat, lon, w = np.concatenate(lat), np.concatenate(lon), np.concatenate(w)
    total = w.sum()
    mcw = msw = 0.004 * total
    assert 100 * 0.1 < mcw  # a whole town weighs less than a cluster must
    lab = hdbscan_labels(lat, lon, w, mcw, msw)
    assert lab.max() >= 4
    sizes = np.bincount(lab[lab >= 0], weights=w[lab >= 0])
    assert sizes.min() >= mcw * (1 - 1e-9)
    for leaf in (hdbscan_labels(lat, lon, w, mcw, msw, cluster_selection_method="leaf"),):
        s = np.bincount(leaf[leaf >= 0], weights=w[leaf >= 0])
        assert s.min() >= mcw * (1 - 1e-9)


def test_sweep_shares_hierarchy_and_matches_single_calls():
    lat, lon, w = _world(44)
    grid = hdbscan_sweep(lat, lon, w, [4, 9], [15, 30, 60])
    assert set(grid) == {(m, c) for m in (4.0, 9.0) for c in (15.0, 30.0, 60.0)}
    for (msw, mcw), lab in grid.items():
        np.testing.assert_array_equal(lab, hdbscan_labels(lat, lon, w, mcw, msw))
    # larger minimum cluster weight: never more clusters
    assert grid[(4.0, 60.0)].max() <= grid[(4.0, 15.0)].max()


def test_degenerate_inputs():
    assert hdbscan_labels([], [], [], 5, 2).shape == (0,)
    np.testing.assert_array_equal(hdbscan_labels([1.0], [2.0], [10.0], 5, 2), [-1])
    # zero or negative weights are noise and change nothing else
    lat, lon, w = _world(2)
    base = hdbscan_labels(lat, lon, w, 20, 5)
    w2 = np.concatenate([w, [0.0, -1.0]])
    lab = hdbscan_labels(np.concatenate([lat, [45.0, 46.0]]), np.concatenate([lon, [7.0, 8.0]]),
                         w2, 20, 5)
    np.testing.assert_array_equal(lab[:-2], base)
    np.testing.assert_array_equal(lab[-2:], [-1, -1])
    with pytest.raises(ValueError):
        hdbscan_labels([1.0], [2.0], [1.0], 0, 2)
