"""The institution registry (ROR v1/v2, OpenAlex) and the geocoder's institution phases.

Small registries written here in the real formats; the acceptance on the real ROR files is
in tests/test_institutions_realdata.py.
"""

from __future__ import annotations

import gzip
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from stclusters.geo import haversine_km
from stclusters.geocode import accounting, geocode
from stclusters.geocode.gazetteer import build_gazetteer
from stclusters.geocode.institution import Registry
from stclusters.geocode.pipeline import InstitutionOptions
from stclusters.geocode.registry import RegistryError, institution_ref, load_registry
from stclusters.qa import geocode_qa

COLOGNE = (50.93333, 6.95)
SEATTLE = (47.60621, -122.33207)
MADRID = (40.4165, -3.70256)
SEVILLA = (37.38283, -5.97317)
LYON = (45.74846, 4.84671)
PARIS = (48.85341, 2.3488)
BOSTON = (42.35843, -71.05977)
SANFORD = (35.47988, -79.1803)


def v2(ror: str, display: str, city: str, cc: str, xy: tuple[float, float], gid: int,
       labels: tuple[str, ...] = (), aliases: tuple[str, ...] = (),
       acronyms: tuple[str, ...] = (), status: str = "active") -> dict:
    names = [{"lang": "en", "types": ["ror_display", "label"], "value": display}]
    names += [{"lang": None, "types": ["label"], "value": v} for v in labels]
    names += [{"lang": None, "types": ["alias"], "value": v} for v in aliases]
    names += [{"lang": None, "types": ["acronym"], "value": v} for v in acronyms]
    return {"id": f"https://ror.org/{ror}", "names": names, "status": status,
            "locations": [{"geonames_id": gid, "geonames_details": {
                "country_code": cc, "name": city, "lat": xy[0], "lng": xy[1]}}]}


def v1(ror: str, name: str, city: str, cc: str, xy: tuple[float, float], gid: int,
       acronyms: tuple[str, ...] = (), status: str = "active") -> dict:
    return {"id": f"https://ror.org/{ror}", "name": name, "aliases": [], "labels": [],
            "acronyms": list(acronyms), "status": status, "country": {"country_code": cc},
            "addresses": [{"city": city, "lat": xy[0], "lng": xy[1],
                           "geonames_city": {"id": gid}}]}


V2 = [
    v2("00rcxh774", "University of Cologne", "Cologne", "DE", COLOGNE, 2886242,
       labels=("Universität zu Köln",), acronyms=("UzK",)),
    v2("00cvxb145", "University of Washington", "Seattle", "US", SEATTLE, 5809844,
       acronyms=("UW",)),
    v2("02jqc0m91", "Seattle University", "Seattle", "US", SEATTLE, 5809844),
    v2("02gfc7t72", "Spanish National Research Council", "Madrid", "ES", MADRID, 3117735,
       labels=("Consejo Superior de Investigaciones Científicas",), acronyms=("CSIC",)),
    v2("0abcdef12", "Institut de Recherche Test", "Lyon", "FR", LYON, 2996944),
    v2("0abcdeg34", "Institut de Recherche Test", "Paris", "FR", PARIS, 2988507),
    v2("0abcdeh56", "Old Name Institute", "Boston", "US", BOSTON, 4930956,
       status="withdrawn"),
]
V1 = [v1("056d84691", "Karolinska Institutet", "Stockholm", "SE", (59.32938, 18.06871),
         2673730, acronyms=("KI",))]
OPENALEX = [
    {"id": "https://openalex.org/I201448701", "ror": "https://ror.org/00cvxb145",
     "display_name": "University of Washington", "works_count": 500,
     "geo": {"city": "Seattle", "country_code": "US", "latitude": 47.65,
             "longitude": -122.30}},
    {"id": "https://openalex.org/I999", "ror": None, "display_name": "Impactstory",
     "display_name_acronyms": [], "display_name_alternatives": ["Impact Story"],
     "works_count": 12, "geo": {"city": "Sanford", "country_code": "US",
                                "latitude": SANFORD[0], "longitude": SANFORD[1]}},
]


