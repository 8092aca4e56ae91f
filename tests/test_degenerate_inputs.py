"""Degenerate data through the workflow to the rankings, tables and appendix: a source
without rows, no cluster at all, every row at one place (tests/test_bad_inputs.py has the
other bad-input classes and the helpers; a file of its own so that xdist runs it beside
them). The population grid is coarse (6 arc-minutes): nothing asserted depends on it.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_bad_inputs import BASE, csv, good_rows, snakemake

# coarse population grid: the raster job takes seconds instead of half a minute
COARSE = {"intensity": {"res_deg": 0.1}}


@pytest.fixture
def workdir(tmp_path):
    return tmp_path


# ----------------------------------------------------------------- degenerate data
@pytest.mark.slow
def test_no_source_rows_and_no_cluster_give_rankings_with_notes(workdir):
    """PCT rows missing; density no location reaches (all noise): the data check notes the
    missing source; the ranking, its tables and the appendix report have zero clusters."""
    rows = [r for r in good_rows() if r.startswith("pub")]
    name = csv(workdir, "pubonly.csv", rows)
    config = {**BASE, **COARSE, "inputs": [{"path": name}],
              "clustering": {"dbscan": {s: {"min_share": 1.0} for s in ("pct", "pub", "vc")}}}
    proc = snakemake(workdir, "results/tables/gii2024/top100.md", "reports/appendix.html",
                     config=config)
    assert proc.returncode == 0, proc.stderr[-4000:]
    note = (workdir / "results/extract/data_checks.txt").read_text(encoding="utf-8")
    assert "variant gii2024: no usable pct row in the data" in note
    ranking = pd.read_csv(workdir / "results/ranking/gii2024/clusters.csv")
    assert len(ranking) == 0 and "pub_share" in ranking.columns
    html = (workdir / "reports/appendix.html").read_text(encoding="utf-8")
    assert "no cluster" in html.lower()


@pytest.mark.slow
def test_one_location_is_one_dbscan_cluster_and_all_hdbscan_noise(workdir):
    """Every row at one place (Munich): each source has a single weighted location. DBSCAN
    makes it the one cluster, holding 100 % of the world's output; HDBSCAN, like
    ``hdbscan.HDBSCAN`` (allow_single_cluster off), never selects the root of its
    hierarchy, so one location is noise: an empty ranking, not a traceback."""
    rows = [r for r in good_rows() if ",Munich," in r] + [
        f"{s},{s.upper()}-{i},2021,Munich,,,DE,,,Org Munich," for i in range(100, 108)
        for s in ("pct", "pub")]
    name = csv(workdir, "munich.csv", rows)
    config = {**BASE, **COARSE, "inputs": [{"path": name}],
              "variants": {"gii2024": {"sources": {"pct": 1.0, "pub": 1.0}},
                           "hdb": {"sources": {"pct": 1.0, "pub": 1.0},
                                   "clustering": {"algorithm": "hdbscan"}}}}
    proc = snakemake(workdir, "results/ranking/gii2024/clusters.csv",
                     "results/ranking/hdb/clusters.csv", config=config)
    assert proc.returncode == 0, proc.stderr[-4000:]
    locs = pd.read_parquet(next((workdir / "results/locations").rglob("locations.parquet")))
    assert locs.groupby("source")["loc_id"].nunique().to_dict() == {"pct": 1, "pub": 1}
    ranking = pd.read_csv(workdir / "results/ranking/gii2024/clusters.csv")
    assert len(ranking) == 1
    assert "Munich" in ranking.loc[0, "name"]
    assert ranking.loc[0, "pct_share"] == pytest.approx(100.0)
    assert ranking.loc[0, "pub_share"] == pytest.approx(100.0)
    hdb = pd.read_csv(workdir / "results/ranking/hdb/clusters.csv")
    assert len(hdb) == 0 and list(hdb.columns) == list(ranking.columns)
