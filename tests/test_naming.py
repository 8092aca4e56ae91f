"""The naming rule's steps (stclusters.naming), one by one; describe_clusters end to end is
tested in test_merge.py."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from stclusters import merge, naming
from stclusters.naming import (
    absorb_map,
    cluster_name,
    economy_codes,
    named_places,
    naming_options,
    state_suffix,
)

# GeoNames coordinates and populations
PLACES = pd.DataFrame(
    [
        (1850147, "Tokyo", "JP", "40", 35.6895, 139.69171, 8336599),
        (1852083, "Shinjuku", "JP", "40", 35.69384, 139.70355, 346235),
        (1848354, "Yokohama", "JP", "19", 35.44778, 139.6425, 3574443),
        (5392171, "San Jose", "US", "CA", 37.33939, -121.89496, 1026908),
        (5393015, "Santa Clara", "US", "CA", 37.35411, -121.95524, 129488),
        (2661604, "Basel", "CH", "BS", 47.55839, 7.57327, 164488),
        (2877088, "Lörrach", "DE", "01", 47.61497, 7.66457, 47652),
    ],
    columns=["geonameid", "name", "country_iso2", "admin1", "lat", "lon", "population"],
)


def named(rows):
    return pd.DataFrame(rows, columns=["name", "country_iso2", "admin1"])


def test_state_suffix_us_ca_and_none():
    assert state_suffix(named([("San Jose", "US", "CA"), ("San Francisco", "US", "CA")])) == ", CA"
    assert state_suffix(named([("Toronto", "CA", "08")])) == ", ON"
    assert state_suffix(named([("Montréal", "CA", "10")])) == ", QC"
    # two states, two countries, or a country without suffixes: none
    assert state_suffix(named([("San Jose", "US", "CA"), ("New York City", "US", "NY")])) == ""
    assert state_suffix(named([("Seattle", "US", "WA"), ("Vancouver", "CA", "02")])) == ""
    assert state_suffix(named([("Tokyo", "JP", "40")])) == ""
    assert state_suffix(named([("Nowhere", "US", "00")])) == ""


def test_cluster_name_joins_with_en_dash():
    keep = named([("San Jose", "US", "CA"), ("San Francisco", "US", "CA")])
    assert cluster_name(keep) == "San Jose\u2013San Francisco, CA"


def test_named_places_share_cap_and_fallback():
    g = pd.DataFrame({"name": ["A", "B", "C", "D"], "share": [0.40, 0.20, 0.15, 0.13]})
    assert named_places(g, 0.12, 3)["name"].tolist() == ["A", "B", "C"]
    assert named_places(g, 0.16, 3)["name"].tolist() == ["A", "B"]
    # nobody reaches the threshold: the largest alone
    assert named_places(g, 0.5, 3)["name"].tolist() == ["A"]


def test_economy_codes_threshold_and_largest():
    lp = pd.DataFrame(
        {
            "cluster_id": [0, 0, 0, 1, 1],
            "country_iso2": ["CH", "DE", "FR", "US", "CA"],
            "output": [0.80, 0.15, 0.05, 0.005, 0.005],
        }
    )
    out = lp.groupby("cluster_id")["output"].sum()
    eco = economy_codes(lp, out, 0.10)
    assert eco[0] == "CH/DE"  # FR's 5% is under 10%
    assert eco[1] == "CA/US"  # equal shares: both, by code
    assert economy_codes(lp, out, 0.9)[0] == "CH"  # the largest always


def test_absorb_map_ratio_distance_and_country():
    cp = pd.DataFrame(
        {
            "cluster_id": [0, 0, 0, 1, 1, 2, 2],
            "geonameid": [1850147, 1852083, 1848354, 5392171, 5393015, 2661604, 2877088],
        }
    )
    credit = absorb_map(cp, PLACES, 15.0, 10.0).set_index("geonameid")["credit"]
    assert credit[1852083] == 1850147  # Shinjuku (1.3 km, 1/24) -> Tokyo
    assert credit[1848354] == 1848354  # Yokohama: 27 km away
    assert credit[5393015] == 5393015  # Santa Clara: 1/7.9 of San Jose < 10x
    assert credit[2877088] == 2877088  # Lörrach: another country than Basel
    loose = absorb_map(cp, PLACES, 15.0, 5.0).set_index("geonameid")["credit"]
    assert loose[5393015] == 5392171
    off = absorb_map(cp, PLACES, 0.0, 10.0)
    assert (off["credit"] == off["geonameid"]).all()


def test_naming_options_picks_naming_keys():
    cfg = {"link_km": 13.0, "name_min_share": 0.12, "name_aliases": {"Köln": "Cologne"}}
    assert naming_options(cfg) == {"name_min_share": 0.12, "name_aliases": {"Köln": "Cologne"}}


def test_merge_reexports_naming_without_cycle():
    assert merge.describe_clusters is naming.describe_clusters
    assert merge.naming_options is naming.naming_options
    code = "import sys, stclusters.naming; print('stclusters.merge' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "False"
