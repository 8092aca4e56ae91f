"""The geocoder's output vocabulary (methods, unmatched reasons) and per-source counts."""

from __future__ import annotations

import pandas as pd

__all__ = ["METHODS", "REASONS", "accounting"]

#: how a placed row was placed (``geo_method``)
METHODS = ("given", "exact", "alternate", "fuzzy", "region", "country")
#: why a row was not placed
REASONS = ("no_address", "unknown_country", "no_match")


def accounting(placed: pd.DataFrame, unmatched: pd.DataFrame) -> pd.DataFrame:
    """Per source: ``rows_in``, ``placed``, ``unmatched``, one count column per geo_method
    (``given`` ... ``country``) and one per unmatched reason (``unmatched_<reason>``)."""
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
        rows.append(row)
    cols = ["source", "rows_in", "placed", "unmatched", *METHODS,
            *[f"unmatched_{r}" for r in REASONS]]
    return pd.DataFrame(rows, columns=cols)
