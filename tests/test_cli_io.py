"""The command line (python -m stclusters) and deterministic I/O."""

import subprocess
import sys

import pandas as pd
import pytest

from stclusters.__main__ import main
from stclusters.io import read_parquet, write_parquet
from stclusters.logs import logged_step


def test_parquet_is_byte_identical_across_writes(tmp_path):
    df = pd.DataFrame({"a": [3, 1, 2], "b": ["x", None, "z"], "c": [0.1, 0.2, 0.3]})
    write_parquet(df, tmp_path / "1.parquet")
    write_parquet(df, tmp_path / "2.parquet")
    assert (tmp_path / "1.parquet").read_bytes() == (tmp_path / "2.parquet").read_bytes()
    back = read_parquet(tmp_path / "1.parquet")
    pd.testing.assert_frame_equal(back, df, check_dtype=False)


def test_logged_step_records_failures(tmp_path):
    log = tmp_path / "step.log"
    with pytest.raises(ZeroDivisionError), logged_step(log, "divide"):
        1 / 0  # noqa: B018
    text = log.read_text()
    assert "divide: start" in text and "divide: failed" in text and "ZeroDivisionError" in text


def test_cli_geocode_keeps_rows_order_and_extra_columns(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        "id,city,region,country,lat,lon\n"
        "a,MUENCHEN,,DE,,\n"
        "b,東京都,,JP,,\n"
        "c,Portland,ME,USA,,\n"
        "d,,,FR,,\n"
        "e,Atlantis,,XX,,\n"
        "f,Somewhere,,Germany,52.52,13.40\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    assert main(["geocode", str(src), str(out), "--min-population", "15000"]) == 0
    res = pd.read_csv(out, keep_default_na=False)
    assert res["id"].tolist() == list("abcdef")
    assert res["geo_method"].tolist()[3:5] == ["unmatched", "unmatched"]
    assert res["reason"].tolist()[3:5] == ["no_address", "unknown_country"]
    assert res.loc[0, "place_name"] == "Munich" and res.loc[1, "place_name"] == "Tokyo"
    assert float(res.loc[2, "lon"]) == pytest.approx(-70.26, abs=0.05)  # Portland, Maine
    assert res.loc[5, "geo_method"] == "given" and float(res.loc[5, "lat"]) == 52.52


def test_cli_errors_name_the_file(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("town,nation\nOslo,NO\n", encoding="utf-8")
    assert main(["geocode", str(bad), str(tmp_path / "o.csv")]) == 2
    assert "bad.csv: missing required column(s) city, country" in capsys.readouterr().err


def test_cli_help_documents_the_output_columns():
    proc = subprocess.run([sys.executable, "-m", "stclusters", "geocode", "--help"],
                          capture_output=True, text=True, check=True)
    for word in ("geo_method", "geo_score", "geonameid", "unmatched", "IN.csv"):
        assert word in proc.stdout
