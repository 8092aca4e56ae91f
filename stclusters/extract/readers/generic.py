"""``generic``: a CSV or Parquet file already in the raw-extract contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.extract.contract import ROW_COLUMN, read_raw
from stclusters.extract.readers._common import empty_bad


def read_generic(path: str | Path, source: str | None = None) -> tuple[pd.DataFrame,
                                                                        pd.DataFrame]:
    """CSV or Parquet already in the raw-extract contract (``contract.read_raw``).

    ``source`` fills the source column only where the file has none. Rows are numbered
    in file order; there are no reader-level bad rows (a CSV line with too many fields
    stops with an :class:`ExtractError` naming the file and line).
    """
    df = read_raw(path, source)
    df[ROW_COLUMN] = np.arange(1, len(df) + 1, dtype=np.int64)
    return df, empty_bad()
