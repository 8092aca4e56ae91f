"""How the demo world writes addresses, messily, like real extracts.

Per place: five spellings of the name (canonical, upper case, native script, exonym or
folded Latin, administrative suffix), a region (US state code, Canadian province code,
German state or Japanese prefecture name) and a postal code in the country's format (real
US ZIP codes). Per row: one spelling drawn, region and postal code present or not, the
country as ISO2, ISO3 or English name, a few blank cities, typos and junk rows.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stclusters.admin1 import CA_PROVINCES, JP_PREFECTURES
from stclusters.demo.draws import choice_cdf
from stclusters.demo.tables import (
    DE_STATES,
    EXONYMS,
    JUNK_COUNTRIES,
    NATIVE,
    NATIVE_SCRIPT,
    SCRIPTS,
    SEOUL_GU,
)
from stclusters.demo.world import Gazetteer, country_info, hav_km
from stclusters.geo import chord, to_xyz
from stclusters.geocode import zip_table


# ------------------------------------------------------------------ per place
@functools.cache
def _script_pattern(script: str) -> re.Pattern:
    """A character class of ``script``'s code point ranges (kana counts as cjk)."""
    ranges = SCRIPTS[script] + (SCRIPTS["kana"] if script == "cjk" else [])
    return re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges) + "]")


def _in_script(s: str, script: str) -> bool:
    """Whether ``s`` has a character of ``script`` (kana counts as cjk)."""
    return _script_pattern(script).search(s) is not None


@functools.lru_cache(maxsize=1 << 16)
def _fold(s: str) -> str:
    """``s`` without diacritics (NFKD, combining marks dropped)."""
    if s.isascii():  # nothing to decompose
        return s
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def _native_name(name: str, cc: str, alts) -> str | None:
    """The place's name in its country's script: ``NATIVE`` first, else the shortest
    GeoNames alternate name in that script (with per-script preferences), else None."""
    if (name, cc) in NATIVE:
        return NATIVE[(name, cc)]
    script = NATIVE_SCRIPT.get(cc)
    if script is None:
        return None
    cands = [a for a in alts if _in_script(a, script)]
    if script == "cjk":
        cands = [a for a in cands if not _in_script(a, "hangul")]
        if cc == "JP":
            kana = [a for a in cands if _in_script(a, "kana")]
            cands = [a for a in cands if a not in kana] or kana
    if script == "cjk":  # prefer the bare name whose "city" form (+市/都/府) is also known
        altset = set(alts)
        bare = [a for a in cands if any(a + x in altset for x in "市都府")]
        cands = bare or cands
    if script == "cyrillic":
        cands = [a for a in cands if re.fullmatch(r"[А-яЁёІіЇїЄєҐґ' -]+", a)]
    if script == "arabic" and cc != "IR":
        cands = [a for a in cands if a.startswith("ال")] or cands
    if not cands:
        return None
    if script == "hangul":
        si = [a for a in cands if a.endswith("시")]
        cands = si or cands
    shortest = min(len(a) for a in cands)
    cands = [a for a in cands if len(a) == shortest]
    return cands[-1] if cc in ("JP", "TW", "HK", "MO") else cands[0]


def _alt_latin(name: str, alts) -> str | None:
    """An exonym GeoNames knows (``EXONYMS``), else the folded name when it differs."""
    altset = set(alts)
    for ex in EXONYMS.get(name, []):
        if ex in altset or _fold(ex) == _fold(name):
            return ex
    folded = _fold(name)
    if folded != name:
        return folded
    return None


def _suffixed(name: str, cc: str, admin1: str, lat: float, lon: float) -> str | None:
    """The name with its administrative suffix: ``-shi``/``-ku`` (JP, wards within 20 km of
    Tokyo), ``-si`` (KR), `` Shi`` (CN); None elsewhere."""
    base = _fold(name).replace(" City", "").replace(" District", "").strip()
    if cc == "JP":
        if base.endswith(("-shi", "-ku")) or name == "Tokyo":
            return base
        tokyo_ward = (
            admin1 == "40" and name != "Tokyo" and hav_km(35.6895, 139.69171, lat, lon) < 20
        )
        return f"{base}-ku" if tokyo_ward else f"{base}-shi"
    if cc == "KR":
        return base if base.endswith(("-si", "-gu")) else f"{base}-si"
    if cc == "CN":
        return base if base.endswith(" Shi") else f"{base} Shi"
    return None


