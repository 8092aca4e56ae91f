"""The gazetteer places as column arrays, and the choice of one candidate place per key."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from stclusters.geo import chord, to_xyz

__all__ = ["NEAR_RADIUS_KM", "Places", "pick"]

#: a point is attached to the nearest gazetteer place within this distance (else none)
NEAR_RADIUS_KM = 50.0


class Places:
    """Column arrays of the gazetteer places, addressable by row position."""

    def __init__(self, places: pd.DataFrame) -> None:
        self.gid = places["geonameid"].to_numpy(np.int64)
        self.name = places["name"].to_numpy(dtype=object, na_value=None)
        self.iso = places["country_iso2"].to_numpy(dtype=object, na_value=None)
        self.admin1 = places["admin1"].to_numpy(dtype=object, na_value=None)
        self.lat = places["lat"].to_numpy(np.float64)
        self.lon = places["lon"].to_numpy(np.float64)
        self.pop = places["population"].to_numpy(np.int64)
        self.index = pd.Index(self.gid)

    def rows_of(self, gids: np.ndarray) -> np.ndarray:
        """Row positions of the places with these geonameids (-1: not in the gazetteer)."""
        return self.index.get_indexer(gids)

    @cached_property
    def countries(self) -> np.ndarray:
        """The distinct ISO2 codes of the places (sorted)."""
        return np.unique(self.iso[self.iso != None])  # noqa: E711

    @cached_property
    def tree(self) -> cKDTree:
        """KD-tree of the places on the unit sphere."""
        return cKDTree(to_xyz(self.lat, self.lon))

    def nearest(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Row of the nearest place within :data:`NEAR_RADIUS_KM` of each point (-1: none)."""
        _, near = self.tree.query(to_xyz(lat, lon), k=1,
                                  distance_upper_bound=chord(NEAR_RADIUS_KM))
        return np.where(near >= len(self.gid), -1, near).astype(np.int64)

    def top_by(self, keys: list[np.ndarray]) -> dict[tuple, int]:
        """Most populous place (smallest geonameid on ties) per value of ``keys``."""
        order = np.lexsort((self.gid, -self.pop))
        cols = {f"k{j}": k[order] for j, k in enumerate(keys)}
        df = pd.DataFrame(cols).assign(pos=order).drop_duplicates(subset=list(cols))
        return dict(
            zip(
                zip(*(df[c].tolist() for c in cols), strict=True),
                df["pos"].tolist(),
                strict=True,
            )
        )


def pick(
    key_id: np.ndarray, pidx: np.ndarray, sort_cols: list[np.ndarray], places: Places
) -> tuple[np.ndarray, np.ndarray]:
    """First candidate per key_id by ``sort_cols`` (ascending), then -population, geonameid.

    Returns the chosen candidate positions and their key ids.
    """
    if len(key_id) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort(
        (places.gid[pidx], -places.pop[pidx], *reversed(sort_cols), key_id)
    )
    k_sorted = key_id[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = k_sorted[1:] != k_sorted[:-1]
    chosen = order[first]
    return chosen, key_id[chosen]
