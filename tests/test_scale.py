"""The scale scenario (issue 11): the demo world at any scale, generated block by block and
written chunk by chunk; config/scale.yaml; benchmarks/bench_scale.py.

A block is the scale-1 world's documents (or ``block_scale`` of them in these tests, so
that several blocks run in seconds); the chunk size decides only the Parquet row groups.
The worlds of scale 1 or less are one block and keep their content from before blocks.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from stclusters import demo
from stclusters.demo.generator import DocChunks
from stclusters.io import parquet_rows, write_parquet

REPO = Path(__file__).resolve().parents[1]
SMALL = 0.05
# sha256 of generate(...).to_csv(index=False, na_rep="<NA>") computed with the code of main
# before blocks (commit f4963b9): the content of these worlds must not change
BEFORE = {
    SMALL: "b8767e275029fd5ddb1d86dc67a207264448cdf699a83e4cbac084b789e1bf19",
    1.0: "c3929605aeff63d764ffc9493e3128b4d855543127b50b7deb08714ee163b212",
}


def content_sha(df: pd.DataFrame) -> str:
    """A digest of the frame's values (independent of object/str dtypes and of Parquet)."""
    return hashlib.sha256(df.to_csv(index=False, na_rep="<NA>").encode("utf-8")).hexdigest()


def blocks_frame(**kwargs) -> pd.DataFrame:
    return pd.concat([df for df, _ in demo.generate_blocks(**kwargs)], ignore_index=True)


def test_block_plan():
    assert demo.blocks(1.0) == [
        {"pct": range(0, 40_000), "pub": range(0, 43_000), "vc": range(0, 46_000)}
    ]
    assert demo.blocks(SMALL) == [
        {"pct": range(0, 2_000), "pub": range(0, 2_150), "vc": range(0, 2_300)}
    ]
    plan = demo.blocks(2.5)
    assert len(plan) == 3
    assert plan[1] == {"pct": range(40_000, 80_000), "pub": range(43_000, 86_000),
                       "vc": range(46_000, 92_000)}
    assert plan[2] == {"pct": range(80_000, 100_000), "pub": range(86_000, 107_500),
                       "vc": range(92_000, 115_000)}
    big = demo.blocks(166)
    assert len(big) == 166
    assert [big[-1][s].stop for s in ("pct", "pub", "vc")] == [6_640_000, 7_138_000, 7_636_000]
    # a source whose documents end before the last block's has an empty range there
    odd = demo.blocks(2.0000125)
    assert len(odd) == 3 and len(odd[2]["pct"]) == 0 and len(odd[2]["pub"]) == 1
    with pytest.raises(ValueError):
        demo.blocks(0)


def test_small_world_keeps_its_content():
    df = demo.generate(scale=SMALL)
    assert len(df) == 15_160
    assert content_sha(df) == BEFORE[SMALL]


@pytest.mark.slow
def test_scale_one_world_keeps_its_content(tmp_path):
    """The default world (one block) as before blocks: same values, and written in one
    chunk the same Parquet bytes as write_parquet of the frame (the rankings follow)."""
    df = demo.generate()
    assert len(df) == 303_496
    assert content_sha(df) == BEFORE[1.0]
    path, ref = tmp_path / "demo.parquet", tmp_path / "ref.parquet"
    assert demo.write_demo(path, chunk_rows=1_000_000) == 303_496
    write_parquet(df, ref)
    assert path.read_bytes() == ref.read_bytes()


def test_one_chunk_file_has_the_bytes_of_write_parquet(tmp_path):
    path, ref = tmp_path / "demo.parquet", tmp_path / "ref.parquet"
    rows = demo.write_demo(path, chunk_rows=1_000_000, scale=SMALL)
    write_parquet(demo.generate(scale=SMALL), ref)
    assert path.read_bytes() == ref.read_bytes()
    assert rows == parquet_rows(ref) == 15_160


def _row_groups(path) -> list[pd.DataFrame]:
    pf = pq.ParquetFile(path)
    return [pf.read_row_group(i).to_pandas() for i in range(pf.num_row_groups)]


def test_chunks_change_row_groups_not_rows(tmp_path):
    one = tmp_path / "one.parquet"
    demo.write_demo(one, chunk_rows=1_000_000, scale=SMALL)
    whole = pd.read_parquet(one)
    for chunk_rows in (1_000, 1_777):
        path = tmp_path / f"c{chunk_rows}.parquet"
        rows = demo.write_demo(path, chunk_rows=chunk_rows, scale=SMALL)
        assert rows == 15_160
        pd.testing.assert_frame_equal(pd.read_parquet(path), whole)
        groups = _row_groups(path)
        assert len(groups) >= 15_160 // chunk_rows + 1
        assert all(len(g) <= chunk_rows for g in groups)
        # cut between documents only, and as late as the chunk allows (<= 7 rows short)
        for a, b in zip(groups, groups[1:], strict=False):
            assert a["doc_id"].iloc[-1] != b["doc_id"].iloc[0]
            assert len(a) > chunk_rows - 8
    again = tmp_path / "again.parquet"
    demo.write_demo(again, chunk_rows=1_777, scale=SMALL)
    assert again.read_bytes() == (tmp_path / "c1777.parquet").read_bytes()


