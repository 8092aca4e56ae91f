"""The geocoder's inputs: per-row arrays (:class:`Rows`) and the table of unique address keys.

An address key is (ISO2 country, normalised city, normalised region). All text work is
done once per key and joined back to the rows through ``Rows.row_key``.

The key table (:func:`key_table`) has one row per key (its position is the key id):

* ``iso2``, ``full`` (full city key, ``carson city``), ``strip`` (suffix-stripped city
  key, ``carson``), ``region`` (folded region text or None);
* ``admin1``, ``known``: :func:`~stclusters.admin1.region_admin1` of the region;
* ``pidx``, ``method``, ``score``: the key's place (row of the gazetteer places, -1:
  none), method (None: none yet) and score, filled in by the matching phases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stclusters.admin1 import region_admin1
from stclusters.countries import country_key, to_iso2
from stclusters.text import full_key, normalize_place

__all__ = ["KEY_COLUMNS", "Rows", "codes", "column", "key_table", "read_rows", "set_keys"]

KEY_COLUMNS = ["iso2", "full", "strip", "region", "admin1", "known", "pidx", "method", "score"]


def codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize with missing (None/NaN) as -1, on an object array."""
    c, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return c.astype(np.int64), np.asarray(uniques, dtype=object)


def column(records: pd.DataFrame, name: str) -> np.ndarray:
    """A column of ``records`` as an object array (None for missing; all None if absent)."""
    if name not in records.columns:
        return np.full(len(records), None, dtype=object)
    return records[name].to_numpy(dtype=object, na_value=None)


@dataclass
class Rows:
    """Per-row inputs of the geocoder (arrays of the records' length)."""

    lat: np.ndarray  # given latitude (NaN: none); swapped rows are repaired in place
    lon: np.ndarray
    status: np.ndarray  # coord_status (object)
    given: np.ndarray  # valid given coordinates
    iso: np.ndarray  # ISO2 country or None
    iso_id: np.ndarray  # code of the country (-1: unknown)
    city_id: np.ndarray  # code of the full city key (-1: blank)
    reg_id: np.ndarray  # code of the folded region (-1: none)
    row_key: np.ndarray  # key id (-1: no key, the country or the city is missing)

    @property
    def has_key(self) -> np.ndarray:
        return self.row_key >= 0


def read_rows(records: pd.DataFrame) -> tuple[Rows, np.ndarray, np.ndarray, np.ndarray]:
    """Per-row arrays of ``records``, with every text computed once per distinct value.

    Returns the rows (``row_key`` not yet set) and the distinct ISO2 codes, full city keys
    and folded regions their ``iso_id``, ``city_id`` and ``reg_id`` point to.
    """
    n = len(records)
    lat = pd.to_numeric(records["lat"], errors="coerce").to_numpy(np.float64, copy=True)
    lon = pd.to_numeric(records["lon"], errors="coerce").to_numpy(np.float64, copy=True)
    status = column(records, "coord_status")
    given = (status == "valid") & np.isfinite(lat) & np.isfinite(lon)

    iso_row = to_iso2(pd.Series(column(records, "country"), dtype=object)).to_numpy(dtype=object)
    iso_id, iso_uni = codes(iso_row)

    raw_city_id, raw_city = codes(column(records, "city"))
    full_of_raw = np.array([full_key(c) for c in raw_city] + [""], dtype=object)
    city_full_row = full_of_raw[raw_city_id]  # -1 -> ""
    city_id, city_uni = codes(np.where(city_full_row == "", None, city_full_row))

    raw_reg_id, raw_reg = codes(column(records, "region"))
    reg_of_raw = np.array([country_key(str(r)) or None for r in raw_reg] + [None], dtype=object)
    reg_id, reg_uni = codes(reg_of_raw[raw_reg_id])

    rows = Rows(lat=lat, lon=lon, status=status, given=given, iso=iso_row, iso_id=iso_id,
                city_id=city_id, reg_id=reg_id, row_key=np.full(n, -1, dtype=np.int64))
    return rows, iso_uni, city_uni, reg_uni


def key_table(records: pd.DataFrame) -> tuple[Rows, pd.DataFrame]:
    """The rows of ``records`` and the table of their unique address keys (module doc)."""
    rows, iso_uni, city_uni, reg_uni = read_rows(records)
    has_key = (rows.iso_id >= 0) & (rows.city_id >= 0)
    n_city, n_reg = max(len(city_uni), 1), len(reg_uni) + 1
    comb = (rows.iso_id * n_reg + (rows.reg_id + 1)) * n_city + rows.city_id
    uniq, inv = np.unique(comb[has_key], return_inverse=True)
    rows.row_key[has_key] = inv
    n_keys = len(uniq)
    k_city = uniq % n_city
    k_reg = (uniq // n_city) % n_reg - 1
    k_iso = uniq // n_city // n_reg
    k_iso2 = iso_uni[k_iso] if n_keys else np.zeros(0, dtype=object)
    k_full = city_uni[k_city] if n_keys else np.zeros(0, dtype=object)
    strip_cache = {f: normalize_place(f) for f in set(k_full.tolist())}
    k_strip = np.array([strip_cache[f] for f in k_full], dtype=object)
    k_region = np.where(k_reg >= 0, reg_uni[np.maximum(k_reg, 0)] if len(reg_uni) else None,
                        None)
    reg_cache: dict[tuple, tuple[str | None, bool]] = {}
    k_admin1 = np.full(n_keys, None, dtype=object)
    k_known = np.zeros(n_keys, dtype=bool)
    for i in range(n_keys):
        t = (k_iso2[i], k_region[i])
        if t not in reg_cache:
            reg_cache[t] = region_admin1(*t)
        k_admin1[i], k_known[i] = reg_cache[t]

    def obj(a: np.ndarray) -> pd.Series:  # keep None as None (no inferred string dtype)
        return pd.Series(a, dtype=object)

    keys = pd.DataFrame(
        {
            "iso2": obj(k_iso2),
            "full": obj(k_full),
            "strip": obj(k_strip),
            "region": obj(k_region.astype(object)),
            "admin1": obj(k_admin1),
            "known": k_known,
            "pidx": np.full(n_keys, -1, dtype=np.int64),
            "method": obj(np.full(n_keys, None, dtype=object)),
            "score": np.zeros(n_keys, dtype=np.float64),
        },
        columns=KEY_COLUMNS,
    )
    return rows, keys


def set_keys(keys: pd.DataFrame, key_ids: np.ndarray, **values: object) -> None:
    """Set columns of the keys ``key_ids`` (positions) in place, keeping column dtypes."""
    for name, v in values.items():
        keys.iloc[key_ids, keys.columns.get_loc(name)] = v
