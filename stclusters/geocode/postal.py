"""US ZIP codes: refine the place of rows of the United States without given coordinates.

ZIP data of the ``zipcodes`` package (5 digits or ZIP+4; bundled, no network). A ZIP is
used when it lies in the given state (if one is recognised): the same-name candidate of
the exact phase nearest to the ZIP centroid within :data:`POSTAL_RADIUS_KM` wins
(``Springfield`` + ``01103`` is Springfield, MA); failing that, when the city agrees with
the ZIP's USPS city names (equal key: ``exact``, 100; WRatio >= the cutoff: ``fuzzy``),
the row is placed at the ZIP centroid and attached to the nearest gazetteer place within
50 km. A ZIP that does not confirm the city is ignored. Other countries' postal codes are
not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from stclusters.geo import haversine_km
from stclusters.geocode.keys import Rows, codes
from stclusters.geocode.places import Places
from stclusters.text import full_key, normalize_place

__all__ = ["POSTAL_RADIUS_KM", "PostalPlacement", "postal_placement", "zip_table"]

#: a same-name candidate within this distance of the ZIP centroid is the row's place
POSTAL_RADIUS_KM = 25.0
_ZIP_RE = re.compile(r"(?<!\d)(\d{5})(?:[- ]?\d{4})?(?!\d)")


@lru_cache(maxsize=1)
def zip_table() -> pd.DataFrame:
    """US ZIP codes of the ``zipcodes`` package (data bundled, no network): one row per
    5-digit ZIP with ``zip``, ``lat``, ``lon``, ``state`` and ``keys`` (the normalised
    keys of its USPS city name and acceptable city names)."""
    import zipcodes

    rows = [z for z in zipcodes.list_all() if z.get("country") == "US" and z.get("lat")]
    return pd.DataFrame(
        {
            "zip": [z["zip_code"] for z in rows],
            "lat": np.array([float(z["lat"]) for z in rows]),
            "lon": np.array([float(z["long"]) for z in rows]),
            "state": [z["state"] for z in rows],
            "keys": [
                frozenset(k for c in [z["city"], *(z.get("acceptable_cities") or [])]
                          for k in (full_key(c), normalize_place(c)) if k)
                for z in rows
            ],
        }
    ).drop_duplicates("zip").set_index("zip", drop=False)


@dataclass
class PostalPlacement:
    """Rows whose ZIP code changes their placement, with their new placement."""

    rows: np.ndarray  # row positions
    pidx: np.ndarray  # place row (-1: none)
    method: np.ndarray  # exact, alternate or fuzzy
    score: np.ndarray
    lat: np.ndarray  # the ZIP centroid, NaN when the row takes its place's coordinates
    lon: np.ndarray


@dataclass
class _Pairs:
    """Unique (address key, ZIP) pairs of the candidate rows."""

    rows: np.ndarray  # candidate row positions
    inv: np.ndarray  # pair of each candidate row
    key: np.ndarray  # key id of each pair
    zpos: np.ndarray  # row of zip_table() of each pair


def _zip_pairs(postal: np.ndarray, cand_rows: np.ndarray, row_key: np.ndarray) -> _Pairs | None:
    """The (key, ZIP) pairs of the candidate rows whose postal code holds a known ZIP."""
    pc_id, pc_uni = codes(postal[cand_rows])
    zips = np.array([(m.group(1) if (m := _ZIP_RE.search(str(u))) else None)
                     for u in pc_uni] + [None], dtype=object)
    row_zip = zips[np.where(pc_id < 0, len(pc_uni), pc_id)]
    zpos = zip_table().index.get_indexer(pd.Index(row_zip.astype(object)))
    keep = zpos >= 0
    cand_rows, zpos = cand_rows[keep], zpos[keep]
    if len(cand_rows) == 0:
        return None
    pairs, pinv = np.unique(np.column_stack([row_key[cand_rows], zpos]), axis=0,
                            return_inverse=True)
    return _Pairs(rows=cand_rows, inv=pinv.reshape(-1), key=pairs[:, 0], zpos=pairs[:, 1])


def _nearest_namesake(
    pair_key: np.ndarray, zlat: np.ndarray, zlon: np.ndarray, usable: np.ndarray,
    exact: pd.DataFrame, pl: Places,
) -> pd.DataFrame:
    """Per usable pair, the exact/alternate candidate of its key nearest to the ZIP centroid
    within :data:`POSTAL_RADIUS_KM` (columns ``pair``, ``pidx``, ``alt``)."""
    pf = pd.DataFrame({"pair": np.arange(len(pair_key)), "kid": pair_key})[usable]
    m = pf.merge(exact, on="kid")
    if len(m) == 0:
        return m
    pi = m["pair"].to_numpy()
    cp = m["pidx"].to_numpy()
    d = haversine_km(zlat[pi], zlon[pi], pl.lat[cp], pl.lon[cp])
    m = m.assign(d=d)[d <= POSTAL_RADIUS_KM]
    return m.sort_values(["pair", "d", "alt"], kind="stable").drop_duplicates("pair")


def _city_agrees(
    todo: np.ndarray, pairs: _Pairs, keys: pd.DataFrame, cutoff: float
) -> list[tuple[int, str, float]]:
    """(pair, method, score) of the pairs in ``todo`` whose city is one of the ZIP's city
    names (``exact``, 100) or scores WRatio >= ``cutoff`` against one (``fuzzy``)."""
    zkeys = zip_table()["keys"].to_numpy(dtype=object)
    k_full, k_strip = keys["full"].to_numpy(), keys["strip"].to_numpy()
    out = []
    for i in todo.tolist():
        names_z = zkeys[pairs.zpos[i]]
        k = pairs.key[i]
        if k_full[k] in names_z or k_strip[k] in names_z:
            out.append((i, "exact", 100.0))
            continue
        best = max((fuzz.WRatio(k_strip[k], z) for z in names_z), default=0.0)
        if best >= cutoff:
            out.append((i, "fuzzy", round(float(best), 4)))
    return out


def postal_placement(
    postal: np.ndarray, text_rows: np.ndarray, rows: Rows, keys: pd.DataFrame,
    exact: pd.DataFrame, pl: Places, cutoff: float,
) -> PostalPlacement | None:
    """The rows among ``text_rows`` (placed by their text) whose US ZIP changes their place.

    ``postal`` is the records' postal code column, ``exact`` the exact-phase candidates
    (``kid``, ``pidx``, ``alt``). Per unique (address key, ZIP) usable pair: (1) the
    nearest same-name candidate, else (2) the ZIP centroid when the city agrees with the
    ZIP's city names, attached to the nearest place within 50 km (-1 when none).
    Returns None when no row has a usable ZIP.
    """
    cand_rows = np.flatnonzero(text_rows & (rows.iso == "US") & (postal != None))  # noqa: E711
    if len(cand_rows) == 0:
        return None
    pairs = _zip_pairs(postal, cand_rows, rows.row_key)
    if pairs is None:
        return None
    zt = zip_table()
    zlat, zlon = zt["lat"].to_numpy()[pairs.zpos], zt["lon"].to_numpy()[pairs.zpos]
    zstate = zt["state"].to_numpy(dtype=object)[pairs.zpos]
    usable = ~keys["known"].to_numpy()[pairs.key] | (keys["admin1"].to_numpy()[pairs.key]
                                                    == zstate)
    n_p = len(pairs.key)
    r_pidx = np.full(n_p, -1, dtype=np.int64)
    r_method = np.full(n_p, None, dtype=object)
    r_score = np.full(n_p, np.nan)
    r_lat = np.full(n_p, np.nan)
    r_lon = np.full(n_p, np.nan)
    done = np.zeros(n_p, dtype=bool)

    if len(exact):
        m = _nearest_namesake(pairs.key, zlat, zlon, usable, exact, pl)
        pi = m["pair"].to_numpy()
        r_pidx[pi] = m["pidx"].to_numpy()
        r_method[pi] = np.where(m["alt"].to_numpy() == 1, "alternate", "exact")
        r_score[pi] = 100.0
        done[pi] = True

    at = _city_agrees(np.flatnonzero(usable & ~done), pairs, keys, cutoff)
    if at:
        ai = np.array([a[0] for a in at], dtype=np.int64)
        r_pidx[ai] = pl.nearest(zlat[ai], zlon[ai])
        r_method[ai] = [a[1] for a in at]
        r_score[ai] = [a[2] for a in at]
        r_lat[ai], r_lon[ai] = zlat[ai], zlon[ai]
        done[ai] = True

    # rows whose pair changed something (a pair that re-chose the key's own place is a no-op)
    changed = done & ~((r_pidx == keys["pidx"].to_numpy()[pairs.key]) & np.isnan(r_lat))
    sel = changed[pairs.inv]
    pi = pairs.inv[sel]
    return PostalPlacement(rows=pairs.rows[sel], pidx=r_pidx[pi], method=r_method[pi],
                           score=r_score[pi], lat=r_lat[pi], lon=r_lon[pi])
