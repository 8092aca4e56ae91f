"""Tests for stclusters.sensitivity: document tables, the fast merge against
build_st_clusters, bootstrap weights, matching, quantiles, weight draws, and the whole
stage on a synthetic world (deterministic; intervals near the cut-off wider than at the
top)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from stclusters.cluster import dbscan
from stclusters.geo import EARTH_RADIUS_KM
from stclusters.locations import build_locations, window_sum
from stclusters.merge import build_st_clusters
from stclusters.sensitivity.components import weight_vectors
from stclusters.sensitivity.config import stage_inputs
from stclusters.sensitivity.documents import doc_locations, source_data
from stclusters.sensitivity.engine import Engine
from stclusters.sensitivity.ranks import match_ranks, weighted_quantiles
from stclusters.sensitivity.runs import Point, Settings
from stclusters.sensitivity.stage import NominalMismatchError, sensitivity

REPO = Path(__file__).resolve().parents[1]
KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180
WINDOWS = {"pct": (2019, 2023), "pub": (2018, 2022), "vc": (2019, 2023)}
PARAMS = {"eps_km": 13.0, "min_share": 0.004}


def synthetic_placed(n_cities: int = 24, top: float = 500.0, seed: int = 7) -> pd.DataFrame:
    """Geocoded rows of a toy world: Zipf-sized cities 3 degrees apart, documents with
    1-3 addresses jittered ~3 km around their city, three sources, a few coarse rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_cities):
        lat0, lon0 = 40.0 + 3.0 * (c // 6), 3.0 * (c % 6)
        n_docs = int(top / (c + 1) ** 0.6)
        for src in ("pct", "pub", "vc"):
            for d in range(n_docs if src != "vc" else n_docs // 2):
                year = int(rng.integers(2018, 2024))
                k = int(rng.integers(1, 4))
                for _ in range(k):
                    rows.append({
                        "source": src, "doc_id": f"{src}{c}-{d}", "year": year,
                        "lat": lat0 + rng.normal(0, 3.0) / KM_PER_DEG,
                        "lon": lon0 + rng.normal(0, 3.0) / KM_PER_DEG,
                        "geo_method": "country" if rng.random() < 0.02 else "exact",
                        "weight": 1.0 / k, "doc_weight": 1.0,
                        "geonameid": c, "place_name": f"City{c}", "admin1": "01",
                        "country_iso2": "XX", "organization": None,
                    })
    out = pd.DataFrame(rows)
    out["record_id"] = np.arange(len(out))
    return out


@pytest.fixture(scope="module")
def world():
    placed = synthetic_placed()
    locs = {c: window_sum(build_locations(placed, c, 0.01)["locations"], WINDOWS, ["loc_id"])
            for c in ("fractional", "whole")}
    docs = {c: doc_locations(placed, c, 0.01) for c in ("fractional", "whole")}
    return placed, locs, docs


def make_engine(world, sources=("pct", "pub", "vc"), seed=1):
    _, locs, docs = world
    data = {s: source_data(s, locs, docs, window=WINDOWS[s], params=PARAMS) for s in sources}
    return Engine(data, link_km=13.0, attach_km=13.0, seed=seed)


def nominal_tables(engine, locs, sources):
    """Nominal membership (build_st_clusters) and ranking (equal weights) of a variant."""
    cur = locs["fractional"]
    cur = cur[cur["source"].isin(sources)]
    labels = {
        s: pd.DataFrame({"loc_id": engine.sources[s].loc_id,
                         "label": engine.labels(s, Point("nominal"), "fractional", -1)})
        for s in sources
    }
    membership = build_st_clusters(cur, labels, link_km=13.0, attach_km=13.0)
    m = membership.merge(cur[["source", "loc_id", "weight"]], on=["source", "loc_id"])
    totals = cur.groupby("source")["weight"].sum()
    m = m[m["cluster_id"] >= 0]
    t = m.pivot_table(index="cluster_id", columns="source", values="weight", aggfunc="sum")
    t = t.reindex(columns=list(sources)).fillna(0.0)
    ranking = pd.DataFrame({"cluster_id": t.index.to_numpy()})
    for s in sources:
        ranking[f"{s}_share"] = 100.0 * t[s].to_numpy() / totals[s]
    ranking["score"] = ranking[[f"{s}_share" for s in sources]].sum(axis=1)
    ranking = ranking.sort_values(["score", "cluster_id"], ascending=[False, True])
    ranking["rank"] = np.arange(1, len(ranking) + 1)
    ranking["name"] = [f"C{c}" for c in ranking["cluster_id"]]
    ranking["economy"] = "XX"
    return membership, ranking.reset_index(drop=True)


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Same clusters up to renumbering, and the same unclustered locations."""
    if not np.array_equal(a < 0, b < 0):
        return False
    pairs = pd.DataFrame({"a": a[a >= 0], "b": b[b >= 0]}).drop_duplicates()
    return pairs["a"].is_unique and pairs["b"].is_unique


# ------------------------------------------------------------------ documents


@pytest.mark.parametrize("counting", ["fractional", "whole"])
def test_document_contributions_sum_to_the_locations_table(world, counting):
    placed, _, docs = world
    locs = build_locations(placed, counting, 0.01)["locations"]
    d = docs[counting]
    summed = d.groupby(["source", "year", "loc_id"])["weight"].sum()
    table = locs.set_index(["source", "year", "loc_id"])["weight"]
    assert summed.index.equals(table.index)
    assert np.allclose(summed.to_numpy(), table.to_numpy(), rtol=1e-12)
    # one row per (source, doc, loc_id); documents numbered 0..n-1 within each source
    assert not d.duplicated(["source", "doc", "loc_id"]).any()
    for _, g in d.groupby("source"):
        assert sorted(g["doc"].unique()) == list(range(g["doc"].nunique()))
    # coarse rows are excluded as in build_locations (the documents keep their weight 1)
    if counting == "fractional":
        per_doc = d.groupby(["source", "doc"])["weight"].sum()
        assert np.allclose(per_doc, 1.0)


def test_bootstrap_weights_are_resampled_documents(world):
    eng = make_engine(world)
    s = eng.sources["pct"]
    # all documents once gives the table's weights
    assert np.allclose(np.asarray(s.docs["fractional"].sum(axis=0)).ravel(),
                       s.weight["fractional"])
    m = eng.replicate_docs("pct", 3)
    assert m.sum() == s.n_docs and (m >= 0).all() and (m != 1).any()
    assert np.array_equal(m, eng.replicate_docs("pct", 3))
    assert not np.array_equal(m, eng.replicate_docs("pct", 4))
    w = eng.weights("pct", "fractional", 3)
    assert np.allclose(w, s.docs["fractional"].T @ m)
    # the same replicate resamples the same documents under whole counting
    assert np.allclose(eng.weights("pct", "whole", 3), s.docs["whole"].T @ m)


# ------------------------------------------------------------------ merge


@pytest.mark.parametrize("eps,share", [(13.0, 0.004), (8.0, 0.002), (20.0, 0.008)])
def test_fast_merge_equals_build_st_clusters(world, eps, share):
    _, locs, _ = world
    eng = make_engine(world)
    point = Point("dbscan", eps, share)
    for sources in (("pct", "pub"), ("pct", "pub", "vc"), ("pub", "vc")):
        cur = locs["fractional"][locs["fractional"]["source"].isin(sources)]
        labels = {s: eng.labels(s, point, "fractional", -1) for s in sources}
        # the in-process labels are DBSCAN's
        for s in sources:
            src = eng.sources[s]
            ref = dbscan(src.lat, src.lon, src.weight["fractional"], eps,
                         share * src.weight["fractional"].sum())
            assert np.array_equal(labels[s], ref)
        ref = build_st_clusters(
            cur,
            {s: pd.DataFrame({"loc_id": eng.sources[s].loc_id, "label": labels[s]})
             for s in sources},
            link_km=13.0, attach_km=13.0,
        )
        cid, k = eng.merge(labels)
        mine = np.concatenate([cid[eng.offset[s]: eng.offset[s] + eng.sources[s].n]
                               for s in sources])
        assert k == ref["cluster_id"].max() + 1
        assert same_partition(mine, ref["cluster_id"].to_numpy())


# ------------------------------------------------------------------ small pieces


def test_match_ranks_takes_the_largest_overlap_and_ranks_the_unmatched_last():
    nominal = np.array([0, 0, 0, 1, 1, 2, -1])
    run = np.array([1, 1, 0, 0, -1, -1, 2])
    run_rank = np.array([2, 1, 3])  # run cluster 1 is first
    w = np.array([1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0])
    out = match_ranks(nominal, 3, run, run_rank, w)
    # nominal 0: 2.0 in run cluster 1 (rank 1) vs 1.0 in run cluster 0
    # nominal 1: its only clustered location is in run cluster 0 (rank 2)
    # nominal 2: nothing clustered in the run -> unmatched, rank 3 + 1
    assert out.tolist() == [1, 2, 4]
    # ties go to the better-ranked run cluster
    tie = match_ranks(np.array([0, 0]), 1, np.array([0, 1]), np.array([2, 1]),
                      np.array([1.0, 1.0]))
    assert tie.tolist() == [1]


def test_weighted_quantiles_invert_the_cdf():
    v = np.array([[1, 2, 3, 4], [5, 5, 5, 5]])
    q = weighted_quantiles(v, np.ones(4), [0.05, 0.5, 0.95])
    assert q[:, 0].tolist() == [1, 2, 4] and q[:, 1].tolist() == [5, 5, 5]
    # one run weighing as much as the three others together
    q = weighted_quantiles(np.array([[9, 1, 2, 3]]), np.array([3.0, 1, 1, 1]), [0.5, 0.6])
    assert q[:, 0].tolist() == [3, 9]


def test_weight_vectors_centre_on_the_nominal_weights():
    rng = np.random.default_rng(0)
    u = rng.random((20000, 3))
    nominal = np.array([1.0, 1.0, 2.0])
    w = weight_vectors(u, nominal, "dirichlet", 20.0, 0.2)
    assert np.allclose(w.sum(axis=1), nominal.sum())
    assert np.allclose(w.mean(axis=0), nominal, atol=0.02)
    # Dirichlet(20 p): sd of a share p is sqrt(p (1 - p) / 21)
    assert np.isclose((w[:, 2] / 4).std(), math.sqrt(0.25 / 21), rtol=0.05)
    w = weight_vectors(u, nominal, "uniform20", 20.0, 0.2)
    assert (w >= 0.8 * nominal - 1e-12).all() and (w <= 1.2 * nominal + 1e-12).all()
    with pytest.raises(ValueError):
        weight_vectors(u, nominal, "flat", 20.0, 0.2)


# ------------------------------------------------------------------ the stage


SETTINGS = Settings(
    grid=[(10.0, 0.003), (13.0, 0.004), (16.0, 0.006)], hdbscan=False, replicates=40,
    draws=200, base_samples=16, seed=11, top_n=10,
)


@pytest.fixture(scope="module")
def stage(world):
    _, locs, _ = world
    eng = make_engine(world)
    membership, ranking = nominal_tables(eng, locs, ("pct", "pub"))
    out = sensitivity(eng, membership, ranking, {"pct": 1.0, "pub": 1.0}, "fractional",
                      SETTINGS)
    return out, ranking, membership


def test_stage_reproduces_the_nominal_ranking(stage):
    out, ranking, _ = stage
    assert out["checks"].iloc[0]["ranks_differing"] == 0
    nominal = out["ranks"][out["ranks"]["run_id"] == 0].set_index("cluster_id")["rank"]
    assert nominal.to_dict() == ranking.set_index("cluster_id")["rank"].to_dict()


def test_a_perturbed_nominal_ranking_stops_the_stage(world, stage):
    _, ranking, membership = stage
    eng = make_engine(world)
    label = "results/ranking/toy/clusters.parquet"
    # clusters ranked 2 and 3 swapped: the engine's nominal run disagrees on both
    swapped = ranking.copy()
    swapped["rank"] = swapped["rank"].replace({2: 3, 3: 2})
    with pytest.raises(NominalMismatchError) as err:
        sensitivity(eng, membership, swapped, {"pct": 1.0, "pub": 1.0}, "fractional",
                    SETTINGS, ranking_label=label)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"sensitivity engine disagrees with {label}: 2 of {len(ranking)} "
                          "clusters differ in rank")
    second = ranking.loc[ranking["rank"] == 2].iloc[0]
    assert f"cluster {second['cluster_id']} ({second['name']}) rank 3 in the ranking, 2 in the engine" in msg
    # a cluster missing from the ranking: the engine finds one more
    dropped = ranking[ranking["rank"] != len(ranking)]
    with pytest.raises(NominalMismatchError, match=(
            f"the engine finds {len(ranking)} clusters, the ranking has {len(ranking) - 1}")):
        sensitivity(eng, membership, dropped, {"pct": 1.0, "pub": 1.0}, "fractional",
                    SETTINGS, ranking_label=label)


def test_stage_outputs_cover_every_top_cluster_and_every_component(stage):
    out, ranking, _ = stage
    u = out["uncertainty"]
    for col in ("cluster_id", "name", "economy", "rank", "median_rank", "p05_rank",
                "p95_rank", "share_top100"):
        assert col in u.columns
    assert set(ranking.loc[ranking["rank"] <= SETTINGS.top_n, "cluster_id"]) <= set(
        u["cluster_id"])
    assert u["rank"].tolist() == sorted(u["rank"])
    assert ((u["p05_rank"] <= u["median_rank"]) & (u["median_rank"] <= u["p95_rank"])).all()
    assert u["share_top100"].between(0, 1).all()
    runs = out["runs"]["component"].value_counts()
    n_factors = 5  # clustering, counting, vc, source weights, documents
    assert runs.to_dict() == {
        "nominal": 1, "sweep": 3, "bootstrap": 40, "weights": 200, "counting": 1, "vc": 1,
        "joint": 16 * (n_factors + 2),
    }
    assert set(out["by_component"]["component"]) == {
        "sweep", "bootstrap", "weights", "counting", "vc", "joint"}
    ind = out["indices"].set_index("factor")
    assert set(ind.index) == {"clustering", "counting", "vc", "source_weights", "documents"}
    assert ind[["S1", "ST", "S1_conf", "ST_conf"]].notna().all().all()
    assert (ind["n_runs"] == 16 * (n_factors + 2)).all()


def test_intervals_are_wider_near_the_cut_off_than_at_the_top(stage):
    u = stage[0]["uncertainty"]
    top = u[u["rank"] <= 3]
    cut = u[(u["rank"] > SETTINGS.top_n - 4) & (u["rank"] <= SETTINGS.top_n + 4)]
    width = lambda f: (f["p95_rank"] - f["p05_rank"]).mean()  # noqa: E731
    assert width(cut) > width(top)
    assert (top["share_top100"] == 1.0).all()
    assert cut["share_top100"].min() < 1.0


def test_stage_is_deterministic(world, stage):
    _, locs, _ = world
    out, ranking, membership = stage
    eng = make_engine(world)  # a fresh engine: no shared caches
    again = sensitivity(eng, membership, ranking, {"pct": 1.0, "pub": 1.0}, "fractional",
                        SETTINGS)
    for k in ("uncertainty", "by_component", "indices", "runs", "ranks"):
        pd.testing.assert_frame_equal(out[k], again[k])


def test_stage_inputs_follow_the_config():
    from snakemake.utils import validate

    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    inp = stage_inputs(config, "gii2024")
    assert inp["locations_whole"] == "results/locations/whole/round~0.01/locations.parquet"
    assert inp["docs_fractional"] == (
        "results/sensitivity/docs/fractional/round~0.01/doc_locations.parquet")
    # VC is added to gii2024 for the vc component, with its own DBSCAN parameters
    assert inp["labels_vc"].startswith("results/cluster/sources/fractional/round~0.01/vc/")
    assert "hdbscan_pub_whole" in inp and "/hdbscan/" in inp["hdbscan_pub_whole"]
    config["sensitivity"]["components"] = ["bootstrap", "weights"]
    inp = stage_inputs(config, "gii2024")
    assert "labels_vc" not in inp and "locations_whole" not in inp
    assert not any(k.startswith("hdbscan_") for k in inp)
