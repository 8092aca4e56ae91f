"""Round geocoded records and aggregate them to weighted unique locations per year.

This is what makes full GII scale tractable: tens of millions of address rows become a
few million weighted rounded points per source and year, and everything downstream
(clustering, ranking) works on those. Keeping years (not windows) here means any
five-year window of any variant is a cheap sum over years (:func:`window_sum`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

COUNTINGS = ("fractional", "whole")


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


def count_weights(placed: pd.DataFrame, counting: str, renormalize: bool) -> np.ndarray:
    """Row weights under ``counting`` for the rows of ``placed`` (the rows kept).

    fractional: the extract's weight (each document 1, split over its rows); with
    ``renormalize`` a document that lost rows spreads its full weight over the rows kept.
    whole: every row weighs 1. A weight given in the input wins in both.
    """
    if counting not in COUNTINGS:
        raise ValueError(f"counting must be one of {COUNTINGS}, not {counting!r}")
    given = placed["weight_given"].to_numpy(bool) if "weight_given" in placed else None
    if counting == "whole":
        w = np.ones(len(placed))
        return np.where(given, placed["weight"].to_numpy(float), w) if given is not None else w
    w = placed["weight"].to_numpy(float)
    if renormalize and len(placed):
        kept = placed.groupby(["source", "doc_id"], sort=False)["weight"].transform("sum")
        w = w * placed["doc_weight"].to_numpy(float) / kept.to_numpy(float)
    return w


# the columns of the geocoded records this stage reads (the rest stays on disk)
COLUMNS = ["record_id", "source", "doc_id", "year", "lat", "lon", "geo_method", "weight",
           "weight_given", "doc_weight", "geonameid", "place_name", "admin1", "country_iso2",
           "organization"]


def weighted_rows(
    placed: pd.DataFrame,
    counting: str,
    round_deg: float,
    exclude_methods: Sequence[str],
    renormalize: bool,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The geocoded rows kept for clustering, with their counting weight and ``loc_id``.

    Returns ``(kept, usable)``: a copy of the usable rows (geocoding method not in
    ``exclude_methods``) with ``weight`` under ``counting`` and ``loc_id`` at
    ``round_deg``, and the boolean mask of those rows in ``placed``. The locations table
    and the sensitivity stage's document table both start here, so they agree exactly.
    """
    usable = ~placed["geo_method"].isin(list(exclude_methods)).to_numpy()
    kept = placed.loc[usable].copy()
    kept["weight"] = count_weights(kept, counting, renormalize)
    kept["loc_id"] = loc_ids(kept["lat"].to_numpy(), kept["lon"].to_numpy(), round_deg)
    return kept, usable


def build_locations(
    placed: pd.DataFrame,
    counting: str = "fractional",
    round_deg: float = 0.01,
    exclude_methods: Sequence[str] = ("region", "country"),
    renormalize: bool = True,
) -> dict[str, pd.DataFrame]:
    """Aggregate geocoded rows to weighted unique rounded locations per source and year.

    Returns a dict of frames: ``locations``, ``location_places``, ``organizations`` and
    ``accounting`` (see docs/data-format.md). Sources are aggregated one at a time (every
    grouping key starts with the source), which bounds the peak memory by the largest
    source rather than the whole extract.
    """
    if placed["source"].nunique() > 1:
        parts = [
            _build_one(placed[placed["source"] == src], counting, round_deg, exclude_methods,
                       renormalize)
            for src in sorted(placed["source"].unique())
        ]
        return {k: pd.concat([p[k] for p in parts], ignore_index=True) for k in parts[0]}
    return _build_one(placed, counting, round_deg, exclude_methods, renormalize)