def _postal(gid: int, cc: str) -> str | None:
    """A synthetic postal code in the country's format, hashed from the geonameid (US, CA,
    GB, JP, NL by hand, else all-digit formats from the GeoNames regex; None otherwise)."""
    h = (gid * 2654435761) % 4294967296
    digits = f"{h:010d}"
    if cc == "US":
        return digits[:5]
    letters = "ABCEGHJKLMNPRSTVXY"
    la = [letters[(h >> (5 * k)) % len(letters)] for k in range(4)]
    if cc == "CA":
        return f"{la[0]}{digits[0]}{la[1]} {digits[1]}{la[2]}{digits[2]}"
    if cc == "GB":
        return f"{la[0]}{la[1]}{digits[0]} {digits[1]}{la[2]}{la[3]}"
    if cc == "JP":
        return f"{digits[:3]}-{digits[3:7]}"
    if cc == "NL":
        return f"{1000 + h % 9000} {la[0]}{la[1]}"
    n = _postal_digits(cc)
    if n:
        return str(10 ** (n - 1) + h % (9 * 10 ** (n - 1)))
    return None


@functools.cache
def _postal_digits(cc: str) -> int | None:
    """The number of digits of the country's postal codes when GeoNames' regex is all
    digits (``^\\d{5}$`` and the like), else None."""
    rx = (country_info().get(cc) or {}).get("postalcoderegex") or ""
    mt = re.fullmatch(r"\^(?:\(\?:[A-Z]+\)\*)?\(?\\d\{(\d)\}\)?\$", rx)
    return int(mt.group(1)) if mt else None


def place_strings(idx: np.ndarray, g: Gazetteer) -> dict:
    """For each used place: the five name variants, region strings and postal code."""
    out = {
        k: np.empty(len(idx), dtype=object)
        for k in ("canon", "upper", "native", "alt", "suffix", "code", "region_name", "postal")
    }
    for j, i in enumerate(idx):
        name, cc, a1 = g.name[i], g.cc[i], g.admin1[i]
        out["canon"][j] = name
        out["upper"][j] = name.upper()
        out["native"][j] = _native_name(name, cc, g.alts[i]) or name
        out["alt"][j] = _alt_latin(name, g.alts[i]) or name
        out["suffix"][j] = _suffixed(name, cc, a1, g.lat[i], g.lon[i]) or name
        code = a1 if cc == "US" else CA_PROVINCES.get(a1) if cc == "CA" else None
        out["code"][j] = code
        out["region_name"][j] = (
            DE_STATES.get(a1) if cc == "DE" else JP_PREFECTURES.get(a1) if cc == "JP" else None
        )
        out["postal"][j] = _postal(int(g.gid[i]), cc)
    us = np.asarray(g.cc[idx] == "US", dtype=bool)
    if us.any():
        out["postal"][us] = _us_zips(idx[us], g, out["postal"][us])
    return out


class PlaceStrings:
    """:func:`place_strings` of gazetteer places, each place computed once and kept (a
    place's strings do not depend on which rows or places are asked with it), so a world
    written block by block spells its places once."""

    KEYS = ("canon", "upper", "native", "alt", "suffix", "code", "region_name", "postal")

    def __init__(self, g: Gazetteer) -> None:
        self.g = g
        self._done = np.zeros(len(g.gid), dtype=bool)
        self._cols = {k: np.full(len(g.gid), None, dtype=object) for k in self.KEYS}
        countries = country_info()
        codes, inv = np.unique(g.cc, return_inverse=True)
        #: every place's country as ISO3 and as English name (the code when unknown)
        self.iso3 = np.array([(countries.get(c) or {}).get("iso3", c) for c in codes], object)[inv]
        self.cname = np.array([(countries.get(c) or {}).get("name", c) for c in codes], object)[inv]
        #: places named Seoul in Korea (their rows may name a district instead)
        self.seoul = np.asarray((g.cc == "KR") & (g.name == "Seoul"), dtype=bool)

    def __call__(self, idx: np.ndarray) -> dict:
        """The strings of places ``idx`` (gazetteer indices), as :func:`place_strings`."""
        new = idx[~self._done[idx]]
        if len(new):
            fresh = place_strings(new, self.g)
            for k in self.KEYS:
                self._cols[k][new] = fresh[k]
            self._done[new] = True
        return {k: self._cols[k][idx] for k in self.KEYS}


