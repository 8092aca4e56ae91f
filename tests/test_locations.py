"""Rounding, windows, aggregation and accounting of the locations stage."""

import numpy as np
import pandas as pd
import pytest

from stclusters.locations import build_locations, loc_ids

WINDOWS = {
    "pct": {"current": [2019, 2023], "previous": [2018, 2022]},
    "pub": {"current": [2018, 2022], "previous": [2017, 2021]},
}


def placed_frame():
    rows = [
        # record, source, doc, year, lat, lon, method, weight, org
        (0, "pct", "P1", 2020, 48.1374, 11.5755, "exact", 0.5, "BMW"),
        (1, "pct", "P1", 2020, 48.1371, 11.5762, "given", 0.5, "BMW"),
        (2, "pct", "P2", 2023, 48.1374, 11.5755, "exact", 0.5, "Siemens"),
        (3, "pct", "P2", 2023, 51.0, 10.0, "country", 0.5, "Siemens"),
        (4, "pct", "P3", 2018, 52.52, 13.405, "exact", 1.0, None),
        (5, "pub", "B1", 2017, 52.52, 13.405, "alternate", 1.0, "TU Berlin"),
        (6, "pub", "B2", 2016, 52.52, 13.405, "exact", 1.0, "TU Berlin"),
    ]
    df = pd.DataFrame(rows, columns=["record_id", "source", "doc_id", "year", "lat", "lon",
                                     "geo_method", "weight", "organization"])
    df["doc_weight"] = df.groupby(["source", "doc_id"])["weight"].transform("sum")
    df["geonameid"] = [1, 1, 1, 2, 3, 3, 3]
    df["place_name"] = ["Munich", "Munich", "Munich", "DE", "Berlin", "Berlin", "Berlin"]
    df["admin1"] = "02"
    df["country_iso2"] = "DE"
    return df


def test_loc_ids_are_shared_by_identical_rounded_points():
    ids = loc_ids(np.array([48.1374, 48.1371, -33.9, 48.1551]),
                  np.array([11.5755, 11.5762, 151.2, 11.5755]), 0.01)
    assert ids[0] == ids[1] and len(set(ids)) == 3


def test_aggregation_windows_and_renormalisation():
    out = build_locations(placed_frame(), WINDOWS, round_deg=0.01)
    locs = out["locations"]
    cur = locs[(locs["source"] == "pct") & (locs["window"] == "current")]
    # P1 (both rows in Munich's cell) + P2 renormalised to its only kept row in Munich
    munich = cur[np.isclose(cur["lat"], 48.14)]
    assert munich["weight"].item() == pytest.approx(2.0)
    assert munich["n_records"].item() == 3 and munich["n_docs"].item() == 2
    # 2018 is only in the previous pct window; 2020 and 2023... 2023 only in current
    prev = locs[(locs["source"] == "pct") & (locs["window"] == "previous")]
    assert prev["weight"].sum() == pytest.approx(2.0)  # P1 (2020) + P3 (2018)
    # the country-level row is excluded and accounted
    acc = out["accounting"].set_index("source")
    assert acc.loc["pct", "rows_excluded_precision"] == 1
    assert acc.loc["pub", "rows_outside_windows"] == 1  # 2016
    assert acc.loc["pct", "weight_kept"] == pytest.approx(acc.loc["pct", "weight_in"])


def test_without_renormalisation_lost_rows_lose_weight():
    out = build_locations(placed_frame(), WINDOWS, round_deg=0.01, renormalize=False)
    cur = out["locations"].query("source == 'pct' and window == 'current'")
    assert cur["weight"].sum() == pytest.approx(1.5)


def test_places_and_organizations_tables():
    out = build_locations(placed_frame(), WINDOWS, round_deg=0.01)
    orgs = out["organizations"].query("source == 'pct' and window == 'current'")
    assert dict(zip(orgs["organization"], orgs["weight"], strict=True)) == pytest.approx(
        {"BMW": 1.0, "Siemens": 1.0}
    )
    lp = out["location_places"]
    assert lp.query("window == 'current'")["weight"].sum() == pytest.approx(
        out["locations"].query("window == 'current'")["weight"].sum()
    )
