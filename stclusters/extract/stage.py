"""The extract stage: every input through its format's reader, validated and weighted."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from stclusters.extract.contract import (
    CANONICAL,
    LINES_ATTR,
    MAX_WEIGHT,
    PASS_THROUGH,
    ROW_COLUMN,
    SOURCES,
    ExtractError,
    assign_weights,
    first_reject_error,
    validate,
)
from stclusters.extract.formats import input_source, read_extract_with_bad

log = logging.getLogger("stclusters")

#: columns of the per-file line accounting (``results/extract/lines.csv``)
LINE_COLUMNS = ["input_file", "format", "encoding", "line_end", "lines_in", "rows_in",
                "lines_blank", "lines_joined", "balanced", "note"]


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


def _line_row(path: str, fmt: str, lines: Mapping[str, Any], rows_in: int
              ) -> dict[str, object]:
    """One row of the line accounting: physical lines against rows read and rejected."""
    n, blank, joined = int(lines["lines"]), int(lines["blank"]), int(lines["joined"])
    balanced = n == rows_in + blank + joined
    note = (f"{n:,} line(s) = {rows_in:,} row(s) used or rejected + {blank:,} blank"
            f" + {joined:,} inside multi-line quoted fields")
    if not balanced:
        note = f"MISMATCH: {note} does not add up"
    return {"input_file": path, "format": fmt, "encoding": lines.get("encoding", ""),
            "line_end": lines.get("line_end", ""), "lines_in": n, "rows_in": rows_in,
            "lines_blank": blank, "lines_joined": joined, "balanced": balanced,
            "note": note}


def _extract_one(
    entry: Mapping[str, Any], on_bad_row: str, max_weight: float, workers: int = 1
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, dict[str, object]]:
    """``(records, rejects, line row)`` of one input entry; either frame None when
    there are none."""
    path = str(entry["path"])
    fmt, source = entry.get("format"), entry.get("source")
    raw, bad = read_extract_with_bad(path, fmt, source, entry.get("encoding"), workers)
    lines = dict(raw.attrs.get(LINES_ATTR) or {})
    if ROW_COLUMN not in raw.columns:
        raw[ROW_COLUMN] = np.arange(1, len(raw) + 1, dtype=np.int64)
    rec = rej = None
    if len(raw):
        rec, rej = validate(raw, path, max_weight=max_weight)
    if len(bad):
        bad_rej = _reader_rejects(path, bad, input_source(fmt, source))
        rej = bad_rej if rej is None else pd.concat([rej, bad_rej], ignore_index=True)
        rej = rej.sort_values("input_row", kind="stable").reset_index(drop=True)
    if on_bad_row == "error" and rej is not None and len(rej):
        raise first_reject_error(rej)
    used_rows = [] if rec is None else [rec["input_row"]]
    rej_rows = [] if rej is None else [rej["input_row"]]
    rows_in = int(pd.concat([*used_rows, *rej_rows]).nunique()) if used_rows or rej_rows \
        else 0
    if not lines:
        lines = {"lines": rows_in, "blank": 0, "joined": 0}
    line_row = _line_row(path, fmt or "generic", lines, rows_in)
    if not line_row["balanced"]:
        log.warning("%s: %s", path, line_row["note"])
    return rec, rej, line_row


def _accounting(records: pd.DataFrame, rejects: pd.DataFrame) -> pd.DataFrame:
    """Rows in, used and rejected per input file and source."""
    used = records.groupby(["input_file", "source"]).size().rename("rows_used")
    rej_src = rejects["source"].where(rejects["source"].isin(SOURCES), "<invalid>")
    rejected = rejects.assign(source=rej_src).groupby(["input_file", "source"]).size()
    acc = pd.concat([used, rejected.rename("rows_rejected")], axis=1).fillna(0).astype(np.int64)
    acc.insert(0, "rows_in", acc["rows_used"] + acc["rows_rejected"])
    acc = acc.reset_index().sort_values(["input_file", "source"], kind="stable")
    return acc.reset_index(drop=True)


def _pass_through(records: pd.DataFrame) -> list[str]:
    """The :data:`PASS_THROUGH` columns some input had (others' rows null), as text."""
    cols = [c for c in PASS_THROUGH if c in records.columns]
    for c in cols:
        records[c] = records[c].astype("string")
    return cols


def extract_with_lines(
    inputs: Iterable[Mapping[str, Any]],
    counting: str = "fractional",
    on_bad_row: str = "reject",
    max_weight: float = MAX_WEIGHT,
    workers: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`extract`, plus the per-file line accounting (:data:`LINE_COLUMNS`): the
    physical lines of each file against the rows read from them (used or rejected),
    blank lines and lines inside multi-line quoted fields. ``workers``: processes for the
    readers that parse in parallel (OpenAlex). The records carry the optional columns
    :data:`~stclusters.extract.contract.PASS_THROUGH` after the canonical ones only when
    an input has them."""
    recs, rejs, line_rows = [], [], []
    for entry in inputs:
        rec, rej, line_row = _extract_one(entry, on_bad_row, max_weight, workers)
        line_rows.append(line_row)
        if rec is not None:
            recs.append(rec)
        if rej is not None:
            rejs.append(rej)
    if not line_rows:
        raise ExtractError("no input files given")
    if not recs or not sum(len(r) for r in recs):
        raise ExtractError(f"no usable rows in any input file ({len(line_rows)} file(s), "
                           f"{sum(len(r) for r in rejs):,} row(s) rejected: see "
                           f"results/extract/rejects.parquet)")
    records = pd.concat(recs, ignore_index=True)
    rejects = pd.concat(rejs, ignore_index=True)
    records = assign_weights(records, counting)
    records.insert(0, "record_id", np.arange(len(records), dtype=np.int64))
    records = records[CANONICAL + _pass_through(records)]
    lines = pd.DataFrame(line_rows, columns=LINE_COLUMNS)
    return records, rejects, _accounting(records, rejects), lines


def extract(
    inputs: Iterable[Mapping[str, Any]],
    counting: str = "fractional",
    on_bad_row: str = "reject",
    max_weight: float = MAX_WEIGHT,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read, validate and weight every input file.

    ``inputs``: mappings with ``path`` and optionally ``source``, ``format`` (a key of
    :data:`stclusters.extract.formats.FORMATS`; default ``generic``) and ``encoding``
    (default: detected). Returns ``(records, rejects, accounting)``; ``accounting`` has
    one row per file and source with ``rows_in``, ``rows_used``, ``rows_rejected``.
    ``input_row`` is the 1-based data row of the input file a record comes from (the
    physical line it starts on, minus the header); input rows that the reader could not
    convert (a line with the wrong number of fields, a JSON line that does not parse,
    ...) are rejects with the reader's reason. A given weight above ``max_weight`` is
    rejected (``bad_weight``).
    """
    records, rejects, accounting, _ = extract_with_lines(inputs, counting, on_bad_row,
                                                         max_weight)
    return records, rejects, accounting


def _years(records: pd.DataFrame) -> dict[str, str]:
    """The span of years of each source's records, as text (``2017-2023``)."""
    span = records.groupby("source", observed=True)["year"].agg(["min", "max"])
    return {str(s): f"{int(r['min'])}-{int(r['max'])}" for s, r in span.iterrows()}


def check_data(records: pd.DataFrame, variants: Mapping[str, Mapping[str, Any]]
               ) -> list[str]:
    """Check the usable records against the variants before any further work.

    ``variants``: name -> ``{"sources": [...], "windows": {source: {"current": [first,
    last], ...}}}`` (as :func:`stclusters.variants.resolve_variant` gives them). Raises
    :class:`ExtractError` for a variant none of whose sources is in the data, or whose
    current windows hold no record at all; returns notes (for the log) for a variant
    missing some of its sources, or with a source whose current window is empty: that
    source then has no cluster, and the variant is ranked on the others.
    """
    found = _years(records)
    notes = []
    for name, spec in variants.items():
        wanted = list(spec["sources"])
        have = [s for s in wanted if s in found]
        if not have:
            raise ExtractError(
                f"variant {name} ranks {', '.join(wanted)} but the data hold no usable row "
                f"of any of them; sources found: {', '.join(found) or 'none'}")
        in_window = {}
        for s in have:
            first, last = spec["windows"][s]["current"]
            in_window[s] = int(records["year"][records["source"] == s].between(first, last)
                               .sum())
        windows = ", ".join(f"{s} {'-'.join(map(str, spec['windows'][s]['current']))}"
                            for s in have)
        if not any(in_window.values()):
            raise ExtractError(
                f"variant {name}: no usable row in its current windows ({windows}); the "
                f"data's years: {', '.join(f'{s} {found[s]}' for s in have)}")
        for s in wanted:
            if s not in found:
                notes.append(f"variant {name}: no usable {s} row in the data; {s} has no "
                             f"cluster and the variant is ranked on the other sources")
            elif not in_window[s]:
                first, last = spec["windows"][s]["current"]
                notes.append(f"variant {name}: no usable {s} row in its current window "
                             f"{first}-{last} (the data's {s} years: {found[s]}); {s} has "
                             f"no cluster")
    return notes