def _us_zips(idx: np.ndarray, g: Gazetteer, fallback: np.ndarray) -> np.ndarray:
    """Real US ZIP codes (``zipcodes`` package): the nearest ZIP of the place's state within
    10 km, else the synthetic code, so the geocoder's ZIP rule is exercised."""
    out = fallback.copy()
    admin1 = g.admin1[idx]
    trees = _zip_trees()
    for state in sorted(set(admin1) & set(trees)):
        here = np.asarray(admin1 == state, dtype=bool)
        tree, codes = trees[state]
        dist, near = tree.query(to_xyz(g.lat[idx[here]], g.lon[idx[here]]),
                                distance_upper_bound=chord(10.0))
        ok = np.isfinite(dist)
        sub = out[here]
        sub[ok] = codes[near[ok]]
        out[here] = sub
    return out


@functools.lru_cache(maxsize=1)
def _zip_trees() -> dict:
    """Per US state: a KD-tree of its ZIP codes' points and the codes."""
    from scipy.spatial import cKDTree

    return {
        state: (cKDTree(to_xyz(zs["lat"].to_numpy(), zs["lon"].to_numpy())), zs["zip"].to_numpy())
        for state, zs in zip_table().groupby("state", sort=True)
    }


# ------------------------------------------------------------------ per row
def _typo(s: str, op: int, pos: float) -> str:
    """``s`` with letters swapped (op 0), dropped (1) or doubled (2) at relative ``pos``."""
    if len(s) < 4:
        return s
    k = 1 + int(pos * (len(s) - 2))  # never the first letter
    if op == 0:  # swap
        return s[:k] + s[k + 1] + s[k] + s[k + 2 :] if k + 1 < len(s) else s
    if op == 1:  # drop
        return s[:k] + s[k + 1 :]
    return s[:k] + s[k] + s[k:]  # duplicate


def write_addresses(
    rng: np.random.Generator, place: np.ndarray, g: Gazetteer,
    strings: PlaceStrings | None = None,
) -> dict:
    """The address columns of rows at gazetteer indices ``place``: ``city`` (one of the
    five spellings, Seoul rows with suffixed names as a district), ``region`` (code 85%,
    region name 25% of rows), ``postal_code`` (35%) and ``country`` (ISO2 60%, ISO3 20%,
    English name 20%), as object arrays. ``strings`` keeps place strings between calls."""
    n = len(place)
    strings = strings if strings is not None else PlaceStrings(g)
    uniq, inv = np.unique(place, return_inverse=True)
    ps = strings(uniq)
    kind = choice_cdf(rng, np.array([0.58, 0.12, 0.12, 0.10, 0.08]), n)
    names = np.stack([ps["canon"], ps["upper"], ps["native"], ps["alt"], ps["suffix"]])
    city = names[kind, inv].astype(object)
    cc = g.cc[place]
    seoul = strings.seoul[place] & (kind == 4)
    city[seoul] = np.array(SEOUL_GU, dtype=object)[rng.integers(0, len(SEOUL_GU), seoul.sum())]
    ur = rng.random(n)
    region = np.full(n, None, dtype=object)
    code = ps["code"][inv]
    rname = ps["region_name"][inv]
    use_code = np.asarray(ps["code"] != None)[inv] & (ur < 0.85)  # noqa: E711
    region[use_code] = code[use_code]
    use_name = np.asarray(ps["region_name"] != None)[inv] & (ur < 0.25)  # noqa: E711
    region[use_name] = rname[use_name]
    region[seoul] = "Seoul"
    postal = np.where(rng.random(n) < 0.35, ps["postal"][inv], None).astype(object)
    form = choice_cdf(rng, np.array([0.6, 0.2, 0.2]), n)
    country = cc.copy()
    f1 = form == 1
    country[f1] = strings.iso3[place[f1]]
    f2 = form == 2
    country[f2] = strings.cname[place[f2]]
    return {"city": city, "region": region, "postal_code": postal, "country": country}


