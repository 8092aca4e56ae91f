"""Integration: the whole Snakemake DAG on a tiny demo world, in a temporary directory.

Runs once per test session (tests/_tiny.py, shared with tests/test_resume.py) and asserts
real properties of what the workflow wrote: conservation of records and weights, shares,
planted regions found and named, rejects with reasons, caching.
"""

from __future__ import annotations

import copy
import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from _tiny import TINY_FILE, snakemake, tiny_run

TINY = yaml.safe_load(TINY_FILE.read_text(encoding="utf-8"))

# the whole DAG: minutes; skip locally with `pytest -m "not slow"`
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    # the session's one run of the tiny scenario (tests/_tiny.py; test_resume.py compares
    # a killed and resumed run with it)
    return tiny_run(tmp_path_factory)


def read(run, rel):
    path = run / rel
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def test_every_record_is_accounted_for(run):
    raw = read(run, "results/demo/raw_extract.parquet")
    records = read(run, "results/extract/records.parquet")
    rejects = read(run, "results/extract/rejects.parquet")
    assert len(records) + len(rejects) == len(raw)
    acc = read(run, "results/extract/accounting.csv")
    assert acc["rows_in"].sum() == len(raw)
    placed = read(run, "results/geocode/records.parquet")
    unmatched = read(run, "results/geocode/unmatched.parquet")
    assert len(placed) + len(unmatched) == len(records)
    assert set(placed["record_id"]).isdisjoint(unmatched["record_id"])
    # the demo's junk rows are there and carry reasons
    assert len(unmatched) > 0 and unmatched["reason"].notna().all()
    assert {"no_address", "unknown_country"} & set(unmatched["reason"])


def test_geocoder_repairs_the_demos_swapped_coordinates(run):
    placed = read(run, "results/geocode/records.parquet")
    swapped = placed[placed["coord_status"] == "swapped"]
    assert len(swapped) > 0
    # repaired points lie near the place the row names
    near = placed.loc[swapped.index, "place_name"].notna()
    assert near.mean() > 0.9


def test_document_weights_sum_to_number_of_documents(run):
    records = read(run, "results/extract/records.parquet")
    n_docs = records.groupby("source")["doc_id"].nunique()
    weights = records.groupby("source")["weight"].sum()
    assert np.allclose(weights.sort_index(), n_docs.sort_index())


@pytest.mark.parametrize("variant", ["gii2024", "gii2025"])
def test_ranking_columns_and_shares(run, variant):
    ranking = read(run, f"results/ranking/{variant}/clusters.csv")
    sources = ["pct", "pub"] + (["vc"] if variant == "gii2025" else [])
    expected = {"rank", "cluster_id", "name", "economy", "score", "prev_rank", "rank_change",
                "lat", "lon"} | {f"{s}_{k}" for s in sources for k in ("count", "share")}
    assert expected <= set(ranking.columns)
    assert ranking["rank"].tolist() == list(range(1, len(ranking) + 1))
    assert (ranking["score"].diff().dropna() <= 1e-12).all()
    for s in sources:
        assert 0 < ranking[f"{s}_share"].sum() <= 100 + 1e-9
    score = sum(ranking[f"{s}_share"] for s in sources)
    assert np.allclose(score, ranking["score"])
    assert ranking["name"].notna().all() and ranking["economy"].str.match(r"^[A-Z]{2}(/[A-Z]{2})*$").all()


def test_planted_regions_are_found_and_named(run):
    ranking = read(run, "results/ranking/gii2024/clusters.csv")
    names = dict(zip(ranking["name"], ranking["rank"], strict=False))
    assert names.get("Tokyo–Yokohama", 999) <= 5
    assert names.get("Shenzhen–Hong Kong–Guangzhou", 999) <= 5
    econ = dict(zip(ranking["name"], ranking["economy"], strict=False))
    assert econ["Shenzhen–Hong Kong–Guangzhou"] == "CN/HK"


