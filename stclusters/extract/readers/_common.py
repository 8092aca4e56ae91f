"""Helpers the readers share: building their two frames, dates, streaming delimited text.

Private to :mod:`stclusters.extract.readers`; a new reader should build its frame with
:func:`contract_frame` and its bad rows with :func:`bad_frame`.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from stclusters.extract.contract import (
    BAD_COLUMNS,
    CONTRACT_COLUMNS,
    ROW_COLUMN,
    ExtractError,
    check_columns,
    check_file,
)

_RAW_MAX = 300  # characters of a bad line kept for the rejects table
_BLOCK = 1 << 24  # bytes per streamed CSV block
#: one input row a reader could not convert: (input_row, reason, detail, raw text)
BadRow = tuple[int, str, str, str]


def empty_bad() -> pd.DataFrame:
    """A table of bad rows (:data:`BAD_COLUMNS`) without rows."""
    return pd.DataFrame(
        {
            "input_row": pd.Series([], dtype=np.int64),
            "reason": pd.Series([], dtype=object),
            "detail": pd.Series([], dtype=object),
            "raw": pd.Series([], dtype=object),
        }
    )


def bad_frame(rows: list[BadRow]) -> pd.DataFrame:
    """The table of bad rows (:data:`BAD_COLUMNS`), raw text cut to a few hundred chars."""
    if not rows:
        return empty_bad()
    df = pd.DataFrame(rows, columns=BAD_COLUMNS)
    df["input_row"] = df["input_row"].astype(np.int64)
    df["raw"] = df["raw"].str.slice(0, _RAW_MAX)
    return df


def contract_frame(cols: dict[str, object], n: int) -> pd.DataFrame:
    """A frame with every contract column (missing ones blank) and ROW_COLUMN."""
    out = {}
    for c in [*CONTRACT_COLUMNS, ROW_COLUMN]:
        v = cols.get(c)
        out[c] = v if v is not None else pd.Series([None] * n, dtype=object)
    cols_out = {}
    for c, v in out.items():
        if c == ROW_COLUMN:
            cols_out[c] = np.asarray(v, dtype=np.int64)
        else:
            a = np.asarray(v, dtype=object)
            cols_out[c] = np.where(pd.isna(a), None, a) if len(a) else a
    return pd.DataFrame(cols_out)


def year_of(dates: pd.Series) -> pd.Series:
    """The year of ISO dates (``2012-07-23``, ``2012``), as text; blank when absent."""
    years = dates.astype("string").str.strip().str.extract(r"^(\d{4})", expand=False)
    return years.astype(object).where(years.notna(), None)


def open_text(path: Path) -> io.BufferedIOBase:
    """A binary stream of a plain, .gz or single-member .zip file."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".zip"):
        import zipfile

        zf = zipfile.ZipFile(path)
        members = [m for m in zf.namelist() if not m.endswith("/")]
        if len(members) != 1:
            raise ExtractError(f"{path}: zip archive must hold exactly one file, "
                               f"found {len(members)}")
        return zf.open(members[0])
    return open(path, "rb", buffering=1 << 16)


def _header(path: Path, stream: io.BufferedIOBase, delimiter: str) -> list[str]:
    """The column names of a delimited file's first line (ExtractError when empty)."""
    head = stream.peek(1 << 16)[: 1 << 16] if hasattr(stream, "peek") else b""
    header_line = head.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    have = [h.strip().strip('"') for h in header_line.split(delimiter)] if head else []
    if not head or not header_line.strip():
        raise ExtractError(f"{path}: file is empty")
    return have


def _arrow_error(path: Path, exc: pa.ArrowInvalid) -> ExtractError:
    msg = str(exc)
    if "UTF8" in msg or "utf8" in msg or "UTF-8" in msg:
        return ExtractError(f"{path}: not valid UTF-8 text ({msg})")
    if "Empty CSV file" in msg:
        return ExtractError(f"{path}: file is empty")
    return ExtractError(f"{path}: cannot be read: {msg}")


def stream_delimited(
    path: Path, columns: list[str], required: list[str], delimiter: str, bad: list[BadRow],
) -> Iterator[pd.DataFrame]:
    """Stream the ``columns`` of a delimited UTF-8 file as string frames of many rows.

    Each frame has ROW_COLUMN (1-based data row). Lines with the wrong number of fields
    are appended to ``bad`` (reason ``bad_line``). Raises ExtractError for a missing,
    empty, non-UTF-8 file or a missing required column.
    """
    check_file(path)
    skipped: list[tuple[int | None, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        skipped.append((row.number, row.text))
        return "skip"

    try:
        stream = open_text(path)
        have = _header(path, stream, delimiter)
        check_columns(path, required, have)
        include = [c for c in columns if c in have]
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(block_size=_BLOCK, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True,
                newlines_in_values=True, invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=include,
                column_types={c: pa.string() for c in include},
                strings_can_be_null=False,
            ),
        )
        seen = 0
        n_bad_before = 0
        for batch in reader:
            df = batch.to_pandas()
            # data row numbers: rows read so far plus the skipped lines among them
            new_bad = len(skipped) - n_bad_before
            n_bad_before = len(skipped)
            df[ROW_COLUMN] = np.arange(seen + 1, seen + len(df) + 1, dtype=np.int64)
            seen += len(df) + new_bad
            for c in columns:
                if c not in df.columns:
                    df[c] = ""
            yield df
    except UnicodeDecodeError as exc:
        raise ExtractError(f"{path}: not valid UTF-8 text ({exc.reason})") from exc
    except pa.ArrowInvalid as exc:
        raise _arrow_error(path, exc) from exc
    except OSError as exc:
        raise ExtractError(f"{path}: cannot be read: {exc}") from exc
    for number, text in skipped:
        # pyarrow numbers lines from 1 with the header as line 1
        row = int(number) - 1 if number is not None else -1
        bad.append((row, "bad_line", "line does not have the header's number of fields",
                    text))