@pytest.fixture(scope="module")
def registry_files(tmp_path_factory) -> list:
    d = tmp_path_factory.mktemp("registry")
    with gzip.open(d / "v2.json.gz", "wt", encoding="utf-8") as fh:
        json.dump(V2, fh)
    (d / "v1.json").write_text(json.dumps(V1), encoding="utf-8")
    (d / "institutions.jsonl").write_text("\n".join(json.dumps(r) for r in OPENALEX) + "\n",
                                          encoding="utf-8")
    return [d / "v2.json.gz", d / "v1.json", d / "institutions.jsonl"]


@pytest.fixture(scope="module")
def tables(registry_files) -> tuple[pd.DataFrame, pd.DataFrame]:
    return load_registry(registry_files)


@pytest.fixture(scope="module")
def reg(tables) -> Registry:
    return Registry(*tables)


@pytest.fixture(scope="module")
def gaz():
    return build_gazetteer(min_population=15000)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("https://ror.org/05dxps055", ("05dxps055", None)), ("05DXPS055", ("05dxps055", None)),
     ("ror.org/05dxps055/", ("05dxps055", None)),
     ("https://openalex.org/I157725225", (None, "I157725225")),
     ("https://openalex.org/institutions/i157725225", (None, "I157725225")),
     ("I157725225", (None, "I157725225")), ("Caltech", (None, None)), (None, (None, None)),
     ("05dxps05", (None, None))],
)
def test_institution_ref(value, expected):
    assert institution_ref(value) == expected


def test_registry_reads_v1_v2_and_openalex(tables):
    inst, names = tables
    assert len(inst) == len(V2) + len(V1) + 1  # UW of OpenAlex is the ROR record
    assert inst["origin"].value_counts().to_dict() == {"ror_v2": 7, "ror_v1": 1,
                                                       "openalex": 1}
    uw = inst[inst["ror"] == "00cvxb145"].iloc[0]
    # location from ROR, OpenAlex id and works_count from OpenAlex
    assert (uw["openalex"], uw["works_count"], uw["lat"]) == ("I201448701", 500, SEATTLE[0])
    ki = inst[inst["ror"] == "056d84691"].iloc[0]
    assert (ki["city"], ki["country_iso2"], ki["geonames_id"]) == ("Stockholm", "SE", 2673730)
    only_oa = inst[inst["openalex"] == "I999"].iloc[0]
    assert only_oa["ror"] is None and only_oa["city"] == "Sanford"
    cologne = set(names.loc[names["inst"] == uw["inst"] - 0, "key"])  # UW's keys
    assert {"university of washington", "uw"} <= cologne
    koeln = names[names["text"] == "Universität zu Köln"]["key"].tolist()
    assert sorted(koeln) == ["universitaet zu koeln", "universitat zu koln"]
    assert names.loc[names["text"] == "UzK", "kind"].tolist() == ["acronym"]
    assert list(inst["inst"]) == list(range(len(inst)))


def test_registry_zip_reads_the_schema_v2_member(tmp_path):
    z = tmp_path / "v1.50-2024-07-29-ror-data.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("v1.50-2024-07-29-ror-data.json", json.dumps(V1 + V1))
        zf.writestr("v1.50-2024-07-29-ror-data_schema_v2.json", json.dumps(V2))
        zf.writestr("v1.50-2024-07-29-ror-data.csv", "id,name\n")
    inst, _ = load_registry([z])
    assert len(inst) == len(V2) and set(inst["origin"]) == {"ror_v2"}


def test_no_registry_file_gives_empty_tables():
    inst, names = load_registry([])
    assert len(inst) == len(names) == 0
    assert list(inst.columns) == ["inst", "ror", "openalex", "name", "country_iso2", "city",
                                  "lat", "lon", "geonames_id", "status", "works_count",
                                  "origin"]
    assert list(names.columns) == ["inst", "country_iso2", "key", "text", "kind"]


def test_registry_errors(tmp_path):
    with pytest.raises(RegistryError, match="not found"):
        load_registry([tmp_path / "missing.json"])
    bad = tmp_path / "bad.json"
    bad.write_text("[{", encoding="utf-8")
    with pytest.raises(RegistryError, match="bad.json: not valid JSON"):
        load_registry([bad])
    other = tmp_path / "other.json"
    other.write_text('[{"foo": 1}]', encoding="utf-8")
    with pytest.raises(RegistryError, match="no ROR or OpenAlex institution record"):
        load_registry([other])


