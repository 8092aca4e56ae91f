"""Readers of real input formats (stclusters.extract.readers) on small files in each real layout."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _realdata import REALDATA

from stclusters.extract.contract import (
    BAD_COLUMNS,
    CANONICAL,
    CONTRACT_COLUMNS,
    LINES_ATTR,
    PASS_THROUGH,
    ROW_COLUMN,
    ExtractError,
    validate,
)
from stclusters.extract.formats import read_extract, read_extract_with_bad
from stclusters.extract.readers.crunchbase import read_crunchbase
from stclusters.extract.readers.generic import read_generic
from stclusters.extract.readers.openalex import city_from_affiliation, read_openalex
from stclusters.extract.readers.patentsview import read_patentsview
from stclusters.extract.stage import extract


def vals(s: pd.Series) -> list:
    """Values with missing as None (pandas 3 string columns hold NaN)."""
    return [None if pd.isna(v) else v for v in s.tolist()]


def tsv(path, header: list[str], rows: list[list[object]]) -> None:
    """A PatentsView-style TSV: every value double-quoted, tab-separated."""
    def q(v: object) -> str:
        return '"' + str(v).replace('"', '""') + '"'

    lines = ["\t".join(q(h) for h in header)]
    lines += ["\t".join(q(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


INVENTOR = ["patent_id", "inventor_sequence", "inventor_id", "disambig_inventor_name_first",
            "disambig_inventor_name_last", "gender_code", "location_id"]
LOCATION = ["location_id", "disambig_city", "disambig_state", "disambig_country",
            "latitude", "longitude", "county", "state_fips", "county_fips"]
PATENT = ["patent_id", "patent_type", "patent_date", "patent_title", "wipo_kind",
          "num_claims", "withdrawn", "filename"]
ASSIGNEE = ["patent_id", "assignee_sequence", "assignee_id",
            "disambig_assignee_individual_name_first", "disambig_assignee_individual_name_last",
            "disambig_assignee_organization", "assignee_type", "location_id"]


@pytest.fixture
def patentsview(tmp_path):
    d = tmp_path / "pv"
    d.mkdir()
    tsv(d / "g_inventor_disambiguated.tsv", INVENTOR, [
        ["10000001", 0, "fl:a_ln:b-1", "Ada", "Byron", "F", "loc-boston"],
        ["10000001", 1, "fl:c_ln:d-1", "Carl", "Dee", "M", "loc-munich"],
        ["10000002", 0, "fl:e_ln:f-1", "Eve", "Fox", "F", "loc-tokyo"],
        ["10000003", 0, "fl:g_ln:h-1", "Gus", "Ha", "M", "loc-missing"],
        ["D900001", 0, "fl:i_ln:j-1", "Ida", "Jo", "F", "loc-boston"],
    ])
    tsv(d / "g_location_disambiguated.tsv", LOCATION, [
        ["loc-boston", "Boston", "MA", "US", "42.3584", "-71.0598", "Suffolk", "25", "025"],
        ["loc-munich", "München", "", "DE", "48.1374", "11.5755", "", "", ""],
        ["loc-tokyo", "Tokyo", "", "JP", "35.6895", "139.6917", "", "", ""],
    ])
    tsv(d / "g_patent.tsv", PATENT, [
        ["10000001", "utility", "2018-06-19", "Widget", "B2", 12, 0, "ipg180619.xml"],
        ["10000002", "utility", "2019-01-01", "Gadget, \"improved\"", "B1", 3, 0, "ipg.xml"],
        ["10000003", "utility", "2020-03-03", "Thing", "B2", 1, 0, "ipg.xml"],
        ["D900001", "design", "2021-05-04", "Ornamental", "S1", 1, 0, "ipg.xml"],
    ])
    return d


def test_patentsview_joins_locations_years_and_assignees(patentsview):
    tsv(patentsview / "g_assignee_disambiguated.tsv", ASSIGNEE, [
        ["10000001", 1, "a2", "", "", "Second Org", "2", "loc-munich"],
        ["10000001", 0, "a1", "", "", "Acme Corp", "2", "loc-boston"],
        ["10000002", 0, "a3", "Eve", "Fox", "", "4", "loc-tokyo"],
    ])
    frame, bad = read_extract_with_bad(patentsview, "patentsview")  # default source
    assert len(bad) == 0
    assert list(frame.columns) == [*CONTRACT_COLUMNS, ROW_COLUMN]
    assert frame["doc_id"].tolist() == ["10000001", "10000001", "10000002", "10000003",
                                        "D900001"]
    assert frame["source"].unique().tolist() == ["pct"]
    assert frame["year"].tolist() == ["2018", "2018", "2019", "2020", "2021"]
    assert frame["city"].tolist()[:3] == ["Boston", "München", "Tokyo"]
    assert frame.loc[0, "region"] == "MA" and frame.loc[0, "lat"] == "42.3584"
    assert vals(frame["organization"])[:3] == ["Acme Corp", "Acme Corp", None]
    # an inventor whose location is missing keeps its row (geocoding reports no_address)
    assert pd.isna(frame.loc[3, "city"])
    assert frame[ROW_COLUMN].tolist() == [1, 2, 3, 4, 5]
    rec, rej = validate(frame.drop(columns=ROW_COLUMN), "pv")
    assert len(rec) == 5 and len(rej) == 0
    assert rec.loc[0, "coord_status"] == "valid"


def test_patentsview_without_assignees_and_bad_lines(patentsview):
    p = patentsview / "g_inventor_disambiguated.tsv"
    with open(p, "a", encoding="utf-8") as fh:
        fh.write('"10000002"\t"1"\t"broken line"\n')
    frame, bad = read_patentsview(patentsview, source="pct")
    assert frame["organization"].isna().all()
    assert list(bad.columns) == BAD_COLUMNS
    assert bad["input_row"].tolist() == [6] and bad["reason"].tolist() == ["bad_line"]
    records, rejects, acc = extract([{"path": str(patentsview), "format": "patentsview"}])
    assert len(records) == 5 and len(rejects) == 1
    assert rejects.loc[0, "input_row"] == 6 and rejects.loc[0, "reason"] == "bad_line"
    assert acc["rows_in"].sum() == 6
    assert (acc["rows_in"] == acc["rows_used"] + acc["rows_rejected"]).all()


def test_patentsview_errors_name_file_and_problem(patentsview, tmp_path):
    with pytest.raises(ExtractError, match="folder not found"):
        read_patentsview(tmp_path / "nope", "pct")
    (patentsview / "g_patent.tsv").unlink()
    with pytest.raises(ExtractError, match=r"g_patent\.tsv not found"):
        read_patentsview(patentsview, "pct")
    tsv(patentsview / "g_patent.tsv", ["patent_id", "patent_type"], [["1", "utility"]])
    with pytest.raises(ExtractError, match=r"g_patent\.tsv: missing required column\(s\) "
                                           r"patent_date"):
        read_patentsview(patentsview, "pct")
    (patentsview / "g_patent.tsv").write_text("", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"g_patent\.tsv: file is empty"):
        read_patentsview(patentsview, "pct")
    tsv(patentsview / "g_patent.tsv", PATENT, [])
    with pytest.raises(ExtractError, match=r"g_inventor_disambiguated\.tsv: missing required "
                                           r"column\(s\) patent_id"):
        tsv(patentsview / "g_inventor_disambiguated.tsv", ["x", "location_id"], [["1", "2"]])
        read_patentsview(patentsview, "pct")


# ----------------------------------------------------------------- OpenAlex
def inst(iid, name, cc, ror="https://ror.org/x", typ="education"):
    return {"id": f"https://openalex.org/{iid}", "display_name": name, "ror": ror,
            "country_code": cc, "type": typ, "lineage": [f"https://openalex.org/{iid}"]}


WORKS = [
    {
        "id": "https://openalex.org/W1", "doi": "https://doi.org/10.1/x",
        "publication_year": 2020, "type": "article",
        "authorships": [
            {"author_position": "first",
             "author": {"id": "https://openalex.org/A1", "display_name": "Ann"},
             "institutions": [inst("I1", "Massachusetts Institute of Technology", "US",
                                   ror="https://ror.org/042nb2s44"),
                              inst("I2", "Harvard University", "US", ror="03VEK6S52")],
             "countries": ["US"],
             "raw_affiliation_strings": [
                 "Department of Physics, MIT, Cambridge, MA 02139, USA",
                 "Harvard University, Cambridge, Massachusetts, United States"]},
            {"author_position": "last",
             "author": {"id": "https://openalex.org/A2", "display_name": "Bert"},
             "institutions": [inst("I3", "Technical University of Munich", "DE", ror=None)],
             "countries": ["DE"],
             "raw_affiliation_strings": ["Technische Universität München, 80333 München, "
                                         "Germany"],
             "affiliations": [{"raw_affiliation_string": "TUM, Arcisstr. 21, 80333 München,"
                                                         " Germany",
                               "institution_ids": ["https://openalex.org/I3"]}]},
        ],
    },
    {
        "id": "https://openalex.org/W2", "publication_year": 2021,
        "authorships": [
            {"author": {"id": "https://openalex.org/A3", "display_name": "Chen"},
             "institutions": [], "countries": ["CN"],
             "raw_affiliation_strings": ["Tsinghua University, Beijing 100084, China"]},
            {"author": {"id": "https://openalex.org/A4", "display_name": "Dai"},
             "institutions": [inst("I4", "Sony (Japan)", "JP", typ="company")],
             "countries": ["JP"], "raw_affiliation_strings": []},
        ],
    },
    {"id": "https://openalex.org/W3", "publication_year": 2019, "authorships": []},
]


@pytest.fixture
def openalex_file(tmp_path):
    p = tmp_path / "works.jsonl"
    lines = [json.dumps(w, ensure_ascii=False) for w in WORKS]
    lines.insert(1, '{"id": "https://openalex.org/W9", "publication_year": 20')  # broken
    lines.insert(2, "")  # blank lines are skipped
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_openalex_rows_per_author_institution(openalex_file):
    frame, bad = read_extract_with_bad(openalex_file, "openalex")  # default source
    assert list(frame.columns) == [*CONTRACT_COLUMNS, *PASS_THROUGH, ROW_COLUMN]
    assert frame["doc_id"].tolist() == ["https://openalex.org/W1"] * 3 + [
        "https://openalex.org/W2"] * 2
    assert vals(frame["organization"]) == [
        "Massachusetts Institute of Technology", "Harvard University",
        "Technical University of Munich", None, "Sony (Japan)"]
    assert frame["country"].tolist() == ["US", "US", "DE", "CN", "JP"]
    assert vals(frame["city"]) == ["Cambridge", "Cambridge", "München", "Beijing", None]
    assert vals(frame["region"])[:2] == ["MA", "Massachusetts"]
    assert vals(frame["postal_code"])[:4] == ["02139", None, "80333", "100084"]
    assert frame["year"].tolist() == ["2020"] * 3 + ["2021"] * 2
    assert frame["source"].unique().tolist() == ["pub"]
    assert frame[ROW_COLUMN].tolist() == [1, 1, 1, 4, 4]
    assert bad[["input_row", "reason"]].values.tolist() == [[2, "bad_json"],
                                                           [5, "no_authorships"]]
    assert bad["raw"].str.startswith('{"id": "https://openalex.org/W9"').iloc[0]


def test_openalex_institution_id_and_affiliation(openalex_file):
    """ROR id (any case, URL or bare) as https://ror.org/<lower case>, else the OpenAlex
    id (an invalid ROR id ignored); the raw string of that institution."""
    frame, _ = read_openalex(openalex_file, "pub")
    assert vals(frame["institution_id"]) == [
        "https://ror.org/042nb2s44", "https://ror.org/03vek6s52", "I3", None, "I4"]
    assert vals(frame["affiliation"]) == [
        "Department of Physics, MIT, Cambridge, MA 02139, USA",  # by position
        "Harvard University, Cambridge, Massachusetts, United States",
        "TUM, Arcisstr. 21, 80333 München, Germany",  # affiliations[] names I3
        "Tsinghua University, Beijing 100084, China",  # no institution: the first string
        None]  # no raw string at all


def test_pass_through_columns_only_when_an_input_has_them(openalex_file, tmp_path):
    csv = tmp_path / "plain.csv"
    csv.write_text("source,doc_id,year,city,country\npct,P1,2020,Berlin,DE\n"
                   "pct,P2,2021,Paris,FR\n", encoding="utf-8")
    alone, _, _ = extract([{"path": str(csv)}])
    assert list(alone.columns) == CANONICAL
    both, _, _ = extract([{"path": str(csv)}, {"path": str(openalex_file),
                                                 "format": "openalex"}])
    assert list(both.columns) == [*CANONICAL, "institution_id", "affiliation"]
    assert str(both["institution_id"].dtype) == "string"
    assert both["institution_id"].isna().tolist() == [True, True] + [False] * 3 + [True, False]
    assert both.loc[4, "affiliation"] == "TUM, Arcisstr. 21, 80333 München, Germany"
    # a contract file may carry them too: stripped, blank -> missing
    given = tmp_path / "given.csv"
    given.write_text('source,doc_id,year,city,country,affiliation\n'
                     'pub,D1,2020,Köln,DE,"  Universität zu Köln, Köln  "\n'
                     'pub,D2,2020,Köln,DE,\n', encoding="utf-8")
    recs, _, _ = extract([{"path": str(given)}])
    assert list(recs.columns) == [*CANONICAL, "affiliation"]
    assert vals(recs["affiliation"]) == ["Universität zu Köln, Köln", None]


def test_openalex_gz_and_extract_accounting(openalex_file, tmp_path):
    gz = tmp_path / "works.jsonl.gz"
    gz.write_bytes(gzip.compress(openalex_file.read_bytes()))
    frame, bad = read_openalex(gz, "pub")
    assert len(frame) == 5 and len(bad) == 2
    records, rejects, acc = extract([{"path": str(gz), "format": "openalex"}])
    assert len(records) == 5
    assert rejects[["input_row", "reason"]].values.tolist() == [[2, "bad_json"],
                                                               [5, "no_authorships"]]
    assert rejects["source"].tolist() == ["pub", "pub"]
    assert records["input_row"].tolist() == [1, 1, 1, 4, 4]
    row = acc.iloc[0]
    assert row["rows_in"] == 7 and row["rows_used"] == 5 and row["rows_rejected"] == 2
    # fractional counting: W1 has three author-institution rows
    assert np.allclose(records.loc[records["doc_id"].str.endswith("W1"), "weight"], 1 / 3)
    with pytest.raises(ExtractError, match=r"row 2: bad_json"):
        extract([{"path": str(gz), "format": "openalex"}], on_bad_row="error")


def test_openalex_errors(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"empty\.jsonl: file is empty"):
        read_openalex(empty, "pub")
    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(b"not json\n\xff\xfe\n")
    with pytest.raises(ExtractError, match=r"junk\.jsonl: no usable OpenAlex work in 2 line"
                                           r"\(s\) \(bad_encoding, bad_json\)"):
        read_openalex(junk, "pub")
    with pytest.raises(ExtractError, match="file not found"):
        read_openalex(tmp_path / "missing.jsonl", "pub")


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
        ("Imperial College London, London SW7 2AZ, UK", "GB", ("London", None, None)),
        ("NYU, New York, USA", "US", ("New York", None, None)),
        ("Humboldt University, Berlin, Germany", "DE", ("Berlin", None, None)),
        ("Stanford University, Stanford, California 94305, USA", "US",
         ("Stanford", "California", "94305")),
        ("1098 XH Amsterdam, The Netherlands", "NL", ("Amsterdam", None, "1098 XH")),
        ("", "US", (None, None, None)),
        # institution words with accents, organisations without a city, CEDEX, e-mails
        ("Universität zu Köln", "DE", (None, None, None)),
        ("Karolinska Institutet", "SE", (None, None, None)),
        ("ETH Zurich", "CH", (None, None, None)),
        ("Public Knowledge Project, Canada", "CA", (None, None, None)),
        ("Dept. of Physics, Universität zu Köln, 50937 Köln, Germany", "DE",
         ("Köln", None, "50937")),
        ("Institut Pasteur, 25-28 rue du Docteur Roux, 75724 Paris CEDEX 15, France", "FR",
         ("Paris", None, "75724")),
        ("Politecnico di Milano, Piazza Leonardo da Vinci 32, 20133 Milano (MI), Italy", "IT",
         ("Milano", None, "20133")),
        ("Fred Hutchinson Cancer Center, Seattle, WA 98109, USA. Electronic address: "
         "jdoe@fredhutch.org.", "US", ("Seattle", "WA", "98109")),
    ],
)
def test_city_from_affiliation(text, cc, expected):
    city, region, postal = city_from_affiliation(text, cc)
    assert (city, region) == expected[:2]
    if expected[2] is not None:
        assert postal == expected[2]


# ----------------------------------------------------------------- Crunchbase
ACQ_HEADER = ("company_permalink,company_name,company_category_list,company_country_code,"
              "company_state_code,company_region,company_city,acquirer_permalink,acquirer_name,"
              "acquirer_category_list,acquirer_country_code,acquirer_state_code,"
              "acquirer_region,acquirer_city,acquired_at,acquired_month,price_amount,"
              "price_currency_code")
ACQ_ROWS = [
    "/organization/003-ru,003.RU,Consumer Electronics|Internet,RUS,48,Moscow,Moscow,"
    "/organization/media-saturn,Media Saturn,Media,ESP,56,Barcelona,Barcelona,2012-07-23,"
    "2012-07,,USD",
    "/organization/0958572-b-c-ltd,0958572 B.C. Ltd.,,,,,,/organization/atlas,ATLAS,Finance,"
    "USA,WA,Seattle,Seattle,2012-02-02,2012-02,9000000,USD",
    '/organization/acme,"Acme, Inc.",Software,USA,CA,SF Bay Area,San Francisco,'
    "/organization/big,Big,Software,USA,WA,Seattle,Redmond,,,,USD",
]
ROUND_HEADER = ("company_permalink,company_name,company_category_list,company_country_code,"
                "company_state_code,company_region,company_city,funding_round_permalink,"
                "funding_round_type,funding_round_code,funded_at,raised_amount_usd")
ROUND_ROWS = [
    "/organization/a,A,Biotech,GBR,H9,London,London,/funding-round/r1,venture,A,"
    "2014-05-01,1000000",
    "/organization/a,A,Biotech,GBR,H9,London,London,,venture,B,2015-02-01,5000000",
    "/organization/b,B,Software,DEU,16,Berlin,Berlin,/funding-round/r3,seed,,2013-01-01,",
]


def test_crunchbase_acquisitions(tmp_path):
    p = tmp_path / "acquisitions.csv"
    p.write_text("\n".join([ACQ_HEADER, *ACQ_ROWS]) + "\n", encoding="utf-8")
    frame, bad = read_extract_with_bad(p, "crunchbase")  # default source
    assert len(bad) == 0
    assert frame["doc_id"].tolist() == ["/organization/003-ru@2012-07-23@acquisition#1",
                                        "/organization/0958572-b-c-ltd@2012-02-02@"
                                        "acquisition#1",
                                        "/organization/acme@@acquisition#1"]
    assert frame["city"].tolist() == ["Moscow", "", "San Francisco"]
    assert frame["region"].tolist() == ["48", "", "CA"]
    assert frame["country"].tolist() == ["RUS", "", "USA"]
    assert frame["organization"].tolist() == ["003.RU", "0958572 B.C. Ltd.", "Acme, Inc."]
    assert vals(frame["year"]) == ["2012", "2012", None]
    assert frame["source"].unique().tolist() == ["vc"]
    rec, rej = validate(frame.drop(columns=ROW_COLUMN), str(p))
    assert len(rec) == 2 and rej["reason"].tolist() == ["bad_year"]
    records, rejects, acc = extract([{"path": str(p), "format": "crunchbase"}])
    assert rejects["input_row"].tolist() == [3]
    assert acc["rows_in"].sum() == 3


def test_crunchbase_rounds_and_errors(tmp_path):
    p = tmp_path / "rounds.csv"
    p.write_text("\n".join([ROUND_HEADER, *ROUND_ROWS]) + "\n", encoding="utf-8")
    frame, _ = read_crunchbase(p, "vc")
    assert frame["doc_id"].tolist() == ["/funding-round/r1",
                                        "/organization/a@2015-02-01@venture#1",
                                        "/funding-round/r3"]
    assert frame["year"].tolist() == ["2014", "2015", "2013"]
    assert read_extract(p, "crunchbase")["country"].tolist() == ["GBR", "GBR", "DEU"]
    other = tmp_path / "other.csv"
    other.write_text("company_city,company_country_code\nParis,FRA\n", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"other\.csv: not a Crunchbase .*acquired_at"):
        read_crunchbase(other, "vc")
    with pytest.raises(ExtractError, match=r"other\.csv: missing required column\(s\) "
                                           r"acquired_at"):
        read_crunchbase(other, "vc", kind="acquisitions")
    latin = tmp_path / "latin1.csv"
    latin.write_bytes((ROUND_HEADER + "\n").encode() + "a,Zürich AG,,CHE,,,Zürich,,,,"
                      "2014-01-01,\n".encode("latin-1"))
    assert read_crunchbase(latin, "vc")[0]["city"].tolist() == ["Zürich"]
    head = tmp_path / "head.csv"
    head.write_text(ROUND_HEADER + "\n", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"head\.csv: file has a header but no data rows"):
        read_crunchbase(head, "vc")
    blank = tmp_path / "blank.csv"
    blank.write_text("", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"blank\.csv: file is empty"):
        read_crunchbase(blank, "vc")


# ----------------------------------------------------------------- generic
GENERIC = pd.DataFrame(
    {
        "source": ["pct", "pub", "pub"],
        "doc_id": ["A1", "B1", "B2"],
        "year": [2020, 2021, 2021],
        "city": ["Munich", "Paris", "Lyon"],
        "country": ["DE", "FR", "FRA"],
        "lat": [None, 48.85, None],
        "lon": [None, 2.35, None],
    }
)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_generic_csv_and_parquet(tmp_path, suffix):
    p = tmp_path / f"extract{suffix}"
    if suffix == ".csv":
        GENERIC.to_csv(p, index=False)
    else:
        GENERIC.to_parquet(p, index=False)
    frame, bad = read_generic(p)
    assert len(bad) == 0 and frame[ROW_COLUMN].tolist() == [1, 2, 3]
    rec, rej = validate(frame.drop(columns=ROW_COLUMN), str(p))
    assert len(rec) == 3 and len(rej) == 0
    assert rec.loc[1, "coord_status"] == "valid"
    frame2, _ = read_extract_with_bad(p)
    pd.testing.assert_frame_equal(frame, frame2)
    records, _, acc = extract([{"path": str(p), "format": "generic"}])
    assert records["input_row"].tolist() == [1, 2, 3]


def test_generic_errors_and_unknown_format(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("doc_id,year\nA,2020\n", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"x\.csv: missing required column"):
        read_extract(p)
    with pytest.raises(ExtractError, match=r"unknown input format 'wos'"):
        read_extract(p, "wos")


# ----------------------------------------------------------------- fixtures and real files
DATA = Path(__file__).resolve().parent / "data"


def realdata(name: str) -> Path:
    """A file of the shared real data (tests/_realdata.py; tests using it skip when it is
    absent)."""
    return REALDATA / name


def test_crunchbase_2017_rounds_layout():
    frame, bad = read_crunchbase(DATA / "crunchbase_2017_rounds.csv", "vc")
    assert len(bad) == 0 and frame.attrs[LINES_ATTR]["layout"] == "2017+ funding rounds"
    assert frame["doc_id"].tolist() == [
        "1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a51", "77aa66bb-55cc-44dd-83ee-22ff11aa0b72",
        "9c8d7e6f-5a4b-4c3d-9e2f-1a0b9c8d7e83",
        # no funding_round_uuid: company uuid, date, round type and a sequence
        "c3b2a190-8f7e-4d6c-9b5a-4f3e2d1c0b94@2021-01-20@private_equity#1",
        "bb22cc33-dd44-4e55-9f66-a7b8c9d0e1f6"]
    assert frame["city"].tolist() == ["San Francisco", "Zürich", "San Francisco", "Shenzhen", ""]
    assert frame["region"].tolist() == ["CA", "25", "CA", "30", "26"]
    assert frame["country"].tolist() == ["USA", "CHE", "USA", "CHN", "SWE"]
    assert frame["organization"].tolist()[1] == "Zürich Instruments, AG"
    assert frame["year"].tolist() == ["2018", "2019", "2020", "2021", "2022"]
    records, rejects, _ = extract([{"path": str(DATA / "crunchbase_2017_rounds.csv"),
                                    "format": "crunchbase"}])
    assert len(records) == 5 and records["doc_id"].nunique() == 5


def test_crunchbase_2017_acquisitions_and_the_bulk_export_layout(tmp_path):
    frame, bad = read_crunchbase(DATA / "crunchbase_2017_acquisitions.csv", "vc")
    assert frame["doc_id"].tolist() == [
        "aa00bb11-cc22-4d33-8e44-ff5566778899",
        "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e@2021-12-15@acquisition#1",
        "cc22dd33-ee44-4f55-8a66-bb7788990011"]
    assert frame["city"].tolist() == ["London", "Cambridge", "Montréal"]
    assert frame["region"].tolist() == ["H9", "MA", "QC"]  # the acquiree's state_code
    assert frame["organization"].tolist()[1] == "Cafe Software, Inc."
    # the later bulk export: uuid, org_uuid, org_name, investment_type
    rounds = pd.read_csv(DATA / "crunchbase_2017_rounds.csv", dtype=str, keep_default_na=False)
    bulk = rounds.rename(columns={"funding_round_uuid": "uuid", "company_uuid": "org_uuid",
                                  "company_name": "org_name",
                                  "funding_round_type": "investment_type"})
    bulk.to_csv(tmp_path / "funding_rounds.csv", index=False)
    frame2, _ = read_crunchbase(tmp_path / "funding_rounds.csv", "vc")
    assert frame2["doc_id"].tolist() == read_crunchbase(
        DATA / "crunchbase_2017_rounds.csv", "vc")[0]["doc_id"].tolist()
    assert frame2["organization"].tolist()[0] == "Acme Robotics"


def test_crunchbase_two_rounds_on_one_date_are_two_deals(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("company_permalink,company_name,company_country_code,company_state_code,"
                 "company_city,funding_round_type,funded_at\n"
                 "/company/a,A,USA,CA,Palo Alto,angel,2012-01-05\n"
                 "/company/a,A,USA,CA,Palo Alto,angel,2012-01-05\n"
                 "/company/a,A,USA,CA,Palo Alto,series-a,2012-01-05\n", encoding="utf-8")
    frame, _ = read_crunchbase(p, "vc")
    assert frame["doc_id"].tolist() == ["/company/a@2012-01-05@angel#1",
                                        "/company/a@2012-01-05@angel#2",
                                        "/company/a@2012-01-05@series-a#1"]


CB2013 = realdata("crunchbase_2013oct_rounds.csv")


@pytest.mark.skipif(not CB2013.exists(), reason=f"{CB2013} not present")
def test_crunchbase_2013_export_reads_as_it_circulates():
    """Mac Roman, CR-only line ends, no round id: read with no conversion."""
    frame, bad = read_crunchbase(CB2013, "vc")
    lines = frame.attrs[LINES_ATTR]
    assert (lines["encoding"], lines["line_end"]) == ("mac-roman", "CR")
    assert len(bad) == 0 and len(frame) == 31_679
    assert frame["doc_id"].nunique() == 31_679
    assert "Bogotá" in set(frame["city"])
    records, rejects, acc = extract([{"path": str(CB2013), "format": "crunchbase"}])
    assert records["doc_id"].nunique() == 31_679 and len(rejects) == 0
    assert np.allclose(records["weight"], 1.0)  # one row per deal


CB2015 = realdata("crunchbase_2015_acquisitions.csv")


@pytest.mark.skipif(not CB2015.exists(), reason=f"{CB2015} not present")
def test_crunchbase_2015_export_and_its_pasted_tsv_lines():
    """A junk record's unclosed quote runs over 147 lines pasted in tab-separated: the
    record is rejected (bad_quote) and each pasted line is a bad_line."""
    from stclusters.extract.stage import extract_with_lines

    records, rejects, acc, lines = extract_with_lines(
        [{"path": str(CB2015), "format": "crunchbase"}])
    row = lines.iloc[0]
    assert (row["lines_in"], row["rows_in"]) == (19_115, 19_115) and bool(row["balanced"])
    reasons = rejects["reason"].value_counts().to_dict()
    assert reasons == {"bad_line": 147, "bad_year": 13, "bad_quote": 1}
    assert rejects.loc[rejects["reason"] == "bad_quote", "input_row"].tolist() == [16_141]
    assert len(records) == 19_115 - 161


def test_patentsview_pre_grant_tables():
    folder = DATA / "patentsview_pg"
    frame, bad = read_extract_with_bad(folder, "patentsview")
    assert len(bad) == 0 and frame.attrs[LINES_ATTR]["layout"] == "pre-grant publications"
    assert frame["doc_id"].tolist() == ["20210000001", "20210000001", "20220123456",
                                        "20230000042", "20230000042"]
    # published_date, else filing_date
    assert frame["year"].tolist() == ["2021", "2021", "2022", "2022", "2022"]
    assert vals(frame["city"]) == ["Ann Arbor", "Eindhoven", "Suwon", "Boston", None]
    assert vals(frame["organization"]) == ["University of Michigan"] * 2 + [
        "Samsung Electronics Co., Ltd.", None, None]
    assert frame.loc[0, "lat"] == "42.2808" and frame["source"].unique().tolist() == ["pct"]
    records, rejects, _ = extract([{"path": str(folder), "format": "patentsview"}])
    assert len(records) == 5 and len(rejects) == 0


def test_patentsview_pre_grant_keyed_by_document_number(tmp_path):
    folder = tmp_path / "pg"
    folder.mkdir()
    for p in (DATA / "patentsview_pg").iterdir():
        (folder / p.name).write_text(p.read_text(encoding="utf-8").replace(
            '"pgpub_id"', '"document_number"', 1), encoding="utf-8")
    frame, bad = read_patentsview(folder, "pct")
    assert frame["doc_id"].tolist()[2] == "20220123456" and len(frame) == 5
    (folder / "g_inventor_disambiguated.tsv").write_text('"patent_id"\n', encoding="utf-8")
    with pytest.raises(ExtractError, match=r"both grant \(g_\*\) and pre-grant"):
        read_patentsview(folder, "pct")


PV_MINI = realdata("patentsview_mini")


@pytest.mark.skipif(not PV_MINI.exists(), reason=f"{PV_MINI} not present")
def test_patentsview_real_grants():
    frame, bad = read_patentsview(PV_MINI, "pct")
    assert len(frame) == 28 and len(bad) == 0
    assert frame.attrs[LINES_ATTR]["lines"] == 28
    assert "NYC" in set(frame["city"])


def test_cached_place_parse_equals_the_heuristic():
    """The OpenAlex reader parses each string's last tokens once (cached); the result is
    that of city_from_affiliation on the whole string."""
    from stclusters.extract.readers.openalex import _place

    cases = [
        ("Dept. of Physics, MIT, Cambridge, MA 02139, USA", "US"),
        ("Room 5, Dept. of Physics, MIT, Cambridge, MA 02139, USA", "US"),
        ("NYU, New York, USA", "US"), ("Massachusetts, USA", "US"), ("USA", "US"),
        ("MA, USA", "US"), ("New York, New York, USA", "US"),
        ("Lab A; Institute B, Paris, France", "FR"), ("Paris,, France", "FR"),
        ("School, Univ, 1098 XH Amsterdam, The Netherlands", "NL"),
        ("Inst, Toronto, ON M5S 1A1, Canada", "CA"), ("a, b, c, d, e, Sydney, NSW 2006", "AU"),
        ("", "US"), (None, None),
    ]
    for w in WORKS:
        for au in w["authorships"]:
            for r in au["raw_affiliation_strings"]:
                cases += [(r, c) for c in ("US", "DE", "CN", None)]
    for text, cc in cases:
        assert _place(text, cc) == city_from_affiliation(text, cc), text


def test_reader_never_returns_an_organisation_as_the_city():
    """The 257 real-style strings of tests/data/affiliations.csv: the reader's quick parse
    names no organisation as a city (it knows fewer places than
    :func:`stclusters.affiliation.parse_affiliation`, which is about 80 times slower)."""
    from stclusters.affiliation import looks_like_organization, org_tokens

    table = pd.read_csv(DATA / "affiliations.csv", keep_default_na=False, dtype=str)
    got = [city_from_affiliation(a, c or None)[0]
           for a, c in zip(table["affiliation"], table["record_country"], strict=True)]
    assert not [g for g in got if g is not None and looks_like_organization(g)]
    has_city = (table["city_in_string"] != "").to_numpy()
    assert not [g for g, h in zip(got, has_city, strict=True) if g is not None and not h]
    right = sum(" ".join(org_tokens(g)) == " ".join(org_tokens(c))
                for g, c, h in zip(got, table["city_in_string"], has_city, strict=True)
                if h and g)
    assert (has_city.sum(), right) == (231, 185)


OA_FIXTURES = realdata("openalex/works_two_fixtures.jsonl")


@pytest.mark.skipif(not OA_FIXTURES.exists(), reason=f"{OA_FIXTURES} not present")
def test_openalex_real_works():
    frame, bad = read_openalex(OA_FIXTURES, "pub")
    assert len(bad) == 0 and frame["doc_id"].nunique() == 2
    assert frame.attrs[LINES_ATTR]["lines"] == 2
    assert set(frame["country"].dropna()) >= {"US"}


def test_openalex_parallel_read_is_the_serial_one(openalex_file, monkeypatch):
    from stclusters.extract.readers import openalex

    monkeypatch.setattr(openalex, "_READ_BYTES", 300)  # several chunks in flight at once
    serial, bad1 = read_openalex(openalex_file, "pub")
    parallel, bad2 = read_openalex(openalex_file, "pub", workers=2)
    pd.testing.assert_frame_equal(serial, parallel)
    pd.testing.assert_frame_equal(bad1, bad2)
    assert serial.attrs == parallel.attrs and serial.attrs[LINES_ATTR]["lines"] == 5


def test_openalex_lenient_path_reads_as_the_typed_one(openalex_file, tmp_path, monkeypatch):
    """Lines the typed msgspec decoder refuses go through orjson: same rows for the same
    works, and odd values (an object where a list belongs, numbers for strings) dropped
    rather than failing the line."""
    import msgspec

    from stclusters.extract.readers import openalex

    typed, bad = read_openalex(openalex_file, "pub")

    def refuse(data: bytes) -> None:
        raise msgspec.ValidationError("refused")

    monkeypatch.setattr(openalex, "_decode_work", refuse)
    lenient, bad2 = read_openalex(openalex_file, "pub")
    pd.testing.assert_frame_equal(typed, lenient)
    pd.testing.assert_frame_equal(bad, bad2)
    monkeypatch.undo()
    odd = tmp_path / "odd.jsonl"
    odd.write_text(json.dumps({
        "id": "W7", "publication_year": 2022, "authorships": [
            {"institutions": {"id": "I1"}, "countries": "DE",  # object, string: no list
             "raw_affiliation_strings": ["Universität zu Köln, 50937 Köln, Germany", 7]},
            {"institutions": [inst("I5", 12, ["FR"]), "junk"], "countries": ["FR"],
             "raw_affiliation_strings": ["CNRS, 75005 Paris, France"],
             "affiliations": [{"raw_affiliation_string": None, "institution_ids": "I5"}]},
            "not an authorship"]}) + "\n", encoding="utf-8")
    frame, bad3 = read_openalex(odd, "pub")
    assert len(bad3) == 0
    assert vals(frame["city"]) == ["Köln", "Paris"]
    assert vals(frame["country"]) == [None, None]  # country_code ["FR"] is no code
    assert vals(frame["organization"]) == [None, "12"]  # display_name as its text
    assert vals(frame["institution_id"]) == [None, "I5"]


def test_openalex_multi_member_and_truncated_gzip(openalex_file, tmp_path):
    data = openalex_file.read_bytes()
    half = data.index(b"\n", len(data) // 2) + 1
    two = tmp_path / "two.jsonl.gz"
    two.write_bytes(gzip.compress(data[:half]) + gzip.compress(data[half:]))
    one, _ = read_openalex(openalex_file, "pub")
    pd.testing.assert_frame_equal(read_openalex(two, "pub")[0], one)
    crc = bytearray(gzip.compress(data))
    crc[-6] ^= 0xFF  # the member's CRC-32 no longer matches its data
    (tmp_path / "crc.jsonl.gz").write_bytes(bytes(crc))
    with pytest.raises(ExtractError, match=r"crc\.jsonl\.gz: cannot be read: .*checksum"):
        read_openalex(tmp_path / "crc.jsonl.gz", "pub")
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(data)[:-12])
    with pytest.raises(ExtractError, match=r"cut\.jsonl\.gz: cannot be read: compressed file "
                                           r"ended"):
        read_openalex(cut, "pub")


def test_openalex_in_small_chunks_is_openalex_whole(openalex_file):
    """Chunks of 2 rows never split a work's rows, and change no record nor reject."""
    from stclusters.extract.formats import iter_extract_with_bad
    from stclusters.extract.stage import extract_with_lines

    chunks = list(iter_extract_with_bad(openalex_file, "openalex", chunk_rows=2))
    rows = [frame["_source_row"].tolist() for frame, _ in chunks]
    assert len(chunks) > 1
    for a, b in zip(rows, rows[1:], strict=False):
        assert max(a, default=0) < min(b, default=10**9)  # a work in one chunk only
    entry = [{"path": str(openalex_file), "format": "openalex"}]
    whole = extract_with_lines(entry, chunk_rows=10**6)
    small = extract_with_lines(entry, chunk_rows=2, bucket_rows=2)
    for a, b in zip(whole, small, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert small[3]["balanced"].all()
