"""Tests for the GII 2024 tables of stclusters.tables (Tables 5-9, LaTeX, writing)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stclusters.intensity import intensity
from stclusters.tables import (
    GII_TABLE_TITLES,
    INTENSITY_HEADER,
    economy_codes,
    gii_tables,
    table6_economies,
    to_latex,
    top_table,
    write_gii_tables,
)

ROWS = [
    # rank, name, economy, top applicant
    (1, "Tokyo–Yokohama", "JP", "Mitsubishi Electric"),
    (2, "Shenzhen–Hong Kong", "CN/HK", "Huawei"),
    (3, "Beijing", "CN", "BOE Technology"),
    (4, "Shanghai", "CN", "Shanghai United"),
    (5, "Singapore", "SG/MY", "A*STAR"),
    (6, "Boston–Cambridge, MA", "US", "MIT"),
    (7, "Lisbon", "PT", "Hovione"),
    (8, "Porto", "PT", "Sonae"),
    (9, "Cairo", "EG", "Si-Ware Systems"),
    (10, "Johannesburg", "ZA", "Sasol"),
    (11, "Kuala Lumpur", "MY", "MIMOS Berhad"),
    (12, "Oslo", "NO/SE", "Equinor"),
    (13, "Hefei", "CN", "USTC"),
]
TOP = 6


def _ranking() -> pd.DataFrame:
    n = len(ROWS)
    df = pd.DataFrame(ROWS, columns=["rank", "name", "economy", "top_applicant"])
    df["cluster_id"] = np.arange(n) + 100
    df["pct_count"] = np.linspace(1300.0, 100.0, n)
    df["pct_share"] = df["pct_count"] / 100.0
    df["pub_count"] = np.linspace(2600.0, 200.0, n)
    df["pub_share"] = df["pub_count"] / 400.0
    df["score"] = df["pct_share"] + df["pub_share"]
    df["prev_rank"] = [1, 3, 2, 4, 6, 5, 7, 9, 8, 10, 11, 13, 12]
    df["rank_change"] = df["prev_rank"] - df["rank"]
    df["top_organization"] = [f"University of {x[1].split('–')[0]}" for x in ROWS]
    df.loc[0, "top_organization"] = "Fund 10% & co_op #1 {x} $"
    return df.sample(frac=1.0, random_state=1).reset_index(drop=True)


def test_economy_codes():
    assert economy_codes("CH/DE/FR") == ["CH", "DE", "FR"]
    assert economy_codes(" cn / hk ") == ["CN", "HK"]
    assert economy_codes(None) == []


def test_table5_top_cluster_per_economy_or_cross_border_region():
    t = gii_tables(_ranking(), top_n=TOP)["table5_top_per_economy"]
    assert list(t.columns) == [
        "Rank",
        "Cluster name",
        "Economy",
        "Rank change",
        "Top applicant",
        "Top organization",
    ]
    assert t["Rank"].tolist() == [1, 2, 3, 5, 6]
    assert t["Economy"].tolist() == ["JP", "CN/HK", "CN", "SG/MY", "US"]
    assert t["Cluster name"].tolist() == [
        "Tokyo–Yokohama",
        "Shenzhen–Hong Kong",
        "Beijing",
        "Singapore",
        "Boston–Cambridge, MA",
    ]
    assert t["Rank change"].tolist() == [0, 1, -1, 1, -1]
    assert t["Top applicant"].tolist()[-1] == "MIT"


def test_table6_counts_cross_border_clusters_for_each_economy():
    r = _ranking()
    t = gii_tables(r, top_n=TOP)["table6_economies_3plus"]
    assert t.to_dict("list") == {
        "Economy": ["CN"],
        "Economy name": ["China"],
        "Top 6 clusters": [3],  # Shenzhen–Hong Kong (CN/HK), Beijing, Shanghai
    }
    t1 = table6_economies(r, TOP, min_clusters=1, economies={"HK": "Hong Kong, China"})
    assert t1["Economy"].tolist() == ["CN", "HK", "JP", "MY", "SG", "US"]
    assert t1["Top 6 clusters"].tolist() == [3, 1, 1, 1, 1, 1]
    assert t1["Economy name"].tolist()[1] == "Hong Kong, China"


def test_table7_economies_only_beyond_the_top():
    t = gii_tables(_ranking(), top_n=TOP)["table7_beyond_top100"]
    assert t.to_dict("list") == {
        "Economy": ["PT", "EG", "NO", "ZA", "SE"],
        "Economy name": ["Portugal", "Egypt", "Norway", "South Africa", "Sweden"],
        "Clusters beyond top 6": [2, 1, 1, 1, 1],
        "Cluster name(s)": ["Lisbon and Porto", "Cairo", "Oslo", "Johannesburg", "Oslo"],
        "Best rank": [7, 9, 12, 10, 12],
    }  # MY is absent: it has a top-6 cluster (Singapore, SG/MY); CN too


def test_table8_african_clusters():
    t = gii_tables(_ranking(), top_n=TOP)["table8_africa"]
    assert t["African rank"].tolist() == [1, 2]
    assert t["Rank"].tolist() == [9, 10]
    assert t["Cluster name"].tolist() == ["Cairo", "Johannesburg"]
    assert t["Economy"].tolist() == ["EG", "ZA"]
    r = _ranking().set_index("name")
    assert t["Total"].tolist() == pytest.approx(r.loc[["Cairo", "Johannesburg"], "score"].tolist())


def test_table9_needs_intensity_and_follows_it():
    r = _ranking()
    t = gii_tables(r, top_n=TOP)["table9_intensity"]
    assert t.empty and "not computed" in t.attrs["note"]
    pop = pd.DataFrame(
        {"cluster_id": r["cluster_id"], "population": 1e6 * (1 + (r["cluster_id"] % 5))}
    )
    ri = intensity(r, pop, top_n=TOP)
    t = gii_tables(ri, top_n=TOP)["table9_intensity"]
    assert len(t) == TOP  # fewer than 25 clusters in the top 6
    assert t["Intensity rank"].tolist() == list(range(1, TOP + 1))
    src = ri[ri["rank"] <= TOP].sort_values("intensity_rank")
    assert t["Cluster name"].tolist() == src["name"].tolist()
    assert t["Rank"].tolist() == src["rank"].tolist()
    np.testing.assert_allclose(t[INTENSITY_HEADER], src["intensity"])
    np.testing.assert_allclose(t["PCT applications per million"], src["pct_per_million"])
    np.testing.assert_allclose(t["Articles per million"], src["pub_per_million"])
    assert t["Population"].tolist() == src["population"].round().astype(int).tolist()
    assert t[INTENSITY_HEADER].is_monotonic_decreasing


def test_top100_is_top_table():
    r = _ranking()
    pd.testing.assert_frame_equal(gii_tables(r, top_n=TOP)["top100"], top_table(r, TOP))


def test_to_latex_booktabs_and_escaping():
    df = pd.DataFrame(
        {
            "Rank": [1, 2],
            "Cluster name": ["San Jose–San Francisco, CA", "A_B & C"],
            "Share (%)": [12.3456, np.nan],
        }
    )
    assert to_latex(df) == (
        "\\begin{tabular}{rlr}\n"
        "\\toprule\n"
        "Rank & Cluster name & Share (\\%) \\\\\n"
        "\\midrule\n"
        "1 & San Jose–San Francisco, CA & 12.35 \\\\\n"
        "2 & A\\_B \\& C & n/a \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n"
    )


def test_write_gii_tables_three_formats_match_the_ranking(tmp_path):
    r = _ranking()
    pop = pd.DataFrame({"cluster_id": r["cluster_id"], "population": 2e6})
    tables = gii_tables(intensity(r, pop, top_n=TOP), top_n=TOP)
    assert list(tables) == list(GII_TABLE_TITLES)
    paths = write_gii_tables(tables, tmp_path / "tables")
    assert len(paths) == 18
    for name, df in tables.items():
        csv = pd.read_csv(tmp_path / "tables" / f"{name}.csv")
        assert list(csv.columns) == list(df.columns)
        assert len(csv) == len(df)
        md = (tmp_path / "tables" / f"{name}.md").read_text(encoding="utf-8").splitlines()
        assert md[0].startswith("| ") and len([x for x in md if x.startswith("| ")]) == len(df) + 1
        tex = (tmp_path / "tables" / f"{name}.tex").read_text(encoding="utf-8")
        assert tex.count("\\\\\n") == len(df) + 1 and "\\toprule" in tex
    # values read back equal the ranking they come from
    top = pd.read_csv(tmp_path / "tables" / "top100.csv")
    src = r.sort_values("rank").head(TOP)
    np.testing.assert_allclose(top["Total"], src["score"], rtol=1e-9)
    assert top["Cluster name"].tolist() == src["name"].tolist()
    tex = (tmp_path / "tables" / "top100.tex").read_text(encoding="utf-8")
    assert "Fund 10\\% \\& co\\_op \\#1 \\{x\\} \\$" not in tex  # top100 has no organizations
    t5 = (tmp_path / "tables" / "table5_top_per_economy.tex").read_text(encoding="utf-8")
    assert "Fund 10\\% \\& co\\_op \\#1 \\{x\\} \\$" in t5
    md5 = (tmp_path / "tables" / "table5_top_per_economy.md").read_text(encoding="utf-8")
    # Markdown: "_" and "$" backslash-escaped; a plain "&" (no character reference) kept
    assert (
        "| 1 | Tokyo–Yokohama | JP | 0 | Mitsubishi Electric | Fund 10% & co\\_op #1 {x} \\$ |"
        in md5
    )


def test_write_gii_tables_notes_an_absent_intensity(tmp_path):
    tables = gii_tables(_ranking(), top_n=TOP)
    write_gii_tables(tables, tmp_path)
    assert "not computed" in (tmp_path / "table9_intensity.md").read_text(encoding="utf-8")
    assert "% S\\&T" not in (tmp_path / "table9_intensity.tex").read_text(encoding="utf-8")
    assert "% S&T intensity not computed" in (tmp_path / "table9_intensity.tex").read_text(
        encoding="utf-8"
    )
    assert pd.read_csv(tmp_path / "table9_intensity.csv").empty