def test_several_blocks_at_any_chunk_size(tmp_path):
    """Five blocks of 1% each: same rows whatever the chunk size, documents contiguous and
    numbered through, block 0 the 1% world, the 3% world a prefix of the 5% world."""
    kw = {"scale": SMALL, "block_scale": 0.01, "seed": 7}
    frame = blocks_frame(**kw)
    assert len(demo.blocks(SMALL, 0.01)) == 5
    for chunk_rows in (700, 1_000_000):
        path = tmp_path / f"b{chunk_rows}.parquet"
        assert demo.write_demo(path, chunk_rows=chunk_rows, **kw) == len(frame)
        back = pd.read_parquet(path)
        assert (back["doc_id"].to_numpy() == frame["doc_id"].to_numpy()).all()
        assert content_sha(back) == content_sha(frame)
    # every document's rows in one run, ids 0..N-1 of each source exactly once
    runs = (frame["doc_id"] != frame["doc_id"].shift()).sum()
    assert runs == frame["doc_id"].nunique()
    for s, n in (("pct", 2_000), ("pub", 2_150), ("vc", 2_300)):
        ids = frame.loc[frame["source"] == s, "doc_id"].drop_duplicates()
        prefix = {"pct": "PCT", "pub": "PUB", "vc": "VC"}[s]
        assert sorted(ids) == [f"{prefix}-{i:06d}" for i in range(n)]
    first = demo.generate(scale=0.01, seed=7)
    pd.testing.assert_frame_equal(frame.iloc[: len(first)].reset_index(drop=True), first)
    prefix3 = blocks_frame(scale=0.03, block_scale=0.01, seed=7)
    assert content_sha(frame.iloc[: len(prefix3)]) == content_sha(prefix3)
    assert content_sha(frame.iloc[len(first):]) != content_sha(frame.iloc[: -len(first)])


def test_blocks_made_by_worker_processes_give_the_same_bytes(tmp_path):
    """Five blocks generated by two forked workers (stream.workers) write the file one
    process writes, byte for byte, for a chunk size cutting inside and across blocks."""
    kw = {"scale": SMALL, "block_scale": 0.01, "seed": 7, "chunk_rows": 1_500}
    one, two = tmp_path / "w1.parquet", tmp_path / "w2.parquet"
    n1 = demo.write_demo(one, workers=1, **kw)
    n2 = demo.write_demo(two, workers=2, **kw)
    assert n1 == n2 == len(blocks_frame(scale=SMALL, block_scale=0.01, seed=7))
    assert pq.ParquetFile(one).metadata.num_row_groups > 5
    assert one.read_bytes() == two.read_bytes()


def test_blocks_keep_the_distribution():
    """Ten blocks of 2% against the one-block 20% world: same volumes, metros, junk and
    coordinates, as close as two one-block worlds of different seeds are to each other;
    one startup name pool for the whole world."""
    one, t1 = demo.generate_with_truth(scale=0.2)
    _, t2 = demo.generate_with_truth(scale=0.2, seed=2)
    pairs = list(demo.generate_blocks(scale=0.2, block_scale=0.02, with_truth=True))
    assert len(pairs) == 10
    many = pd.concat([p[0] for p in pairs], ignore_index=True)
    tm = pd.concat([p[1] for p in pairs], ignore_index=True)
    for s in ("pct", "pub", "vc"):
        a, b = (one["source"] == s).sum(), (many["source"] == s).sum()
        assert abs(a - b) <= 0.02 * a, s

    def shares(t):
        return t["metro"].value_counts(normalize=True)

    def l1(a, b):
        return float(a.sub(b, fill_value=0).abs().sum())

    noise = l1(shares(t1), shares(t2))  # two independent one-block worlds
    assert 0.01 < noise < 0.1
    assert l1(shares(t1), shares(tm)) < 1.5 * noise
    assert set(shares(t1).index[:6]) == set(shares(tm).index[:6])
    assert abs((t1["junk"] != "").mean() - (tm["junk"] != "").mean()) < 0.003
    assert abs(one["lat"].notna().mean() - many["lat"].notna().mean()) < 0.01
    vc1 = one.loc[one["source"] == "vc", "organization"].nunique()
    vcm = many.loc[many["source"] == "vc", "organization"].nunique()
    assert abs(vc1 - vcm) <= 0.05 * vc1
    # every block names a metro's startups from the metro's one pool of 40
    tokyo = (many["source"] == "vc") & (tm["metro"] == "Tokyo–Yokohama")
    tokyo1 = (one["source"] == "vc") & (t1["metro"] == "Tokyo–Yokohama")
    assert tokyo.sum() > 150
    names, names1 = set(many.loc[tokyo, "organization"]), set(one.loc[tokyo1, "organization"])
    assert len(names) <= 40 and len(names & names1) >= 30


