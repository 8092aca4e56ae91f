"""The extract stage: every input through its format's reader, validated and weighted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from stclusters.extract.contract import (
    CANONICAL,
    ROW_COLUMN,
    SOURCES,
    ExtractError,
    assign_weights,
    validate,
)
from stclusters.extract.formats import input_source, read_extract_with_bad


def _reader_rejects(path: str, bad: pd.DataFrame, source: str | None) -> pd.DataFrame:
    """Rejects-table rows for the input rows a reader could not convert."""
    n = len(bad)
    return pd.DataFrame(
        {
            "input_file": pd.Series([path] * n, dtype="string"),
            "input_row": bad["input_row"].to_numpy(np.int64),
            "source": pd.Series([source] * n, dtype="string"),
            "doc_id": pd.Series([pd.NA] * n, dtype="string"),
            "reason": bad["reason"].astype("string").to_numpy(),
            "detail": bad["detail"].astype("string").to_numpy(),
            "raw_line": bad["raw"].astype("string").to_numpy(),
        }
    )


def _extract_one(
    entry: Mapping[str, str | None], on_bad_row: str
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """``(records, rejects)`` of one input entry, either None when there are none."""
    path = str(entry["path"])
    fmt, source = entry.get("format"), entry.get("source")
    raw, bad = read_extract_with_bad(path, fmt, source)
    src_row = raw.pop(ROW_COLUMN).to_numpy(np.int64) if ROW_COLUMN in raw.columns else (
        np.arange(1, len(raw) + 1, dtype=np.int64))
    if len(bad) and on_bad_row == "error":
        b = bad.iloc[0]
        raise ExtractError(f"{path}: row {b['input_row']}: {b['reason']}: {b['detail']}")
    rec = rej = None
    if len(raw):
        rec, rej = validate(raw.reset_index(drop=True), path, on_bad_row=on_bad_row)
        rec["input_row"] = src_row[rec["input_row"].to_numpy() - 1]
        rej["input_row"] = src_row[rej["input_row"].to_numpy() - 1]
    if len(bad):
        bad_rej = _reader_rejects(path, bad, input_source(fmt, source))
        rej = bad_rej if rej is None else pd.concat([rej, bad_rej], ignore_index=True)
        rej = rej.sort_values("input_row", kind="stable").reset_index(drop=True)
    return rec, rej


def _accounting(records: pd.DataFrame, rejects: pd.DataFrame) -> pd.DataFrame:
    """Rows in, used and rejected per input file and source."""
    used = records.groupby(["input_file", "source"]).size().rename("rows_used")
    rej_src = rejects["source"].where(rejects["source"].isin(SOURCES), "<invalid>")
    rejected = rejects.assign(source=rej_src).groupby(["input_file", "source"]).size()
    acc = pd.concat([used, rejected.rename("rows_rejected")], axis=1).fillna(0).astype(np.int64)
    acc.insert(0, "rows_in", acc["rows_used"] + acc["rows_rejected"])
    acc = acc.reset_index().sort_values(["input_file", "source"], kind="stable")
    return acc.reset_index(drop=True)


def extract(
    inputs: Iterable[Mapping[str, str | None]],
    counting: str = "fractional",
    on_bad_row: str = "reject",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read, validate and weight every input file.

    ``inputs``: mappings with ``path`` and optionally ``source`` and ``format`` (a key of
    :data:`stclusters.extract.formats.FORMATS`; default ``generic``).
    Returns ``(records, rejects, accounting)``; ``accounting`` has one row per file and
    source with ``rows_in``, ``rows_used``, ``rows_rejected``. ``input_row`` is the 1-based
    data row (line) of the input file a record comes from; input rows that the reader could
    not convert (a JSON line that does not parse, ...) are rejects with the reader's reason.
    """
    recs, rejs = [], []
    n_inputs = 0
    for entry in inputs:
        n_inputs += 1
        rec, rej = _extract_one(entry, on_bad_row)
        if rec is not None:
            recs.append(rec)
        if rej is not None:
            rejs.append(rej)
    if n_inputs == 0:
        raise ExtractError("no input files given")
    if not recs:
        raise ExtractError("no usable rows in any input file")
    records = pd.concat(recs, ignore_index=True)
    rejects = pd.concat(rejs, ignore_index=True)
    records = assign_weights(records, counting)
    records.insert(0, "record_id", np.arange(len(records), dtype=np.int64))
    records = records[CANONICAL]
    return records, rejects, _accounting(records, rejects)
