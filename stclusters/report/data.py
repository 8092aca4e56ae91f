"""The rows a figure shows: the top of a ranking, and a regional ranking's noise."""

from __future__ import annotations

import numpy as np
import pandas as pd


def top_ranked(ranking: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """The clusters with ``rank <= top_n`` (at most ``top_n``), in rank order (stable)."""
    top = ranking.sort_values("rank", kind="mergesort")
    return top[top["rank"] <= top_n].head(top_n)


def within_top(rank: pd.Series, top_n: int) -> pd.Series:
    """Boolean mask: ``rank`` (coerced to numbers) is at most ``top_n``; missing -> False."""
    return pd.to_numeric(rank, errors="coerce").le(top_n).fillna(False).astype(bool)


def region_noise(
    noise: pd.DataFrame,
    membership: pd.DataFrame | None = None,
    loc_ids: np.ndarray | None = None,
) -> pd.DataFrame:
    """Noise of a regional ranking from the variant's world noise: the locations in
    ``loc_ids`` (the region's locations, when given) that are members of no regional
    cluster (``membership``: ``loc_id`` column)."""
    out = noise
    if loc_ids is not None:
        out = out[out["loc_id"].isin(np.asarray(loc_ids))]
    if membership is not None and len(membership):
        out = out[~out["loc_id"].isin(membership["loc_id"])]
    return out.reset_index(drop=True)