def test_vc_lifts_san_jose_san_francisco(run):
    r24 = read(run, "results/ranking/gii2024/clusters.csv").set_index("name")["rank"]
    r25 = read(run, "results/ranking/gii2025/clusters.csv").set_index("name")["rank"]
    name = "San Jose–San Francisco, CA"
    assert r25[name] < r24[name]


def test_a_variant_added_in_config_only_runs(run):
    ranking = read(run, "results/ranking/balanced/clusters.csv")
    shares = 0.5 * ranking["pct_share"] + 0.25 * ranking["pub_share"] + 0.25 * ranking["vc_share"]
    assert np.allclose(shares, ranking["score"]) and len(ranking) > 50
    assert (run / "results/locations/fractional/round~0.02/locations.parquet").exists()
    assert (run / "results/figures/balanced/map_top100.png").stat().st_size > 0


@pytest.mark.parametrize("variant", ["gii2024", "gii2025"])
def test_top_clusters_have_history_organizations_and_intensity(run, variant):
    top = read(run, f"results/ranking/{variant}/clusters.csv").head(50)
    for col in ("prev_rank", "rank_change", "growth_pct", "top_applicant", "top_organization",
                "population", "intensity"):
        assert top[col].notna().all(), col
    assert (top["population"] > 0).all()
    assert top["intensity_rank"].dropna().astype(int).tolist() != list(range(1, 51))
    assert (top["rank_change"] == top["prev_rank"] - top["rank"]).all()


def test_small_dense_clusters_lead_by_intensity_not_by_size(run):
    r = read(run, "results/ranking/gii2024/clusters.csv").set_index("name")
    for name in ("Cambridge", "Eindhoven"):
        assert r.loc[name, "intensity_rank"] <= 10, name
        assert r.loc[name, "rank"] >= 20, name


@pytest.mark.parametrize("variant", ["gii2024", "gii2025"])
def test_gii_tables_in_three_formats_match_the_ranking(run, variant):
    ranking = read(run, f"results/ranking/{variant}/clusters.csv")
    folder = run / "results" / "tables" / variant
    for name in ("top100", "table5_top_per_economy", "table6_economies_3plus",
                 "table7_beyond_top100", "table8_africa", "table9_intensity"):
        for ext in ("csv", "md", "tex"):
            assert (folder / f"{name}.{ext}").stat().st_size > 0, f"{name}.{ext}"
    top = pd.read_csv(folder / "top100.csv")
    assert top["Cluster name"].tolist() == ranking["name"].head(100).tolist()
    assert np.allclose(top["Total"], ranking["score"].head(100))
    t5 = pd.read_csv(folder / "table5_top_per_economy.csv")
    best = ranking.head(100).drop_duplicates("economy")
    assert dict(zip(t5["Economy"], t5["Rank"], strict=True)) == dict(
        zip(best["economy"], best["rank"], strict=True))


@pytest.mark.parametrize("variant", ["gii2024", "gii2025"])
def test_rank_uncertainty_is_wider_near_the_cut_off(run, variant):
    u = read(run, f"results/sensitivity/{variant}/rank_uncertainty.csv")
    ranking = read(run, f"results/ranking/{variant}/clusters.csv")
    assert set(ranking.loc[ranking["rank"] <= 100, "cluster_id"]) <= set(u["cluster_id"])
    assert (u["p05_rank"] <= u["median_rank"]).all() and (u["median_rank"] <= u["p95_rank"]).all()
    assert u["share_top100"].between(0, 1).all()
    width = u["p95_rank"] - u["p05_rank"]
    top5 = width[u["rank"] <= 5].mean()
    cut_off = width[u["rank"].between(91, 100)].mean()
    assert cut_off > 3 * top5, (top5, cut_off)
    assert (u.loc[u["rank"] <= 5, "share_top100"] == 1).all()
    summary = json.loads((run / f"results/sensitivity/{variant}/summary.json").read_text())
    assert summary["nominal_check"]["ranks_differing"] == 0
    idx = read(run, f"results/sensitivity/{variant}/indices.csv")
    assert {"clustering", "documents", "source_weights", "counting", "vc"} <= set(idx["factor"])
    assert idx[["S1", "ST"]].notna().all().all()


