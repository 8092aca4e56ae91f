"""Tests for stclusters.fidelity (comparison with the published GII facts)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from stclusters.fidelity import edition_year, fidelity, fidelity_summary, match_name, write_fidelity

REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference"


def _reference(tmp_path: Path) -> Path:
    ref = tmp_path / "reference"
    ref.mkdir()
    pd.DataFrame(
        {
            "rank": [1, 2, 3, 8, 12, 30],
            "cluster_name": [
                "Tokyo–Yokohama",
                "Shenzhen–Hong Kong",
                "Seattle WA",
                "Göteborg",
                "Macao SAR–Zhuhai",
                "Nowhere",
            ],
            "economy": ["JP", "CN/HK", "US", "SE", "MO/CN", "XX"],
        }
    ).to_csv(ref / "gii2024_top100_ranks.csv", index=False)
    pd.DataFrame(
        {
            "edition": [2024, 2024, 2024, 2025],
            "economy": ["CN", "JP", "MY", "CN"],
            "top100_clusters": [2, 1, 1, 9],
            "note": ["Table 6", "Table 6", "text", "press"],
        }
    ).to_csv(ref / "gii_clusters_per_economy.csv", index=False)
    pd.DataFrame(
        {
            "intensity_rank": [1, 2, 3],
            "cluster_name": ["Göteborg", "Seattle WA", "Ann Arbor MI"],
            "economy": ["SE", "US", "US"],
        }
    ).to_csv(ref / "gii2024_intensity_top25.csv", index=False)
    return ref


def _ranking() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rank": [1, 2, 3, 4, 5, 6],
            "name": [
                "Tokyo–Yokohama",
                "Shenzhen–Hong Kong",
                "Gothenburg",
                "Seattle–Redmond, WA",
                "Zhuhai–Macao",
                "Singapore",
            ],
            "economy": ["JP", "CN/HK", "SE", "US", "CN/MO", "SG/MY"],
            "intensity_rank": pd.array([4, 5, 1, 2, 3, 6], dtype="Int64"),
        }
    )


def test_edition_year_and_match_name():
    assert edition_year("gii2024") == edition_year(2024) == "2024"
    with pytest.raises(ValueError):
        edition_year("latest")
    assert match_name("Seattle WA") == match_name("Seattle, WA") == "Seattle"
    assert match_name("Macao SAR–Zhuhai") == "Macao–Zhuhai"
    assert match_name("Göteborg") == "Gothenburg"


def test_fidelity_sections(tmp_path):
    ref = _reference(tmp_path)
    summary, tables = fidelity(_ranking(), ref, "gii2024", top_n=5)
    json.dumps(summary)  # serialisable
    assert summary["available"] is True
    ranks = summary["ranks"]
    assert ranks["n_published"] == 6 and ranks["n_matched"] == 5
    t = tables["ranks"].set_index("published_rank")
    assert t.loc[3, "our_name"] == "Seattle–Redmond, WA"  # first place, suffix dropped
    assert t.loc[3, "published_name"] == "Seattle WA"  # names shown as printed
    assert t.loc[12, "our_rank"] == 5 and t.loc[12, "match"] == "places"
    assert pd.isna(t.loc[30, "our_rank"])
    # published 1, 2, 3, 8, 12 vs ours 1, 2, 4, 3, 5
    assert ranks["spearman"] == pytest.approx(0.9)
    assert ranks["kendall"] == pytest.approx(0.8)
    top10 = summary["top_overlap"][0]
    assert top10 == {"k": 10, "known": 4, "overlap": 4, "share": 1.0, "missing": []}
    top25 = summary["top_overlap"][1]
    assert top25["known"] == 5 and top25["overlap"] == 5  # Nowhere (30) is beyond 25
    econ = tables["economies"].set_index("economy")
    # ours within the top 5: CN via CN/HK and CN/MO = 2, JP 1, MY 0 (Singapore is 6th)
    assert econ["ours"].to_dict() == {"CN": 2, "JP": 1, "MY": 0}
    assert econ["difference"].to_dict() == {"CN": 0, "JP": 0, "MY": -1}
    assert summary["economies"]["exact"] == 2
    inten = summary["intensity"]
    assert inten["known"] == 3 and inten["n_matched"] == 2 and inten["overlap_top25"] == 2
    it = tables["intensity"].set_index("published_intensity_rank")
    assert it.loc[1, "our_intensity_rank"] == 1 and it.loc[2, "our_intensity_rank"] == 2


def test_fidelity_skips_cleanly(tmp_path):
    s = fidelity_summary(_ranking(), tmp_path / "absent", 2024)
    assert s["available"] is False and "not found" in s["reason"]
    ref = _reference(tmp_path)
    s, tables = fidelity(_ranking().drop(columns="intensity_rank"), ref, 2025)
    assert s["ranks"]["available"] is False
    assert s["intensity"]["available"] is False
    assert s["economies"]["available"] is True and tables["economies"]["published"].tolist() == [9]
    paths = write_fidelity(s, tables, tmp_path / "out")
    assert [Path(p).name for p in paths] == [
        "summary.json",
        "ranks.csv",
        "economies.csv",
        "intensity.csv",
    ]
    assert json.loads(Path(paths[0]).read_text())["edition"] == "2025"
    assert pd.read_csv(paths[1]).empty


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="../shared/reference not present")
def test_published_ranking_is_faithful_to_itself():
    pub = pd.read_csv(REFERENCE / "gii2024_top100_ranks.csv")
    ours = pub.rename(columns={"cluster_name": "name"})[["rank", "name", "economy"]]
    s = fidelity_summary(ours, REFERENCE, "gii2024")
    assert s["ranks"]["n_matched"] == s["ranks"]["n_published"] == len(pub)
    assert s["ranks"]["spearman"] == pytest.approx(1.0)
    assert all(o["share"] == 1.0 for o in s["top_overlap"])
    assert s["top_overlap"][0]["known"] == int((pub["rank"] <= 10).sum())


def test_top_overlap_with_a_published_cluster_we_do_not_rank():
    """A published top-k cluster with no match in our ranking (our_rank missing, a nullable
    integer) counts as missing; it once made the overlap fail on the real files."""
    from stclusters.fidelity import _overlap

    table = pd.DataFrame({"published_rank": [1, 2, 3, 40],
                          "our_rank": pd.array([1, None, 5, 2], dtype="Int64"),
                          "published_name": ["A", "B", "C", "D"]})
    assert _overlap(table, 3) == {"k": 3, "known": 3, "overlap": 1, "share": 1 / 3,
                                  "missing": ["B", "C"]}
