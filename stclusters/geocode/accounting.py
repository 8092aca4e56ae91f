"""The geocoder's output vocabulary (methods, unmatched reasons) and per-source counts."""

from __future__ import annotations

import pandas as pd

__all__ = ["ACCOUNTING_COLUMNS", "METHODS", "REASONS", "WRONG_COUNTRY", "accounting"]

#: how a placed row was placed (``geo_method``), precise to coarse; ``institution`` and
#: ``affiliation_match`` need an institution registry (``geocode.institutions``)
METHODS = ("given", "institution", "affiliation_match", "exact", "alternate", "fuzzy",
           "region", "country")
#: coord_status of given coordinates set aside because they lie in another country
WRONG_COUNTRY = "wrong_country"
#: why a row was not placed
REASONS = ("no_address", "unknown_country", "no_match")
#: the columns of :func:`accounting`
ACCOUNTING_COLUMNS = ["source", "rows_in", "placed", "unmatched", *METHODS,
                      *[f"unmatched_{r}" for r in REASONS], "given_wrong_country"]


def accounting(placed: pd.DataFrame, unmatched: pd.DataFrame) -> pd.DataFrame:
    """Per source: ``rows_in``, ``placed``, ``unmatched``, one count column per geo_method
    (``given`` ... ``country``), one per unmatched reason (``unmatched_<reason>``) and
    ``given_wrong_country`` (rows whose given coordinates were set aside as lying in
    another country, placed from their address or not)."""
    sources = sorted(set(placed["source"].dropna()) | set(unmatched["source"].dropna()))
    rows = []
    for s in sources:
        p = placed[placed["source"] == s]
        u = unmatched[unmatched["source"] == s]
        row: dict[str, object] = {
            "source": s,
            "rows_in": len(p) + len(u),
            "placed": len(p),
            "unmatched": len(u),
        }
        counts = p["geo_method"].value_counts()
        for m in METHODS:
            row[m] = int(counts.get(m, 0))
        rcounts = u["reason"].value_counts()
        for r in REASONS:
            row[f"unmatched_{r}"] = int(rcounts.get(r, 0))
        row["given_wrong_country"] = _n_wrong(p) + _n_wrong(u)
        rows.append(row)
    return pd.DataFrame(rows, columns=ACCOUNTING_COLUMNS)


def _n_wrong(df: pd.DataFrame) -> int:
    if "coord_status" not in df.columns:
        return 0
    return int((df["coord_status"] == WRONG_COUNTRY).sum())
