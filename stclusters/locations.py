"""Round geocoded records and aggregate them to weighted unique locations.

This is what makes full GII scale tractable: tens of millions of address rows become a
few million weighted rounded points per source and window, and everything downstream
(clustering, ranking) works on those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

WINDOWS = ("current", "previous")


def grid_index(lat: np.ndarray, lon: np.ndarray, round_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer grid indices of coordinates rounded to ``round_deg`` degrees."""
    ilat = np.rint(np.asarray(lat, dtype=float) / round_deg).astype(np.int64)
    ilon = np.rint(np.asarray(lon, dtype=float) / round_deg).astype(np.int64)
    return ilat, ilon


def loc_ids(lat: np.ndarray, lon: np.ndarray, round_deg: float) -> np.ndarray:
    """Stable id of the rounded location: the same rounded point has the same id everywhere."""
    ilat, ilon = grid_index(lat, lon, round_deg)
    n_lat = int(round(90 / round_deg))
    n_lon = int(round(180 / round_deg))
    return (ilat + n_lat) * (2 * n_lon + 1) + (ilon + n_lon)


def window_rows(
    placed: pd.DataFrame, windows: Mapping[str, Mapping[str, Sequence[int]]]
) -> pd.DataFrame:
    """Rows of ``placed`` tagged with their window; a row in two windows appears twice."""
    parts = []
    for window in WINDOWS:
        lo = placed["source"].map({s: w[window][0] for s, w in windows.items()})
        hi = placed["source"].map({s: w[window][1] for s, w in windows.items()})
        inside = (placed["year"] >= lo) & (placed["year"] <= hi)
        parts.append(placed.loc[inside.fillna(False).to_numpy()].assign(window=window))
    return pd.concat(parts, ignore_index=True)


def build_locations(
    placed: pd.DataFrame,
    windows: Mapping[str, Mapping[str, Sequence[int]]],
    round_deg: float = 0.01,
    exclude_methods: Sequence[str] = ("region", "country"),
    renormalize: bool = True,
) -> dict[str, pd.DataFrame]:
    """Aggregate geocoded rows to weighted unique rounded locations.

    Returns a dict of frames: ``locations``, ``location_places``, ``organizations`` and
    ``accounting`` (see docs/data-format.md). With ``renormalize`` a document whose rows
    were partly lost (geocoded too coarsely) spreads its full weight over the rows kept,
    so it still counts once; a document with no row kept is reported as lost.
    """
    usable = ~placed["geo_method"].isin(list(exclude_methods)).to_numpy()
    kept = placed.loc[usable].copy()
    if renormalize and len(kept):
        kept_sum = kept.groupby(["source", "doc_id"], sort=False)["weight"].transform("sum")
        kept["weight"] = kept["weight"] * kept["doc_weight"] / kept_sum
    kept["loc_id"] = loc_ids(kept["lat"].to_numpy(), kept["lon"].to_numpy(), round_deg)
    ilat, ilon = grid_index(kept["lat"].to_numpy(), kept["lon"].to_numpy(), round_deg)
    kept["lat_r"] = np.round(ilat * round_deg, 6)
    kept["lon_r"] = np.round(ilon * round_deg, 6)

    rows = window_rows(kept, windows)
    keys = ["source", "window", "loc_id"]
    locs = (
        rows.groupby(keys, sort=True)
        .agg(
            lat=("lat_r", "first"),
            lon=("lon_r", "first"),
            weight=("weight", "sum"),
            n_records=("record_id", "size"),
            n_docs=("doc_id", "nunique"),
        )
        .reset_index()
    )
    locs["n_records"] = locs["n_records"].astype(np.int64)
    locs["n_docs"] = locs["n_docs"].astype(np.int64)

    pkeys = keys + ["geonameid", "place_name", "admin1", "country_iso2"]
    places = (
        rows.groupby(pkeys, sort=True, dropna=False)["weight"].sum().reset_index()
    )
    orgs = (
        rows.dropna(subset=["organization"])
        .groupby(keys + ["organization"], sort=True)["weight"]
        .sum()
        .reset_index()
    )

    acc = _accounting(placed, kept, rows, usable)
    return {"locations": locs, "location_places": places, "organizations": orgs,
            "accounting": acc}


def _accounting(
    placed: pd.DataFrame, kept: pd.DataFrame, rows: pd.DataFrame, usable: np.ndarray
) -> pd.DataFrame:
    """Per-source row and document accounting of the locations stage."""
    out = []
    for source in sorted(placed["source"].unique()):
        p = placed[placed["source"] == source]
        k = kept[kept["source"] == source]
        r = rows[rows["source"] == source]
        in_any = set(r["record_id"].unique())
        docs_all = p["doc_id"].nunique()
        docs_kept = k["doc_id"].nunique()
        out.append(
            {
                "source": source,
                "rows_in": len(p),
                "rows_excluded_precision": int((~usable[(placed["source"] == source).to_numpy()]).sum()),
                "rows_outside_windows": int(len(k) - len(in_any)),
                "rows_current": int((r["window"] == "current").sum()),
                "rows_previous": int((r["window"] == "previous").sum()),
                "docs_in": int(docs_all),
                "docs_lost": int(docs_all - docs_kept),
                "weight_in": float(p["weight"].sum()),
                "weight_kept": float(k["weight"].sum()),
            }
        )
    return pd.DataFrame(out)
