"""The sensitivity stage's bounded-memory paths (issue 11) give what the in-memory ones
give: the document matrix read row group by row group, the document-location file
written row group by row group, the lean radius graphs and their DBSCAN labels, the
truncated attachment candidates, and the engine's graph budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_sensitivity import PARAMS, WINDOWS, synthetic_placed

from stclusters.cluster import dbscan_from_graph, neighbour_graph
from stclusters.geo import to_xyz
from stclusters.io import read_parquet, write_parquet
from stclusters.locations import build_locations, window_sum
from stclusters.sensitivity import documents
from stclusters.sensitivity.documents import (
    _doc_matrix,
    doc_locations,
    doc_locations_file,
    doc_matrix_file,
    source_data,
    write_doc_locations_file,
)
from stclusters.sensitivity.engine import Engine
from stclusters.sensitivity.graphs import graph_labels, radius_graph
from stclusters.sensitivity.merge_fast import merge_labels, pair_tables
from stclusters.sensitivity.runs import Point


@pytest.fixture(scope="module")
def placed() -> pd.DataFrame:
    return synthetic_placed(n_cities=12, top=200.0, seed=3)


@pytest.fixture(scope="module")
def world(placed):
    locs = {c: window_sum(build_locations(placed, c, 0.01)["locations"], WINDOWS, ["loc_id"])
            for c in ("fractional", "whole")}
    docs = {c: doc_locations(placed, c, 0.01) for c in ("fractional", "whole")}
    return locs, docs


def _same_csr(a, b) -> None:
    assert a.shape == b.shape
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)


def test_document_matrix_read_by_row_group_equals_the_in_memory_one(world, tmp_path):
    locs, docs = world
    path = tmp_path / "docs.parquet"
    table = pa.Table.from_pandas(docs["fractional"], preserve_index=False)
    pq.write_table(table, path, row_group_size=17)  # documents cut across row groups
    assert pq.ParquetFile(path).metadata.num_row_groups > 20
    for s in ("pct", "pub", "vc"):
        loc = np.sort(locs["fractional"].query("source == @s")["loc_id"].to_numpy())
        for window in (None, WINDOWS[s], (2021, 2021)):
            want = _doc_matrix(s, "fractional", docs["fractional"], loc if window else
                               np.sort(docs["fractional"].query("source == @s")["loc_id"]
                                       .unique()), window)
            got = doc_matrix_file(path, s, "fractional", loc if window else
                                  np.sort(docs["fractional"].query("source == @s")["loc_id"]
                                          .unique()), window)
            assert want.shape[0] > 0
            _same_csr(got, want)
    # the whole source data, from the file and from the frames
    by_frame = source_data("pub", locs, docs, window=WINDOWS["pub"], params=PARAMS)
    by_file = source_data("pub", locs, {"fractional": path, "whole": docs["whole"]},
                          window=WINDOWS["pub"], params=PARAMS)
    _same_csr(by_file.docs["fractional"], by_frame.docs["fractional"])
    assert by_file.n_docs == by_frame.n_docs


def test_document_matrix_file_needs_every_location(world, tmp_path):
    locs, docs = world
    path = tmp_path / "docs.parquet"
    write_parquet(docs["whole"], path)
    loc = np.sort(locs["whole"].query("source == 'pct'")["loc_id"].to_numpy())
    with pytest.raises(ValueError, match="missing from the whole table"):
        doc_matrix_file(path, "pct", "whole", loc[1:], WINDOWS["pct"])


@pytest.mark.parametrize("counting", ["fractional", "whole"])
def test_doc_locations_written_by_row_group_are_the_same_file(placed, tmp_path, monkeypatch,
                                                             counting):
    records = tmp_path / "records.parquet"
    write_parquet(placed, records)
    want = doc_locations_file(records, 500, counting)
    one = tmp_path / "one.parquet"
    write_parquet(want, one)
    streamed = tmp_path / "streamed.parquet"
    n_docs = write_doc_locations_file(records, streamed, 500, counting)
    assert streamed.read_bytes() == one.read_bytes()
    assert n_docs == want.groupby("source")["doc"].nunique().to_dict()
    # several row groups: the same rows, cut where pyarrow cuts them
    monkeypatch.setattr(documents, "ROW_GROUP_ROWS", 1000)
    several = tmp_path / "several.parquet"
    write_doc_locations_file(records, several, 500, counting)
    assert pq.ParquetFile(several).metadata.num_row_groups == -(-len(want) // 1000)
    ref = tmp_path / "ref.parquet"
    pq.write_table(pa.Table.from_pandas(want, preserve_index=False).replace_schema_metadata(
        None), ref, compression="zstd", write_statistics=True, row_group_size=1000)
    assert several.read_bytes() == ref.read_bytes()
    pd.testing.assert_frame_equal(read_parquet(several), want, check_exact=True)


def _grid_points(seed: int, n: int = 6000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ll = np.unique(np.c_[np.round(rng.normal(45, 0.4, n), 2),
                         np.round(rng.normal(7, 0.6, n), 2)], axis=0)
    return ll[:, 0], ll[:, 1], rng.random(len(ll)) * 3


@pytest.mark.parametrize("seed", [0, 1])
def test_radius_graph_and_its_labels_are_neighbour_graph_and_dbscan(seed):
    lat, lon, w = _grid_points(seed)
    for eps in (4.0, 13.0):
        ref = neighbour_graph(lat, lon, eps)
        g = radius_graph(to_xyz(lat, lon), eps)
        assert np.array_equal(g.indptr, ref.indptr)
        assert np.array_equal(g.indices, ref.indices)
        for min_weight in (0.5, 10.0, 60.0, 1e9):
            want = dbscan_from_graph(ref, w, min_weight)
            got = graph_labels(g, w, min_weight)
            assert np.array_equal(got, want)
        assert 0 < (want >= 0).sum() or min_weight == 1e9


def test_truncated_attachment_candidates_merge_alike(world):
    locs, docs = world
    data = {s: source_data(s, locs, docs, window=WINDOWS[s], params=PARAMS)
            for s in ("pct", "pub", "vc")}
    eng = Engine(data, link_km=13.0, attach_km=13.0)
    xyz = to_xyz(np.concatenate([d.lat for d in eng.sources.values()]),
                 np.concatenate([d.lon for d in eng.sources.values()]))
    few = pair_tables(xyz, eng.src, 13.0, 13.0, candidates=1)
    assert few.att_more.any()  # lookups happen
    for point in (Point("dbscan", 13.0, 0.004), Point("dbscan", 8.0, 0.01),
                  Point("dbscan", 20.0, 0.02)):
        for sources in (("pct", "pub"), ("pct", "pub", "vc")):
            labels = {s: eng.labels(s, point, "fractional", -1) for s in sources}
            want = merge_labels(eng.pairs, eng.n, eng._spans, labels, True)
            got = merge_labels(few, eng.n, eng._spans, labels, True)
            assert got[1] == want[1]
            assert np.array_equal(got[0], want[0])


def test_a_small_graph_budget_rebuilds_graphs_to_the_same_labels(world):
    locs, docs = world
    data = {s: source_data(s, locs, docs, window=WINDOWS[s], params=PARAMS)
            for s in ("pct", "pub")}
    big = Engine(data, link_km=13.0, attach_km=13.0)
    small = Engine(data, link_km=13.0, attach_km=13.0, graph_mb=0, cache_mb=0)
    points = [Point("dbscan", e, 0.004) for e in (8.0, 13.0, 8.0, 20.0, 13.0)]
    for p in points:
        for s in ("pct", "pub"):
            for rep in (-1, 3):
                assert np.array_equal(small.labels(s, p, "fractional", rep),
                                      big.labels(s, p, "fractional", rep))
    assert big.graphs_built == 6  # 3 radii x 2 sources, each built once
    assert small.graphs_built > big.graphs_built
    assert len(small._graphs) == 1


def test_document_numbers_follow_python_string_order():
    """Arrow's sort of the ids gives the numbers np.sort + searchsorted gave (code point
    order, a repeated id numbered at its first position)."""
    rng = np.random.default_rng(5)
    alphabet = list("aZ09_-é中😀 ") + ["W1", "w10", "W2"]
    blocks = [np.array(sorted({"".join(rng.choice(alphabet, rng.integers(0, 5)))
                               for _ in range(40)}), dtype=object) for _ in range(4)]
    blocks.append(np.concatenate([blocks[0][:3], blocks[2][-2:]]))  # ids seen again
    every = np.sort(np.concatenate(blocks))
    want = [np.searchsorted(every, b) for b in blocks]
    got = documents._first_positions([pa.array(b, type=pa.large_string()) for b in blocks])
    for w, g in zip(want, got, strict=True):
        assert np.array_equal(w, g)