def _ror(reg: Registry, tables, m) -> str | None:
    return tables[0]["ror"].iloc[m.inst] if m.inst >= 0 else None


def test_ids_of_every_form(reg, tables):
    ids = np.array(["https://ror.org/00rcxh774", "00RCXH774", "https://openalex.org/I999",
                    "I201448701", "https://ror.org/0zzzzzz99", None, "junk"], dtype=object)
    got = reg.rows_of_ids(ids)
    inst = tables[0]
    assert inst["ror"].iloc[got[0]] == "00rcxh774" and got[1] == got[0]
    assert inst["openalex"].iloc[got[2]] == "I999"
    assert inst["ror"].iloc[got[3]] == "00cvxb145"
    assert list(got[4:]) == [-1, -1, -1]


@pytest.mark.parametrize(
    ("text", "country", "near", "ror", "score"),
    [
        # exact label with accents, behind a department
        ("Dept. of Physics, Universität zu Köln, Zülpicher Str. 77, 50937 Köln, Germany",
         None, None, "00rcxh774", 100.0),
        # German transliteration of the label
        ("Universitaet zu Koeln, Koeln", "DE", None, "00rcxh774", 100.0),
        # a misspelt name inside a longer segment: token containment
        ("Department of Chemistry and Univeristy of Washington, Seattle, WA, USA", "US",
         None, "00cvxb145", None),
        # acronym written exactly so
        ("UW, Seattle, USA", None, None, "00cvxb145", 100.0),
        # "Seattle" is not "Seattle University" (token_set_ratio would say 100)
        ("Seattle Children's Research, Seattle, WA, USA", "US", None, None, None),
        # an acronym in lower case is a word, not the acronym
        ("uw, Seattle, USA", "US", None, None, None),
        # the name in the string's country only
        ("University of Washington, Seattle", "CA", None, None, None),
        # without any country: exact names over all countries
        ("Karolinska Institutet", None, None, "056d84691", 100.0),
        # the bracketed acronym
        ("Consejo (CSIC), Madrid, Spain", None, None, "02gfc7t72", 100.0),
        # a string naming another city than the institution's: the city wins
        ("Consejo Superior de Investigaciones Científicas (CSIC), Sevilla, Spain", "ES",
         SEVILLA, None, None),
        ("Consejo Superior de Investigaciones Científicas (CSIC), Madrid, Spain", "ES",
         MADRID, "02gfc7t72", 100.0),
        # the same name in two cities: the city named in the string decides
        ("Institut de Recherche Test, Lyon, France", None, None, "0abcdef12", 100.0),
        ("Institut de Recherche Test, 75005 Paris, France", None, None, "0abcdeg34", 100.0),
        # withdrawn records are not matched by containment
        ("Lab X, Old Name Institute of Boston, Boston, MA, USA", "US", None, None, None),
    ],
)
def test_affiliation_match(reg, tables, text, country, near, ror, score):
    m = reg.match(text, country, near)
    assert _ror(reg, tables, m) == ror
    if score is not None:
        assert m.score == score
    if ror is not None and score is None:
        assert 90 <= m.score < 100


def test_ambiguous_name_falls_back(reg):
    m = reg.match("Institut de Recherche Test, France", None)
    assert (m.inst, m.ambiguous) == (-1, True)


def _records(rows: list[dict]) -> pd.DataFrame:
    cols = ["source", "doc_id", "year", "city", "region", "postal_code", "country", "lat",
            "lon", "coord_status", "institution_id", "affiliation"]
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    df["source"] = df["source"].fillna("pub")
    df["doc_id"] = [f"d{i}" for i in range(len(df))]
    df["year"] = 2020
    df["lat"] = pd.to_numeric(df["lat"])
    df["lon"] = pd.to_numeric(df["lon"])
    df["coord_status"] = np.where(df["lat"].notna(), "valid", "none")
    df["record_id"] = np.arange(len(df), dtype=np.int64)
    return df


