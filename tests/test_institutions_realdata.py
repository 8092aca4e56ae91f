"""The institution registry on real files: the ROR records of ../shared/realdata/ror.

Skipped when the files are absent (they are never copied into the repository). The folder
is found by tests/_realdata.py: ``$STCLUSTERS_REALDATA`` when set, else
``<repo>/../shared/realdata``.

Acceptance:
* the ROR v2 and v1 files load into 35,990 + 15,380 = 51,370 institutions;
* the 257 affiliation strings of tests/data/affiliations.csv, parsed with
  :func:`stclusters.affiliation.parse_affiliation` and geocoded with the default gazetteer
  and the registry, lie within 25 km of their true city for at least 90 % of the strings
  (the share without the registry is printed and must be lower);
* every author-institution of the two real OpenAlex works whose ROR id is in the registry is
  placed at its institution (``geo_method`` ``institution``, the registry's coordinates).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _realdata import REALDATA

from stclusters.affiliation import parse_affiliation
from stclusters.extract.stage import extract
from stclusters.geo import haversine_km
from stclusters.geocode import geocode
from stclusters.geocode.gazetteer import build_gazetteer
from stclusters.geocode.pipeline import InstitutionOptions
from stclusters.geocode.registry import institution_ref, load_registry

ROR = [REALDATA / "ror" / "ror_v2_records.json.gz", REALDATA / "ror" / "ror_v1_records.json.gz"]
WORKS = REALDATA / "openalex" / "works_two_fixtures.jsonl"
TABLE = Path(__file__).parent / "data" / "affiliations.csv"

pytestmark = pytest.mark.skipif(not all(p.exists() for p in ROR),
                                reason=f"{REALDATA / 'ror'} not present")


@pytest.fixture(scope="module")
def registry() -> InstitutionOptions:
    start = time.perf_counter()
    inst, names = load_registry(ROR)
    print(f"\nROR registry: {len(inst):,} institutions, {len(names):,} names, loaded in "
          f"{time.perf_counter() - start:.1f} s")
    return InstitutionOptions(inst, names)


@pytest.fixture(scope="module")
def gaz():
    return build_gazetteer(min_population=1000)


def test_ror_files_load(registry):
    inst = registry.institutions
    assert inst["origin"].value_counts().to_dict() == {"ror_v2": 35_990, "ror_v1": 15_380}
    assert inst["ror"].is_unique and inst["lat"].notna().all()
    assert inst["country_iso2"].nunique() >= 200
    ki = inst[inst["ror"] == "056d84691"]  # Karolinska Institutet, a v1 record
    assert len(ki) == 0 or ki["city"].iloc[0] == "Stockholm"


def _table_records(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in table.itertuples():
        a = parse_affiliation(r.affiliation, r.record_country or None)
        rows.append({"source": "pub", "doc_id": f"a{r.Index}", "year": 2020, "city": a.city,
                     "region": a.region, "postal_code": a.postal_code,
                     "country": r.record_country or a.country_iso2, "lat": np.nan,
                     "lon": np.nan, "coord_status": "none", "affiliation": r.affiliation})
    recs = pd.DataFrame(rows)
    recs["record_id"] = np.arange(len(recs), dtype=np.int64)
    return recs


def _share_within(placed: pd.DataFrame, table: pd.DataFrame, km: float = 25.0) -> float:
    t = table.iloc[placed["record_id"].to_numpy()]
    d = haversine_km(placed["lat"].to_numpy(), placed["lon"].to_numpy(),
                     t["lat"].astype(float).to_numpy(), t["lon"].astype(float).to_numpy())
    return float((d <= km).sum() / len(table))


def test_affiliation_table_within_25_km(registry, gaz):
    table = pd.read_csv(TABLE, keep_default_na=False, dtype=str)
    recs = _table_records(table)
    places, names = gaz
    plain, _ = geocode(recs, places, names)
    placed, unmatched = geocode(recs, places, names, registry=registry)
    without, share = _share_within(plain, table), _share_within(placed, table)
    print(f"\n{len(table)} affiliation strings within 25 km: {share:.1%} with the registry "
          f"({placed['geo_method'].value_counts().to_dict()}), {without:.1%} without; "
          f"unmatched: {unmatched['affiliation'].tolist()}")
    assert share >= 0.90
    assert share > without


def _ror_pairs() -> list[tuple[str, str]]:
    """(work id, bare ROR id) of every author-institution of the works file that has a
    ROR id, read from the JSON directly (not through the reader)."""
    pairs = []
    for line in WORKS.read_text(encoding="utf-8").splitlines():
        work = json.loads(line)
        for au in work["authorships"]:
            for inst in au["institutions"]:
                ror = institution_ref(inst.get("ror"))[0]
                if ror is not None:
                    pairs.append((work["id"], ror))
    return pairs


@pytest.mark.skipif(not WORKS.exists(), reason=f"{WORKS} not present")
def test_openalex_authorships_with_a_ror_id_are_placed_at_the_institution(registry, gaz):
    """The works through the reader and the extract stage (institution_id, affiliation
    passed through), then the geocoder with the registry."""
    recs, rejects, _ = extract([{"path": str(WORKS), "format": "openalex"}])
    assert len(rejects) == 0
    places, names = gaz
    placed, unmatched = geocode(recs, places, names, registry=registry)
    inst = registry.institutions.set_index("ror")
    pairs = _ror_pairs()
    in_registry = [(w, r) for w, r in pairs if r in inst.index]
    ror = recs["institution_id"].map(lambda v: institution_ref(v)[0])
    known = ror.isin(inst.index).to_numpy()
    p = placed.set_index("record_id").reindex(recs["record_id"])
    print(f"\nOpenAlex: {len(recs)} author-institution rows, {len(pairs)} with a ROR id, "
          f"{known.sum()} of them in the registry; methods "
          f"{placed['geo_method'].value_counts().to_dict()}; unmatched {len(unmatched)}")
    # every authorship-institution with a ROR id in the registry, as the JSON has them
    assert sorted(zip(recs["doc_id"][known], ror[known], strict=True)) == sorted(in_registry)
    assert len(in_registry) == 14 and len(pairs) == 16
    assert (p["geo_method"].to_numpy()[known] == "institution").all()
    assert np.allclose(p["lat"].to_numpy()[known], inst.loc[ror[known], "lat"].to_numpy())
    assert np.allclose(p["lon"].to_numpy()[known], inst.loc[ror[known], "lon"].to_numpy())
    assert (p["country_iso2"].to_numpy()[known]
            == inst.loc[ror[known], "country_iso2"].to_numpy()).all()
    # Impactstory's ROR id is not in these files: its string's city places it (Sanford, NC)
    other = p[~known]
    assert other["geo_method"].isin(["affiliation_match", "exact", "alternate"]).all()
    assert set(other["place_name"]) == {"Sanford"}
