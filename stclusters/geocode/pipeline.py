"""geocode(): canonical address records -> coordinates and a gazetteer place, in phases.

All text work is done once per unique address key (:mod:`stclusters.geocode.keys`) and
joined back to the rows, so the cost grows with the number of distinct addresses, not
with the number of rows. The phases, in order:

1. keys: the rows' codes and the key table; given coordinates in the wrong country are
   set aside (:func:`~stclusters.geocode.given.wrong_country`, ``coord_status``
   ``wrong_country``) and the row goes through the address path;
2. with an institution registry (:mod:`stclusters.geocode.institution`): rows without
   coordinates whose ``institution_id`` is in the registry are placed at the institution
   (``institution``); after the exact and fuzzy city matching, rows with an ``affiliation``
   text and no known id are matched to the registry's names (``affiliation_match``);
   both take precedence over the city of the row;
3. text matching of the keys (:mod:`stclusters.geocode.phases`): exact/alternate, then,
   for the keys that rows without coordinates need, fuzzy, then the region and country
   fallbacks;
4. rows without coordinates take their key's place; US ZIP codes then refine them
   (:mod:`stclusters.geocode.postal`); institution placements replace them;
5. rows with valid coordinates keep them (:mod:`stclusters.geocode.given`);
6. assembly of ``placed`` and ``unmatched``.

Rows that cannot be placed go to ``unmatched`` with a reason: ``no_address`` (no
coordinates and a blank city), ``unknown_country`` (no coordinates and a blank or
unrecognised country), ``no_match`` (nothing found, e.g. a country without places).
Rows with given coordinates take the given country, or the attached place's country when
the given one is unknown; rows placed by text take their place's country.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stclusters.arrays import unique
from stclusters.geo import haversine_km
from stclusters.geocode.given import nearest_given, place_given, wrong_country
from stclusters.geocode.institution import Registry, rows_by_affiliation, rows_by_id
from stclusters.geocode.keys import Coder, Rows, column
from stclusters.geocode.phases import SCORES, match_exact, match_fallbacks, match_fuzzy
from stclusters.geocode.places import NEAR_RADIUS_KM, Places
from stclusters.geocode.postal import postal_placement

__all__ = ["Geocoder", "InstitutionOptions", "geocode"]

log = logging.getLogger("stclusters")


@dataclass
class Placement:
    """Per-row outputs of the geocoder (arrays of the records' length)."""

    pidx: np.ndarray  # place row (-1: none)
    method: np.ndarray  # geo_method (None: unmatched)
    score: np.ndarray
    iso: np.ndarray  # country ISO2
    reason: np.ndarray  # unmatched reason (None: placed)
    lat: np.ndarray  # coordinates other than the place's (ZIP centroid); NaN: none
    lon: np.ndarray
    status: np.ndarray  # coord_status


@dataclass(frozen=True)
class InstitutionOptions:
    """The institution registry and its matching settings (config ``geocode``)."""

    institutions: pd.DataFrame  # results/geocode/institutions.parquet
    names: pd.DataFrame  # results/geocode/institution_names.parquet
    min_score: float = 90.0  # affiliation_min_score
    max_km: float = 25.0  # affiliation_max_km


class Geocoder:
    """The geocoder in two passes over the records, which may come in chunks.

    :meth:`collect` each chunk (its unique address keys, and the keys its rows without
    coordinates need), :meth:`match` the keys once, then :meth:`place` each chunk. A run
    in chunks places every row as a run over all rows at once: key ids follow the first
    appearance of the texts over the chunks in order (:class:`~stclusters.geocode.keys.Coder`),
    and every step of :meth:`place` is a function of the row and of the key table.
    """

    def __init__(self, places: pd.DataFrame, names: pd.DataFrame,
                 fuzzy_min_score: float = 90.0, registry: InstitutionOptions | None = None,
                 check_given_country: bool = True, workers: int = 1) -> None:
        self.pl = Places(places)
        self.workers = workers  # processes for the fuzzy phase of match
        self.names = names
        self.cutoff = float(fuzzy_min_score)
        self.options = registry
        self.reg = (Registry(registry.institutions, registry.names) if registry is not None
                    else None)
        self.check_given_country = check_given_country
        self.coder = Coder()
        self._packed: list[np.ndarray] = []  # distinct packed keys of each chunk
        self._needed: list[np.ndarray] = []  # those that rows without coordinates need
        self.packed = np.zeros(0, dtype=np.int64)  # the sorted packed keys (key ids)
        self.keys: pd.DataFrame | None = None
        self.exact: pd.DataFrame | None = None
        self._memo: dict = {}  # affiliation matches, shared by the chunks
        self.n_by_id = self.n_by_text = 0
        self.ambiguous: set = set()
        self.n_wrong_country = 0

    def _rows(self, records: pd.DataFrame) -> tuple[Rows, np.ndarray, int]:
        """The chunk's rows (wrong-country coordinates set aside, how many is returned)
        and the registry rows of their institution ids (-1: none)."""
        rows = self.coder.rows(records)
        n_wrong = 0
        if self.check_given_country:
            rows.near = nearest_given(rows, self.pl)  # once for the check and place_given
            n_wrong = _set_aside_wrong_country(rows, self.pl)
        by_id = (rows_by_id(self.reg, column(records, "institution_id"), ~rows.given)
                 if self.reg else np.full(len(rows.row_key), -1, dtype=np.int64))
        return rows, by_id, n_wrong

    def collect(self, records: pd.DataFrame) -> None:
        """Pass 1 over a chunk: its address keys, and the keys that rows without
        coordinates and without a registry institution id take their place from."""
        rows, by_id, _ = self._rows(records)
        packed = self.coder.pack(rows)
        self._packed.append(np.sort(pd.unique(packed[packed >= 0])))
        self._needed.append(np.sort(pd.unique(packed[(packed >= 0) & ~rows.given & (by_id < 0)])))
        if len(self._packed) >= 64:  # keep the lists short
            self._packed = [unique(np.concatenate(self._packed))]
            self._needed = [unique(np.concatenate(self._needed))]

    def match(self) -> None:
        """Match the keys collected: exact, fuzzy and fallbacks (module doc).

        The fallbacks take the keys needed by rows without a registry institution id; the
        rows then placed by their affiliation text do not use their key's place, so the
        rows are placed as when only the keys they use are matched.
        """
        empty = np.zeros(0, dtype=np.int64)
        self.packed = unique(np.concatenate([empty, *self._packed]))
        keys = self.coder.key_table(self.packed)
        needed = np.zeros(len(keys), dtype=bool)
        needed[np.searchsorted(self.packed, unique(np.concatenate([empty, *self._needed])))
               ] = True
        self._packed, self._needed = [], []
        self.exact = match_exact(keys, self.names, self.pl)
        match_fuzzy(keys, needed, self.names, self.pl, self.cutoff, self.workers)
        match_fallbacks(keys, needed, self.pl)
        self.keys = keys
        log.info("geocode: %d address keys, %d of them needed by rows without coordinates",
                 len(keys), int(needed.sum()))

    def place(self, records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Pass 2 over a chunk: ``(placed, unmatched)`` of its rows (see :func:`geocode`)."""
        if self.keys is None:
            raise RuntimeError("Geocoder.place before Geocoder.match")
        rows, by_id, n_wrong = self._rows(records)
        self.n_wrong_country += n_wrong
        packed = self.coder.pack(rows)
        has = packed >= 0
        rows.row_key[has] = np.searchsorted(self.packed, packed[has])
        keys, pl, reg = self.keys, self.pl, self.reg
        by_text, text_score = by_id, np.full(len(by_id), np.nan)
        if reg is not None:
            by_text, text_score, amb = rows_by_affiliation(
                reg, column(records, "affiliation"), rows.iso, rows.row_key, keys, pl.lat,
                pl.lon, ~rows.given & (by_id < 0), self.options.min_score,
                self.options.max_km, memo=self._memo)
            self.n_by_id += int((by_id >= 0).sum())
            self.n_by_text += int((by_text >= 0).sum())
            self.ambiguous |= amb
        out = _place_text_rows(rows, keys)
        _apply_postal(out, records, rows, keys, self.exact, pl, self.cutoff)
        if reg is not None:
            _apply_institutions(out, reg, pl, by_id, "institution", np.full(len(by_id), 100.0))
            _apply_institutions(out, reg, pl, by_text, "affiliation_match", text_score)
        _apply_given(out, rows, keys, pl)
        return _assemble(records, rows, out, pl)

    def take_counts(self) -> tuple[int, int, int, set]:
        """The counts :meth:`place` kept since the last call (rows with wrong-country
        coordinates, rows placed by institution id and by affiliation text, ambiguous
        texts), reset: a forked worker hands them to its parent's :meth:`add_counts`."""
        counts = (self.n_wrong_country, self.n_by_id, self.n_by_text, self.ambiguous)
        self.n_wrong_country = self.n_by_id = self.n_by_text = 0
        self.ambiguous = set()
        return counts

    def add_counts(self, counts: tuple[int, int, int, set]) -> None:
        """Add counts of :meth:`take_counts` (of a worker) to this geocoder's."""
        self.n_wrong_country += counts[0]
        self.n_by_id += counts[1]
        self.n_by_text += counts[2]
        self.ambiguous |= counts[3]

    def log_counts(self) -> None:
        """Log the rows set aside and placed at institutions (after the last chunk)."""
        if self.n_wrong_country:
            log.info("given coordinates in the wrong country set aside: %d rows",
                     self.n_wrong_country)
        if self.reg is not None:
            log.info("institutions: %d rows by id, %d by affiliation text, %d ambiguous texts",
                     self.n_by_id, self.n_by_text, len(self.ambiguous))


def geocode(
    records: pd.DataFrame,
    places: pd.DataFrame,
    names: pd.DataFrame,
    fuzzy_min_score: float = 90.0,
    registry: InstitutionOptions | None = None,
    check_given_country: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Geocode canonical records against the gazetteer; returns ``(placed, unmatched)``.

    ``placed`` has every input column plus ``country_iso2``, ``geonameid`` (-1: none),
    ``place_name``, ``admin1``, ``geo_method``, ``geo_score``, with ``lat``/``lon``
    replaced by the final coordinates; ``unmatched`` has the input columns plus
    ``reason``. Both are sorted by ``record_id``; together they hold every input row once.
    ``registry``: place rows at their institution first (module doc).
    ``check_given_country``: set given coordinates in the wrong country aside.
    This is :class:`Geocoder` on one chunk; :func:`stclusters.geocode.stream.geocode_file`
    streams a records file in chunks.
    """
    g = Geocoder(places, names, fuzzy_min_score, registry, check_given_country)
    g.collect(records)
    g.match()
    out = g.place(records)
    g.log_counts()
    return out


def _set_aside_wrong_country(rows: Rows, pl: Places) -> int:
    """Given coordinates in another country than the row's: not used (``wrong_country``);
    returns how many rows."""
    bad = wrong_country(rows, pl)
    if bad.any():
        rows.given[bad] = False
        rows.status = rows.status.copy()
        rows.status[bad] = "wrong_country"
    return int(bad.sum())


def _apply_institutions(out: Placement, reg: Registry, pl: Places, inst: np.ndarray,
                        method: str, score: np.ndarray) -> None:
    """Rows with a registry institution: its coordinates and country, the gazetteer place
    of its GeoNames id when within NEAR_RADIUS_KM, else the nearest place."""
    r = np.flatnonzero(inst >= 0)
    if len(r) == 0:
        return
    i = inst[r]
    lat, lon = reg.lat[i], reg.lon[i]
    p = pl.rows_of(reg.gid[i])
    pp = np.maximum(p, 0)
    far = (p < 0) | (haversine_km(lat, lon, pl.lat[pp], pl.lon[pp]) > NEAR_RADIUS_KM)
    if far.any():
        upts, inv = np.unique(np.column_stack([lat[far], lon[far]]), axis=0,
                              return_inverse=True)
        p[far] = pl.nearest(upts[:, 0], upts[:, 1])[inv.reshape(-1)]
    iso = reg.iso[i]
    no_iso = (iso == None) & (p >= 0)  # noqa: E711
    iso[no_iso] = pl.iso[p[no_iso]]
    out.pidx[r] = p
    out.lat[r], out.lon[r] = lat, lon
    out.iso[r] = iso
    out.method[r] = method
    out.score[r] = np.round(score[r], 4)
    out.reason[r] = None


def _place_text_rows(rows: Rows, keys: pd.DataFrame) -> Placement:
    """Rows without coordinates take their key's place; the unmatched get their reason."""
    n = len(rows.row_key)
    out = Placement(
        pidx=np.full(n, -1, dtype=np.int64),
        method=np.full(n, None, dtype=object),
        score=np.full(n, np.nan, dtype=np.float64),
        iso=rows.iso.copy(),
        reason=np.full(n, None, dtype=object),
        lat=np.full(n, np.nan),
        lon=np.full(n, np.nan),
        status=rows.status.copy(),
    )
    text_rows = ~rows.given & rows.has_key
    rk = rows.row_key[text_rows]
    out.pidx[text_rows] = keys["pidx"].to_numpy()[rk]
    out.method[text_rows] = keys["method"].to_numpy()[rk]
    out.score[text_rows] = keys["score"].to_numpy()[rk]
    out.reason[~rows.given & (rows.city_id < 0)] = "no_address"
    out.reason[~rows.given & (rows.city_id >= 0) & (rows.iso_id < 0)] = "unknown_country"
    out.reason[text_rows & (out.pidx < 0)] = "no_match"
    return out


def _apply_postal(
    out: Placement, records: pd.DataFrame, rows: Rows, keys: pd.DataFrame,
    exact: pd.DataFrame, pl: Places, cutoff: float,
) -> None:
    """US ZIP codes: choose among same-name places, or place at the ZIP centroid."""
    text_rows = ~rows.given & rows.has_key
    zp = postal_placement(column(records, "postal_code"), text_rows, rows, keys, exact, pl,
                          cutoff)
    if zp is None or len(zp.rows) == 0:
        return
    out.pidx[zp.rows] = zp.pidx
    out.method[zp.rows] = zp.method
    out.score[zp.rows] = zp.score
    out.lat[zp.rows] = zp.lat
    out.lon[zp.rows] = zp.lon
    out.reason[zp.rows] = None


def _apply_given(out: Placement, rows: Rows, keys: pd.DataFrame, pl: Places) -> None:
    """Rows with valid coordinates: ``given``, repaired when swapped, with a nearby place."""
    gp = place_given(rows, keys, pl)
    if gp is None:
        return
    g = gp.rows
    out.method[g] = "given"
    out.score[g] = SCORES["given"]
    rows.lat[g], rows.lon[g] = gp.lat, gp.lon
    out.status[g[gp.swapped]] = "swapped"
    out.pidx[g] = gp.pidx
    no_iso = out.iso[g] == None  # noqa: E711
    got = gp.pidx >= 0
    out.iso[g[no_iso & got]] = pl.iso[gp.pidx[no_iso & got]]


def _assemble(
    records: pd.DataFrame, rows: Rows, out: Placement, pl: Places
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``placed`` and ``unmatched`` frames, each sorted by ``record_id``."""
    given = rows.given
    placed_mask = out.reason == None  # noqa: E711
    has_p = out.pidx >= 0
    p = np.maximum(out.pidx, 0)
    gid = np.where(has_p, pl.gid[p], -1).astype(np.int64)
    place_name = np.where(has_p, pl.name[p], None)
    admin1 = np.where(has_p, pl.admin1[p], None)
    lat_out = np.where(given, rows.lat, np.where(has_p, pl.lat[p], np.nan))
    lon_out = np.where(given, rows.lon, np.where(has_p, pl.lon[p], np.nan))
    at_zip = np.isfinite(out.lat)
    lat_out[at_zip] = out.lat[at_zip]
    lon_out[at_zip] = out.lon[at_zip]
    # text-placed rows take their country from the place (equal to the given country)
    text_placed = placed_mask & ~given & has_p & ~at_zip
    out.iso[text_placed] = pl.iso[p[text_placed]]

    placed = records.loc[placed_mask].copy()
    if "coord_status" in placed.columns:
        placed["coord_status"] = pd.array(out.status[placed_mask], dtype="object").astype(
            records["coord_status"].dtype)
    placed["lat"] = lat_out[placed_mask]
    placed["lon"] = lon_out[placed_mask]
    placed["country_iso2"] = pd.array(out.iso[placed_mask], dtype="object")
    placed["geonameid"] = gid[placed_mask]
    placed["place_name"] = pd.array(place_name[placed_mask], dtype="object")
    placed["admin1"] = pd.array(admin1[placed_mask], dtype="object")
    placed["geo_method"] = pd.array(out.method[placed_mask], dtype="object")
    placed["geo_score"] = out.score[placed_mask]
    unmatched = records.loc[~placed_mask].copy()
    if "coord_status" in unmatched.columns:
        unmatched["coord_status"] = pd.array(out.status[~placed_mask], dtype="object").astype(
            records["coord_status"].dtype)
    unmatched["reason"] = pd.array(out.reason[~placed_mask], dtype="object")
    return _finish(placed), _finish(unmatched)


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    if "record_id" in df.columns:
        df = df.sort_values("record_id", kind="stable")
    return df.reset_index(drop=True)
