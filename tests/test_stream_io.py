"""The streamed Parquet writer and reader, and the progress lines of long steps."""

import logging

import numpy as np
import pandas as pd
import pytest

from stclusters.io import ParquetChunkWriter, iter_parquet, parquet_rows, write_parquet
from stclusters.progress import Progress


def _frame(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"id": np.arange(start, start + n, dtype=np.int64),
                         "city": pd.Series([f"c{i % 7}" for i in range(n)], dtype="string"),
                         "lat": np.linspace(0, 1, n)})


def test_one_chunk_has_the_bytes_of_write_parquet(tmp_path):
    df = _frame(1000)
    write_parquet(df, tmp_path / "a.parquet")
    with ParquetChunkWriter(tmp_path / "b.parquet") as w:
        w.write(df)
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_chunks_read_back_in_order_and_null_chunks_cast(tmp_path):
    path = tmp_path / "c.parquet"
    blank = _frame(5, 20).assign(city=pd.Series([pd.NA] * 5, dtype="object"))
    with ParquetChunkWriter(path) as w:
        w.write(_frame(10))
        w.write(_frame(10, 10))
        w.write(blank)
    assert parquet_rows(path) == 25 and w.rows == 25
    chunks = list(iter_parquet(path, 7))
    assert [len(c) for c in chunks] == [7, 7, 7, 4]
    back = pd.concat(chunks, ignore_index=True)
    assert back["id"].tolist() == list(range(25))
    assert back["city"].isna().sum() == 5
    assert list(iter_parquet(path, 100, columns=["lat"]))[0].columns.tolist() == ["lat"]


def test_failed_stream_leaves_no_file(tmp_path):
    path = tmp_path / "d.parquet"
    with pytest.raises(RuntimeError):
        with ParquetChunkWriter(path) as w:
            w.write(_frame(3))
            raise RuntimeError("reader failed in chunk 2")
    assert not path.exists() and not list(tmp_path.iterdir())


def test_progress_lines_count_rows_rate_and_time_left(caplog):
    now = [0.0]
    p = Progress(logging.getLogger("t"), "geocode", total=1000, every_s=5,
                 clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="t"):
        now[0] = 2.0
        p.update(100)  # under 5 s since the start: silent
        now[0] = 10.0
        p.update(400)
        now[0] = 20.0
        p.done()
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == ("geocode: 500 rows of 1,000 (50%), 50 rows/s, 10s elapsed, "
                        "about 10s left")
    assert lines[1] == "geocode: 500 rows of 1,000 (50%), 25 rows/s, 20s elapsed, about 20s left"


def test_scratch_dir_is_removed_and_a_killed_steps_folder_too(tmp_path):
    import subprocess
    import sys

    from stclusters.io import scratch_dir

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    left = tmp_path / f".extract-{dead}-abcd1234"  # a killed step's temporaries
    left.mkdir()
    (left / "validated.arrow").write_bytes(b"x" * 10)
    other = tmp_path / ".geocode-1-abcd"  # another step's: not ours to remove
    other.mkdir()
    with scratch_dir(tmp_path, "extract") as folder:
        assert folder.is_dir() and folder.name.startswith(".extract-")
        (folder / "t.arrow").write_bytes(b"y")
        assert not left.exists()
    assert not folder.exists() and other.exists()
    with pytest.raises(ValueError):
        with scratch_dir(tmp_path, "extract") as folder:
            raise ValueError("pass 2 failed")
    assert not folder.exists()
