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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stclusters.admin1 import region_admin1
from stclusters.arrays import unique
from stclusters.countries import country_key, to_iso2
from stclusters.text import full_key, normalize_place

__all__ = ["KEY_COLUMNS", "Coder", "Rows", "codes", "column", "factorize_column", "key_table",
           "read_rows", "set_keys"]

KEY_COLUMNS = ["iso2", "full", "strip", "region", "admin1", "known", "pidx", "method", "score"]


def codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize with missing (None/NaN) as -1, on an object array."""
    c, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return c.astype(np.int64), np.asarray(uniques, dtype=object)


def factorize_column(records: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1: missing) and distinct values (objects, in order of first appearance) of
    a column of ``records``; all missing if it is absent. Fast on Arrow-backed text."""
    if name not in records.columns:
        return np.full(len(records), -1, dtype=np.int64), np.zeros(0, dtype=object)
    c, uniques = pd.factorize(records[name], use_na_sentinel=True)
    return np.asarray(c, dtype=np.int64), np.asarray(uniques, dtype=object)


def column(records: pd.DataFrame, name: str) -> np.ndarray:
    """A column of ``records`` as an object array (None for missing; all None if absent)."""
    c, uniques = factorize_column(records, name)
    return np.append(uniques, None).astype(object)[c]


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
    near: np.ndarray | None = None  # nearest place of the given coordinates (-1: none)

    @property
    def has_key(self) -> np.ndarray:
        return self.row_key >= 0


class _Vocab:
    """Codes of distinct values in order of first appearance over every chunk seen, as
    ``pd.factorize`` over all the rows at once would give them."""

    def __init__(self) -> None:
        self.code: dict[object, int] = {}

    @property
    def values(self) -> np.ndarray:
        """The distinct values, by code."""
        return np.array(list(self.code), dtype=object)


def _coded(records: pd.DataFrame, name: str, cache: dict, fn: Callable[[object], object],
           vocab: _Vocab) -> tuple[np.ndarray, np.ndarray]:
    """The column ``name`` of ``records`` through ``fn`` (computed once per distinct value
    over the life of ``cache``; None: missing): the values' codes in ``vocab`` (-1: None)
    and the values, per row. The codes are those of ``vocab.encode`` on the values."""
    c, raw = factorize_column(records, name)
    vals = np.empty(len(raw) + 1, dtype=object)
    code = np.full(len(raw) + 1, -1, dtype=np.int64)
    for j, u in enumerate(raw.tolist()):
        v = cache[u] if u in cache else cache.setdefault(u, fn(u))
        vals[j] = v
        if v is not None:
            code[j] = vocab.code.setdefault(v, len(vocab.code))
    return code[c], vals[c]


class Coder:
    """The rows' country, city key and region codes, shared by every chunk of a run.

    Codes follow the first appearance of each value over the chunks in order, so a run in
    chunks gives the codes (and key ids) of a run over all rows at once; the text work is
    done once per distinct raw value over the run.
    """

    #: bits of the packed key (country, region + 1, city): see :meth:`pack`
    CITY_BITS, REG_BITS = 27, 26

    def __init__(self) -> None:
        self.iso, self.city, self.reg = _Vocab(), _Vocab(), _Vocab()
        self._iso2: dict = {}
        self._full: dict = {}
        self._fold: dict = {}

    def rows(self, records: pd.DataFrame) -> Rows:
        """Per-row arrays of ``records`` with global codes (``row_key`` not yet set)."""
        n = len(records)
        lat = pd.to_numeric(records["lat"], errors="coerce").to_numpy(np.float64, copy=True)
        lon = pd.to_numeric(records["lon"], errors="coerce").to_numpy(np.float64, copy=True)
        status = column(records, "coord_status")
        given = (status == "valid") & np.isfinite(lat) & np.isfinite(lon)
        iso_id, iso_row = _coded(records, "country", self._iso2,
                                 lambda v: to_iso2(pd.Series([v], dtype=object)).iloc[0],
                                 self.iso)
        city_id, _ = _coded(records, "city", self._full, lambda v: full_key(v) or None,
                            self.city)
        reg_id, _ = _coded(records, "region", self._fold,
                           lambda v: country_key(str(v)) or None, self.reg)
        return Rows(lat=lat, lon=lon, status=status, given=given, iso=iso_row,
                    iso_id=iso_id, city_id=city_id, reg_id=reg_id,
                    row_key=np.full(n, -1, dtype=np.int64))

    def pack(self, rows: Rows) -> np.ndarray:
        """The rows' keys packed into one int64, ordered as (country, region, city) codes
        (-1: no key; the country or the city is missing)."""
        if max(len(self.city.code), len(self.reg.code) + 1) >= 1 << self.REG_BITS or len(
                self.iso.code) >= 1 << (63 - self.CITY_BITS - self.REG_BITS):
            raise ValueError("too many distinct cities, regions or countries to pack")
        comb = ((rows.iso_id << self.REG_BITS | (rows.reg_id + 1)) << self.CITY_BITS
                | rows.city_id)
        return np.where((rows.iso_id >= 0) & (rows.city_id >= 0), comb, -1)

    def key_table(self, packed: np.ndarray) -> pd.DataFrame:
        """The key table (module doc) of the sorted distinct packed keys ``packed``."""
        mask = (1 << self.CITY_BITS) - 1
        k_city = packed & mask
        k_reg = ((packed >> self.CITY_BITS) & ((1 << self.REG_BITS) - 1)) - 1
        k_iso = packed >> (self.CITY_BITS + self.REG_BITS)
        return _keys_frame(self.iso.values[k_iso] if len(packed) else _EMPTY,
                           self.city.values[k_city] if len(packed) else _EMPTY,
                           self.reg.values, k_reg)


_EMPTY = np.zeros(0, dtype=object)


def read_rows(records: pd.DataFrame) -> tuple[Rows, np.ndarray, np.ndarray, np.ndarray]:
    """Per-row arrays of ``records``, with every text computed once per distinct value.

    Returns the rows (``row_key`` not yet set) and the distinct ISO2 codes, full city keys
    and folded regions their ``iso_id``, ``city_id`` and ``reg_id`` point to.
    """
    coder = Coder()
    rows = coder.rows(records)
    return rows, coder.iso.values, coder.city.values, coder.reg.values


def key_table(records: pd.DataFrame) -> tuple[Rows, pd.DataFrame]:
    """The rows of ``records`` and the table of their unique address keys (module doc)."""
    coder = Coder()
    rows = coder.rows(records)
    packed = coder.pack(rows)
    uniq = unique(packed[packed >= 0])
    rows.row_key = np.where(packed >= 0, np.searchsorted(uniq, packed), -1)
    return rows, coder.key_table(uniq)


def _keys_frame(k_iso2: np.ndarray, k_full: np.ndarray, reg_uni: np.ndarray,
                k_reg: np.ndarray) -> pd.DataFrame:
    """The key table from the keys' ISO2 codes, full city keys and region codes."""
    n_keys = len(k_full)
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

    return pd.DataFrame(
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


def set_keys(keys: pd.DataFrame, key_ids: np.ndarray, **values: object) -> None:
    """Set columns of the keys ``key_ids`` (positions) in place, keeping column dtypes."""
    for name, v in values.items():
        keys.iloc[key_ids, keys.columns.get_loc(name)] = v
