"""Tests for stclusters.merge: linking source clusters, attachment, ids, names, economy
codes and noise points."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stclusters.geo import EARTH_RADIUS_KM
from stclusters.merge import build_st_clusters, describe_clusters, noise_points

KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180


def east(lat, lon, km):
    """Point ``km`` east of (lat, lon) along the parallel (close enough for tests)."""
    return lat, lon + km / (KM_PER_DEG * math.cos(math.radians(lat)))


def north(lat, lon, km):
    return lat + km / KM_PER_DEG, lon


class World:
    """Builds locations and per-source labels by hand."""

    def __init__(self):
        self.rows = []

    def add(self, source, loc_id, lat, lon, label, weight=1.0):
        self.rows.append(
            dict(source=source, loc_id=loc_id, lat=lat, lon=lon, weight=weight, label=label)
        )

    def frames(self):
        df = pd.DataFrame(self.rows)
        labels = {s: g[["loc_id", "label"]].reset_index(drop=True) for s, g in df.groupby("source")}
        return df.drop(columns="label"), labels


def by_key(out):
    return {(r.source, r.loc_id): (r.cluster_id, r.how) for r in out.itertuples()}


def test_overlapping_sources_merge_and_distant_ones_do_not():
    w = World()
    munich, berlin, paris = (48.14, 11.58), (52.52, 13.40), (48.86, 2.35)
    w.add("pct", 1, *munich, 0, 5)
    w.add("pct", 2, *east(*munich, 4), 0, 3)
    w.add("pub", 3, *east(*munich, 12), 0, 4)  # 8 km from pct loc 2: linked
    w.add("pub", 1, *munich, 0, 2)  # same rounded point, other source
    w.add("pct", 10, *berlin, 1, 2)
    w.add("pct", 11, *north(*berlin, 3), 1, 2)
    w.add("pub", 20, *paris, 1, 6)
    w.add("pub", 21, *east(*paris, 2), 1, 1)
    locs, labels = w.frames()
    out = build_st_clusters(locs, labels, link_km=13.0, attach_km=13.0)
    assert list(out.columns) == ["source", "loc_id", "cluster_id", "how"]
    assert out["cluster_id"].dtype == np.int64
    k = by_key(out)
    assert k[("pct", 1)][0] == k[("pct", 2)][0] == k[("pub", 3)][0] == k[("pub", 1)][0]
    assert k[("pct", 10)][0] == k[("pct", 11)][0]
    assert k[("pub", 20)][0] == k[("pub", 21)][0]
    assert len({k[("pct", 1)][0], k[("pct", 10)][0], k[("pub", 20)][0]}) == 3
    assert set(out["how"]) == {"member"}
    # ids by normalised weight: pct total 12, pub total 13
    # Munich 8/12 + 6/13, Berlin 4/12, Paris 7/13
    assert k[("pct", 1)][0] == 0 and k[("pub", 20)][0] == 1 and k[("pct", 10)][0] == 2


def test_link_needs_a_member_within_link_km():
    w = World()
    base = (45.0, 7.0)
    w.add("pct", 1, *base, 0)
    w.add("pub", 2, *east(*base, 14), 0)
    locs, labels = w.frames()
    assert build_st_clusters(locs, labels, 13.0, 0.0)["cluster_id"].nunique() == 2
    assert build_st_clusters(locs, labels, 15.0, 0.0)["cluster_id"].nunique() == 1


def test_bridging_pub_cluster_merges_two_pct_clusters():
    w = World()
    a = (50.0, 8.0)
    b = east(*a, 40)
    w.add("pct", 1, *a, 0, 3)
    w.add("pct", 2, *b, 1, 3)
    # a pub cluster stretching from 5 km east of a to 5 km west of b
    for i, km in enumerate(range(5, 40, 6)):
        w.add("pub", 100 + i, *east(*a, km), 0, 1)
    locs, labels = w.frames()
    out = build_st_clusters(locs, labels, link_km=13.0, attach_km=0.0)
    assert out["cluster_id"].nunique() == 1 and (out["cluster_id"] == 0).all()
    # without the bridge the two pct clusters stay apart
    only_pct = locs[locs["source"] == "pct"]
    out2 = build_st_clusters(only_pct, {"pct": labels["pct"]}, 13.0, 0.0)
    assert sorted(out2["cluster_id"]) == [0, 1]


def test_clusters_of_one_source_are_not_linked_directly():
    w = World()
    a = (40.0, -3.7)
    w.add("pct", 1, *a, 0)
    w.add("pct", 2, *east(*a, 10), 1)  # within link_km, but the same source
    locs, labels = w.frames()
    out = build_st_clusters(locs, labels, 13.0, 13.0)
    assert sorted(out["cluster_id"]) == [0, 1]


def test_attachment_respects_attach_km_and_picks_nearest():
    w = World()
    a = (35.0, 139.0)
    b = east(*a, 30)
    w.add("pct", 1, *a, 0, 10)
    w.add("pct", 2, *b, 1, 5)
    w.add("pct", 3, *east(*a, 10), -1)  # pct noise, 10 km from a
    w.add("pub", 4, *east(*a, 18), -1)  # pub noise, 12 km from b, 18 km from a
    w.add("pub", 5, *north(*a, 50), -1)  # far from everything
    locs, labels = w.frames()
    out = by_key(build_st_clusters(locs, labels, 13.0, 13.0))
    ca, cb = out[("pct", 1)][0], out[("pct", 2)][0]
    assert ca != cb
    assert out[("pct", 3)] == (ca, "attached")
    assert out[("pub", 4)] == (cb, "attached")
    assert out[("pub", 5)] == (-1, "noise")
    out = by_key(build_st_clusters(locs, labels, 13.0, 11.0))
    # ids count attached weight: without pub 4, a is now the heavier cluster
    ca = out[("pct", 1)][0]
    assert ca == 0
    assert out[("pct", 3)] == (ca, "attached")
    assert out[("pub", 4)] == (-1, "noise")
    out = by_key(build_st_clusters(locs, labels, 13.0, 0.0))
    assert out[("pct", 3)] == (-1, "noise") and out[("pub", 4)] == (-1, "noise")


def random_world(seed):
    rng = np.random.default_rng(seed)
    w = World()
    centres = np.column_stack([rng.uniform(30, 60, 15), rng.uniform(-10, 30, 15)])
    loc_id = 0
    for src in ("pct", "pub", "vc"):
        for c, (la, lo) in enumerate(centres):
            if rng.random() < 0.3:
                continue
            for _ in range(rng.integers(2, 8)):
                loc_id += 1
                w.add(
                    src,
                    loc_id,
                    la + rng.normal(0, 0.05),
                    lo + rng.normal(0, 0.05),
                    c,
                    rng.uniform(0.2, 3),
                )
        for _ in range(20):
            loc_id += 1
            w.add(src, loc_id, rng.uniform(30, 60), rng.uniform(-10, 30), -1, rng.uniform(0.2, 3))
    return w.frames()


def test_every_location_once_and_deterministic_ids():
    locs, labels = random_world(3)
    out = build_st_clusters(locs, labels, 13.0, 20.0)
    assert len(out) == len(locs)
    assert not out.duplicated(["source", "loc_id"]).any()
    assert out.equals(out.sort_values(["source", "loc_id"]).reset_index(drop=True))
    assert set(out["how"]) == {"member", "attached", "noise"}
    assert ((out["cluster_id"] == -1) == (out["how"] == "noise")).all()
    # shuffled input, shuffled label rows: same output
    shuffled = locs.sample(frac=1, random_state=1)
    labels2 = {s: d.sample(frac=1, random_state=2) for s, d in labels.items()}
    assert out.equals(build_st_clusters(shuffled, labels2, 13.0, 20.0))
    # ids 0..k-1 by descending normalised weight
    m = locs.merge(out, on=["source", "loc_id"])
    m["share"] = m["weight"] / m.groupby("source")["weight"].transform("sum")
    score = m[m["cluster_id"] >= 0].groupby("cluster_id")["share"].sum()
    assert list(score.index) == list(range(len(score)))
    assert score.is_monotonic_decreasing
    # the per-source clusters with the same centre share one S&T cluster
    assert len(score) == 15


def test_id_ties_broken_by_smallest_source_loc_id():
    w = World()
    w.add("pub", 7, 10.0, 10.0, 0, 1.0)
    w.add("pub", 3, 20.0, 20.0, 1, 1.0)
    locs, labels = w.frames()
    k = by_key(build_st_clusters(locs, labels, 13.0, 13.0))
    assert k[("pub", 3)][0] == 0 and k[("pub", 7)][0] == 1


def test_missing_labels_is_an_error():
    locs, labels = random_world(1)
    with pytest.raises(ValueError):
        build_st_clusters(locs, {"pct": labels["pct"]}, 13.0, 13.0)


# ---------------------------------------------------------------- describe_clusters

# GeoNames coordinates and populations
PLACES = pd.DataFrame(
    [
        (1850147, "Tokyo", "JP", "40", 35.6895, 139.69171, 8336599),
        (1848354, "Yokohama", "JP", "19", 35.44778, 139.6425, 3574443),
        (1859642, "Kawasaki", "JP", "19", 35.52056, 139.71722, 1306785),
        (1852083, "Shinjuku", "JP", "40", 35.69384, 139.70355, 346235),
        (2661604, "Basel", "CH", "BS", 47.55839, 7.57327, 164488),
        (2877088, "Lörrach", "DE", "01", 47.61497, 7.66457, 47652),
        (2978742, "Saint-Louis", "FR", "44", 47.59, 7.56, 20338),
        (2991214, "Mulhouse", "FR", "44", 47.75, 7.33333, 111430),
        (3165524, "Torino", "IT", "12", 45.07049, 7.68682, 870456),
        (5392171, "San Jose", "US", "CA", 37.33939, -121.89496, 1026908),
        (5391959, "San Francisco", "US", "CA", 37.77493, -122.41942, 864816),
        (5393015, "Santa Clara", "US", "CA", 37.35411, -121.95524, 129488),
        (5380748, "Palo Alto", "US", "CA", 37.44188, -122.14302, 64403),
        (6167865, "Toronto", "CA", "08", 43.70011, -79.4163, 2600000),
        (6075357, "Mississauga", "CA", "08", 43.5789, -79.6583, 668549),
    ],
    columns=["geonameid", "name", "country_iso2", "admin1", "lat", "lon", "population"],
)


def describe_case(shares, cluster_id=0, totals=None):
    """A one-cluster case: one location per place with the given (source -> weight)."""
    pl = PLACES.set_index("name")
    mem, lp, loc = [], [], []
    for i, (name, by_source) in enumerate(shares.items()):
        p = pl.loc[name]
        for src, wt in by_source.items():
            mem.append((src, i, cluster_id, "member"))
            lp.append((src, "current", i, p.geonameid, name, p.admin1, p.country_iso2, wt))
            loc.append((src, i, p.lat, p.lon, wt))
    membership = pd.DataFrame(mem, columns=["source", "loc_id", "cluster_id", "how"])
    location_places = pd.DataFrame(
        lp,
        columns=[
            "source",
            "window",
            "loc_id",
            "geonameid",
            "place_name",
            "admin1",
            "country_iso2",
            "weight",
        ],
    )
    locations = pd.DataFrame(loc, columns=["source", "loc_id", "lat", "lon", "weight"])
    totals = totals or {"pct": 1.0, "pub": 1.0}
    return membership, location_places, locations, totals


def test_tokyo_yokohama_with_absorption():
    shares = {
        "Tokyo": {"pct": 0.40},
        "Shinjuku": {"pct": 0.21},
        "Yokohama": {"pct": 0.18},
        "Kawasaki": {"pct": 0.10},
    }
    mem, lp, locs, totals = describe_case(shares)
    # the rest of the cluster's output: unnamed rows (no place)
    lp = pd.concat(
        [
            lp,
            pd.DataFrame([("pct", "current", 99, -1, None, None, "JP", 0.11)], columns=lp.columns),
        ],
        ignore_index=True,
    )
    mem = pd.concat([mem, pd.DataFrame([("pct", 99, 0, "member")], columns=mem.columns)])
    out = describe_clusters(mem, lp, PLACES, totals, locations=locs)
    assert list(out.columns) == [
        "cluster_id",
        "name",
        "economy",
        "lat",
        "lon",
        "n_locations",
        "places",
    ]
    row = out.iloc[0]
    # Shinjuku (1.3 km from Tokyo, 1/24 of its population) is credited to Tokyo;
    # Kawasaki (19 km from Tokyo; Yokohama only 2.7x its size) keeps its own 0.10 < 0.12
    assert row["name"] == "Tokyo\u2013Yokohama"
    assert row["economy"] == "JP"
    assert row["places"].startswith("Tokyo 0.61; Yokohama 0.18; Kawasaki 0.10")
    assert row["n_locations"] == 5
    assert 35.5 < row["lat"] < 35.7 and 139.6 < row["lon"] < 139.75
    # without absorption Shinjuku is named
    out = describe_clusters(mem, lp, PLACES, totals, name_absorb_km=0, locations=locs)
    assert out.iloc[0]["name"] == "Tokyo\u2013Shinjuku\u2013Yokohama"


def test_basel_economy_codes_and_normalised_output():
    # pct total 10, pub total 100: output = weight / total
    shares = {
        "Basel": {"pct": 4.0, "pub": 40.0},
        "Lörrach": {"pct": 2.0, "pub": 5.0},
        "Saint-Louis": {"pct": 0.5, "pub": 10.0},
        "Torino": {"pub": 1.0},
    }
    mem, lp, locs, _ = describe_case(shares)
    totals = {"pct": 10.0, "pub": 100.0}
    out = describe_clusters(mem, lp, PLACES, totals)
    row = out.iloc[0]
    # outputs: CH 0.8, DE 0.25, FR 0.15, IT 0.01 (share 0.0083 < 0.02)
    assert row["economy"] == "CH/DE/FR"
    assert row["name"] == "Basel\u2013Lörrach\u2013Saint-Louis"
    assert row["places"].startswith("Basel 0.66; Lörrach 0.21; Saint-Louis 0.12")
    # with a higher economy threshold only the main economies remain
    out = describe_clusters(mem, lp, PLACES, totals, economy_min_share=0.15)
    assert out.iloc[0]["economy"] == "CH/DE"
    # a window column with two windows is refused
    lp2 = pd.concat([lp, lp.assign(window="previous")])
    with pytest.raises(ValueError):
        describe_clusters(mem, lp2, PLACES, totals)


def test_san_jose_san_francisco_ca():
    shares = {
        "San Jose": {"pct": 0.25, "pub": 0.05},
        "Santa Clara": {"pct": 0.20},
        "San Francisco": {"pct": 0.25, "pub": 0.10},
        "Palo Alto": {"pct": 0.10},
    }
    mem, lp, locs, totals = describe_case(shares)
    out = describe_clusters(mem, lp, PLACES, totals, locations=locs, name_absorb_ratio=5.0)
    # before absorption San Francisco leads (0.35 vs 0.30); Santa Clara (5.5 km from San
    # Jose, 1/8 of its population) makes San Jose the largest
    assert out.iloc[0]["name"] == "San Jose\u2013San Francisco, CA"
    assert out.iloc[0]["economy"] == "US"
    # with a stricter ratio (10x, the default) Santa Clara keeps its own name
    strict = describe_clusters(mem, lp, PLACES, totals, locations=locs, name_absorb_ratio=10.0)
    assert strict.iloc[0]["name"] == "San Francisco\u2013San Jose\u2013Santa Clara, CA"


def test_toronto_on_and_several_clusters():
    mem1, lp1, locs1, totals = describe_case(
        {"Toronto": {"pct": 0.5}, "Mississauga": {"pct": 0.05}}, cluster_id=1
    )
    mem0, lp0, locs0, _ = describe_case({"Tokyo": {"pct": 0.9}}, cluster_id=0)
    lp0["loc_id"] += 100
    mem0["loc_id"] += 100
    locs0["loc_id"] += 100
    mem = pd.concat([mem1, mem0, pd.DataFrame([("pub", 500, -1, "noise")], columns=mem1.columns)])
    out = describe_clusters(
        mem, pd.concat([lp1, lp0]), PLACES, totals, locations=pd.concat([locs1, locs0])
    )
    assert out["cluster_id"].tolist() == [0, 1]
    assert out["name"].tolist() == ["Tokyo", "Toronto, ON"]
    assert out.iloc[1]["lat"] == pytest.approx(43.69, abs=0.02)
    # fallback centroid from place coordinates
    out2 = describe_clusters(mem, pd.concat([lp1, lp0]), PLACES, totals)
    assert out2.iloc[0]["lat"] == pytest.approx(35.6895)
    assert out2.iloc[0]["lon"] == pytest.approx(139.69171)


def test_mixed_states_get_no_suffix():
    places = pd.concat(
        [
            PLACES,
            pd.DataFrame(
                [(5128581, "New York City", "US", "NY", 40.71427, -74.00597, 8175133)],
                columns=PLACES.columns,
            ),
        ],
        ignore_index=True,
    )
    mem, lp, _, totals = describe_case({"San Jose": {"pct": 0.5}})
    lp = pd.concat(
        [
            lp,
            pd.DataFrame(
                [("pct", "current", 1, 5128581, "New York City", "NY", "US", 0.4)],
                columns=lp.columns,
            ),
        ]
    )
    mem = pd.concat([mem, pd.DataFrame([("pct", 1, 0, "member")], columns=mem.columns)])
    out = describe_clusters(mem, lp, places, totals)
    assert out.iloc[0]["name"] == "San Jose\u2013New York City"


# ---------------------------------------------------------------- noise_points


def test_noise_points():
    locations = pd.DataFrame(
        {
            "source": ["pct", "pub", "pct", "pub", "pct", "pub"],
            "loc_id": [1, 1, 2, 3, 4, 4],
            "lat": [1.0, 1.0, 2.0, 3.0, 4.0, 4.0],
            "lon": [1.0, 1.0, 2.0, 3.0, 4.0, 4.0],
            "weight": [1.0, 2.0, 0.5, 4.0, 1.0, 1.0],
            "n_records": [3, 2, 4, 9, 6, 1],
        }
    )
    membership = pd.DataFrame(
        {
            "source": ["pct", "pub", "pct", "pub", "pct", "pub"],
            "loc_id": [1, 1, 2, 3, 4, 4],
            "cluster_id": [-1, -1, -1, -1, 0, -1],
            "how": ["noise", "noise", "noise", "noise", "member", "noise"],
        }
    )
    out = noise_points(locations, membership, min_records=5)
    # loc 1: 3 + 2 = 5 records, summed over sources; loc 2: 4 < 5; loc 4 is in a cluster
    assert out["loc_id"].tolist() == [1, 3]
    assert out["n_records"].tolist() == [5, 9]
    assert out["weight"].tolist() == [3.0, 4.0]
    assert list(out.columns) == ["loc_id", "lat", "lon", "n_records", "weight"]
