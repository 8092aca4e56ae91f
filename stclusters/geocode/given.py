"""Rows with valid given coordinates: keep them, repair swapped ones, attach a place.

A row with valid coordinates keeps them (``given``, score 100) and gets the exact or
alternate text match of its key when that place lies within 50 km of the coordinates,
else the nearest gazetteer place within 50 km (else none, ``geonameid`` -1).

Swapped coordinates are repaired: when the nearest place within 50 km is not in the given
country (or there is none) but the point with latitude and longitude exchanged (possible
when ``|lon| <= 90``) has its nearest place in the given country, the exchanged point is
used and ``coord_status`` becomes ``swapped``.

Coordinates in the wrong country (:func:`wrong_country`: PatentsView places some
locations in another country than the address's) are not used: the geocoder sets their
``coord_status`` to ``wrong_country`` and places the row from its address instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stclusters.geo import chord, haversine_km, to_xyz
from stclusters.geocode.keys import Rows
from stclusters.geocode.places import NEAR_RADIUS_KM, Places

__all__ = ["GivenPlacement", "nearest_given", "place_given", "wrong_country"]


@dataclass
class GivenPlacement:
    """The placement of the rows with given coordinates (arrays over ``rows``)."""

    rows: np.ndarray  # row positions
    lat: np.ndarray  # coordinates, exchanged where swapped
    lon: np.ndarray
    swapped: np.ndarray  # bool: latitude and longitude were exchanged
    pidx: np.ndarray  # place row (-1: none)


def _nearest_unique(pl: Places, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """:meth:`Places.nearest`, computed once per distinct point."""
    codes, upts = pd.factorize(np.asarray(lat, np.float64) + 1j * np.asarray(lon, np.float64),
                               use_na_sentinel=False)
    return pl.nearest(upts.real, upts.imag)[codes]


def nearest_given(rows: Rows, pl: Places) -> np.ndarray:
    """The nearest place within :data:`NEAR_RADIUS_KM` of each row's given coordinates
    (-1: none, or no valid coordinates); set as ``rows.near``, it is computed once for
    :func:`wrong_country` and :func:`place_given`."""
    near = np.full(len(rows.lat), -1, dtype=np.int64)
    g = np.flatnonzero(rows.given)
    if len(g):
        near[g] = _nearest_unique(pl, rows.lat[g], rows.lon[g])
    return near


def _repair_swapped(
    pl: Places, iso: np.ndarray, lat: np.ndarray, lon: np.ndarray, near: np.ndarray
) -> np.ndarray:
    """Exchange latitude and longitude (in place, with ``near``) of the points that are not
    near a place of their country while the exchanged point is; returns that mask."""
    near_iso = np.where(near >= 0, pl.iso[np.maximum(near, 0)], None)
    doubt = np.flatnonzero((iso != None) & (near_iso != iso) & (np.abs(lon) <= 90))  # noqa: E711
    swapped = np.zeros(len(lat), dtype=bool)
    if len(doubt) == 0:
        return swapped
    snear = _nearest_unique(pl, lon[doubt], lat[doubt])
    ok = (snear >= 0) & (pl.iso[np.maximum(snear, 0)] == iso[doubt])
    sw = doubt[ok]
    lat[sw], lon[sw] = lon[sw].copy(), lat[sw].copy()
    near[sw] = snear[ok]
    swapped[sw] = True
    return swapped


def place_given(rows: Rows, keys: pd.DataFrame, pl: Places) -> GivenPlacement | None:
    """Placement of the rows with valid given coordinates (None when there is none)."""
    if not rows.given.any():
        return None
    g = np.flatnonzero(rows.given)
    lat, lon = rows.lat[g].copy(), rows.lon[g].copy()
    near = rows.near[g].copy() if rows.near is not None else _nearest_unique(pl, lat, lon)
    swapped = _repair_swapped(pl, rows.iso[g], lat, lon, near)
    # the key's exact/alternate place, when it lies within the radius of the point
    gk = rows.row_key[g]
    has = np.flatnonzero(gk >= 0)
    text_p = np.full(len(g), -1, dtype=np.int64)
    text_m = keys["method"].to_numpy()[gk[has]]
    text_p[has] = np.where((text_m == "exact") | (text_m == "alternate"),
                           keys["pidx"].to_numpy()[gk[has]], -1)
    tp = np.maximum(text_p, 0)
    close = (text_p >= 0) & (
        haversine_km(lat, lon, pl.lat[tp], pl.lon[tp]) <= NEAR_RADIUS_KM
    )
    return GivenPlacement(rows=g, lat=lat, lon=lon, swapped=swapped,
                          pidx=np.where(close, text_p, near))


def _has_own_place(pl: Places, iso: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Whether a place of each point's own country lies within NEAR_RADIUS_KM of it."""
    hits = pl.tree.query_ball_point(to_xyz(lat, lon), r=chord(NEAR_RADIUS_KM))
    return np.array([bool(np.any(pl.iso[np.asarray(h, dtype=np.int64)] == c)) if len(h)
                     else False for h, c in zip(hits, iso, strict=True)], dtype=bool)


def wrong_country(rows: Rows, pl: Places) -> np.ndarray:
    """Rows whose valid given coordinates lie in another country than the row's country.

    A point is in the wrong country when its nearest gazetteer place within
    :data:`NEAR_RADIUS_KM` belongs to another country, no place of the row's country lies
    within that radius of it (nor of the point with latitude and longitude exchanged, which
    :func:`place_given` repairs), and the row's country has places in the gazetteer. Border
    towns keep their coordinates; so does a point with no place within the radius (at sea,
    in a desert: nothing says which country it is in).
    """
    out = np.zeros(len(rows.lat), dtype=bool)
    g = np.flatnonzero(rows.given & (rows.iso != None))  # noqa: E711
    if len(g) == 0:
        return out
    iso = rows.iso[g]
    near = rows.near[g] if rows.near is not None else _nearest_unique(pl, rows.lat[g],
                                                                       rows.lon[g])
    near_iso = np.where(near >= 0, pl.iso[np.maximum(near, 0)], None)
    known = pd.Series(iso, dtype=object).isin(pl.countries).to_numpy()
    doubt = np.flatnonzero((near >= 0) & (near_iso != iso) & known)
    if len(doubt) == 0:
        return out
    lat, lon, diso = rows.lat[g[doubt]], rows.lon[g[doubt]], iso[doubt]
    ok = _has_own_place(pl, diso, lat, lon)
    can_swap = np.abs(lon) <= 90
    ok[can_swap] |= _has_own_place(pl, diso[can_swap], lon[can_swap], lat[can_swap])
    out[g[doubt[~ok]]] = True
    return out
