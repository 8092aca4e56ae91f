"""The offline geocoder (stclusters.geocode) on real-world address variants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stclusters.geo import haversine_km
from stclusters.geocode import (
    METHODS,
    accounting,
    geocode,
    region_admin1,
)
from stclusters.geocode.gazetteer import build_gazetteer

CANONICAL = ["record_id", "input_file", "input_row", "source", "doc_id", "year", "city",
             "region", "postal_code", "country", "organization", "lat", "lon",
             "coord_status", "weight"]
NEW = ["country_iso2", "geonameid", "place_name", "admin1", "geo_method", "geo_score"]

# city, region, country, true latitude, true longitude (city-centre coordinates)
CASES = [
    ("München", None, "DE", 48.137, 11.575),
    ("MUENCHEN", None, "Germany", 48.137, 11.575),
    ("Munchen", "Bavaria", "DEU", 48.137, 11.575),
    ("80331 München", None, "de", 48.137, 11.575),
    ("東京都", None, "JP", 35.690, 139.692),
    ("TOKYO", None, "Japan", 35.690, 139.692),
    ("서울", None, "KR", 37.566, 126.978),
    ("Seoul-si", None, "Korea, Republic of", 37.566, 126.978),
    ("北京", None, "CN", 39.904, 116.407),
    ("Peking", None, "China", 39.904, 116.407),
    ("Osaka-shi", None, "JP", 34.694, 135.502),
    ("大阪市", None, "JPN", 34.694, 135.502),
    ("Portland", "OR", "US", 45.515, -122.679),
    ("Portland", "ME", "US", 43.661, -70.255),
    ("Portland", "Maine", "USA", 43.661, -70.255),
    ("Cambridge", "MA", "US", 42.373, -71.110),
    ("Cambridge", None, "GB", 52.205, 0.119),
    ("Frankfurt am Main", None, "DE", 50.110, 8.682),
    ("Frankfurt (Oder)", None, "DE", 52.342, 14.550),
    ("Frankfurt", "Brandenburg", "DE", 52.342, 14.550),
    ("Frankfurt", None, "DE", 50.110, 8.682),
    ("Saint Petersburg", None, "RU", 59.934, 30.335),
    ("St. Petersburg", "FL", "US", 27.767, -82.640),
    ("Sankt-Peterburg", None, "Russia", 59.934, 30.335),
    ("London", None, "GB", 51.507, -0.128),
    ("London", "ON", "CA", 42.984, -81.246),
    ("PARIS CEDEX 15", None, "FR", 48.857, 2.352),
    ("Köln", None, "DE", 50.938, 6.960),
    ("Cologne", None, "Germany", 50.938, 6.960),
    ("Zürich", None, "CH", 47.377, 8.541),
    ("ZURICH", None, "Switzerland", 47.377, 8.541),
    ("São Paulo", None, "BR", -23.551, -46.633),
    ("Sao Paulo", None, "Brazil", -23.551, -46.633),
    ("Wien", None, "AT", 48.208, 16.373),
    ("Mountain View", "CA", "US", 37.386, -122.084),
    ("Palo Alto", "California", "US", 37.442, -122.143),
    ("深圳", None, "CN", 22.543, 114.058),
    ("Bangalore", None, "IN", 12.972, 77.594),
    ("Kyoto", None, "JP", 35.012, 135.768),
    ("京都市", None, "JP", 35.012, 135.768),
    ("Eindhoven", None, "The Netherlands", 51.441, 5.470),
    ("Boston", "Massachusetts", "U.S.A.", 42.360, -71.059),
    ("Bostn", "MA", "US", 42.360, -71.059),
    ("Stutgart", None, "DE", 48.776, 9.183),
    ("San Jose", "CA", "US", 37.338, -121.886),
    ("Москва", None, "RU", 55.756, 37.617),
    ("Hsinchu", None, "Taiwan", 24.804, 120.968),
    ("Suwon-si", None, "KR", 37.264, 127.029),
    ("Kansas City", "KS", "US", 39.114, -94.627),
    ("Kansas City", "MO", "US", 39.100, -94.578),
]


@pytest.fixture(scope="module")
def gaz() -> tuple[pd.DataFrame, pd.DataFrame]:
    return build_gazetteer(min_population=15000)


def make_records(rows: list[dict]) -> pd.DataFrame:
    """Canonical records from partial dicts (missing fields get neutral values)."""
    n = len(rows)
    df = pd.DataFrame(
        {
            "record_id": np.arange(n, dtype=np.int64),
            "input_file": "test.csv",
            "input_row": np.arange(1, n + 1, dtype=np.int64),
            "source": [r.get("source", "pct") for r in rows],
            "doc_id": [f"D{i}" for i in range(n)],
            "year": np.full(n, 2021, dtype=np.int32),
            "city": [r.get("city") for r in rows],
            "region": [r.get("region") for r in rows],
            "postal_code": [r.get("postal_code") for r in rows],
            "country": [r.get("country") for r in rows],
            "organization": [None] * n,
            "lat": np.array([r.get("lat", np.nan) for r in rows], dtype=np.float64),
            "lon": np.array([r.get("lon", np.nan) for r in rows], dtype=np.float64),
            "coord_status": [r.get("coord_status", "none") for r in rows],
            "weight": np.ones(n),
        },
        columns=CANONICAL,
    )
    return df


def case_records() -> pd.DataFrame:
    return make_records([{"city": c, "region": r, "country": k} for c, r, k, _, _ in CASES])


def by_city(placed: pd.DataFrame) -> pd.DataFrame:
    return placed.set_index("record_id")


def test_real_world_variants_land_within_25_km(gaz) -> None:
    places, names = gaz
    placed, unmatched = geocode(case_records(), places, names)
    assert len(unmatched) == 0
    assert len(placed) == len(CASES)
    truth = np.array([(la, lo) for *_, la, lo in CASES])
    km = haversine_km(placed["lat"].to_numpy(), placed["lon"].to_numpy(),
                       truth[:, 0], truth[:, 1])
    assert (km <= 25).mean() >= 0.95, placed.loc[km > 25, ["city", "place_name"]]
    assert set(placed["geo_method"]) <= {"exact", "alternate", "fuzzy"}


def test_exact_choices(gaz) -> None:
    places, names = gaz
    p = by_city(geocode(case_records(), places, names)[0])

    def row(city: str, region: str | None = None, country: str | None = None) -> pd.Series:
        for i, (c, r, k, _, _) in enumerate(CASES):
            if c == city and r == region and (country is None or k == country):
                return p.loc[i]
        raise KeyError(city)

    assert row("München")["geonameid"] == 2867714
    assert row("München")["place_name"] == "Munich"
    assert row("TOKYO")["geo_method"] == "exact"
    assert row("東京都")["geonameid"] == 1850147
    assert row("Portland", "OR")["admin1"] == "OR"
    assert row("Portland", "ME")["admin1"] == "ME"
    assert row("Portland", "Maine")["admin1"] == "ME"
    assert row("Cambridge", "MA")["country_iso2"] == "US"
    assert row("Cambridge", None)["country_iso2"] == "GB"
    assert row("Frankfurt", "Brandenburg")["place_name"] == "Frankfurt (Oder)"
    assert row("Frankfurt", None)["place_name"] == "Frankfurt am Main"
    assert row("St. Petersburg", "FL")["admin1"] == "FL"
    assert row("London", "ON")["country_iso2"] == "CA"
    assert row("London", "ON")["admin1"] == "08"
    assert row("Kansas City", "KS")["admin1"] == "KS"
    assert row("Kansas City", "MO")["admin1"] == "MO"
    for city in ["Bostn", "Stutgart"]:
        r = row(city, "MA" if city == "Bostn" else None)
        assert r["geo_method"] == "fuzzy"
        assert 90 <= r["geo_score"] < 100
    assert row("Bostn", "MA")["place_name"] == "Boston"
    assert row("Stutgart")["place_name"] == "Stuttgart"
    for city in ["München", "TOKYO", "Cologne", "Portland"]:
        assert row(city, "OR" if city == "Portland" else None)["geo_score"] == 100.0


def test_given_coordinates(gaz) -> None:
    places, names = gaz
    rows = [
        # coordinates kept; the city names the place
        {"city": "Munich", "country": "DE", "lat": 48.15, "lon": 11.60, "coord_status": "valid"},
        # city text names a place 300 km away: the nearest place is attached instead
        {"city": "Frankfurt am Main", "country": "DE", "lat": 48.14, "lon": 11.58,
         "coord_status": "valid"},
        # no city, no country: the nearest place gives the country
        {"lat": 48.857, "lon": 2.352, "coord_status": "valid"},
        # mid-Pacific: no place within 50 km
        {"country": "US", "lat": 0.5, "lon": -150.0, "coord_status": "valid"},
        # coordinates out of range were dropped: geocoded from the text
        {"city": "Wien", "country": "AT", "coord_status": "out_of_range"},
    ]
    placed, unmatched = geocode(make_records(rows), places, names)
    assert len(unmatched) == 0
    p = placed.set_index("record_id")
    assert (p.loc[[0, 1, 2, 3], "geo_method"] == "given").all()
    assert (p.loc[[0, 1, 2, 3], "geo_score"] == 100.0).all()
    assert p.loc[0, "lat"] == 48.15 and p.loc[0, "lon"] == 11.60
    assert p.loc[0, "geonameid"] == 2867714
    assert p.loc[1, "lat"] == 48.14
    assert p.loc[1, "place_name"] != "Frankfurt am Main"
    near = places.set_index("geonameid").loc[p.loc[1, "geonameid"]]
    assert haversine_km(48.14, 11.58, near["lat"], near["lon"]) <= 50
    assert p.loc[2, "country_iso2"] == "FR"
    # the nearest GeoNames place of central Paris is one of its arrondissements
    assert p.loc[2, "place_name"].startswith("Paris")
    assert p.loc[3, "geonameid"] == -1
    assert pd.isna(p.loc[3, "place_name"])
    assert p.loc[3, "country_iso2"] == "US"
    assert p.loc[3, "lat"] == 0.5
    assert p.loc[4, "geo_method"] == "alternate"
    assert p.loc[4, "place_name"] == "Vienna"


def test_junk_rows_and_coarse_fallbacks(gaz) -> None:
    places, names = gaz
    rows = [
        {"city": None, "country": "DE"},                          # 0 no_address
        {"city": "  ", "country": "Germany", "coord_status": "zero"},  # 1 no_address
        {"city": None, "country": None},                          # 2 no_address
        {"city": "Springfield", "country": "Narnia"},             # 3 unknown_country
        {"city": "Springfield", "country": None},                 # 4 unknown_country
        {"city": "Anywhere", "country": "AQ"},                    # 5 no_match (no places)
        {"city": "Xqzwvvkplt", "country": "DE"},                  # 6 country -> Berlin
        {"city": "Xqzwvvkplt", "region": "ON", "country": "CA"},  # 7 region -> Toronto
        {"city": "Xqzwvvkplt", "region": "Texas", "country": "US"},  # 8 region -> Houston
        {"city": "Munich", "country": "DE"},                      # 9 exact
    ]
    placed, unmatched = geocode(make_records(rows), places, names)
    reasons = unmatched.set_index("record_id")["reason"].to_dict()
    assert reasons == {0: "no_address", 1: "no_address", 2: "no_address",
                       3: "unknown_country", 4: "unknown_country", 5: "no_match"}
    p = placed.set_index("record_id")
    cols = ["geo_method", "place_name", "geo_score"]
    assert p.loc[6, cols].tolist() == ["country", "Berlin", 10.0]
    assert p.loc[7, cols].tolist() == ["region", "Toronto", 50.0]
    assert p.loc[8, ["geo_method", "place_name"]].tolist() == ["region", "Houston"]
    assert p.loc[9, "geo_method"] == "exact"


def test_fuzzy_threshold_is_respected(gaz) -> None:
    places, names = gaz
    recs = make_records(
        [{"city": "Stutgart", "country": "DE"}, {"city": "Stuttgart", "country": "DE"}]
    )
    strict = geocode(recs, places, names, fuzzy_min_score=99.0)[0].set_index("record_id")
    assert strict.loc[0, "geo_method"] == "country"
    assert strict.loc[1, "geo_method"] == "exact"
    loose = geocode(recs, places, names, fuzzy_min_score=90.0)[0].set_index("record_id")
    assert loose.loc[0, "geo_method"] == "fuzzy"


def test_conservation_schema_and_determinism(gaz) -> None:
    places, names = gaz
    junk = [{"city": None, "country": "DE"}, {"city": "Foo", "country": "Narnia"}]
    base = case_records()
    recs = make_records(
        [{"city": c, "region": r, "country": k} for c, r, k, _, _ in CASES] + junk
    )
    # duplicate the frame so rows share address keys
    recs = pd.concat([recs, recs], ignore_index=True)
    recs["record_id"] = np.arange(len(recs), dtype=np.int64)
    placed, unmatched = geocode(recs, places, names)
    assert len(placed) + len(unmatched) == len(recs)
    assert set(placed["record_id"]).isdisjoint(unmatched["record_id"])
    assert set(placed["record_id"]) | set(unmatched["record_id"]) == set(recs["record_id"])
    assert list(placed.columns) == CANONICAL + NEW
    assert list(unmatched.columns) == CANONICAL + ["reason"]
    assert placed["record_id"].is_monotonic_increasing
    assert unmatched["record_id"].is_monotonic_increasing
    assert placed["geonameid"].dtype == np.int64
    assert placed["geo_score"].dtype == np.float64
    assert placed["lat"].notna().all() and placed["lon"].notna().all()
    # the same address gives the same answer on every row
    half = len(base) + len(junk)
    first = placed[placed["record_id"] < half].reset_index(drop=True)
    second = placed[placed["record_id"] >= half].reset_index(drop=True)
    cols = ["geonameid", "lat", "lon", "geo_method", "geo_score"]
    pd.testing.assert_frame_equal(first[cols], second[cols])
    # two runs agree, and so does a shuffled input
    again = geocode(recs, places, names)
    pd.testing.assert_frame_equal(placed, again[0])
    pd.testing.assert_frame_equal(unmatched, again[1])
    shuffled = recs.sample(frac=1.0, random_state=3).reset_index(drop=True)
    s_placed, s_unmatched = geocode(shuffled, places, names)
    pd.testing.assert_frame_equal(placed, s_placed)
    pd.testing.assert_frame_equal(unmatched, s_unmatched)


def test_empty_input(gaz) -> None:
    places, names = gaz
    placed, unmatched = geocode(make_records([]), places, names)
    assert len(placed) == 0 and len(unmatched) == 0
    assert list(placed.columns) == CANONICAL + NEW
    assert list(unmatched.columns) == CANONICAL + ["reason"]


def test_given_coordinates_without_any_address_key(gaz) -> None:
    # no row has both a city and a country, so the key table is empty (this used to raise
    # IndexError): the rows with coordinates still get their nearest place
    places, names = gaz
    rows = [{"city": None, "country": "DE", "lat": 48.137, "lon": 11.575,
             "coord_status": "valid"},
            {"city": "Paris", "country": None, "lat": 48.857, "lon": 2.352,
             "coord_status": "valid"},
            {"city": "Paris", "country": None}]
    placed, unmatched = geocode(make_records(rows), places, names)
    assert list(unmatched["reason"]) == ["unknown_country"]
    assert list(placed["geo_method"]) == ["given", "given"]
    assert placed["place_name"][0] == "Munich"
    assert placed["place_name"][1].startswith("Paris")  # its nearest place: an arrondissement
    assert list(placed["country_iso2"]) == ["DE", "FR"]


def test_accounting(gaz) -> None:
    places, names = gaz
    rows = [{"city": c, "region": r, "country": k, "source": "pct" if i % 2 else "pub"}
            for i, (c, r, k, _, _) in enumerate(CASES)]
    rows += [{"city": None, "country": "DE", "source": "pct"},
             {"city": "Foo", "country": "Narnia", "source": "vc"},
             {"city": "Xqzwvvkplt", "country": "DE", "source": "vc"}]
    placed, unmatched = geocode(make_records(rows), places, names)
    acc = accounting(placed, unmatched).set_index("source")
    assert list(acc.index) == ["pct", "pub", "vc"]
    assert (acc["rows_in"] == acc["placed"] + acc["unmatched"]).all()
    assert (acc[list(METHODS)].sum(axis=1) == acc["placed"]).all()
    assert acc["rows_in"].sum() == len(rows)
    assert acc.loc["vc", "country"] == 1 and acc.loc["vc", "unmatched_unknown_country"] == 1
    assert acc.loc["pct", "unmatched_no_address"] == 1


@pytest.mark.parametrize(
    ("iso", "region", "expected"),
    [
        ("US", "California", ("CA", True)),
        ("US", "ca", ("CA", True)),
        ("US", "N.Y.", ("NY", True)),
        ("CA", "QC", ("10", True)),
        ("CA", "Québec", ("10", True)),
        ("CA", "ON", ("08", True)),
        ("DE", "Bayern", ("02", True)),
        ("GB", "Scotland", ("SCT", True)),
        ("AU", "VIC", ("07", True)),
        ("JP", "Tokyo", ("TOKYO", False)),
        ("US", None, (None, False)),
        (None, "CA", (None, False)),
    ],
)
def test_region_admin1(iso, region, expected) -> None:
    assert region_admin1(iso, region) == expected


def test_swapped_coordinates_are_detected(gaz) -> None:
    places, names = gaz
    rows = [
        # lat/lon swapped: (11.575, 48.137) lies in Somalia, (48.137, 11.575) is Munich
        {"city": "Munich", "country": "DE", "lat": 11.575, "lon": 48.137,
         "coord_status": "valid"},
        # correct order: kept as is
        {"city": "Munich", "country": "DE", "lat": 48.137, "lon": 11.575,
         "coord_status": "valid"},
        # in another country, and the swapped point is no better: set aside (wrong_country)
        {"city": "Munich", "country": "US", "lat": 48.137, "lon": 11.575,
         "coord_status": "valid"},
        # swapped Sydney (-33.87, 151.21): |lon| > 90 cannot be a latitude, kept
        {"city": "Sydney", "country": "AU", "lat": 151.0, "lon": -33.87,
         "coord_status": "out_of_range"},
        # swapped Boston, country given as ISO3
        {"city": "Boston", "country": "USA", "lat": -71.059, "lon": 42.360,
         "coord_status": "valid"},
    ]
    placed, unmatched = geocode(make_records(rows), places, names)
    assert len(placed) + len(unmatched) == len(rows)
    p = placed.set_index("record_id")
    assert p.loc[0, "coord_status"] == "swapped"
    assert (p.loc[0, "lat"], p.loc[0, "lon"]) == (48.137, 11.575)
    assert p.loc[0, "geo_method"] == "given" and p.loc[0, "geonameid"] == 2867714
    assert p.loc[1, "coord_status"] == "valid"
    assert p.loc[2, "coord_status"] == "wrong_country" and p.loc[2, "geo_method"] != "given"
    assert p.loc[2, "country_iso2"] == "US"
    assert p.loc[3, "coord_status"] == "out_of_range" and p.loc[3, "geo_method"] != "given"
    assert p.loc[4, "coord_status"] == "swapped" and p.loc[4, "place_name"] == "Boston"
    assert p.loc[4, "country_iso2"] == "US"


def test_us_zip_codes_disambiguate_and_place(gaz) -> None:
    places, names = gaz
    rows = [
        {"city": "Springfield", "country": "US"},                            # 0 no ZIP
        {"city": "Springfield", "country": "US", "postal_code": "01103"},    # 1 MA ZIP
        {"city": "Springfield", "country": "US", "postal_code": "62701"},    # 2 IL ZIP
        {"city": "Mi Wuk Village", "region": "CA", "country": "US",
         "postal_code": "95346"},                                           # 3 tiny place
        {"city": "Portland", "region": "OR", "country": "US",
         "postal_code": "04101"},                                           # 4 ZIP of ME
        {"city": "Cambridge", "country": "US", "postal_code": "02139-4307"},  # 5 ZIP+4
        {"city": "Xqzwvvkplt", "country": "US", "postal_code": "94305"},     # 6 city disagrees
        {"city": "Mi Wuk Vilage", "country": "US", "postal_code": "95346"},  # 7 typo
        {"city": "Springfield", "country": "DE", "postal_code": "01103"},    # 8 not US
    ]
    placed, unmatched = geocode(make_records(rows), places, names)
    assert len(unmatched) == 0
    p = placed.set_index("record_id")
    assert p.loc[1, "admin1"] == "MA" and p.loc[1, "geo_method"] == "exact"
    assert p.loc[2, "admin1"] == "IL"
    assert haversine_km(p.loc[2, "lat"], p.loc[2, "lon"], 39.80, -89.64) < 10
    assert p.loc[3, "geo_method"] == "exact" and p.loc[3, "geo_score"] == 100.0
    assert haversine_km(p.loc[3, "lat"], p.loc[3, "lon"], 38.06, -120.19) < 10
    assert p.loc[3, "country_iso2"] == "US"
    assert p.loc[4, "admin1"] == "OR"  # a ZIP outside the given state is ignored
    assert p.loc[5, "admin1"] == "MA"
    assert p.loc[6, "geo_method"] == "country"  # the ZIP does not confirm the city
    assert p.loc[7, "geo_method"] == "fuzzy" and 90 <= p.loc[7, "geo_score"] < 100
    assert haversine_km(p.loc[7, "lat"], p.loc[7, "lon"], 38.06, -120.19) < 10
    assert p.loc[8, "country_iso2"] == "DE"


def test_fuzzy_matches_stay_in_a_recognised_region(gaz) -> None:
    places, names = gaz
    recs = make_records([{"city": "Bostn", "region": "CA", "country": "US"},
                         {"city": "Bostn", "region": "MA", "country": "US"}])
    p = geocode(recs, places, names)[0].set_index("record_id")
    assert p.loc[0, "geo_method"] == "region" and p.loc[0, "admin1"] == "CA"
    assert p.loc[1, "geo_method"] == "fuzzy" and p.loc[1, "place_name"] == "Boston"
