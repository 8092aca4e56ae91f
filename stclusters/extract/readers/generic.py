"""``generic``: a CSV, TSV or Parquet file already in the raw-extract contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.extract.contract import (
    LINES_ATTR,
    REQUIRED,
    ROW_COLUMN,
    ExtractError,
    check_columns,
    check_file,
    read_parquet_table,
)
from stclusters.extract.readers._common import BadRow, bad_frame
from stclusters.extract.readers._delimited import LineCounts, read_delimited

PARQUET_SUFFIXES = (".parquet", ".pq")
TAB_SUFFIXES = (".tsv", ".tab")


def _suffix(path: Path) -> str:
    """The file's type suffix, a compression suffix (``.gz``, ``.zip``) skipped."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in (".gz", ".zip"):
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def read_raw_with_bad(path: str | Path, source: str | None = None,
                      encoding: str | None = None) -> tuple[pd.DataFrame, list[BadRow]]:
    """A contract file's rows (all its columns, as text) and the rows it could not parse.

    CSV (``,``) or TSV (``.tsv``, ``.tab``: tab) through the exact delimited parser
    (:mod:`._delimited`), or Parquet. Column names are stripped and lower-cased;
    ``source`` fills the source column when the file has none. ROW_COLUMN is the data
    row each record starts on; the frame's ``attrs[LINES_ATTR]`` holds the line counts.
    Raises :class:`ExtractError` for a missing, unreadable, empty or incomplete file.
    """
    path = Path(path)
    check_file(path)
    bad: list[BadRow] = []
    if _suffix(path) in PARQUET_SUFFIXES:
        df = read_parquet_table(path)
        df[ROW_COLUMN] = np.arange(1, len(df) + 1, dtype=np.int64)
        lines = {"lines": len(df), "rows": len(df), "blank": 0, "joined": 0,
                 "multiline": 0, "bad": 0, "encoding": "", "line_end": ""}
        data_lines = len(df)
    else:
        counts = LineCounts()
        delimiter = "\t" if _suffix(path) in TAB_SUFFIXES else ","
        df = pd.concat(list(read_delimited(path, delimiter, encoding, bad=bad,
                                           counts=counts)), ignore_index=True)
        lines = counts.as_dict()
        data_lines = counts.lines - counts.blank
    if source is not None and "source" not in df.columns:
        df.insert(0, "source", source)
    check_columns(path, REQUIRED, [c for c in df.columns if c != ROW_COLUMN],
                  " (see docs/data-format.md)")
    if data_lines == 0:
        raise ExtractError(f"{path}: file has a header but no data rows")
    df.attrs[LINES_ATTR] = lines
    return df, bad


def read_raw(path: str | Path, source: str | None = None, encoding: str | None = None
             ) -> pd.DataFrame:
    """The rows of a contract file (see :func:`read_raw_with_bad`), without ROW_COLUMN."""
    df, _ = read_raw_with_bad(path, source, encoding)
    return df.drop(columns=ROW_COLUMN)


def read_generic(path: str | Path, source: str | None = None, encoding: str | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A file already in the raw-extract contract (:func:`read_raw_with_bad`).

    ``source`` fills the source column only where the file has none. Lines that do not
    parse (too few or too many fields, an unclosed quote, bytes invalid in the encoding)
    are the bad rows (``bad_line``, ``bad_quote``, ``bad_encoding``).
    """
    df, bad = read_raw_with_bad(path, source, encoding)
    return df, bad_frame(bad)
