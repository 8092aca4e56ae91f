"""Real third-party data: the Crunchbase 2015 acquisitions export (../shared/realdata).

Skipped when ../shared is absent (the file is never copied into the repository). The
target company's location (company_city, company_state_code, ISO3 company_country_code) is
read through the crunchbase reader, validated and geocoded with the default gazetteer.
Acceptance: at least 97 % of rows with a company city are placed at city level (exact,
alternate or fuzzy; region/country fallbacks do not count); the overall placed rate
(every method) and the failure causes are printed.
"""

from __future__ import annotations

import numpy as np
import pytest
from _realdata import REALDATA

from stclusters.extract.contract import ROW_COLUMN, validate
from stclusters.extract.readers.crunchbase import read_crunchbase
from stclusters.geocode import geocode
from stclusters.geocode.gazetteer import build_gazetteer

CRUNCHBASE = REALDATA / "crunchbase_2015_acquisitions.csv"
CITY_LEVEL = ("exact", "alternate", "fuzzy")


@pytest.mark.skipif(not CRUNCHBASE.exists(), reason=f"{CRUNCHBASE} not present")
def test_crunchbase_acquisitions_are_placed() -> None:
    frame, bad = read_crunchbase(CRUNCHBASE, "vc")
    # 148 lines do not parse: a junk record's unclosed quote and the 147 tab-separated
    # lines pasted after it (tests/test_readers.py)
    assert len(bad) == 148
    records, rejects = validate(frame.drop(columns=ROW_COLUMN), str(CRUNCHBASE))
    assert len(records) + len(rejects) == len(frame)
    records["record_id"] = np.arange(len(records), dtype=np.int64)
    records["weight"] = 1.0
    places, names = build_gazetteer(min_population=1000)
    placed, unmatched = geocode(records, places, names)
    assert len(placed) + len(unmatched) == len(records)

    p_city = placed[placed["city"].notna()]
    u_city = unmatched[unmatched["city"].notna()]
    n_city = len(p_city) + len(u_city)
    city_level = p_city["geo_method"].isin(CITY_LEVEL).sum() / n_city
    any_level = len(p_city) / n_city
    coarse = p_city[~p_city["geo_method"].isin(CITY_LEVEL)]
    print(f"\nCrunchbase: {n_city} rows with a city (of {len(frame)}; "
          f"{len(rejects)} rejected: {rejects['reason'].value_counts().to_dict()})")
    print(f"placed (any method): {any_level:.2%}; city level: {city_level:.2%}")
    print("methods:", p_city["geo_method"].value_counts().to_dict())
    print("unmatched:", u_city.groupby(["country", "reason"]).size().to_dict())
    print("coarse (region/country) placements, most frequent:")
    print(coarse.groupby(["city", "region", "country"]).size().sort_values(ascending=False)
          .head(15).to_string())
    assert city_level >= 0.97
    assert any_level >= 0.97