def test_outputs_for_people_exist(run):
    for rel in ["reports/appendix.html", "reports/methodology_comparison.html",
                "results/figures/gii2024/map_top100.png",
                "results/figures/gii2024/map_top100.pdf",
                "results/figures/gii2024/map_europe.png",
                "results/figures/gii2024/intensity_top100.png",
                "results/figures/gii2024/composition_top30.png",
                "results/figures/gii2025/rank_uncertainty.png",
                "results/figures/regional/africa/map_top50.png",
                "results/figures/sweep/gii2024_pct.png",
                "results/figures/rank_change_gii2024_vs_gii2025.png",
                "results/tables/gii2024/top100.md", "results/compare/gii2024_vs_gii2025.csv"]:
        assert (run / rel).stat().st_size > 0, rel
    html = (run / "reports/appendix.html").read_text(encoding="utf-8")
    assert "Tokyo–Yokohama" in html


def test_briefs_explorer_and_their_links_in_the_appendix(run):
    for v in ("gii2024", "gii2025", "balanced"):
        idx = read(run, f"results/briefs/{v}/index.csv")
        ranking = read(run, f"results/ranking/{v}/clusters.csv")
        n_briefs = TINY["briefs"]["top_n"]
        assert n_briefs >= 2 and idx["rank"].tolist() == list(range(1, n_briefs + 1))
        assert idx["name"].tolist() == ranking["name"].head(n_briefs).tolist()
        # 90 % intervals where the sensitivity stage ran (not for balanced)
        assert idx["p05_rank"].notna().all() == (v != "balanced")
        for rel in [*idx["html"], *idx["pdf"]]:
            assert (run / "results/briefs" / v / rel).stat().st_size > 5000, rel
    text = (run / "reports/explorer.html").read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < 15_000_000
    data = json.loads(re.search(r'id="data">(.*?)</script>', text, re.S).group(1))
    assert [x["name"] for x in data["variants"]] == ["gii2024", "gii2025", "balanced"]
    assert all(len(x["rows"]) == x["n_clusters"] > 5 for x in data["variants"])
    assert len(data["pairs"]) == 3
    appendix = (run / "reports/appendix.html").read_text(encoding="utf-8")
    assert 'href="../results/briefs/gii2025/clusters/001-' in appendix


def test_second_run_has_nothing_to_do(run):
    proc = snakemake(run, "-n")
    assert proc.returncode == 0
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_changing_one_parameter_reruns_only_its_dependants(run, tmp_path):
    cfg = copy.deepcopy(TINY)
    cfg["clustering"]["dbscan"]["vc"]["eps_km"] = 10.0
    cfg_file = tmp_path / "changed.yaml"
    cfg_file.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    proc = snakemake(run, "-n", "--configfile", str(cfg_file), "--quiet", "rules")
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = planned_jobs(proc.stdout + proc.stderr)
    # only the VC clusterings are new: gii2025's and balanced's (another rounding)
    assert jobs.get("cluster_source") == 2
    assert jobs.get("merge_clusters") == 2  # gii2024 has no VC
    for untouched in ("demo_world", "extract", "gazetteer", "geocode", "locations"):
        assert untouched not in jobs, jobs


def planned_jobs(text: str) -> dict[str, int]:
    """The 'job count' table of a snakemake dry run, as {rule: count}."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["job", "count"])
    jobs = {}
    for line in lines[start + 2:]:
        parts = line.split()
        if not parts or parts[0] == "total":
            break
        jobs[parts[0]] = int(parts[1])
    return jobs
