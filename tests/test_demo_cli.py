"""``python -m stclusters demo``: written block by block, the output is today's in-memory
one (CSV through the project's CSV writer, Parquet as the workflow's demo_world step)."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq

from stclusters import demo
from stclusters.__main__ import main, write_demo_csv
from stclusters.io import write_csv, write_parquet


def test_demo_csv_is_write_csv_of_the_frame(tmp_path):
    out, ref = tmp_path / "demo.csv", tmp_path / "ref.csv"
    assert main(["demo", str(out), "--scale", "0.01", "--seed", "3"]) == 0
    df = demo.generate(scale=0.01, seed=3)
    write_csv(df, ref, float_format=None)
    assert out.read_bytes() == ref.read_bytes()
    assert len(pd.read_csv(out)) == len(df)


def test_demo_csv_blocks_are_neutralised_as_write_csv_does(tmp_path, monkeypatch):
    blocks = [pd.DataFrame({"city": ["=HYPERLINK(1)", "Paris"], "lat": [-3.5, None]}),
              pd.DataFrame({"city": ["@SUM(A1)", "-3"], "lat": [1e-7, 2.0]})]
    monkeypatch.setattr(demo, "generate_blocks",
                        lambda *a, **k: iter([(b, None) for b in blocks]))
    out, ref = tmp_path / "demo.csv", tmp_path / "ref.csv"
    assert write_demo_csv(out) == 4
    write_csv(pd.concat(blocks, ignore_index=True), ref, float_format=None)
    assert out.read_bytes() == ref.read_bytes()
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in text and "'@SUM(A1)" in text and "\n-3," in text


def test_demo_csv_of_several_blocks_is_the_blocks_joined(tmp_path):
    out, ref = tmp_path / "demo.csv", tmp_path / "ref.csv"
    frames = [df for df, _ in demo.generate_blocks(5, 0.03, block_scale=0.01)]
    assert len(frames) == 3
    rows = write_demo_csv(out, seed=5, scale=0.03, block_scale=0.01)
    whole = pd.concat(frames, ignore_index=True)
    write_csv(whole, ref, float_format=None)
    assert rows == len(whole)
    assert out.read_bytes() == ref.read_bytes()


def test_demo_parquet_is_the_workflow_demo_extract(tmp_path):
    out, ref = tmp_path / "demo.parquet", tmp_path / "ref.parquet"
    assert main(["demo", str(out), "--scale", "0.01", "--seed", "3"]) == 0
    df = demo.generate(scale=0.01, seed=3)
    write_parquet(df, ref)  # the command's output before it streamed
    assert out.read_bytes() == ref.read_bytes()
    small = tmp_path / "small.parquet"
    assert main(["demo", str(small), "--scale", "0.01", "--seed", "3",
                 "--chunk-rows", "500", "--workers", "2"]) == 0
    assert pq.ParquetFile(small).num_row_groups > 1
    pd.testing.assert_frame_equal(pd.read_parquet(small), pd.read_parquet(ref))
