"""Rounding, counting, per-year aggregation, windows and accounting of the locations stage."""

import numpy as np
import pandas as pd
import pytest

from stclusters.locations import build_locations, loc_ids, window_accounting, window_sum

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
    df["weight_given"] = False
    df["doc_weight"] = df.groupby(["source", "doc_id"])["weight"].transform("sum")
    df["geonameid"] = [1, 1, 1, 2, 3, 3, 3]
    df["place_name"] = ["Munich", "Munich", "Munich", "DE", "Berlin", "Berlin", "Berlin"]
    df["admin1"] = "02"
    df["country_iso2"] = "DE"
    return df


def current(frame, keys=("loc_id",)):
    return window_sum(frame, {s: w["current"] for s, w in WINDOWS.items()}, list(keys))


def test_loc_ids_are_shared_by_identical_rounded_points():
    ids = loc_ids(np.array([48.1374, 48.1371, -33.9, 48.1551]),
                  np.array([11.5755, 11.5762, 151.2, 11.5755]), 0.01)
    assert ids[0] == ids[1] and len(set(ids)) == 3


def test_years_windows_and_renormalisation():
    out = build_locations(placed_frame(), round_deg=0.01)
    locs = out["locations"]
    assert set(locs["year"]) == {2016, 2017, 2018, 2020, 2023}
    cur = current(locs)
    munich = cur[(cur["source"] == "pct") & np.isclose(cur["lat"], 48.14)]
    # P1 (both rows in Munich's cell) + P2 renormalised onto its only kept row
    assert munich["weight"].item() == pytest.approx(2.0)
    assert munich["n_records"].item() == 3 and munich["n_docs"].item() == 2
    prev = window_sum(locs, {s: w["previous"] for s, w in WINDOWS.items()}, ["loc_id"])
    assert prev.query("source == 'pct'")["weight"].sum() == pytest.approx(2.0)  # P1 + P3
    acc = out["accounting"].set_index("source")
    assert acc.loc["pct", "rows_excluded_precision"] == 1
    assert acc.loc["pct", "rows_in"] == acc.loc["pct", "rows_used"] + 1
    assert acc.loc["pct", "weight_used"] == pytest.approx(acc.loc["pct", "weight_in"])


def test_window_accounting_counts_rows_outside_windows():
    out = build_locations(placed_frame(), round_deg=0.01)
    acc = window_accounting(out["locations"], WINDOWS).set_index("source")
    assert acc.loc["pub", "records_outside_windows"] == 1  # 2016
    assert acc.loc["pct", "records_current"] == 3 and acc.loc["pct", "records_previous"] == 3


def test_whole_counting_and_no_renormalisation():
    whole = build_locations(placed_frame(), counting="whole", round_deg=0.01)["locations"]
    assert current(whole).query("source == 'pct'")["weight"].sum() == pytest.approx(3.0)
    frac = build_locations(placed_frame(), round_deg=0.01, renormalize=False)["locations"]
    assert current(frac).query("source == 'pct'")["weight"].sum() == pytest.approx(1.5)
    given = placed_frame()
    given.loc[0, ["weight", "weight_given"]] = [7.0, True]
    w = build_locations(given, counting="whole", round_deg=0.01)["locations"]
    assert w.query("source == 'pct' and year == 2020")["weight"].sum() == pytest.approx(8.0)
    with pytest.raises(ValueError, match="counting"):
        build_locations(placed_frame(), counting="half")


def test_places_and_organizations_tables():
    out = build_locations(placed_frame(), round_deg=0.01)
    orgs = current(out["organizations"], ["loc_id", "organization"]).query("source == 'pct'")
    assert dict(zip(orgs["organization"], orgs["weight"], strict=True)) == pytest.approx(
        {"BMW": 1.0, "Siemens": 1.0}
    )
    lp = current(out["location_places"], ["loc_id", "geonameid"])
    assert lp["weight"].sum() == pytest.approx(current(out["locations"])["weight"].sum())
