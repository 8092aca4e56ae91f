"""Tests for stclusters.compare."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stclusters.compare import (
    compare_rankings,
    fidelity_table,
    match_clusters,
    normalize_cluster_name,
    summarize_table,
)


def _membership(rows):
    return pd.DataFrame(rows, columns=["source", "loc_id", "cluster_id", "how"])


def _locations():
    # (source, loc_id, weight); loc 9 is VC-only
    rows = [("pct", i, 1.0) for i in range(1, 9)] + [("pub", i, 2.0) for i in range(1, 9)]
    rows += [("vc", 9, 100.0)]
    return pd.DataFrame(rows, columns=["source", "loc_id", "weight"]).assign(window="current")


def test_match_clusters_overlap_rule_and_common_sources():
    a = _membership(
        [
            ("pct", 1, 10, "member"),
            ("pct", 2, 10, "member"),
            ("pub", 1, 10, "member"),
            ("pct", 3, 11, "member"),
            ("pub", 3, 11, "member"),
            ("pct", 4, 12, "member"),
            ("pct", 5, 12, "member"),
            ("pct", 6, -1, "member"),
        ]
    )
    b = _membership(
        [
            ("pct", 1, 20, "member"),
            ("pct", 2, 20, "member"),
            ("pub", 1, 20, "member"),
            ("pct", 3, 20, "attached"),  # B merged a bit of A's cluster 11 into 20
            ("pub", 3, 21, "member"),
            ("pct", 4, 22, "member"),
            ("pct", 6, 22, "member"),
            ("pct", 7, 22, "member"),
            ("pct", 8, 22, "member"),
            ("vc", 9, 21, "member"),
        ]  # VC ignored: not a source of A
    )
    m = match_clusters(a, b, _locations())
    got = {(r.cluster_id_a, r.cluster_id_b): r.overlap_share for r in m.itertuples()}
    # 10 -> 20: shared 1+1+2 = 4, A10 = 4, B20 = 5 -> 4/4
    assert got[(10, 20)] == pytest.approx(1.0)
    # 11 -> 21: shared pub 3 = 2; A11 = 3, B21 = 2 on common sources (VC excluded) -> 1.0
    assert got[(11, 21)] == pytest.approx(1.0)
    # 12 vs 22: shared pct 4 = 1; A12 = 2, B22 = 4 -> 0.5: kept (>= 50%)
    assert got[(12, 22)] == pytest.approx(0.5)
    assert list(m.columns[:3]) == ["cluster_id_a", "cluster_id_b", "overlap_share"]
    assert m["cluster_id_a"].is_unique and m["cluster_id_b"].is_unique
    # stricter threshold drops the 50% pair
    assert 12 not in set(match_clusters(a, b, _locations(), min_share=0.6)["cluster_id_a"])


def test_match_clusters_one_to_one_greedy():
    # B splits A's cluster 1 into 5 (larger part) and 6; A's cluster 2 also overlaps 5
    a = _membership([("pct", i, 1, "member") for i in (1, 2, 3)] + [("pct", 4, 2, "member")])
    b = _membership(
        [
            ("pct", 1, 5, "member"),
            ("pct", 2, 5, "member"),
            ("pct", 4, 5, "member"),
            ("pct", 3, 6, "member"),
        ]
    )
    m = match_clusters(a, b, _locations())
    assert dict(zip(m["cluster_id_a"], m["cluster_id_b"], strict=True)) == {1: 5}
    assert match_clusters(a, b.iloc[:0], _locations()).empty


def _rank(ids, names=None):
    n = len(ids)
    return pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "cluster_id": ids,
            "name": names or [f"C{i}" for i in ids],
            "economy": ["US"] * n,
        }
    )


def test_compare_rankings_entered_left_and_correlations():
    # A ranks ids 101..105 as 1..5; B ranks 202, 201, 299 (new), 205, 204, 203 as 1..6;
    # 103 has no match in B
    ra = _rank([101, 102, 103, 104, 105])
    rb = _rank([202, 201, 299, 205, 204, 203])
    matches = pd.DataFrame(
        {
            "cluster_id_a": [101, 102, 104, 105],
            "cluster_id_b": [201, 202, 204, 205],
            "overlap_share": 1.0,
        }
    )
    table, summary = compare_rankings(ra, rb, matches, top_n=4)
    by = table.set_index("name")
    assert table["name"].tolist() == ["C202", "C201", "C299", "C205", "C204", "C103"]
    assert by.loc["C299", "status"] == "entered_top" and pd.isna(by.loc["C299", "rank_a"])
    assert by.loc["C205", "status"] == "entered_top" and by.loc["C205", "rank_change"] == 1
    assert by.loc["C103", "status"] == "left_top" and pd.isna(by.loc["C103", "rank_b"])
    assert by.loc["C204", "status"] == "left_top" and by.loc["C204", "rank_change"] == -1
    assert by.loc["C201", "status"] == "both" and by.loc["C201", "rank_change"] == 1 - 2
    assert by.loc["C202", "rank_change"] == 2 - 1
    assert "C203" not in by.index  # in neither top 4
    assert summary["n_entered"] == 2 and summary["n_left"] == 2
    assert summary["n_matched"] == 4 and summary["n_both"] == 2
    x, y = [2, 1, 5, 4], [1, 2, 4, 5]  # (rank_a, rank_b) of 202, 201, 205, 204
    pairs = table.dropna(subset=["rank_a", "rank_b"])
    assert pairs["rank_a"].tolist() == x and pairs["rank_b"].tolist() == y
    assert summary["spearman"] == pytest.approx(stats.spearmanr(x, y)[0])
    assert summary["spearman"] == pytest.approx(0.6)  # 1 - 6 * 4 / (4 * 15)
    assert summary["kendall"] == pytest.approx(stats.kendalltau(x, y)[0])
    assert summary["kendall"] == pytest.approx(1 / 3)  # (4 - 2) / 6


def test_correlation_known_values():
    ids = [1, 2, 3, 4, 5]
    m = pd.DataFrame({"cluster_id_a": ids, "cluster_id_b": ids})
    _, same = compare_rankings(_rank(ids), _rank(ids), m, top_n=5)
    assert same["spearman"] == pytest.approx(1.0) and same["kendall"] == pytest.approx(1.0)
    _, rev = compare_rankings(_rank(ids), _rank(ids[::-1]), m, top_n=5)
    assert rev["spearman"] == pytest.approx(-1.0) and rev["kendall"] == pytest.approx(-1.0)
    assert same["n_entered"] == same["n_left"] == 0
    # one matched pair: undefined
    _, one = compare_rankings(_rank([1]), _rank([1]), m.iloc[:1], top_n=5)
    assert one["spearman"] is None and one["kendall"] is None


def test_summarize_table_roundtrip_csv(tmp_path):
    ids = [1, 2, 3, 4]
    m = pd.DataFrame({"cluster_id_a": ids, "cluster_id_b": ids})
    table, summary = compare_rankings(_rank(ids), _rank([2, 1, 4, 3]), m, top_n=3)
    table.to_csv(tmp_path / "t.csv", index=False)
    assert summarize_table(pd.read_csv(tmp_path / "t.csv")) == summary


def test_normalize_cluster_name():
    n = normalize_cluster_name
    assert n("San Jose–San Francisco CA") == n("San Jose-San Francisco, CA")
    assert n("Shenzhen–Hong Kong– Guangzhou") == n("shenzhen-hong kong-guangzhou")
    assert n("Zürich") == n("Zurich") and n("São Paulo") == "sao paulo"
    assert n(None) == ""


def test_fidelity_table():
    ours = pd.DataFrame(
        {
            "rank": [1, 2, 3, 4],
            "name": ["Beijing", "Tokyo-Yokohama", "Hong Kong–Shenzhen–Guangzhou", "Zurich"],
            "economy": ["CN", "JP", "CN/HK", "CH"],
        }
    )
    pub = pd.DataFrame(
        {
            "rank": [1, 2, 3, 50, 60],
            "cluster_name": [
                "Tokyo–Yokohama",
                "Shenzhen–Hong Kong–Guangzhou",
                "Beijing",
                "Zürich",
                "Atlantis",
            ],
            "economy": ["JP", "CN/HK", "CN", "CH", "XX"],
        }
    )
    table, rho = fidelity_table(ours, pub)
    assert table["our_rank"].tolist()[:4] == [2, 3, 1, 4]
    assert table["match"].tolist() == ["name", "places", "name", "name", "none"]
    assert pd.isna(table["our_rank"].iloc[4])
    assert rho == pytest.approx(stats.spearmanr([1, 2, 3, 50], [2, 3, 1, 4])[0])