def _build_one(
    placed: pd.DataFrame,
    counting: str,
    round_deg: float,
    exclude_methods: Sequence[str],
    renormalize: bool,
) -> dict[str, pd.DataFrame]:
    """:func:`build_locations` for the rows of one source."""
    kept, usable = weighted_rows(placed, counting, round_deg, exclude_methods, renormalize)
    ilat, ilon = grid_index(kept["lat"].to_numpy(), kept["lon"].to_numpy(), round_deg)
    kept["lat_r"] = np.round(ilat * round_deg, 6)
    kept["lon_r"] = np.round(ilon * round_deg, 6)

    keys = ["source", "year", "loc_id"]
    locs = (
        kept.groupby(keys, sort=True)
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
    places = (
        kept.groupby(keys + ["geonameid", "place_name", "admin1", "country_iso2"],
                     sort=True, dropna=False)["weight"]
        .sum()
        .reset_index()
    )
    orgs = (
        kept.dropna(subset=["organization"])
        .groupby(keys + ["organization"], sort=True)["weight"]
        .sum()
        .reset_index()
    )
    return {"locations": locs, "location_places": places, "organizations": orgs,
            "accounting": _accounting(placed, kept, usable)}


def window_sum(
    frame: pd.DataFrame, windows: Mapping[str, Sequence[int]], keys: Sequence[str]
) -> pd.DataFrame:
    """Sum a per-year table over each source's window ``{source: [first, last]}``.

    Sources absent from ``windows`` are dropped. ``keys`` are the grouping columns besides
    ``source`` (e.g. ``["loc_id"]``); ``weight``, ``n_records`` and ``n_docs`` are summed
    (a document has one year, so document counts add up over years), ``lat``/``lon`` kept.
    """
    # as floats (NaN: source without a window), so that an empty frame compares too
    lo = frame["source"].map({s: w[0] for s, w in windows.items()}).to_numpy(
        dtype=float, na_value=np.nan)
    hi = frame["source"].map({s: w[1] for s, w in windows.items()}).to_numpy(
        dtype=float, na_value=np.nan)
    year = frame["year"].to_numpy(dtype=float)
    inside = (year >= lo) & (year <= hi)
    f = frame.loc[inside]
    aggs = {c: (c, "sum") for c in ("weight", "n_records", "n_docs") if c in f.columns}
    aggs.update({c: (c, "first") for c in ("lat", "lon") if c in f.columns})
    out = f.groupby(["source", *keys], sort=True, dropna=False).agg(**aggs).reset_index()
    order = ["source", *keys] + [c for c in ("lat", "lon", "weight", "n_records", "n_docs")
                                 if c in out.columns]
    return out[order]


def window_accounting(
    locations: pd.DataFrame, windows: Mapping[str, Mapping[str, Sequence[int]]]
) -> pd.DataFrame:
    """Per source: records and weight in each window and outside both (nothing silent)."""
    rows = []
    for source, w in sorted(windows.items()):
        f = locations[locations["source"] == source]
        row = {"source": source, "records_in": int(f["n_records"].sum()),
               "weight_in": float(f["weight"].sum())}
        in_any = np.zeros(len(f), dtype=bool)
        for name in ("current", "previous"):
            y0, y1 = w[name]
            m = f["year"].between(y0, y1).to_numpy()
            in_any |= m
            row[f"records_{name}"] = int(f.loc[m, "n_records"].sum())
            row[f"weight_{name}"] = float(f.loc[m, "weight"].sum())
        row["records_outside_windows"] = int(f.loc[~in_any, "n_records"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def _accounting(placed: pd.DataFrame, kept: pd.DataFrame, usable: np.ndarray) -> pd.DataFrame:
    """Per-source row and document accounting of the locations stage."""
    out = []
    for source in sorted(placed["source"].unique()):
        in_src = (placed["source"] == source).to_numpy()
        p = placed.loc[in_src]
        k = kept[kept["source"] == source]
        docs_all = p["doc_id"].nunique()
        out.append(
            {
                "source": source,
                "rows_in": len(p),
                "rows_excluded_precision": int((~usable[in_src]).sum()),
                "rows_used": len(k),
                "docs_in": int(docs_all),
                "docs_lost": int(docs_all - k["doc_id"].nunique()),
                "weight_in": float(p["weight"].sum()),
                "weight_used": float(k["weight"].sum()),
            }
        )
    return pd.DataFrame(out)