def _table(doc_sizes: list[int], first: int = 0) -> tuple[pa.Table, np.ndarray]:
    ids = np.repeat(np.arange(first, first + len(doc_sizes)), doc_sizes)
    starts = np.concatenate([[0], np.cumsum(doc_sizes)[:-1]])
    return pa.table({"doc_id": ids}), starts


def test_doc_chunks_cut_between_documents_whatever_the_arrival():
    sizes = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9]  # 77 rows, one document of 9
    results = []
    for split in ([15], [4, 11], [1, 2, 3, 4, 5]):
        chunks, out, k = DocChunks(8), [], 0
        for n in split:
            out += chunks.add(*_table(sizes[k:k + n], first=k))
            k += n
        out += chunks.rest()
        results.append([c.column("doc_id").to_pylist() for c in out])
    assert results[0] == results[1] == results[2]
    got = results[0]
    # greedy: as many whole documents as fit in 8 rows; a 9-row document alone
    assert [len(c) for c in got] == [8, 6, 9, 8, 8, 5, 8, 9, 7, 9]
    assert [x for c in got for x in c] == list(np.repeat(np.arange(15), sizes))
    for a, b in zip(got, got[1:], strict=False):
        assert a[-1] != b[0]  # never inside a document


def test_progress_in_the_log(tmp_path, caplog):
    log = logging.getLogger("test_scale")
    with caplog.at_level(logging.INFO, logger="test_scale"):
        demo.write_demo(tmp_path / "d.parquet", chunk_rows=5_000, log=log, scale=0.01)
    lines = [r.getMessage() for r in caplog.records]
    # the final line: rows written of those expected (expected_rows), rate, time
    assert any(line.startswith("demo_world: 3,135 rows of 3,036 (103%), ") and "rows/s" in line
               for line in lines)


def test_scale_scenario_config():
    """config/scale.yaml: valid over config.yaml, about 50 million rows, sweep and
    sensitivity off, and its header names the command to the two rankings."""
    from snakemake.utils import update_config, validate

    from stclusters.preflight import preflight

    text = (REPO / "config" / "scale.yaml").read_text(encoding="utf-8")
    cfg = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    update_config(cfg, copy.deepcopy(yaml.safe_load(text)))
    validate(cfg, str(REPO / "schemas/config.schema.yaml"))
    preflight(cfg)
    assert 49e6 < demo.expected_rows(cfg["demo"]["scale"]) < 52e6
    assert not cfg["sweep"]["enabled"] and not cfg["sweep"]["hdbscan"]["enabled"]
    assert not cfg["sensitivity"]["enabled"]
    assert set(cfg["variants"]) >= {"gii2024", "gii2025"}
    assert ("--configfile config/scale.yaml" in text
            and "results/ranking/gii2024/clusters.csv results/ranking/gii2025/clusters.csv"
            in text)


def _bench(tmp_path: Path, rule: str, wildcards: dict, s: float, rss: float,
           pss: float | str) -> None:
    """An extended Snakemake benchmark file (the columns bench_scale reads)."""
    name = "_".join([rule, *map(str, wildcards.values())])
    path = tmp_path / "results" / "benchmarks" / f"{name}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "s\th:m:s\tmax_rss\tmax_vms\tmax_pss\trule_name\twildcards\tinput_size_mb\n"
        f"{s}\t0:00:00\t{rss}\t1\t{pss}\t{rule}\t{wildcards!r}\t{{}}\n", encoding="utf-8")


def test_bench_scale_table(tmp_path, capsys):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench_scale
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    _bench(tmp_path, "rank", {"variant": "gii2024"}, 5.25, 410.0, 380.0)
    _bench(tmp_path, "demo_world", {}, 181.0, 2560.0, 1940.0)  # forked workers
    _bench(tmp_path, "cluster_source", {"variant": "gii2024", "source": "pct"}, 2.0, 300.0,
           "NA")
    (tmp_path / "bench_scale.json").write_text(
        '{"command": "snakemake --cores 2 x", "returncode": 0, "wall_s": 600.4, '
        '"cores": 2, "date": "2026-12-01 05:00"}', encoding="utf-8")
    assert bench_scale.main([str(tmp_path), "--no-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:5] == [
        "| rule | job | wall s | peak RSS | peak PSS |",
        "|---|---|---:|---:|---:|",
        "| demo_world |  | 181.0 | 2.50 GB | 1.89 GB |",
        "| cluster_source | gii2024, pct | 2.0 | 300 MB | 300 MB |",
        "| rank | gii2024 | 5.2 | 410 MB | 380 MB |",
    ]
    assert out[6].startswith("Total wall time 600.4 s (10 min 0 s) on --cores 2")
    assert out[7].startswith("3 jobs; sum of job wall times 188.2 s (3 min 8 s); "
                             "largest peak 2.50 GB (demo_world).")
