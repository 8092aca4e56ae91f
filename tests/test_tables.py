"""Tests for stclusters.tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stclusters.tables import to_html, to_markdown, top_table, write_tables


def _ranking(n: int = 12, sources=("pct", "pub")) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "cluster_id": np.arange(n) + 50,
            "name": [f"Place {i}–Town | {i}" for i in range(n)],
            "economy": ["US", "CN/HK"] * (n // 2),
        }
    )
    for s in sources:
        df[f"{s}_count"] = rng.uniform(1, 5000, n).round(4)
        df[f"{s}_share"] = rng.uniform(0, 10, n)
    df["score"] = df[[f"{s}_share" for s in sources]].sum(axis=1)
    df["prev_rank"] = [np.nan] + list(range(1, n))
    df["rank_change"] = df["prev_rank"] - df["rank"]
    df["growth_pct"] = 0.0
    # shuffled, to check sorting
    return df.sample(frac=1.0, random_state=3).reset_index(drop=True)


def test_top_table_columns_values_and_order():
    r = _ranking()
    t = top_table(r, top_n=5)
    assert list(t.columns) == [
        "Rank",
        "Cluster name",
        "Economy",
        "PCT applications",
        "PCT share (%)",
        "Scientific publications",
        "Publications share (%)",
        "Total",
        "Previous rank",
        "Rank change",
    ]
    assert t["Rank"].tolist() == [1, 2, 3, 4, 5]
    src = r.sort_values("rank").head(5).reset_index(drop=True)
    np.testing.assert_array_equal(t["PCT applications"], src["pct_count"])
    np.testing.assert_array_equal(t["Publications share (%)"], src["pub_share"])
    np.testing.assert_array_equal(t["Total"], src["score"])
    assert t["Cluster name"].tolist() == src["name"].tolist()
    assert pd.isna(t["Previous rank"].iloc[0]) and t["Previous rank"].iloc[1] == 1


def test_vc_columns_and_missing_prev_rank():
    r = _ranking(sources=("pct", "pub", "vc")).drop(columns=["prev_rank", "rank_change"])
    t = top_table(r, 3)
    assert "VC deals" in t.columns and "VC share (%)" in t.columns
    assert t["Previous rank"].isna().all()


def test_markdown_format():
    r = _ranking()
    md = to_markdown(top_table(r, top_n=10))
    lines = md.strip().split("\n")
    assert lines[0].startswith("| Rank | Cluster name | Economy | PCT applications |")
    assert set(lines[1].replace("|", "")) <= set("-:")
    assert len(lines) == 2 + 10
    first = r.sort_values("rank").iloc[0]
    cells = [c.strip() for c in lines[2].strip("|").split("|")]
    # the name's own "|" is escaped, so the naive split yields one more cell
    assert cells[0] == "1" and cells[1].endswith("\\") and cells[2] == "0"
    cells = [c.strip() for c in lines[2].replace("\\|", "/").strip("|").split("|")]
    assert cells[3] == f"{first['pct_count']:,.1f}"
    assert cells[4] == f"{first['pct_share']:.2f}"
    assert cells[7] == f"{first['score']:.2f}"
    assert cells[8] == "n/a"  # no previous rank
    ranks = [int(line.strip("|").split("|")[0]) for line in lines[2:]]
    assert ranks == sorted(ranks)


def test_markdown_generic_frame():
    df = pd.DataFrame({"source": ["pct"], "rows_in": [10], "weight": [2.345]})
    # headers are escaped like cells: "_" written "\_" (renders as "_")
    assert (
        to_markdown(df) == "| source | rows\\_in | weight |\n|:---|---:|---:|\n| pct | 10 | 2.3 |\n"
    )


def test_clustering_parameters_are_shown_as_written():
    # a sweep table: min_share 0.0004 must not print as the share format's "0.00"
    df = pd.DataFrame({"eps_km": [13.0], "min_share": [0.0004], "min_samples_share": [2e-05],
                       "share_clustered": [70.6412]})
    body = to_markdown(df).splitlines()[2]
    assert body == "| 13 | 0.0004 | 2e-05 | 70.64 |"
    assert "<td style=\"text-align: right\">0.0004</td>" in to_html(df)


def test_write_tables_roundtrip(tmp_path):
    r = _ranking()
    write_tables(r, tmp_path / "t" / "top.csv", tmp_path / "t" / "top.md", top_n=8)
    back = pd.read_csv(tmp_path / "t" / "top.csv")
    src = r.sort_values("rank").head(8).reset_index(drop=True)
    assert back["Rank"].tolist() == list(range(1, 9))
    np.testing.assert_allclose(back["PCT applications"], src["pct_count"], rtol=1e-9)
    np.testing.assert_allclose(back["PCT share (%)"], src["pct_share"], rtol=1e-9)
    assert back["Cluster name"].tolist() == src["name"].tolist()
    md = (tmp_path / "t" / "top.md").read_text(encoding="utf-8")
    assert md.count("\n") == 2 + 8


@pytest.mark.parametrize("n", [0, 3])
def test_small_rankings(n):
    t = top_table(_ranking().head(0) if n == 0 else _ranking(), top_n=n)
    assert len(t) == n
    assert to_markdown(t).count("\n") == 2 + n
