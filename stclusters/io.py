"""Deterministic Parquet/CSV I/O shared by every stage, and the column check of input frames.

Same inputs -> same bytes out: no pandas index, fixed compression, no timestamps
written into file metadata, and stable column order as given by the caller.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    """Write ``df`` to ``path`` as Parquet, byte-for-byte reproducibly."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(df, preserve_index=False)
    # drop the pandas metadata blob: it is not needed to read back and may vary by version
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd", write_statistics=True)


def read_parquet(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a Parquet file written by :func:`write_parquet`."""
    return pq.read_table(path, columns=columns).to_pandas()


def write_csv(df: pd.DataFrame, path: str | Path, float_format: str = "%.6g") -> None:
    """Write ``df`` as UTF-8 CSV without index, with stable float formatting."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, float_format=float_format, lineterminator="\n")


def require_columns(df: pd.DataFrame, cols: set[str], what: str) -> None:
    """Raise ``ValueError`` naming ``what`` and the missing columns when ``df`` lacks any."""
    missing = cols - set(df.columns)
    if missing:
        raise ValueError(f"{what} lacks columns {sorted(missing)}")
