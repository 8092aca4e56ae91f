"""Country normalisation (stclusters.countries)."""

from __future__ import annotations

import pandas as pd

from stclusters.countries import country_names, to_iso2

VARIANTS = {
    "de": "DE", "DE": "DE", "DEU": "DE", "Germany": "DE", " GERMANY ": "DE",
    "United States": "US", "United States of America": "US", "USA": "US", "U.S.A.": "US",
    "us": "US", "UK": "GB", "Great Britain": "GB", "England": "GB", "United Kingdom": "GB",
    "GBR": "GB", "South Korea": "KR", "Korea, Republic of": "KR", "Republic of Korea": "KR",
    "KOR": "KR", "Taiwan": "TW", "Hong Kong": "HK", "Macao": "MO", "Macau": "MO",
    "Russia": "RU", "Russian Federation": "RU", "Türkiye": "TR", "Turkiye": "TR",
    "Turkey": "TR", "Iran": "IR", "Vietnam": "VN", "Viet Nam": "VN", "Czech Republic": "CZ",
    "Czechia": "CZ", "The Netherlands": "NL", "Netherlands": "NL", "NLD": "NL",
    "Côte d'Ivoire": "CI", "Cote d’Ivoire": "CI", "Ivory Coast": "CI", "China": "CN",
    "People's Republic of China": "CN", "Japan": "JP", "JPN": "JP", "jp": "JP",
    "Switzerland": "CH", "India": "IN", "IN": "IN", "Israel": "IL", "Singapore": "SG",
}


def test_variants_map_to_iso2() -> None:
    values = pd.Series(list(VARIANTS))
    got = to_iso2(values)
    assert dict(zip(values, got, strict=True)) == VARIANTS


def test_unknown_and_blank_are_none_and_index_is_kept() -> None:
    values = pd.Series(["Narnia", "", "  ", None, float("nan"), "EP", "WO", "XX", "Germany"],
                       index=[5, 6, 7, 8, 9, 10, 11, 12, 13])
    got = to_iso2(values)
    assert got.index.equals(values.index)
    assert got.iloc[:-1].isna().all()
    assert got.iloc[-1] == "DE"


def test_country_names() -> None:
    names = country_names()
    assert names["DE"] == "Germany"
    assert names["NL"] == "Netherlands"
    assert names["KR"] == "South Korea"
    assert len(names) >= 245
    assert all(len(k) == 2 and k.isupper() for k in names)