def test_geocode_places_rows_at_their_institution(gaz, tables):
    places, names = gaz
    recs = _records([
        {"institution_id": "https://ror.org/00rcxh774"},  # no city, no country
        {"institution_id": "I999", "city": "Raleigh", "country": "US"},  # id beats city
        {"affiliation": "Dept X, Universität zu Köln, Germany", "country": "DE"},
        {"institution_id": "https://ror.org/0zzzzzz99", "city": "Seattle", "country": "US",
         "affiliation": "University of Washington, Seattle, USA"},  # unknown id: the text
        {"affiliation": "Institut de Recherche Test, France", "country": "FR",
         "city": "Nowhere Town"},  # ambiguous: the city, then the country
        {"city": "Boston", "country": "US"},
        {"institution_id": "00cvxb145", "city": "Boston", "country": "US",
         "lat": BOSTON[0], "lon": BOSTON[1]},  # given coordinates come first
        {"affiliation": "Institut de Recherche Test, Grenoble, France", "country": "FR",
         "city": "Grenoble"},  # both namesakes far from the city named: the city
        {"affiliation": "Institut de Recherche Test, France", "country": "FR"},  # no city
    ])
    placed, unmatched = geocode(recs, places, names, registry=InstitutionOptions(*tables))
    assert unmatched["record_id"].tolist() == [8]
    assert unmatched["reason"].tolist() == ["no_address"]
    p = placed.set_index("record_id")
    assert list(p["geo_method"]) == ["institution", "institution", "affiliation_match",
                                     "affiliation_match", "country", "exact", "given",
                                     "exact"]
    assert p.loc[7, "place_name"] == "Grenoble"
    assert (p.loc[0, "lat"], p.loc[0, "lon"], p.loc[0, "country_iso2"]) == (*COLOGNE, "DE")
    assert p.loc[0, "place_name"] in ("Köln", "Cologne")
    assert (p.loc[1, "lat"], p.loc[1, "lon"], p.loc[1, "place_name"]) == (*SANFORD, "Sanford")
    assert haversine_km(p.loc[3, "lat"], p.loc[3, "lon"], *SEATTLE) < 1
    assert p.loc[2, "geo_score"] == 100.0
    assert (p.loc[6, "lat"], p.loc[6, "lon"]) == BOSTON
    acc = accounting(placed, unmatched).set_index("source")
    assert (acc.loc["pub", "institution"], acc.loc["pub", "affiliation_match"]) == (2, 2)


def test_registry_without_institution_columns_changes_nothing(gaz, tables):
    places, names = gaz
    recs = _records([{"city": "Köln", "country": "DE"}, {"city": "Seattle", "country": "US"},
                     {"city": "Nowhere Town", "country": "FR"}, {"city": None, "country": "US"},
                     {"city": "Paris", "country": "FR", "lat": PARIS[0], "lon": PARIS[1]}])
    recs = recs.drop(columns=["institution_id", "affiliation"])
    plain = geocode(recs, places, names)
    with_reg = geocode(recs, places, names, registry=InstitutionOptions(*tables))
    pd.testing.assert_frame_equal(plain[0], with_reg[0])
    pd.testing.assert_frame_equal(plain[1], with_reg[1])


def test_given_coordinates_in_the_wrong_country_are_set_aside(gaz):
    places, names = gaz
    recs = _records([
        {"city": "Berlin", "country": "DE", "lat": PARIS[0], "lon": PARIS[1]},  # in France
        {"city": "Basel", "country": "CH", "lat": 47.5862, "lon": 7.5560},  # Saint-Louis FR
        {"city": "Boston", "country": "US", "lat": 42.30, "lon": -70.40},  # at sea off Boston
        {"city": "Berlin", "country": "DE", "lat": 13.41053, "lon": 52.52437},  # swapped
        {"city": None, "country": "DE", "lat": PARIS[0], "lon": PARIS[1], "source": "pct"},
    ])
    placed, unmatched = geocode(recs, places, names)
    p = placed.set_index("record_id")
    assert p.loc[0, "geo_method"] == "exact" and p.loc[0, "coord_status"] == "wrong_country"
    assert p.loc[0, "place_name"] == "Berlin" and p.loc[0, "country_iso2"] == "DE"
    assert list(p.loc[[1, 2], "geo_method"]) == ["given", "given"]
    assert list(p.loc[[1, 2], "coord_status"]) == ["valid", "valid"]
    assert (p.loc[3, "geo_method"], p.loc[3, "coord_status"]) == ("given", "swapped")
    u = unmatched.set_index("record_id")
    assert (u.loc[4, "reason"], u.loc[4, "coord_status"]) == ("no_address", "wrong_country")
    acc = accounting(placed, unmatched).set_index("source")
    assert (acc.loc["pub", "given_wrong_country"], acc.loc["pct", "given_wrong_country"]) == (
        1, 1)
    qa = geocode_qa(placed, unmatched)["by_country"].set_index(["source", "country"])
    assert qa.loc[("pub", "DE"), "given_wrong_country"] == 1
    assert qa.loc[("pct", "DE"), "given_wrong_country"] == 1
    assert qa.loc[("pub", "CH"), "given_wrong_country"] == 0
    off = geocode(recs, places, names, check_given_country=False)[0].set_index("record_id")
    assert off.loc[0, "geo_method"] == "given" and off.loc[0, "lat"] == PARIS[0]


