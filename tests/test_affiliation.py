"""Affiliation parsing (stclusters.affiliation) on real-style strings, without any registry.

``tests/data/affiliations.csv``: 257 affiliation strings written in the styles publishers
and bibliographic databases use (Web of Science ``Peoples R China``, PubMed
``Electronic address:``, CEDEX, postal codes before and after the city, street parts,
native names and scripts), from 75 countries, 29 of them naming only an institution.
Columns: ``affiliation``; ``city_in_string`` (the city as written, blank when the string
names none); ``city``, ``country``, ``lat``, ``lon`` (the true city, GeoNames coordinates);
``record_country`` (the country the record carries, blank for some institution-only
strings). The geocoding acceptance on this table is in tests/test_institutions_realdata.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stclusters.affiliation import (
    city_from_affiliation,
    country_of,
    looks_like_organization,
    looks_like_street,
    parse_affiliation,
    split_postal,
)
from stclusters.text import normalize_place

TABLE = Path(__file__).parent / "data" / "affiliations.csv"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(TABLE, keep_default_na=False, dtype=str)


def test_table_covers_many_countries(table):
    assert len(table) >= 200
    assert table["country"].nunique() >= 20
    assert (table["city_in_string"] == "").sum() >= 20  # strings naming only an institution


def test_every_string_gives_its_city_and_never_an_organisation(table):
    wrong = []
    for r in table.itertuples():
        a = parse_affiliation(r.affiliation)
        want = normalize_place(r.city_in_string) or None
        got = normalize_place(a.city) or None
        if got != want:
            wrong.append((r.affiliation, a.city, r.city_in_string))
        if a.city is not None:
            assert not looks_like_organization(a.city), r.affiliation
    assert wrong == []


def test_the_country_named_in_the_string_is_found(table):
    named = 0
    for r in table.itertuples():
        a = parse_affiliation(r.affiliation)
        if a.country_iso2 is not None:
            named += 1
            assert a.country_iso2 == r.country, r.affiliation
    assert named >= 220


@pytest.mark.parametrize(
    "text",
    ["Université de Montréal", "Universität zu Köln", "Vrije Universiteit Amsterdam",
     "Karolinska Institutet", "ETH Zurich", "KU Leuven", "Charité Universitätsmedizin",
     "World Bank", "Queen's University", "Uniwersytet Jagielloński", "Politecnico di Torino",
     "Hochschule München", "Universidade de Lisboa", "Università di Pisa",
     "Helsingin yliopisto", "東京大学", "中国科学院物理研究所", "서울대학교",
     "Московский государственный университет", "جامعة القاهرة", "Impactstory GmbH",
     "FlourishOA", "UCL", "CNRS", "Dept. of Physics", "Institut Pasteur",
     "Rigshospitalet", "Technion", "Kyoto Daigaku", "Mayo Clinic", "Google Research"],
)
def test_organisations_are_recognised(text):
    assert looks_like_organization(text)


@pytest.mark.parametrize(
    "text",
    ["Montréal", "Köln", "Zürich", "São Paulo", "München", "PARIS", "LYON", "Washington DC",
     "St. Louis", "Frankfurt am Main", "College Station", "University Park",
     "Research Triangle Park", "Ciudad de México", "Kraków", "İstanbul", "東京", "New York",
     "Louvain-la-Neuve", "Esch-sur-Alzette", "Xi'an", "Dar es Salaam"],
)
def test_places_are_not_organisations(text):
    assert not looks_like_organization(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("80333 München", ("München", "80333", False)),
     ("SE-171 77 Stockholm", ("Stockholm", "SE-171 77", False)),
     ("London SW7 2AZ", ("London", "SW7 2AZ", False)),
     ("1098 XH Amsterdam", ("Amsterdam", "1098 XH", False)),
     ("New Delhi-110016", ("New Delhi", "110016", False)),
     ("Praha 2", ("Praha", None, False)),
     ("D-80539 Munich", ("Munich", "D-80539", False)),
     ("4099-002 Porto", ("Porto", "4099-002", False)),
     ("C1428EGA Buenos Aires", ("Buenos Aires", "C1428EGA", False)),
     ("7-3-1 Hongo", ("Hongo", None, True)),
     ("Tokyo 113-8656", ("Tokyo", "113-8656", False))],
)
def test_split_postal(text, expected):
    assert split_postal(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Albertus-Magnus-Platz", "Charitéplatz 1", "Im Neuenheimer Feld 280", "7-3-1 Hongo",
     "415 Main Street", "ul. Krakowskie Przedmieście 26/28", "Piazza Leonardo da Vinci 32",
     "PO Box 80125", "291 Daehak-ro", "Arcisstraße 21", "25-28 rue du Docteur Roux"],
)
def test_streets(text):
    assert looks_like_street(text)


@pytest.mark.parametrize("text", ["Heidelberg", "Cambridge", "Bunkyo-ku", "Paris 05"])
def test_not_streets(text):
    assert not looks_like_street(text)


@pytest.mark.parametrize(
    ("text", "iso"),
    [("USA", "US"), ("U.S.A.", "US"), ("Peoples R China", "CN"), ("P.R. China", "CN"),
     ("Deutschland", "DE"), ("Brasil", "BR"), ("España", "ES"), ("Schweiz", "CH"),
     ("Österreich", "AT"), ("中国", "CN"), ("日本", "JP"), ("Republic of Korea", "KR"),
     ("Türkiye", "TR"), ("Viet Nam", "VN"), ("Heidelberg", None)],
)
def test_country_names(text, iso):
    assert country_of(text) == iso


def test_parse_keeps_the_organisation_segments():
    a = parse_affiliation("Dept of Physics, Universität zu Köln, Zülpicher Str. 77, "
                          "50937 Köln, Germany")
    assert (a.city, a.postal_code, a.country_iso2) == ("Köln", "50937", "DE")
    assert a.organizations == ("Dept of Physics", "Universität zu Köln")
    b = parse_affiliation("Impactstory, Sanford, NC, USA")
    assert (b.city, b.region, b.country_iso2, b.organizations) == (
        "Sanford", "NC", "US", ("Impactstory",))
    c = parse_affiliation("Dept. of Electrical Engineering, University of Michigan, "
                          "Ann Arbor, MI 48109")  # no country: the state and ZIP give it
    assert (c.city, c.region, c.postal_code, c.country_iso2) == ("Ann Arbor", "MI", "48109",
                                                                  "US")
    d = parse_affiliation("Karolinska Institutet")
    assert (d.city, d.country_iso2, d.organizations) == (None, None,
                                                         ("Karolinska Institutet",))


# the cases of the OpenAlex reader's former city_from_affiliation (same contract)
@pytest.mark.parametrize(
    ("text", "cc", "expected"),
    [
        ("Dept. of Physics, MIT, Cambridge, MA 02139, USA", "US", ("Cambridge", "MA", "02139")),
        ("University of Toronto, Toronto, ON M5S 1A1, Canada", "CA", ("Toronto", "ON",
                                                                       "M5S 1A1")),
        ("Univ Sydney, Sydney, NSW 2006, Australia", "AU", ("Sydney", "NSW", "2006")),
        ("Max Planck Institute, Heidelberg, Germany", "DE", ("Heidelberg", None, None)),
        ("CNRS, 75005 Paris, France", "FR", ("Paris", None, "75005")),
        ("Zhejiang University, Hangzhou 310027, People's Republic of China", "CN",
         ("Hangzhou", None, "310027")),
        ("The University of Tokyo, Bunkyo-ku, Tokyo 113-8656, Japan", "JP",
         ("Tokyo", None, "113-8656")),
        ("Department of Chemistry, University of Oxford", "GB", (None, None, None)),
        ("Seoul National University, Seoul, Republic of Korea", "KR", ("Seoul", None, None)),
        ("Imperial College London, London SW7 2AZ, UK", "GB", ("London", None, "SW7 2AZ")),
        ("NYU, New York, USA", "US", ("New York", None, None)),
        ("Humboldt University, Berlin, Germany", "DE", ("Berlin", None, None)),
        ("Stanford University, Stanford, California 94305, USA", "US",
         ("Stanford", "California", "94305")),
        ("1098 XH Amsterdam, The Netherlands", "NL", ("Amsterdam", None, "1098 XH")),
        ("", "US", (None, None, None)),
        (None, None, (None, None, None)),
    ],
)
def test_city_from_affiliation_contract(text, cc, expected):
    assert city_from_affiliation(text, cc) == expected
