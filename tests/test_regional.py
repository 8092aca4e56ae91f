"""Regional rankings: region membership by dominant economy, regional density, shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stclusters.regional import dominant_economy, extended_table, region_loc_ids, regional_ranking
from stclusters.variants import resolve_variant

# (name, country, lat, lon, geonameid, population, records per source)
TOWNS = [
    ("Nairobi", "KE", -1.286, 36.817, 184745, 2750000, 6),
    ("Lagos", "NG", 6.455, 3.394, 2332459, 9000000, 4),
    ("Accra", "GH", 5.556, -0.197, 2306104, 1960000, 1),
    ("Paris", "FR", 48.853, 2.349, 2988507, 2138000, 400),
]
MERGE = {"link_km": 13.0, "attach_km": 13.0, "economy_min_share": 0.02, "name_max_places": 3,
         "name_min_share": 0.12, "name_absorb_km": 15.0, "name_absorb_ratio": 10.0,
         "name_aliases": {}}
CONFIG = {
    "variants": {"v": {"sources": {"pct": 1.0, "pub": 1.0}}},
    "windows": {s: {"current": [2020, 2020], "previous": [2019, 2019]} for s in ("pct", "pub")},
    "clustering": {"algorithm": "dbscan",
                   "dbscan": {s: {"eps_km": 13.0, "min_share": 0.0004} for s in ("pct", "pub")}},
    "counting": "fractional",
    "locations": {"round_deg": 0.01},
}


def world():
    """Each town: its records spread over 3 locations 2 km apart, in both sources."""
    loc, lp, org = [], [], []
    lid = 0
    for name, cc, lat, lon, gid, _pop, n in TOWNS:
        for k in range(3):
            lid += 1
            for s in ("pct", "pub"):
                for year in (2019, 2020):
                    w = n / 3.0
                    loc.append({"source": s, "year": year, "loc_id": lid, "lat": lat + 0.02 * k,
                                "lon": lon, "weight": w, "n_records": 1, "n_docs": 1})
                    lp.append({"source": s, "year": year, "loc_id": lid, "geonameid": gid,
                               "place_name": name, "admin1": "01", "country_iso2": cc,
                               "weight": w})
                    org.append({"source": s, "year": year, "loc_id": lid,
                                "organization": f"Univ {name}", "weight": w})
    places = pd.DataFrame([{"geonameid": g, "name": n, "country_iso2": c, "admin1": "01",
                            "lat": la, "lon": lo, "population": p}
                           for n, c, la, lo, g, p, _ in TOWNS])
    return pd.DataFrame(loc), pd.DataFrame(lp), pd.DataFrame(org), places


def window(frame, year, keys):
    f = frame[frame["year"] == year].drop(columns="year")
    return f.groupby(["source", *keys], as_index=False).agg(
        {c: ("first" if c in ("lat", "lon") else "sum")
         for c in f.columns if c not in ("source", *keys)})


def test_dominant_economy_and_region():
    lp = pd.DataFrame({"loc_id": [1, 1, 1, 2, 2, 3], "country_iso2": ["FR", "DE", "DE", "KE",
                                                                      "TZ", "EG"],
                       "weight": [2.0, 1.5, 1.5, 1.0, 1.0, 0.5]})
    dom = dominant_economy(lp).set_index("loc_id")["country_iso2"].to_dict()
    assert dom == {1: "DE", 2: "KE", 3: "EG"}  # 3 > 2; tie KE/TZ by code
    assert region_loc_ids(lp, "AF").tolist() == [2, 3]
    assert region_loc_ids(lp, "EU").tolist() == [1]


def test_regional_density_finds_small_african_clusters():
    loc, lp, org, places = world()
    variant = resolve_variant(CONFIG, "v")
    cur, prev = window(loc, 2020, ["loc_id"]), window(loc, 2019, ["loc_id"])
    lpc = window(lp, 2020, ["loc_id", "geonameid", "place_name", "admin1", "country_iso2"])
    orgs = window(org, 2020, ["loc_id", "organization"])
    # regional totals per source: 6 + 4 + 1 = 11; min_share 0.2 -> min_weight 2.2
    ranking, membership = regional_ranking(cur, prev, lp, lpc, orgs, places, variant, "AF",
                                           0.2, MERGE)
    assert ranking["name"].tolist() == ["Nairobi", "Lagos"]  # Accra (1 record) too thin
    assert ranking["economy"].tolist() == ["KE", "NG"]
    # shares of the regional totals, not the world's (Paris holds 400 of 411)
    assert ranking["pct_share"].tolist() == pytest.approx([100 * 6 / 11, 100 * 4 / 11])
    assert ranking["score"].tolist() == pytest.approx([200 * 6 / 11, 200 * 4 / 11])
    assert set(membership["loc_id"]) == set(range(1, 10))  # no Paris location
    assert ranking["prev_rank"].tolist() == [1, 2]
    # the world threshold (a share of the world total) would see Paris only
    assert regional_ranking(cur, prev, lp, lpc, orgs, places, variant, "EU", 0.2,
                            MERGE)[0]["name"].tolist() == ["Paris"]


def test_extended_table():
    ranking = pd.DataFrame({"rank": np.arange(1, 8), "name": list("abcdefg"),
                            "economy": ["US"] * 7, "pct_count": np.arange(7, 0, -1.0),
                            "pct_share": np.arange(7, 0, -1.0), "score": np.arange(7, 0, -1.0)})
    t = extended_table(ranking, top_n=3, extended_n=5)
    assert t["Rank"].tolist() == [4, 5] and t["Cluster name"].tolist() == ["d", "e"]
