"""Tests for stclusters.cluster: weighted spherical DBSCAN against scikit-learn, ties,
the sweep, weighted HDBSCAN and the per-source entry point."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import DBSCAN

from stclusters.cluster import (
    EARTH_RADIUS_KM,
    chord,
    cluster_source,
    dbscan,
    dbscan_from_graph,
    dbscan_sweep,
    hdbscan_labels,
    min_weight_for,
    neighbour_graph,
    to_xyz,
)

R = EARTH_RADIUS_KM


def sk_dbscan(lat, lon, w, eps_km, min_samples):
    """Reference: scikit-learn haversine DBSCAN with sample weights."""
    model = DBSCAN(
        eps=eps_km / R, min_samples=min_samples, metric="haversine", algorithm="ball_tree"
    )
    model.fit(np.radians(np.column_stack([lat, lon])), sample_weight=w)
    core = np.zeros(len(lat), bool)
    core[model.core_sample_indices_] = True
    return model.labels_.astype(np.int64), core


def assert_same_partition(ours, theirs, core, graph):
    """Same noise set, a bijection between labels on core points, and every border point
    in a cluster of one of its core neighbours (either labelling may pick any)."""
    assert np.array_equal(ours == -1, theirs == -1)
    pairs = set(zip(ours[core].tolist(), theirs[core].tolist(), strict=True))
    assert len({a for a, _ in pairs}) == len(pairs) == len({b for _, b in pairs})
    mapping = dict(pairs)
    assert set(mapping) == set(ours[core].tolist())
    graph = graph.tocsr()
    for i in np.flatnonzero(~core & (ours >= 0)):
        nb = graph.indices[graph.indptr[i] : graph.indptr[i + 1]]
        allowed = set(ours[nb[core[nb]]].tolist())
        assert ours[i] in allowed
        assert mapping.get(ours[i]) is not None
        assert theirs[i] in {mapping[a] for a in allowed}


def synthetic(seed, n_blob=1200, n_uniform=400, fractional=False):
    """Gaussian blobs (a few km wide) around random centres in Europe plus uniform noise."""
    rng = np.random.default_rng(seed)
    centres = np.column_stack([rng.uniform(40, 60, 12), rng.uniform(-5, 25, 12)])
    which = rng.integers(0, len(centres), n_blob)
    sd_km = rng.uniform(2, 12, len(centres))[which]
    lat = centres[which, 0] + rng.normal(0, 1, n_blob) * sd_km / 111.2
    lon = centres[which, 1] + rng.normal(0, 1, n_blob) * sd_km / (
        111.2 * np.cos(np.radians(centres[which, 0]))
    )
    lat = np.concatenate([lat, rng.uniform(40, 60, n_uniform)])
    lon = np.concatenate([lon, rng.uniform(-5, 25, n_uniform)])
    # round like the workflow does, so exact duplicates and grid distances occur
    lat, lon = np.round(lat, 2), np.round(lon, 2)
    n = len(lat)
    w = rng.uniform(0.05, 3.0, n) if fractional else rng.integers(1, 6, n).astype(float)
    return lat, lon, w


def test_to_xyz_and_chord():
    xyz = to_xyz([0, 90, -90, 0], [0, 0, 0, 90])
    np.testing.assert_allclose(xyz, [[1, 0, 0], [0, 0, 1], [0, 0, -1], [0, 1, 0]], atol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(to_xyz([12.3, -45.6], [78.9, -170.0]), axis=1), 1)
    # a quarter meridian is chord sqrt(2)
    assert chord(math.pi / 2 * R) == pytest.approx(math.sqrt(2), rel=1e-12)
    # chord of 13 km vs straight xyz distance of two points 13 km apart along a meridian
    d = np.linalg.norm(np.diff(to_xyz([10.0, 10.0 + math.degrees(13 / R)], [5, 5]), axis=0))
    assert d == pytest.approx(chord(13.0), rel=1e-10)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("fractional", [False, True])
def test_dbscan_matches_sklearn(seed, fractional):
    lat, lon, w = synthetic(seed, fractional=fractional)
    graph = neighbour_graph(lat, lon, 15.0)
    n_clusters = []
    for eps_km, min_samples in [(15.0, 12), (15.0, 40), (6.0, 8)]:
        ours = dbscan(lat, lon, w, eps_km, min_samples)
        theirs, core = sk_dbscan(lat, lon, w, eps_km, min_samples)
        g = graph if eps_km == 15.0 else neighbour_graph(lat, lon, eps_km)
        assert_same_partition(ours, theirs, core, g)
        # our labelling reproduces scikit-learn's exactly (same numbering, same borders)
        assert np.array_equal(ours, theirs)
        assert ours.dtype == np.int64
        n_clusters.append(ours.max() + 1)
    assert max(n_clusters) >= 5  # the data really has clusters, noise and borders


def test_graph_structure():
    lat, lon, _ = synthetic(7, n_blob=300, n_uniform=100)
    g = neighbour_graph(lat, lon, 10.0)
    assert g.shape == (len(lat), len(lat))
    assert g.indices.dtype == np.int32
    assert (g != g.T).nnz == 0
    assert np.all(g.diagonal())
    # brute force great-circle neighbours
    phi, lam = np.radians(lat), np.radians(lon)
    dphi, dlam = phi[:, None] - phi[None, :], lam[:, None] - lam[None, :]
    a = np.sin(dphi / 2) ** 2 + np.cos(phi[:, None]) * np.cos(phi[None, :]) * np.sin(dlam / 2) ** 2
    dist = 2 * R * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    assert np.array_equal(g.toarray(), dist <= 10.0)


def test_distance_ties_count_as_inside():
    # points along a meridian: great-circle distance is exactly R * dlat (radians), so with
    # eps equal to one step every consecutive pair is a tie at eps
    for lat0 in (0.0, 10.0, 45.3, -33.9):
        for step in (0.01, 0.05, 0.117, 0.3):
            lat = lat0 + step * np.arange(5)
            lon = np.full(5, 7.5)
            eps_km = R * math.radians(step)
            # middle points have 3 points (weight 3) within eps, ends only 2
            labels = dbscan(lat, lon, np.ones(5), eps_km, 3)
            assert labels.tolist() == [0, 0, 0, 0, 0]
            # just below the tie the chain falls apart
            assert dbscan(lat, lon, np.ones(5), eps_km * (1 - 1e-6), 3).tolist() == [-1] * 5
            # scikit-learn decides exact ties by float rounding of its haversine (either
            # way, depending on latitude); with eps widened by 1e-9 it agrees with us
            theirs, _ = sk_dbscan(lat, lon, np.ones(5), eps_km * (1 + 1e-9), 3)
            assert np.array_equal(labels, theirs)


def test_weight_ties_reach_threshold():
    lat = np.array([50.0, 50.0, 50.0, 51.0])
    lon = np.array([8.0, 8.01, 8.02, 8.0])
    # exact binary fractions: 0.5 + 0.25 + 0.25 == 1.0, scikit-learn agrees
    w = np.array([0.5, 0.25, 0.25, 1.0])
    ours = dbscan(lat, lon, w, 5.0, 1)
    theirs, _ = sk_dbscan(lat, lon, w, 5.0, 1)
    assert np.array_equal(ours, theirs)
    assert ours.tolist() == [0, 0, 0, 1]
    # threshold 2: the triple weighs exactly 1, the lone point 1: nothing is core
    assert dbscan(lat, lon, w, 5.0, 2).tolist() == [-1] * 4
    # fractional counting: 1/6 + 1/2 + 1/3 sums to 0.9999999999999999 in floats; it is a
    # document-count of exactly 1 and must reach a threshold of 1
    w2 = np.array([1 / 6, 1 / 2, 1 / 3, 0.5])
    assert np.add.reduceat(w2[:3], [0])[0] < 1.0
    assert dbscan(lat, lon, w2, 5.0, 1.0).tolist() == [0, 0, 0, -1]
    w3 = np.array([1 / 3, 1 / 3, 1 / 3, 0.5])
    assert dbscan(lat, lon, w3, 5.0, 1.0).tolist() == [0, 0, 0, -1]
    # but a real shortfall does not
    assert dbscan(lat, lon, w3 * (1 - 1e-6), 5.0, 1.0).tolist() == [-1] * 4


def test_border_point_between_two_clusters():
    # along the equator, one step = eps: a0(w3) a1(w1) B(w0.1) c1(w1) c0(w3). a1 and c1 are
    # core (3 + 1 + 0.1 >= 4), B is not (1 + 0.1 + 1) but lies within eps of both: it is a
    # border point of two clusters and goes to the lower label, as in scikit-learn
    eps = 10.0
    step = math.degrees(eps / R)
    lat = np.zeros(5)
    lon = step * np.arange(5)
    w = np.array([3.0, 1.0, 0.1, 1.0, 3.0])
    ours = dbscan(lat, lon, w, eps, 4)
    theirs, core = sk_dbscan(lat, lon, w, eps * (1 + 1e-9), 4)
    assert core.tolist() == [True, True, False, True, True]
    assert ours.tolist() == [0, 0, 0, 1, 1]
    assert np.array_equal(ours, theirs)
    # reversed order: labels follow the lowest-index core point
    assert dbscan(lat[::-1], lon[::-1], w[::-1], eps, 4).tolist() == [0, 0, 0, 1, 1]


def test_edge_cases():
    assert dbscan([], [], [], 10.0, 1).tolist() == []
    assert dbscan([45.0], [7.0], [3.0], 10.0, 3).tolist() == [0]
    assert dbscan([45.0], [7.0], [2.0], 10.0, 3).tolist() == [-1]
    # points across the antimeridian are neighbours
    assert dbscan([0.0, 0.0], [179.99, -179.99], [1.0, 1.0], 5.0, 2).tolist() == [0, 0]
    with pytest.raises(ValueError):
        dbscan([1.0, 2.0], [1.0], [1.0], 5.0, 1)
    with pytest.raises(ValueError):
        dbscan([1.0], [1.0], [1.0, 2.0], 5.0, 1)


def test_sweep_equals_separate_calls():
    lat, lon, w = synthetic(11, fractional=True)
    eps_list, mw_list = [5.0, 10.0, 15.0], [5, 20.5, 60]
    sweep = dbscan_sweep(lat, lon, w, eps_list, mw_list)
    assert set(sweep) == {(float(e), float(m)) for e in eps_list for m in mw_list}
    distinct = set()
    for (eps, mw), labels in sweep.items():
        assert np.array_equal(labels, dbscan(lat, lon, w, eps, mw))
        distinct.add(labels.tobytes())
    assert len(distinct) == 9
    # the graph can be reused with other weights (bootstrap)
    g = neighbour_graph(lat, lon, 10.0)
    w2 = np.random.default_rng(0).poisson(w).astype(float)
    assert np.array_equal(dbscan_from_graph(g, w2, 20), dbscan(lat, lon, w2, 10.0, 20))


def test_min_weight_for():
    assert min_weight_for(10_000.0, min_share=0.0004) == pytest.approx(4.0)
    assert min_weight_for(10_000.0, min_share=0.0004, min_weight=7) == 7.0
    with pytest.raises(ValueError):
        min_weight_for(10.0)


def test_hdbscan_weights_matter():
    rng = np.random.default_rng(5)
    # 40 light locations scattered over ~300 km, two trios of close heavy locations
    # (HDBSCAN never selects the root, so a cluster needs a sibling)
    lat = np.concatenate(
        [48 + rng.uniform(-1.5, 1.5, 40), [48.0, 48.01, 48.02], [47.0, 47.01, 47.0]]
    )
    lon = np.concatenate([11 + rng.uniform(-2, 2, 40), [11.0, 11.01, 11.0], [9.5, 9.5, 9.51]])
    w_heavy = np.concatenate([np.ones(40), [60.0, 50.0, 40.0], [45.0, 45.0, 30.0]])
    labels = hdbscan_labels(lat, lon, w_heavy, min_cluster_weight=100, min_samples_weight=20)
    # each heavy trio is a cluster of its own
    assert len(set(labels[40:43])) == 1 and len(set(labels[43:])) == 1
    assert labels[40] >= 0 and labels[43] >= 0 and labels[40] != labels[43]
    assert labels.max() == 1
    # the same geometry unweighted (46 records in all) cannot reach 100
    unweighted = hdbscan_labels(
        lat, lon, np.ones(46), min_cluster_weight=100, min_samples_weight=20
    )
    assert (unweighted == -1).all()
    # integer weights with unit 1 give the same as explicitly repeated points
    reps = w_heavy.astype(int)
    lab_rep = hdbscan_labels(
        np.repeat(lat, reps), np.repeat(lon, reps), np.ones(int(reps.sum())), 100, 20
    )
    first = np.concatenate([[0], np.cumsum(reps)[:-1]])
    assert np.array_equal(lab_rep[first], labels)


def test_hdbscan_two_blobs():
    rng = np.random.default_rng(8)
    lat = np.concatenate(
        [50 + rng.normal(0, 0.05, 60), 52 + rng.normal(0, 0.05, 60), rng.uniform(45, 57, 30)]
    )
    lon = np.concatenate(
        [5 + rng.normal(0, 0.05, 60), 9 + rng.normal(0, 0.05, 60), rng.uniform(0, 14, 30)]
    )
    w = rng.uniform(0.5, 3, len(lat))
    a = hdbscan_labels(lat, lon, w, 20, 5)
    assert a.max() == 1
    assert len(set(a[:60])) == 1 and len(set(a[60:120])) == 1 and a[0] != a[60]
    # every cluster weighs at least min_cluster_weight
    assert np.bincount(a[a >= 0], weights=w[a >= 0]).min() >= 20


def test_cluster_source_dbscan_order_invariant():
    lat, lon, w = synthetic(4)
    df = pd.DataFrame({"loc_id": np.arange(len(lat)) * 7 + 3, "lat": lat, "lon": lon, "weight": w})
    params = {"eps_km": 12.0, "min_share": 0.004}
    out = cluster_source(df, "dbscan", params)
    assert list(out.columns) == ["loc_id", "label"]
    assert out["loc_id"].is_monotonic_increasing
    assert out["label"].dtype == np.int64
    mw = 0.004 * w.sum()
    assert np.array_equal(out["label"].to_numpy(), dbscan(lat, lon, w, 12.0, mw))
    shuffled = df.sample(frac=1, random_state=3)
    assert out.equals(cluster_source(shuffled, "dbscan", params))
    # min_weight overrides min_share
    out2 = cluster_source(df, "dbscan", {"eps_km": 12.0, "min_share": 0.004, "min_weight": 30})
    assert np.array_equal(out2["label"].to_numpy(), dbscan(lat, lon, w, 12.0, 30))
    with pytest.raises(ValueError):
        cluster_source(df, "dbscan", {"eps_km": 12.0, "min_shar": 0.1})
    with pytest.raises(ValueError):
        cluster_source(df, "optics", params)


def test_cluster_source_hdbscan():
    lat, lon, w = synthetic(6, n_blob=500, n_uniform=100)
    df = pd.DataFrame({"loc_id": np.arange(len(lat)), "lat": lat, "lon": lon, "weight": w})
    out = cluster_source(df, "hdbscan", {"min_cluster_share": 0.03, "min_samples_share": 0.01})
    expected = hdbscan_labels(lat, lon, w, 0.03 * w.sum(), 0.01 * w.sum())
    assert np.array_equal(out["label"].to_numpy(), expected)
    assert out["label"].max() >= 2