def add_typos(rng: np.random.Generator, city: np.ndarray, typo_share: float) -> np.ndarray:
    """Put a typo (swap, drop or doubled letter) into about ``typo_share`` of the cities,
    only ASCII names of at least 5 letters, in place. Returns the per-row uniform draws of
    the typo positions (the junk step reuses them to pick a junk country)."""
    n = len(city)
    text = pa.array(city, type=pa.string(), from_pandas=True)
    ascii_city = pc.and_(pc.string_is_ascii(text), pc.greater_equal(pc.utf8_length(text), 5))
    ascii_city = ascii_city.fill_null(False).to_numpy(zero_copy_only=False)
    typo = ascii_city & (rng.random(n) < typo_share / max(ascii_city.mean(), 1e-9))
    ops = rng.integers(0, 3, size=n)
    tpos = rng.random(n)
    for i in np.where(typo)[0]:
        city[i] = _typo(city[i], int(ops[i]), float(tpos[i]))
    return tpos


def add_junk(
    rng: np.random.Generator,
    addr: dict,
    lat: np.ndarray,
    lon: np.ndarray,
    junk_share: float,
    u: np.ndarray,
) -> np.ndarray:
    """Turn about ``junk_share`` of the rows into junk, in place (``addr`` as from
    :func:`write_addresses`, coordinates ``lat``/``lon``); ``u`` picks the junk country.

    Six kinds, equally likely: blank city and no coordinates; unknown country; latitude
    out of range (the address still usable); (0, 0); lat and lon swapped (where there is
    something to swap, else out of range); out of range with no city. Returns the kind per
    row (``""`` for clean rows).
    """
    city, region, postal, country = (
        addr["city"], addr["region"], addr["postal_code"], addr["country"]
    )
    n = len(city)
    junk = np.full(n, "", dtype=object)
    jmask = rng.random(n) < junk_share
    jk = rng.integers(0, 6, size=n)
    for i in np.where(jmask)[0]:
        k = int(jk[i])
        if k == 0:  # blank city, no coordinates (country only)
            city[i], region[i], postal[i] = None, None, None
            lat[i], lon[i] = np.nan, np.nan
            junk[i] = "blank_city"
        elif k == 1:  # unknown country
            country[i] = JUNK_COUNTRIES[int(u[i] * len(JUNK_COUNTRIES))]
            lat[i], lon[i] = np.nan, np.nan
            junk[i] = "unknown_country"
        elif k == 2:  # coordinates out of range, address still usable
            lat[i], lon[i] = (123.0, lon[i] if not np.isnan(lon[i]) else 10.0)
            junk[i] = "bad_coords"
        elif k == 3:  # (0, 0)
            lat[i], lon[i] = 0.0, 0.0
            junk[i] = "zero_coords"
        elif k == 5 and not np.isnan(lat[i]) and abs(lon[i]) <= 90:  # lat and lon swapped
            lat[i], lon[i] = lon[i], lat[i]
            junk[i] = "swapped_coords"
        elif k == 5:  # nothing to swap: a typo-free but out-of-range latitude instead
            lat[i], lon[i] = (123.0, lon[i] if not np.isnan(lon[i]) else 10.0)
            junk[i] = "bad_coords"
        else:  # out of range and no city: cannot be placed at all
            city[i], region[i], postal[i] = None, None, None
            lat[i], lon[i] = 95.5, 200.0
            junk[i] = "bad_coords_blank_city"
    return junk
