"""Read raw extracts, validate them against the raw-extract contract, assign weights.

The contract is documented in ``docs/data-format.md``. Files that cannot be used at all
raise :class:`ExtractError` naming the file and the problem; rows that cannot be used go
to a rejects table with a reason (or raise, naming file and row, with ``on_bad_row="error"``).
Nothing is dropped silently: ``rows_in == rows_used + rows_rejected`` for every file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

SOURCES = ("pct", "pub", "vc")
TEXT_COLUMNS = ("city", "region", "postal_code", "country", "organization")
REQUIRED = ("source", "doc_id", "year", "city", "country")
OPTIONAL = ("region", "postal_code", "lat", "lon", "organization", "weight")
CANONICAL = [
    "record_id", "input_file", "input_row", "source", "doc_id", "year",
    "city", "region", "postal_code", "country", "organization",
    "lat", "lon", "coord_status", "weight", "weight_given", "doc_weight",
]
YEAR_RANGE = (1900, 2100)
# source of a converted format's rows when the config entry names none
_FORMAT_SOURCE = {"patentsview": "pct", "openalex": "pub", "crunchbase": "vc"}


class ExtractError(ValueError):
    """A raw extract that cannot be used; the message names the file, row and problem."""


def read_raw(path: str | Path, source: str | None = None) -> pd.DataFrame:
    """Read one raw extract (CSV or Parquet) with lower-cased column names.

    ``source`` fills the ``source`` column when the file has none. Raises
    :class:`ExtractError` for a missing, unreadable, empty or incomplete file.
    """
    path = Path(path)
    if not path.exists():
        raise ExtractError(f"{path}: file not found")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            df = pq.read_table(path).to_pandas()
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ExtractError(f"{path}: not valid UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except pd.errors.EmptyDataError as exc:
        raise ExtractError(f"{path}: file is empty") from exc
    except (pd.errors.ParserError, OSError, ValueError) as exc:
        raise ExtractError(f"{path}: cannot be read: {exc}") from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    if source is not None and "source" not in df.columns:
        df["source"] = source
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ExtractError(
            f"{path}: missing required column(s) {', '.join(missing)}; "
            f"found {', '.join(df.columns) or 'none'} (see docs/data-format.md)"
        )
    if len(df) == 0:
        raise ExtractError(f"{path}: file has a header but no data rows")
    return df


def _clean_text(values: pd.Series) -> pd.Series:
    """Strip whitespace; blank -> missing. Returns pandas string dtype."""
    s = values.astype("string").str.strip()
    return s.mask(s == "")


def validate(
    raw: pd.DataFrame, input_file: str, on_bad_row: str = "reject"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate one raw frame. Returns ``(records, rejects)`` without weights or ids.

    ``records`` has the canonical columns except ``record_id``, ``weight`` and
    ``doc_weight``; ``given_weight`` holds a valid ``weight`` column value or NaN.
    """
    n = len(raw)
    out = pd.DataFrame(
        {
            "input_file": pd.Series([input_file] * n, dtype="string"),
            "input_row": np.arange(1, n + 1, dtype=np.int64),
        }
    )
    source = _clean_text(raw["source"]).str.lower()
    doc_id = _clean_text(raw["doc_id"])
    year_num = pd.to_numeric(raw["year"].astype("string").str.strip(), errors="coerce")
    out["source"] = source
    out["doc_id"] = doc_id
    for col in TEXT_COLUMNS:
        out[col] = _clean_text(raw[col]) if col in raw.columns else pd.Series(
            pd.NA, index=raw.index, dtype="string"
        )

    reason = pd.Series(pd.NA, index=raw.index, dtype="string")
    detail = pd.Series(pd.NA, index=raw.index, dtype="string")

    def flag(mask: pd.Series, why: str, what: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool) & reason.isna()
        if mask.any():
            reason[mask] = why
            detail[mask] = what[mask].astype("string") if isinstance(what, pd.Series) else what

    flag(~source.isin(SOURCES), "bad_source",
         "source " + source.fillna("<blank>") + " is not one of pct, pub, vc")
    flag(doc_id.isna(), "missing_doc_id", "doc_id is blank")
    bad_year = year_num.isna() | (year_num % 1 != 0) | ~year_num.between(*YEAR_RANGE)
    flag(bad_year, "bad_year",
         "year " + raw["year"].astype("string").fillna("<blank>")
         + f" is not an integer in {YEAR_RANGE[0]}..{YEAR_RANGE[1]}")

    given_weight = pd.Series(np.nan, index=raw.index)
    if "weight" in raw.columns:
        wtext = raw["weight"].astype("string").str.strip()
        wnum = pd.to_numeric(wtext, errors="coerce")
        blank = wtext.isna() | (wtext == "")
        bad_w = ~blank & (wnum.isna() | ~np.isfinite(wnum) | (wnum <= 0))
        flag(bad_w, "bad_weight", "weight " + wtext.fillna("") + " is not a positive number")
        given_weight = wnum.where(~blank & ~bad_w)
    out["given_weight"] = given_weight.astype(float).to_numpy()

    # coordinates: never a reason to reject; invalid ones are dropped and flagged
    status = pd.Series("none", index=raw.index, dtype="string")
    lat = pd.Series(np.nan, index=raw.index)
    lon = pd.Series(np.nan, index=raw.index)
    if "lat" in raw.columns and "lon" in raw.columns:
        lat_t = raw["lat"].astype("string").str.strip().replace("", pd.NA)
        lon_t = raw["lon"].astype("string").str.strip().replace("", pd.NA)
        lat = pd.to_numeric(lat_t, errors="coerce").astype(float)
        lon = pd.to_numeric(lon_t, errors="coerce").astype(float)
        present = lat_t.notna() | lon_t.notna()
        in_range = lat.between(-90, 90) & lon.between(-180, 180)
        zero = (lat == 0) & (lon == 0)
        status[present & ~in_range] = "out_of_range"
        status[present & in_range & zero] = "zero"
        status[present & in_range & ~zero] = "valid"
        keep = status == "valid"
        lat = lat.where(keep)
        lon = lon.where(keep)
    out["lat"] = lat.to_numpy(dtype=float)
    out["lon"] = lon.to_numpy(dtype=float)
    out["coord_status"] = status.to_numpy()
    out["year"] = year_num.fillna(0).astype(np.int64).astype(np.int32).to_numpy()

    bad = reason.notna().to_numpy()
    if bad.any() and on_bad_row == "error":
        i = int(np.flatnonzero(bad)[0])
        raise ExtractError(
            f"{input_file}: row {i + 1}: {reason.iloc[i]}: {detail.iloc[i]}"
        )
    rejects = out.loc[bad, ["input_file", "input_row", "source", "doc_id"]].copy()
    rejects["reason"] = reason[bad].to_numpy()
    rejects["detail"] = detail[bad].to_numpy()
    for col in raw.columns:
        if col not in ("source", "doc_id"):
            rejects["raw_" + col] = raw.loc[bad, col].astype("string").to_numpy()
    records = out.loc[~bad].reset_index(drop=True)
    return records, rejects.reset_index(drop=True)


