"""Sweep summary metrics on a small case with known answers, and the heatmap figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stclusters.report.charts import sweep_heatmap
from stclusters.sweep import (
    cluster_ranks,
    hdbscan_sweep_summary,
    match_to,
    point_metrics,
    sweep_summary,
)
from stclusters.sweep_paths import hdbscan_point_labels_path, min_samples_outputs

W = np.array([5.0, 5.0, 3.0, 3.0, 1.0, 1.0, 2.0])  # total 20
BASE = np.array([0, 0, 1, 1, 2, 2, -1])  # clusters of weight 10, 6, 2; 2 in noise


def test_identical_labels():
    m = point_metrics(W, BASE, BASE, top_n=2)
    assert m["n_clusters"] == 3
    assert m["share_clustered"] == pytest.approx(90.0)
    assert m["top_share"] == pytest.approx(80.0)  # 10 + 6 of 20
    assert m["spearman"] == pytest.approx(1.0)
    assert m["top_retained"] == pytest.approx(100.0)


def test_ranks_and_matching():
    r = cluster_ranks(np.array([1, 1, 0, 0, -1, 2, 2]), np.array([1, 1, 3, 3, 9, 1, 1.0]))
    assert r["rank"].to_dict() == {0: 1, 1: 2, 2: 3}  # 1 and 2 tie at 2: by label
    # base cluster 1 (locations 2, 3) overlaps point cluster 5 with weight 3 + 0
    point = np.array([4, 4, 5, -1, 4, 4, -1])
    m = match_to(BASE, point, W, cluster_ranks(point, W))
    assert m.to_dict() == {0: 4, 1: 5, 2: 4}


def test_merged_clusters_lower_the_correlation():
    # the point merges the baseline's 2nd and 3rd clusters and the noise location
    point = np.array([0, 0, 1, 1, 1, 1, 1])  # weights 10 and 10: tie, label 0 first
    m = point_metrics(W, point, BASE, top_n=3)
    assert m["n_clusters"] == 2
    assert m["share_clustered"] == pytest.approx(100.0)
    # baseline ranks 1, 2, 3 -> point ranks 1, 2, 2: Spearman = 1.5 / sqrt(3)
    assert m["spearman"] == pytest.approx(1.5 / np.sqrt(3.0))
    assert m["top_retained"] == pytest.approx(100.0)


def test_unmatched_clusters_rank_last_and_are_not_retained():
    point = np.array([0, 0, -1, -1, 1, 1, -1])  # the baseline's 2nd cluster vanishes
    m = point_metrics(W, point, BASE, top_n=3)
    # baseline ranks 1, 2, 3 -> point ranks 1, 3 (unmatched: after the 2 clusters), 2
    assert m["spearman"] == pytest.approx(0.5)
    assert m["top_retained"] == pytest.approx(200.0 / 3.0)


def test_sweep_summary_table():
    loc = pd.DataFrame({"loc_id": np.arange(10, 17)[::-1], "weight": W[::-1]})
    ids = np.arange(10, 17)
    base = pd.DataFrame({"loc_id": ids, "label": BASE})
    pts = {(13.0, 0.001): base,
           (8.0, 0.001): pd.DataFrame({"loc_id": ids, "label": [0, 0, -1, -1, 1, 1, -1]})}
    t = sweep_summary(loc, pts, base, top_n=3, baseline_point=(13.0, 0.001))
    assert list(t["eps_km"]) == [8.0, 13.0]
    assert list(t["is_baseline"]) == [False, True]
    assert t["min_weight"].tolist() == pytest.approx([0.02, 0.02])
    assert t.loc[1, "spearman"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="miss"):
        sweep_summary(loc, {(1.0, 1.0): base.iloc[:3]}, base)


def test_heatmap_writes_png(tmp_path):
    rows = [{"eps_km": e, "min_share": m, "n_clusters": int(100 * e * m * 1000),
             "top_share": 50 + e, "share_clustered": 60 + e, "spearman": 1 - m * 100,
             "is_baseline": e == 13 and m == 0.0004}
            for e in (8, 13, 20) for m in (0.0002, 0.0004)]
    out = tmp_path / "h.png"
    sweep_heatmap(pd.DataFrame(rows), out, metric=["n_clusters", "top_share",
                                                   "share_clustered", "spearman"],
                  title="test sweep")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    one = tmp_path / "one.png"
    sweep_heatmap(pd.DataFrame(rows), one, metric="n_clusters", title="one")
    assert one.exists()
    with pytest.raises(ValueError):
        sweep_heatmap(pd.DataFrame(rows), one, metric="nope", title="x")


def test_hdbscan_sweep_summary_and_paths(tmp_path):
    loc = pd.DataFrame({"loc_id": np.arange(10, 17), "weight": W})
    ids = np.arange(10, 17)
    base = pd.DataFrame({"loc_id": ids, "label": BASE})
    other = pd.DataFrame({"loc_id": ids, "label": [0, 0, 0, 0, -1, -1, -1]})
    pts = {(0.0004, 0.0008): other, (0.0004, 0.0004): base}
    t = hdbscan_sweep_summary(loc, pts, base, top_n=3, baseline_point=(0.0004, 0.0004))
    assert list(t["min_cluster_share"]) == [0.0004, 0.0008]
    assert list(t["is_baseline"]) == [True, False]
    assert t["min_cluster_weight"].tolist() == pytest.approx([0.008, 0.016])
    assert t["n_clusters"].tolist() == [3, 1]
    # one HDBSCAN cluster holding the baseline's first two: 2 of 3 baseline top-3 kept
    assert t.loc[1, "top_retained"] == pytest.approx(200.0 / 3.0)
    # the sweep job's outputs are the paths the summary reads, and the path a variant
    # clustered with HDBSCAN at that point would use (rules/cluster.smk)
    from stclusters.variants import labels_path

    variant = {"windows": {"pub": {"current": [2018, 2022]}}, "counting": "fractional",
               "round_deg": 0.01, "algorithm": "hdbscan",
               "params": {"pub": {"min_cluster_share": 0.0008, "min_samples_share": 0.0004}}}
    path = hdbscan_point_labels_path(variant, "pub", 0.0004, 0.0008)
    assert path.startswith("results/sweep/") and path.replace(
        "results/sweep/", "results/cluster/sources/") == labels_path(variant, "pub")
    outs = [o.format(locspec="fractional/round~0.01", source="pub", first=2018, last=2022,
                     mss=repr(0.0004)) for o in min_samples_outputs([0.0004, 0.0008])]
    assert path in outs
    # heatmap on the HDBSCAN axes
    t["spearman"] = [1.0, 0.5]
    t["top_share"] = [80.0, 60.0]
    out = tmp_path / "hdb.png"
    sweep_heatmap(t, out, metric=["n_clusters", "spearman"], title="hdbscan",
                  axes=("min_samples_share", "min_cluster_share"),
                  axis_labels=("min_samples_share", "min_cluster_share"))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("fractional", [False, True])
def test_dbscan_sweep_blocks_and_chunks_match_sklearn(monkeypatch, fractional):
    """The pair engine with tiny blocks (slabs across many blocks) and tiny chunks gives
    scikit-learn's labels at every grid point (integer weights), and the CSR engine's
    (fractional weights: sums of thirds that tie with the threshold count as reaching it
    here, within WEIGHT_RTOL, where scikit-learn's float sum may fall an ulp short)."""
    from sklearn.cluster import DBSCAN

    import stclusters.cluster as cl
    from stclusters.geo import EARTH_RADIUS_KM

    monkeypatch.setattr(cl, "_PAIR_BLOCK", 37)
    monkeypatch.setattr(cl, "_PAIR_CHUNK", 101)
    rng = np.random.default_rng(7)
    centres = np.array([[48.85, 2.35], [48.95, 2.5], [-33.9, 18.4], [35.7, 139.7]])
    pick = rng.integers(0, len(centres), 700)
    lat = np.round(centres[pick, 0] + rng.normal(0, 0.08, 700), 2)
    lon = np.round(centres[pick, 1] + rng.normal(0, 0.08, 700), 2)
    w = (rng.integers(1, 4, 700) / 3.0) if fractional else rng.integers(1, 4, 700) * 1.0
    eps_list, mw_list = [5.0, 9.0, 13.0], [3.0, 6.0, 12.0]
    got = cl.dbscan_sweep(lat, lon, w, eps_list, mw_list)
    x = np.radians(np.column_stack([lat, lon]))
    for eps in eps_list:
        graph = cl.neighbour_graph(lat, lon, eps)
        for mw in mw_list:
            if fractional:
                assert np.array_equal(got[(eps, mw)], cl.dbscan_from_graph(graph, w, mw))
                continue
            ref = DBSCAN(eps=eps / EARTH_RADIUS_KM, min_samples=int(mw), metric="haversine",
                         algorithm="ball_tree").fit(x, sample_weight=w).labels_
            assert np.array_equal(got[(eps, mw)], ref), (eps, mw)
