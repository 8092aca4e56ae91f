"""Bad inputs through the workflow: each class ends with its message, rejects, accounting.

Every case runs Snakemake on a tiny extract in a temporary working directory, only up to
the step that matters (a dry run for config problems, the extract and the data check for
data problems; the ranking and tables for a run without any cluster, and for every row at
one place, in tests/test_degenerate_inputs.py, which imports the helpers below). The table
"Bad input: what the workflow does" in docs/data-format.md lists the same cases.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
HEADER = "source,doc_id,year,city,region,postal_code,country,lat,lon,organization,weight"
CITIES = [("Munich", "", "DE"), ("Paris", "", "FR"), ("Tokyo", "", "JP"),
          ("Boston", "MA", "US"), ("Seoul", "", "KR"), ("Shenzhen", "", "CN")]
# the small config every case starts from: no sweep, no sensitivity, no regional run
BASE = {
    "gazetteer": {"min_population": 15000},
    "sweep": {"enabled": False},
    "sensitivity": {"enabled": False},
    "regional": {},
    "compare": [],
    "variants": {"gii2024": {"sources": {"pct": 1.0, "pub": 1.0}}},
}


def good_rows(n: int = 36) -> list[str]:
    """``n`` valid rows over six cities and two sources, years inside the windows."""
    out = []
    for i in range(n):
        city, region, cc = CITIES[i % len(CITIES)]
        source = "pct" if i % 2 == 0 else "pub"
        out.append(f"{source},{source.upper()}-{i // 2},2020,{city},{region},,{cc},,,"
                   f"Org {city},")
    return out


def snakemake(workdir: Path, *args: str, config: dict | None = None
              ) -> subprocess.CompletedProcess:
    """Run the workflow in ``workdir`` with ``config`` (the run's whole config file)."""
    if config is not None:
        (workdir / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(workdir), "--cores", "1", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)


def errors(proc: subprocess.CompletedProcess, marker: str) -> list[str]:
    """The console lines holding ``marker``."""
    return [ln for ln in (proc.stderr + proc.stdout).splitlines() if marker in ln]


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


def csv(workdir: Path, name: str, rows: list[str], header: str = HEADER,
        end: str = "\n") -> str:
    p = workdir / name
    p.write_bytes((end.join([header, *rows]) + end).encode("utf-8"))
    return name


# ----------------------------------------------------------------- config problems
def _config_cases(workdir: Path) -> dict[str, tuple[dict, str]]:
    name = csv(workdir, "x.csv", good_rows())
    (workdir / "fake.tif").write_text("not a raster", encoding="utf-8")
    inputs = [{"path": name}]
    return {
        "backwards window": (
            {**BASE, "inputs": inputs,
             "windows": {"pct": {"current": [2023, 2019], "previous": [2018, 2022]},
                         "pub": {"current": [2018, 2022], "previous": [2017, 2021]}}},
            "windows.pct.current: [2023, 2019] ends before it starts"),
        "windows for one source only": (  # no config.yaml under it: nothing else to merge
            {**BASE, "inputs": inputs,
             "windows": {"pct": {"current": [2019, 2023], "previous": [2018, 2022]}}},
            "windows.pub.current: missing; variant gii2024 ranks pub"),
        "file listed twice": (
            {**BASE, "inputs": [*inputs, {"path": f"./{name}"}]},
            "inputs[1].path: ./x.csv is listed already (inputs[0])"),
        "raster that is not one": (
            {**BASE, "inputs": inputs, "intensity": {"raster": "fake.tif"}},
            "intensity.raster: fake.tif cannot be opened as a raster"),
        "value the schema rejects": (
            {**BASE, "inputs": inputs, "top_n": -3},
            "top_n: -3 is less than the minimum of 1"),
    }


@pytest.mark.parametrize("case", ["backwards window", "windows for one source only",
                                  "file listed twice", "raster that is not one",
                                  "value the schema rejects"])
def test_config_problems_stop_before_anything_runs(workdir, case):
    config, message = _config_cases(workdir)[case]
    proc = snakemake(workdir, "-n", config=config)
    assert proc.returncode != 0
    lines = errors(proc, "config error")
    assert len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith(f"stclusters: config error: {message}"), lines
    assert "Traceback" not in proc.stderr
    assert not (workdir / "results").exists()


def test_empty_variants_in_a_user_config_file(workdir):
    config = {**BASE, "inputs": [{"path": csv(workdir, "x.csv", good_rows())}]}
    user = workdir / "my.yaml"
    user.write_text("variants: {}\n", encoding="utf-8")
    proc = snakemake(workdir, "-n", "--configfile", str(workdir / "config.yaml"), str(user),
                     config=config)
    assert proc.returncode != 0
    assert errors(proc, "config error") == [
        f"stclusters: config error: {user}: variants: {{}} is empty; config files are "
        f"merged key by key into config.yaml, so it would change nothing and config.yaml's "
        f"variants would run; name the variants to run, or leave the key out"]
    config["inputs"].append({"path": "x.csv", "allow_duplicate": True})
    assert snakemake(workdir, "-n", config=config).returncode == 0


# ----------------------------------------------------------------- rows of one file
def test_broken_rows_are_rejects_with_their_row_and_every_line_is_counted(workdir):
    rows = good_rows()
    rows[4] = 'pct,PCT-2,2020,"Munich,,DE,,,Org Munich,'  # a quote never closed ...
    rows[10] = 'pct,PCT-5,2020,Paris,,,FR,,,"Org, Paris",'  # ... glues up to here
    rows[14] = "pct,PCT-7,2020,Tokyo"  # trailing fields missing
    rows[18] = "pct,PCT-9,2020,Bos\rton,MA,,US,,,Org Boston,"  # a bare CR in the city
    rows[20] = "pct,PCT-10,2020,Seoul,,,KR,,,Org Seoul,1e300"  # weight: valid number, absurd
    rows[22] = "pct,PCT-11,2020,Shenzhen,,,CN,,,Org Shenzhen,-1"
    rows[24] = 'pct,PCT-12,2020,"Munich\nSchwabing",,,DE,,,Org Munich,'  # two-line field
    name = csv(workdir, "broken.csv", rows)
    proc = snakemake(workdir, "results/extract/data_checks.txt",
                     config={**BASE, "inputs": [{"path": name}]})
    assert proc.returncode == 0, proc.stderr[-3000:]
    rej = pd.read_parquet(workdir / "results/extract/rejects.parquet")
    got = rej[["input_row", "reason"]].values.tolist()
    assert got == [[5, "bad_quote"], [15, "bad_line"], [21, "bad_weight"],
                   [23, "bad_weight"]]
    detail = rej.set_index("input_row")["detail"]
    assert "field 4 (city)" in detail[5] and "ran over 6 more line(s)" in detail[5]
    assert detail[15] == "4 field(s); the header has 11"
    assert detail[21] == "weight 1e300 is above max_weight (1e+06)"
    rec = pd.read_parquet(workdir / "results/extract/records.parquet")
    assert rec.loc[rec["input_row"] == 19, "city"].item() == "Bos ton"
    assert rec.loc[rec["input_row"] == 25, "city"].item() == "Munich Schwabing"
    assert sorted(set(range(1, 38)) - set(rec["input_row"]) - set(rej["input_row"])) == [26]
    lines = pd.read_csv(workdir / "results/extract/lines.csv").iloc[0]
    assert (lines["lines_in"], lines["rows_in"], lines["lines_joined"]) == (37, 36, 1)
    assert bool(lines["balanced"])
    acc = pd.read_csv(workdir / "results/extract/accounting.csv")
    assert acc["rows_in"].sum() == 36 and acc["rows_rejected"].sum() == 4


def test_a_bad_byte_stops_with_one_line_naming_row_and_offset(workdir):
    rows = good_rows(40)
    rows[0] = rows[0].replace("Munich", "München")  # valid UTF-8: the file is UTF-8
    rows[36] = rows[36].replace("Munich", "Mu\udcffnich")
    path = workdir / "byte.csv"
    path.write_bytes("\n".join([HEADER, *rows]).encode("utf-8", "surrogateescape") + b"\n")
    offset = path.read_bytes().index(b"\xff")
    proc = snakemake(workdir, "results/extract/records.parquet",
                     config={**BASE, "on_bad_row": "error", "inputs": [{"path": "byte.csv"}]})
    assert proc.returncode != 0
    lines = errors(proc, "ERROR extract")
    assert len(lines) == 1 and lines[0].endswith(
        f"extract: byte.csv: row 37: bad_encoding: byte 0xFF at byte offset {offset:,} "
        f"(data row 37) is not valid utf-8")
    assert "Traceback" not in proc.stderr
    assert "Traceback" in (workdir / "logs/extract.log").read_text(encoding="utf-8")


def test_columns_differing_only_in_case(workdir):
    rows = [r + ",x" for r in good_rows()]
    name = csv(workdir, "twice.csv", rows, header=HEADER + ",City")
    proc = snakemake(workdir, "results/extract/records.parquet",
                     config={**BASE, "inputs": [{"path": name}]})
    assert proc.returncode != 0
    assert [ln.split(" ERROR ")[1] for ln in errors(proc, "ERROR extract")] == [
        "extract: twice.csv: columns 'city' and 'City' are the same column but for case or "
        "spaces (column names are matched case-insensitively); rename or drop one"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([r.replace(",2020,", ",1990,") for r in good_rows()],
         "variant gii2024: no usable row in its current windows (pct 2019-2023, pub "
         "2018-2022); the data's years: pct 1990-1990, pub 1990-1990"),
        ([r.replace("pct,", "vc,").replace("pub,", "vc,") for r in good_rows()],
         "variant gii2024 ranks pct, pub but the data hold no usable row of any of them; "
         "sources found: vc"),
    ],
    ids=["all rows outside the windows", "no source of the variant"],
)
def test_data_that_no_variant_can_use_stops_before_geocoding(workdir, rows, message):
    name = csv(workdir, "x.csv", rows)
    proc = snakemake(workdir, "results/geocode/records.parquet",
                     config={**BASE, "inputs": [{"path": name}]})
    assert proc.returncode != 0
    assert [ln.split(" ERROR ")[1] for ln in errors(proc, "ERROR check data")] == [
        f"check data: {message}"]
    assert not (workdir / "results/geocode/records.parquet").exists()