def assign_weights(records: pd.DataFrame, counting: str = "fractional") -> pd.DataFrame:
    """Add ``weight`` and ``doc_weight`` (the document's total) to validated records.

    fractional: each (source, doc_id) weighs 1, split equally over its rows;
    whole: every row weighs 1. A valid given weight always wins for its row.
    """
    if counting not in ("fractional", "whole"):
        raise ValueError(f"counting must be 'fractional' or 'whole', not {counting!r}")
    out = records.copy()
    if counting == "fractional":
        n_rows = out.groupby(["source", "doc_id"], sort=False)["doc_id"].transform("size")
        base = 1.0 / n_rows.to_numpy(dtype=float)
    else:
        base = np.ones(len(out))
    given = out.pop("given_weight").to_numpy(dtype=float)
    out["weight"] = np.where(np.isnan(given), base, given)
    out["weight_given"] = ~np.isnan(given)
    out["doc_weight"] = out.groupby(["source", "doc_id"], sort=False)["weight"].transform("sum")
    return out


def extract(
    inputs: Iterable[Mapping[str, str | None]],
    counting: str = "fractional",
    on_bad_row: str = "reject",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read, validate and weight every input file.

    ``inputs``: mappings with ``path`` and optionally ``source`` and ``format``
    (``generic``, ``patentsview``, ``openalex``, ``crunchbase``: :mod:`stclusters.readers`).
    Returns ``(records, rejects, accounting)``; ``accounting`` has one row per file and
    source with ``rows_in``, ``rows_used``, ``rows_rejected``. ``input_row`` is the 1-based
    data row (line) of the input file a record comes from; input rows that the reader could
    not convert (a JSON line that does not parse, ...) are rejects with the reader's reason.
    """
    from stclusters.readers import ROW_COLUMN, read_extract_with_bad

    recs, rejs = [], []
    n_inputs = 0
    for entry in inputs:
        n_inputs += 1
        path = str(entry["path"])
        fmt = entry.get("format") or "generic"
        raw, bad = read_extract_with_bad(path, fmt, entry.get("source"))
        src_row = raw.pop(ROW_COLUMN).to_numpy(np.int64) if ROW_COLUMN in raw.columns else (
            np.arange(1, len(raw) + 1, dtype=np.int64))
        if len(bad) and on_bad_row == "error":
            b = bad.iloc[0]
            raise ExtractError(f"{path}: row {b['input_row']}: {b['reason']}: {b['detail']}")
        if len(raw):
            rec, rej = validate(raw.reset_index(drop=True), path, on_bad_row=on_bad_row)
            rec["input_row"] = src_row[rec["input_row"].to_numpy() - 1]
            rej["input_row"] = src_row[rej["input_row"].to_numpy() - 1]
            recs.append(rec)
        else:
            rej = None
        if len(bad):
            src = entry.get("source") or _FORMAT_SOURCE.get(fmt)
            bad_rej = (
                pd.DataFrame(
                    {
                        "input_file": pd.Series([path] * len(bad), dtype="string"),
                        "input_row": bad["input_row"].to_numpy(np.int64),
                        "source": pd.Series([src] * len(bad), dtype="string"),
                        "doc_id": pd.Series([pd.NA] * len(bad), dtype="string"),
                        "reason": bad["reason"].astype("string").to_numpy(),
                        "detail": bad["detail"].astype("string").to_numpy(),
                        "raw_line": bad["raw"].astype("string").to_numpy(),
                    }
                )
            )
            rej = bad_rej if rej is None else pd.concat([rej, bad_rej], ignore_index=True)
            rej = rej.sort_values("input_row", kind="stable").reset_index(drop=True)
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

    used = records.groupby(["input_file", "source"]).size().rename("rows_used")
    rej_src = rejects["source"].where(rejects["source"].isin(SOURCES), "<invalid>")
    rejected = rejects.assign(source=rej_src).groupby(["input_file", "source"]).size()
    acc = pd.concat([used, rejected.rename("rows_rejected")], axis=1).fillna(0).astype(np.int64)
    acc.insert(0, "rows_in", acc["rows_used"] + acc["rows_rejected"])
    acc = acc.reset_index().sort_values(["input_file", "source"], kind="stable")
    return records, rejects, acc.reset_index(drop=True)
