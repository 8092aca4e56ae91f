"""Raw-extract validation, rejects, accounting and weights."""

import numpy as np
import pandas as pd
import pytest

from stclusters.extract import ExtractError, assign_weights, read_raw
from stclusters.extract.stage import extract

CSV = """Source,doc_id,year,city,country,lat,lon,weight,organization
pct,A1,2020,Munich,DE,,,,Siemens
pct,A1,2020,Berlin,DE,52.52,13.40,,Siemens
pct,A1,2020,Hamburg,DE,0,0,,
pub,B1,2019,Paris,FR,123,5,,
pub,B2,20x9,Paris,FR,,,,
xx,B3,2019,Paris,FR,,,,
vc,,2019,Paris,FR,,,,
vc,V1,2021, ,FR,48.85,2.35,,
vc,V2,2021,Lyon,FR,,,-1,
vc,V3,2021,Lyon,FR,,,2.5,
"""


@pytest.fixture
def csv_file(tmp_path):
    p = tmp_path / "extract.csv"
    p.write_text(CSV, encoding="utf-8")
    return p


def test_rows_are_accounted_for_and_rejects_carry_reasons(csv_file):
    records, rejects, acc = extract([{"path": str(csv_file)}])
    assert len(records) + len(rejects) == 10
    assert dict(zip(rejects["input_row"], rejects["reason"], strict=True)) == {
        5: "bad_year", 6: "bad_source", 7: "missing_doc_id", 9: "bad_weight",
    }
    assert rejects["detail"].notna().all()
    assert (acc["rows_in"] == acc["rows_used"] + acc["rows_rejected"]).all()
    assert acc["rows_in"].sum() == 10
    assert acc.set_index("source").loc["vc", "rows_rejected"] == 2


def test_fractional_weights_sum_to_documents(csv_file):
    records, _, _ = extract([{"path": str(csv_file)}])
    a1 = records[records["doc_id"] == "A1"]
    assert np.allclose(a1["weight"], 1 / 3)
    # given weight wins for its row
    assert records.loc[records["doc_id"] == "V3", "weight"].item() == 2.5
    unweighted = records[records["doc_id"] != "V3"]
    assert unweighted["weight"].sum() == pytest.approx(unweighted["doc_id"].nunique())


def test_coordinates_flagged_not_rejected(csv_file):
    records, _, _ = extract([{"path": str(csv_file)}])
    status = dict(zip(records["input_row"], records["coord_status"], strict=True))
    assert status[2] == "valid" and status[3] == "zero" and status[4] == "out_of_range"
    assert status[1] == "none"
    hamburg = records[records["input_row"] == 3]
    assert hamburg["lat"].isna().all()
    blank_city = records[records["input_row"] == 8]
    assert blank_city["city"].isna().all() and blank_city["lat"].item() == 48.85


def test_error_mode_names_file_row_and_problem(csv_file):
    with pytest.raises(ExtractError, match=r"extract\.csv: row 5: bad_year: year 20x9"):
        extract([{"path": str(csv_file)}], on_bad_row="error")


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "empty"),
        ("source,doc_id,year,city,country\n", "no data rows"),
        ("doc_id,year\nA,2020\n", "missing required column"),
    ],
)
def test_unusable_files_stop_with_the_file_named(tmp_path, content, message):
    p = tmp_path / "bad.csv"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(ExtractError, match=rf"bad\.csv: .*{message}"):
        read_raw(p)


def test_legacy_encoding_is_detected_and_missing_file(tmp_path):
    p = tmp_path / "latin1.csv"
    p.write_bytes("source,doc_id,year,city,country\npct,1,2020,M\xfcnchen,DE\n".encode("latin-1"))
    assert read_raw(p)["city"].tolist() == ["M\xfcnchen"]
    with pytest.raises(ExtractError, match="not found"):
        read_raw(tmp_path / "nope.csv")


def test_source_from_config_and_parquet(tmp_path):
    df = pd.DataFrame({"doc_id": ["a", "a", "b"], "year": [2020, 2020, 2021],
                       "city": ["Oslo", "Bergen", "Oslo"], "country": ["NO"] * 3})
    p = tmp_path / "x.parquet"
    df.to_parquet(p)
    records, rejects, _ = extract([{"path": str(p), "source": "pub"}])
    assert (records["source"] == "pub").all() and len(rejects) == 0
    assert records["weight"].tolist() == [0.5, 0.5, 1.0]
    whole = assign_weights(
        records.drop(columns=["weight", "doc_weight"]).assign(given_weight=np.nan), "whole"
    )
    assert whole["weight"].tolist() == [1.0, 1.0, 1.0]
