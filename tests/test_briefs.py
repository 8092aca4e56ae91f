"""Top cluster briefs and the explorer: numbers, files, determinism, escaping, size."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from _briefs_world import NASTY, build_world, variant

from stclusters.briefs.build import write_briefs
from stclusters.briefs.data import (
    brief_names,
    cluster_briefs,
    footprint,
    match_variants,
    pair_matches,
    place_table,
    rank_table,
    slug,
    top_organizations,
    yearly_output,
)
from stclusters.briefs.page import map_extent
from stclusters.compare import match_clusters
from stclusters.explorer import explorer_data, script_json, write_explorer


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="module")
def written(world, tmp_path_factory):
    """v2's briefs (top 4) written twice, and the explorer."""
    out = tmp_path_factory.mktemp("out")
    v2 = variant(world, "v2")
    args = (v2, world["variants"], world["organizations"]["v2"],
            world["location_places"]["v2"])
    table = write_briefs(out / "results" / "briefs" / "v2", *args, n_briefs=4)
    again = write_briefs(out / "again", *args, n_briefs=4)
    size = write_explorer(out / "reports" / "explorer.html", world["variants"],
                          brief_indexes={"v2": out / "results" / "briefs" / "v2" / "index.csv"},
                          top_n=10, compare=[["v1", "v2"]])
    return {"out": out, "table": table, "again": again, "size": size}


# ------------------------------------------------------------------ numbers


def test_matching_equals_the_compare_rule_on_one_grid_and_works_across_grids(world):
    v1, v2, v3 = (variant(world, n) for n in ("v1", "v2", "v3"))
    got = match_variants(v1, v2)
    direct = match_clusters(v1.membership, v2.membership, v1.current)
    pd.testing.assert_frame_equal(got, direct)
    assert len(got) == 12 and (got["cluster_id_a"] == got["cluster_id_b"]).all()
    # v3 rounds to 0.02 degrees: its loc_ids share nothing with v2's, yet every cluster
    # finds its counterpart once both are on the coarser grid
    assert not set(v3.membership["loc_id"]) & set(v2.membership["loc_id"]) - {0}
    across = match_variants(v2, v3)
    assert len(across) == 12 and (across["cluster_id_a"] == across["cluster_id_b"]).all()
    assert (across["overlap_share"] > 0.99).all()


def test_rank_table_gives_each_variants_rank_and_interval(world):
    vs = world["variants"]
    v2 = variant(world, "v2")
    t = rank_table(v2, vs, pair_matches(vs, ref="v2"))
    assert len(t) == 3 * 12
    sj = t[t["cluster_id"] == 2].set_index("variant")  # San Jose: VC lifts it to 1st
    assert sj.loc["v2", "rank"] == 1 and sj.loc["v1", "rank"] == 3
    assert sj.loc["v1", "p05_rank"] == 2 and sj.loc["v1", "p95_rank"] == 5
    assert pd.isna(sj.loc["v3", "p05_rank"])  # no sensitivity run for v3
    own = t[t["variant"] == "v2"]
    assert (own["match_id"] == own["cluster_id"]).all()


def test_yearly_output_adds_up_to_the_ranking_counts(world):
    v2 = variant(world, "v2")
    ids = v2.ranking["cluster_id"].tolist()
    y = yearly_output(v2, ids)
    assert set(y["year"]) == set(range(2018, 2024))
    cur = y[(y["year"] >= 2019) & (y["year"] <= 2023)]
    sums = cur.pivot_table(index="cluster_id", columns="source", values="weight", aggfunc="sum")
    r = v2.ranking.set_index("cluster_id")
    for s in ("pct", "pub", "vc"):
        np.testing.assert_allclose(sums[s].reindex(r.index), r[f"{s}_count"], rtol=1e-12)


def test_footprint_outputs_add_up_to_the_score(world):
    v1 = variant(world, "v1")
    ids = v1.ranking["cluster_id"].tolist()
    f = footprint(v1, ids)
    got = f.groupby("cluster_id")["output"].sum()
    np.testing.assert_allclose(got.reindex(ids), v1.ranking["score"], rtol=1e-9)
    assert (f.groupby("cluster_id")["output"].apply(lambda s: s.is_monotonic_increasing)).all()


def test_top_organizations_are_the_five_largest_fractional_counts(world):
    v2 = variant(world, "v2")
    orgs = world["organizations"]["v2"]
    t = top_organizations(v2, orgs, [0], n=5)
    pct = t[t["source"] == "pct"]
    assert pct["position"].tolist() == [1, 2, 3, 4, 5]
    # by hand: current window (2019-2023), cluster 0's member locations
    mem = v2.membership[(v2.membership["cluster_id"] == 0) & (v2.membership["source"] == "pct")]
    o = orgs[(orgs["source"] == "pct") & orgs["year"].between(2019, 2023)
             & orgs["loc_id"].isin(mem["loc_id"])]
    want = o.groupby("organization")["weight"].sum().sort_values(ascending=False).head(5)
    assert pct["organization"].tolist() == want.index.tolist()
    np.testing.assert_allclose(pct["weight"], want.to_numpy())
    assert t.loc[0, "organization"] in set(want.index)


def test_places_shares_sum_to_one_and_lie_in_the_cluster(world):
    v1 = variant(world, "v1")
    p = place_table(v1, world["location_places"]["v1"], [0, 5])
    np.testing.assert_allclose(p.groupby("cluster_id")["share"].sum(), [1.0, 1.0])
    paris = p[p["cluster_id"] == 5].iloc[0]
    assert paris["place"] == "Paris" and paris["country"] == "FR"
    assert abs(paris["lat"] - 48.85) < 0.2 and abs(paris["lon"] - 2.35) < 0.2
    assert paris["share"] > 0.5  # 10 of its 16 locations are "Paris"