def _authorship(insts: list[dict], raws: list[str], countries: list[str]) -> dict:
    return {"author": {"id": "https://openalex.org/A1", "display_name": "A"},
            "institutions": insts, "countries": countries, "raw_affiliation_strings": raws}


def test_openalex_works_through_extract_are_placed_at_their_institution(gaz, tables,
                                                                       tmp_path):
    """The OpenAlex reader's institution_id and affiliation reach the geocoder through the
    extract stage: a ROR id in the registry (in upper case, as a URL) places the row at the
    institution whatever its string says; an OpenAlex id of the registry likewise; an
    unknown id falls to the string's institution name, then its city."""
    from stclusters.extract.stage import extract

    uw = {"id": "https://openalex.org/I201448701", "display_name": "University of Washington",
          "ror": "https://ror.org/00CVXB145", "country_code": "US"}
    impact = {"id": "https://openalex.org/I999", "display_name": "Impactstory", "ror": None,
              "country_code": "US"}
    cologne = {"id": "https://openalex.org/I14243506", "display_name": "University of Cologne",
               "ror": "https://ror.org/0zzzzzz99", "country_code": "DE"}  # not in registry
    works = [
        {"id": "https://openalex.org/W1", "publication_year": 2020, "authorships": [
            _authorship([uw], ["Information School, Tacoma, WA, USA"], ["US"]),
            _authorship([impact], ["Impactstory, Raleigh, NC, USA"], ["US"])]},
        {"id": "https://openalex.org/W2", "publication_year": 2021, "authorships": [
            _authorship([cologne], ["Dept. of Physics, Universität zu Köln, 50937 Köln, "
                                    "Germany"], ["DE"]),
            _authorship([], ["Seattle University, Seattle, WA 98122, USA"], ["US"])]},
    ]
    path = tmp_path / "works.jsonl"
    path.write_text("\n".join(json.dumps(w, ensure_ascii=False) for w in works) + "\n",
                    encoding="utf-8")
    records, _, _ = extract([{"path": str(path), "format": "openalex"}])
    assert records["institution_id"].tolist()[:3] == [
        "https://ror.org/00cvxb145", "I999", "https://ror.org/0zzzzzz99"]
    places, names = gaz
    placed, unmatched = geocode(records, places, names, registry=InstitutionOptions(*tables))
    assert len(unmatched) == 0
    p = placed.set_index("record_id")
    assert p["geo_method"].tolist() == ["institution", "institution", "affiliation_match",
                                        "affiliation_match"]
    inst = tables[0].set_index("ror")
    # the ROR record's coordinates, not the OpenAlex record's nor Tacoma's
    assert (p.loc[0, "lat"], p.loc[0, "lon"]) == SEATTLE == tuple(
        inst.loc["00cvxb145", ["lat", "lon"]])
    assert (p.loc[1, "lat"], p.loc[1, "lon"]) == SANFORD  # by OpenAlex id, not Raleigh
    assert (p.loc[2, "lat"], p.loc[2, "lon"]) == COLOGNE  # "Universität zu Köln" label
    assert p.loc[3, "place_name"] == "Seattle"
    assert p["country_iso2"].tolist() == ["US", "US", "DE", "US"]
    qa = geocode_qa(placed, unmatched)["by_country"].set_index(["source", "country"])
    assert qa.loc[("pub", "US"), "share_institution"] == pytest.approx(2 / 3)
    assert qa.loc[("pub", "DE"), "share_affiliation_match"] == 1.0
