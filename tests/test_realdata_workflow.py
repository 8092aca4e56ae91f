"""The workflow on real third-party files: config/test/real.yaml to the rankings.

The files of ``../shared/realdata`` (README there; found by tests/_realdata.py) are never
copied into the repository: the test lays out ``<tmp>/shared/realdata`` (a link to them)
and ``<tmp>/run`` (the working directory, holding the config as it is in the repository)
so that the config's relative paths resolve as in a clean clone with ``../shared`` beside
it, then runs Snakemake to the rankings of every variant and the geocoding QA tables (not
the figures, briefs and reports: about a minute instead of ten). Skipped when the files
are absent.

Asserted on what the workflow wrote: every line of every file accounted for from the
extract to the rankings; the share of rows placed at city level or better per file; every
OpenAlex authorship with a ROR id in the registry placed at its institution; the 2013
Crunchbase export read as it circulates into 31,679 deals; clusters ranked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from _realdata import REALDATA

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config" / "test" / "real.yaml"
REAL = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
VARIANTS = sorted(REAL["variants"])
#: geo_method values at city level or better
CITY_LEVEL = ("given", "institution", "affiliation_match", "exact", "alternate", "fuzzy")
CB2013 = "../shared/realdata/crunchbase_2013oct_rounds.csv"
CB2015 = "../shared/realdata/crunchbase_2015_acquisitions.csv"
WORKS = "../shared/realdata/openalex/works_two_fixtures.jsonl"
PATENTS = "../shared/realdata/patentsview_mini"
#: input rows of each file (data rows, or JSON lines for OpenAlex: author-institutions)
ROWS_IN = {CB2013: 31_679, CB2015: 19_115, WORKS: 16, PATENTS: 28}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not all((REALDATA / p.removeprefix("../shared/realdata/")).exists()
                               for p in ROWS_IN), reason=f"{REALDATA} not present"),
]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("real")
    (root / "shared").mkdir()
    (root / "shared" / "realdata").symlink_to(REALDATA.resolve(), target_is_directory=True)
    workdir = root / "run"
    workdir.mkdir()
    (workdir / "config.yaml").write_text(CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    targets = [f"results/ranking/{v}/{f}" for v in VARIANTS
               for f in ("clusters.csv", "accounting.csv")]
    targets += ["results/geocode/qa/by_country.csv",
                "results/locations/fractional/round~0.01/accounting.csv"]
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(workdir), "--cores", "2", *targets]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return workdir


def read(run: Path, rel: str) -> pd.DataFrame:
    path = run / rel
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def geocoded(run: Path) -> pd.DataFrame:
    """Every record with its geo_method (``unmatched`` for the unmatched)."""
    placed = read(run, "results/geocode/records.parquet")
    unmatched = read(run, "results/geocode/unmatched.parquet").assign(geo_method="unmatched")
    return pd.concat([placed, unmatched], ignore_index=True)


def test_every_input_row_is_accounted_for(run):
    lines = read(run, "results/extract/lines.csv").set_index("input_file")
    assert lines["balanced"].all()
    assert lines.loc[CB2013, ["encoding", "line_end"]].tolist() == ["mac-roman", "CR"]
    acc = read(run, "results/extract/accounting.csv").set_index("input_file")
    assert acc["rows_in"].to_dict() == ROWS_IN
    assert (acc["rows_in"] == acc["rows_used"] + acc["rows_rejected"]).all()
    # the 2015 export's junk record and the 147 lines pasted after it; 13 rows without year
    assert acc["rows_rejected"].to_dict() == {CB2013: 0, CB2015: 161, WORKS: 0, PATENTS: 0}
    records = read(run, "results/extract/records.parquet")
    rejects = read(run, "results/extract/rejects.parquet")
    assert (len(records), len(rejects)) == (acc["rows_used"].sum(), acc["rows_rejected"].sum())
    # the OpenAlex reader's optional columns reach the records; other inputs' rows are null
    assert {"institution_id", "affiliation"} <= set(records.columns)
    assert records.loc[records["input_file"] == WORKS, "institution_id"].notna().all()
    assert records.loc[records["input_file"] != WORKS, "institution_id"].isna().all()
    # the 2013 export read as it circulates: one deal per round, 31,679 deals
    assert records.loc[records["input_file"] == CB2013, "doc_id"].nunique() == 31_679

    geo = read(run, "results/geocode/accounting.csv").set_index("source")
    assert geo["rows_in"].to_dict() == records["source"].value_counts().to_dict()
    assert (geo["placed"] + geo["unmatched"] == geo["rows_in"]).all()
    methods = ["given", "institution", "affiliation_match", "exact", "alternate", "fuzzy",
               "region", "country"]
    assert (geo[methods].sum(axis=1) == geo["placed"]).all()

    loc = read(run, "results/locations/fractional/round~0.01/accounting.csv")
    loc = loc.set_index("source")
    assert loc["rows_in"].to_dict() == geo["placed"].to_dict()
    assert (loc["rows_used"] + loc["rows_excluded_precision"] == loc["rows_in"]).all()
    assert (loc["rows_excluded_precision"] == geo["region"] + geo["country"]).all()
    for v in VARIANTS:
        ranked = read(run, f"results/ranking/{v}/accounting.csv").set_index("source")
        assert sorted(ranked.index) == sorted(REAL["variants"][v]["sources"])
        assert (ranked["records_in"] == loc.loc[ranked.index, "rows_used"]).all()
        assert np.allclose(ranked["weight_in"], loc.loc[ranked.index, "weight_used"])
        assert (ranked["records_current"] <= ranked["records_in"]).all()
        assert (ranked["records_outside_windows"] <= ranked["records_in"]).all()


def test_rows_placed_at_city_level_per_file(run):
    """Share of each file's records placed at city level or better (of its rows with an
    address: a city, given coordinates or an institution id)."""
    g = geocoded(run)
    g["city_level"] = g["geo_method"].isin(CITY_LEVEL)
    has_address = g["city"].notna() | g["lat"].notna() | g["institution_id"].notna()
    share = g[has_address].groupby("input_file")["city_level"].mean()
    print("\ncity level or better, of rows with an address:", share.round(4).to_dict())
    assert share[PATENTS] == 1.0 and share[WORKS] == 1.0
    assert share[CB2013] >= 0.99 and share[CB2015] >= 0.98
    by_file = g.groupby("input_file")["geo_method"].value_counts().unstack(fill_value=0)
    assert by_file.loc[PATENTS, "given"] == 28
    assert by_file.loc[WORKS, "institution"] == 14  # the ROR ids in the registry excerpt


def test_openalex_authorships_are_placed_at_their_institution(run):
    inst = read(run, "results/geocode/institutions.parquet").set_index("ror")
    g = geocoded(run)
    w = g[g["input_file"] == WORKS]
    ror = w["institution_id"].str.removeprefix("https://ror.org/")
    known = ror.isin(inst.index)
    assert known.sum() == 14 and len(w) == 16
    assert (w.loc[known, "geo_method"] == "institution").all()
    assert np.allclose(w.loc[known, "lat"], inst.loc[ror[known], "lat"])
    assert np.allclose(w.loc[known, "lon"], inst.loc[ror[known], "lon"])
    qa = read(run, "results/geocode/qa/by_country.csv").set_index(["source", "country"])
    assert qa.loc[("pub", "CA"), "share_institution"] == 1.0
    assert qa.loc[("pub", "US"), "share_institution"] == pytest.approx(7 / 9)


def test_clusters_are_ranked(run):
    for v in VARIANTS:
        r = read(run, f"results/ranking/{v}/clusters.csv")
        assert len(r) >= 20, v
        assert r["rank"].tolist() == list(range(1, len(r) + 1))
        assert (np.diff(r["score"].to_numpy()) <= 1e-9).all()
        for s in REAL["variants"][v]["sources"]:
            assert r[f"{s}_share"].sum() <= 100 + 1e-3  # shares rounded in the CSV
            assert r[f"{s}_share"].gt(0).any(), (v, s)
        # Caltech's LIGO work is in a ranked cluster, named by its institution
        assert "California Institute of Technology" in set(r["top_organization"].dropna())
    with_vc = [v for v in VARIANTS if "vc" in REAL["variants"][v]["sources"]]
    assert with_vc
    for v in with_vc:  # the deals are mostly American: the top vc cluster is
        r = read(run, f"results/ranking/{v}/clusters.csv")
        assert r.loc[r["vc_share"].idxmax(), "economy"] == "US"