def test_slugs_and_file_names():
    assert slug("San Jose–San Francisco, CA") == "san-jose-san-francisco-ca"
    assert slug("München") == "munchen"
    ranking = pd.DataFrame({"rank": [1, 2, 3], "cluster_id": [4, 7, 9],
                            "name": ["Tokyo–Yokohama", "東京", "x"], "economy": ["JP"] * 3})
    names = brief_names(ranking, 2)
    assert names["stem"].tolist() == ["001-tokyo-yokohama", "002-cluster-7"]


def test_map_extent_fits_the_points_and_the_box():
    lat = np.array([35.0, 35.5])
    lon = np.array([139.0, 140.5])
    x0, x1, y0, y1 = map_extent(lat, lon, box_ratio=1.2)
    assert x0 < 139.0 and x1 > 140.5 and y0 < 35.0 and y1 > 35.5
    ratio = (x1 - x0) * np.cos(np.radians((y0 + y1) / 2)) / (y1 - y0)
    assert ratio == pytest.approx(1.2)


# ------------------------------------------------------------------ files


class _Refs(HTMLParser):
    """Collects every src / href and every script element's attributes."""

    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.refs += [a[k] for k in ("src", "href") if a.get(k)]
        if tag == "script":
            self.scripts.append(a)


def _refs(text: str) -> _Refs:
    p = _Refs()
    p.feed(text)
    return p


def test_briefs_are_written_self_contained_escaped_and_deterministic(written):
    out, table = written["out"], written["table"]
    folder = out / "results" / "briefs" / "v2"
    assert table["rank"].tolist() == [1, 2, 3, 4]
    assert table.loc[0, "html"] == "clusters/001-san-jose-san-francisco-ca.html"
    on_disk = pd.read_csv(folder / "index.csv")
    assert on_disk["name"].tolist() == table["name"].tolist()
    for rel in list(table["html"]) + list(table["pdf"]):
        assert (folder / rel).stat().st_size > 5000
    # PDFs: the same data gives the same bytes
    for rel in table["pdf"]:
        assert (folder / rel).read_bytes() == (out / "again" / rel).read_bytes()
        assert (folder / rel).read_bytes().startswith(b"%PDF")
    # Tokyo's brief (rank 2) lists the organisation whose name carries markup
    tokyo = (folder / table.loc[1, "html"]).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons" in tokyo
    assert "<script" not in tokyo and "<!--" not in tokyo
    refs = _refs(tokyo).refs
    assert all(r.startswith(("data:image/png;base64,", "../index.html", "001-", "003-",
                             "002-")) for r in refs), refs
    assert sum(r.startswith("data:image/png") for r in refs) == 2
    # the rank under every variant, with the interval of the sensitivity stage
    assert "Variant v1" in tokyo and "Variant v3" in tokyo and "no sensitivity run" in tokyo
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.count('href="clusters/') == 8


def test_explorer_is_one_offline_file_with_every_variant(written, world):
    path = written["out"] / "reports" / "explorer.html"
    text = path.read_text(encoding="utf-8")
    assert written["size"] == path.stat().st_size < 15_000_000
    parsed = _refs(text)
    assert parsed.refs == []  # no src, no href in the template: nothing is loaded
    assert [s.get("src") for s in parsed.scripts] == [None, None]
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text)
    block = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    data = json.loads(block.group(1))
    assert [v["name"] for v in data["variants"]] == ["v1", "v2", "v3"]
    v2 = data["variants"][1]
    rows = [dict(zip(v2["fields"], r, strict=True)) for r in v2["rows"]]
    assert [r["rank"] for r in rows] == list(range(1, 13))
    assert rows[0]["name"] == "San Jose–San Francisco, CA"
    assert (rows[0]["p05_rank"], rows[0]["p95_rank"]) == (1, 3)
    assert rows[0]["brief"] == "../results/briefs/v2/clusters/001-san-jose-san-francisco-ca.html"
    assert rows[5]["brief"] is None  # beyond the four briefs written
    assert data["variants"][2]["has_intervals"] is False
    assert {(p["a"], p["b"]) for p in data["pairs"]} == {("v1", "v2"), ("v1", "v3"), ("v2", "v3")}
    assert (data["default_variant"], data["default_diff"]) == ("v1", "v2")
    assert len(data["basemap"]) > 150
    # the markup in an organisation name (top applicant of Tokyo) never appears raw
    assert NASTY not in text and "\\u003cscript\\u003ealert" in text


def test_script_json_cannot_close_its_script_block():
    text = script_json({"a": "</script><!-- & >", "b": [1.5, None]})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><!-- & >", "b": [1.5, None]}
    with pytest.raises(ValueError):
        script_json({"x": float("nan")})


def test_explorer_max_rank_keeps_the_top(world):
    data = explorer_data(world["variants"], max_rank=5, compare=[["v3", "v1"]])
    assert all(len(v["rows"]) == 5 for v in data["variants"])
    assert (data["default_variant"], data["default_diff"]) == ("v3", "v1")
    assert all(v["n_clusters"] == 12 for v in data["variants"])


def test_cluster_briefs_hold_one_brief_per_top_cluster(world):
    v1 = variant(world, "v1")
    bs = cluster_briefs(v1, world["variants"], world["organizations"]["v1"],
                        world["location_places"]["v1"], n_briefs=3)
    assert [int(b.row["rank"]) for b in bs] == [1, 2, 3]
    b = bs[0]
    assert b.title == "1. Tokyo–Yokohama" and len(b.ranks) == 3
    assert set(b.organizations["source"]) == {"pct", "pub"}  # v1 has no VC
    assert b.n_locations > 0 and b.points["output"].sum() == pytest.approx(b.row["score"])
