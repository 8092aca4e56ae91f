"""Placing rows at their institution: by institution id, or by matching the affiliation text.

Two methods, tried before the city phases take effect (:func:`institution_phase`):

``institution``
    The row's ``institution_id`` (a ROR id or an OpenAlex institution id, URL or bare) is
    in the registry (:mod:`stclusters.geocode.registry`): the row is placed at the
    institution's coordinates (score 100).
``affiliation_match``
    A row whose institution id is missing or unknown and which has an ``affiliation`` text:
    the organisation segments of the text (:func:`stclusters.affiliation.parse_affiliation`)
    are matched against the registry's names, labels, aliases and acronyms of the row's
    country (of the country named in the string when the row has none):

    1. *exact*: a segment, two adjacent segments joined (``University of California,
       Berkeley``), the last segment joined with the city (``University of California, Los
       Angeles``), a segment without its bracketed acronym, or that acronym, equals a name key
       (:func:`~stclusters.geocode.registry.org_key`: folded, ``the`` dropped); an acronym
       counts only when written exactly so (case included). Score 100.
    2. *token containment*, only when nothing matched exactly and the country is known:
       every word of the name (stop words aside) is a word of one segment (a segment word
       outside the registry's vocabulary of the country is first corrected to its closest
       vocabulary word, rapidfuzz ratio >= 88, words of 5+ letters), and rapidfuzz
       ``token_set_ratio`` of the name and the segment words it was matched to, as written,
       is >= ``min_score`` (a misspelling lowers it). Names of one word need 5+ letters;
       acronyms and withdrawn records are not used here.

    A candidate farther than ``max_km`` from the place the row's city was matched to
    (exact, alternate or fuzzy) is dropped: the string names another city. Among the rest
    the order is: exact before containment, names before acronyms, higher score, the
    institution's city named in the string, more name words (the more specific name),
    active before inactive before withdrawn, more works (OpenAlex ``works_count``). When
    the best candidates tie on all of these and lie more than ``tie_km`` apart, the text is
    *ambiguous* and the row falls back to its city (then region, country) as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from stclusters.affiliation import org_tokens, parse_affiliation
from stclusters.geo import haversine_km
from stclusters.geocode.registry import institution_ref, org_key

__all__ = ["STOPWORDS", "AffiliationMatch", "Registry"]

STOPWORDS = frozenset(
    "the of and for in at on de del della delle degli dei di da do dos das du des d la le "
    "les l el los las y e i und fur fuer zu am an der die den dem et a en van voor het "
    "och og i w im".split()
)
_STATUS_RANK = {"active": 0, "inactive": 1, "withdrawn": 2}
_PAREN = re.compile(r"\s*\(([^()]*)\)\s*")
CORRECT_MIN = 88.0  # rapidfuzz ratio for correcting a misspelt word to the vocabulary
CORRECT_MIN_LEN = 5
#: affiliation units (country, text, key) remembered over the chunks of a run, at most
MEMO_MAX = 500_000


@dataclass(frozen=True)
class AffiliationMatch:
    """The registry institution matched to one affiliation text (``inst`` -1: none)."""

    inst: int
    score: float
    ambiguous: bool = False


def _content(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t not in STOPWORDS]


class Registry:
    """The registry tables as lookup structures (built once per geocoding run)."""

    def __init__(self, institutions: pd.DataFrame, names: pd.DataFrame) -> None:
        self.iso = institutions["country_iso2"].to_numpy(dtype=object, na_value=None)
        self.lat = institutions["lat"].to_numpy(np.float64)
        self.lon = institutions["lon"].to_numpy(np.float64)
        self.gid = institutions["geonames_id"].to_numpy(np.int64)
        self.status = np.array([_STATUS_RANK.get(s, 1) for s in institutions["status"]],
                               dtype=np.int64)
        self.works = institutions["works_count"].to_numpy(np.int64)
        self.city_key = np.array([org_key(c) if isinstance(c, str) else "" for c in
                                  institutions["city"]], dtype=object)
        ror = institutions["ror"].to_numpy(dtype=object, na_value=None)
        oa = institutions["openalex"].to_numpy(dtype=object, na_value=None)
        inst = institutions["inst"].to_numpy(np.int64)
        self._by_ror = pd.Series(inst[ror != None], index=ror[ror != None])  # noqa: E711
        self._by_ror = self._by_ror[~self._by_ror.index.duplicated()]
        self._by_oa = pd.Series(inst[oa != None], index=oa[oa != None])  # noqa: E711
        self._by_oa = self._by_oa[~self._by_oa.index.duplicated()]
        self.names = names

    def __len__(self) -> int:
        return len(self.iso)

    # ------------------------------------------------------------- ids
    def rows_of_ids(self, ids: np.ndarray) -> np.ndarray:
        """Registry row of each institution id (ROR or OpenAlex, any form; -1: unknown)."""
        out = np.full(len(ids), -1, dtype=np.int64)
        codes, uniq = pd.factorize(pd.Series(ids, dtype=object), use_na_sentinel=True)
        found = np.full(len(uniq) + 1, -1, dtype=np.int64)
        for j, v in enumerate(uniq):
            ror, oa = institution_ref(v)
            if ror is not None and ror in self._by_ror.index:
                found[j] = self._by_ror[ror]
            elif oa is not None and oa in self._by_oa.index:
                found[j] = self._by_oa[oa]
        out[:] = found[np.where(codes < 0, len(uniq), codes)]
        return out

    # ------------------------------------------------------------- name indexes
    @cached_property
    def _exact(self) -> dict[tuple[str | None, str], list[tuple[int, str, str]]]:
        """(country, key) and (None, key) -> [(inst, kind, text)]; withdrawn included."""
        out: dict[tuple[str | None, str], list[tuple[int, str, str]]] = {}
        n = self.names
        for i, iso, key, text, kind in zip(n["inst"].tolist(), n["country_iso2"].tolist(),
                                           n["key"].tolist(), n["text"].tolist(),
                                           n["kind"].tolist(), strict=True):
            out.setdefault((iso, key), []).append((i, kind, text))
            out.setdefault((None, key), []).append((i, kind, text))
        return out

    @cached_property
    def _tokens(self) -> tuple[dict[tuple[str, str], list[tuple[int, frozenset[str], str]]],
                               dict[str, list[str]], dict[tuple[str, str], int]]:
        """Containment index: (country, rarest word) -> [(inst, name words, key)]; the
        vocabulary of each country; word frequencies."""
        n = self.names[(self.names["kind"] == "name")]
        n = n[self.status[n["inst"].to_numpy(np.int64)] < 2]
        w = pd.DataFrame({"row": np.arange(len(n)), "inst": n["inst"].to_numpy(np.int64),
                          "iso": n["country_iso2"].to_numpy(dtype=object),
                          "key": n["key"].to_numpy(dtype=object)})
        w["word"] = w["key"].str.split()
        w = w.explode("word")
        w = w[~w["word"].isin(STOPWORDS)].drop_duplicates(["row", "word"])
        w["n"] = w.groupby("row")["word"].transform("size")
        w = w[(w["n"] > 1) | (w["word"].str.len() >= 5)]
        counts = w.groupby(["iso", "word"], sort=True).size()
        freq = dict(zip(counts.index.tolist(), counts.tolist(), strict=True))
        w["f"] = counts.reindex(pd.MultiIndex.from_arrays([w["iso"], w["word"]])).to_numpy()
        rare = w.sort_values(["row", "f", "word"], kind="stable").drop_duplicates("row")
        index: dict[tuple[str, str], list[tuple[int, frozenset[str], str]]] = {}
        for i, iso, key, word in zip(rare["inst"].tolist(),
                                        rare["iso"].tolist(), rare["key"].tolist(),
                                        rare["word"].tolist(), strict=True):
            index.setdefault((iso, word), []).append((i, frozenset(_content(key.split())), key))
        vocab: dict[str, list[str]] = {}
        for iso, word in counts.index.tolist():
            vocab.setdefault(iso, []).append(word)
        return index, vocab, freq

    def _correct(self, iso: str, words: list[str], cache: dict) -> list[str]:
        """Words outside the country's vocabulary replaced by their closest vocabulary word."""
        _, vocab, freq = self._tokens
        out = []
        for w in words:
            if (iso, w) in freq or len(w) < CORRECT_MIN_LEN or iso not in vocab:
                out.append(w)
                continue
            if (iso, w) not in cache:
                hit = process.extractOne(w, vocab[iso], scorer=fuzz.ratio,
                                         score_cutoff=CORRECT_MIN)
                cache[(iso, w)] = hit[0] if hit else w
            out.append(cache[(iso, w)])
        return out

    # ------------------------------------------------------------- affiliation texts
    def _exact_candidates(self, segs: list[str], city: str | None,
                          country: str | None) -> list[tuple]:
        strings: list[str] = []
        for s in segs:
            strings.append(s)
            bare = _PAREN.sub(" ", s).strip()
            strings += [bare, *[x.strip() for x in _PAREN.findall(s)]]
        bares = [_PAREN.sub(" ", s).strip() for s in segs]
        strings += [f"{a} {b}" for a, b in zip(bares, bares[1:], strict=False)]
        if city and bares:
            strings.append(f"{bares[-1]} {city}")
        out = []
        for s in dict.fromkeys(strings):
            key = org_key(s)
            for i, kind, text in self._exact.get((country, key), ()) if key else ():
                if kind == "acronym" and (text != s or country is None):
                    continue
                out.append((i, 0, int(kind == "acronym"), 100.0, len(_content(key.split()))))
        return out

    def _contained_candidates(self, segs: list[str], country: str, min_score: float,
                              cache: dict) -> list[tuple]:
        index = self._tokens[0]
        bares = [_PAREN.sub(" ", s).strip() for s in segs]
        out = []
        for s in dict.fromkeys(bares + [f"{a} {b}" for a, b in zip(bares, bares[1:],
                                                                     strict=False)]):
            words = _content(org_tokens(s))
            written = dict(zip(self._correct(country, words, cache), words, strict=True))
            for w in written:
                for i, nwords, key in index.get((country, w), ()):
                    if not nwords <= written.keys():
                        continue
                    name = _content(key.split())
                    score = fuzz.token_set_ratio(" ".join(written[x] for x in name),
                                                 " ".join(name))
                    if score >= min_score:
                        out.append((i, 1, 0, float(score), len(nwords)))
        return out

    def _choose(self, cands: list[tuple], text: str, near: tuple[float, float] | None,
                max_km: float, tie_km: float) -> AffiliationMatch:
        if not cands:
            return AffiliationMatch(-1, np.nan)
        c = pd.DataFrame(cands, columns=["inst", "fuzzy", "acronym", "score", "ntok"])
        c["neg"] = -c["score"]
        c["negtok"] = -c["ntok"]
        c = c.sort_values(["inst", "fuzzy", "acronym", "neg", "negtok"], kind="stable")
        c = c.drop_duplicates("inst")
        i = c["inst"].to_numpy(np.int64)
        if near is not None:
            keep = haversine_km(near[0], near[1], self.lat[i], self.lon[i]) <= max_km
            c, i = c[keep], i[keep]
            if len(c) == 0:
                return AffiliationMatch(-1, np.nan)
        words = f" {' '.join(org_tokens(text))} "
        ck = self.city_key[i]
        c["unnamed"] = [0 if k and f" {k} " in words else 1 for k in ck]
        c["status"] = self.status[i]
        c["negworks"] = -self.works[i]
        order = ["fuzzy", "acronym", "neg", "unnamed", "negtok", "status", "negworks"]
        c = c.sort_values([*order, "inst"], kind="stable")
        best = c.iloc[0]
        tied = c[(c[order] == best[order]).all(axis=1)]["inst"].to_numpy(np.int64)
        b = int(best["inst"])
        if len(tied) > 1:
            d = haversine_km(self.lat[b], self.lon[b], self.lat[tied], self.lon[tied])
            if (d > tie_km).any():
                return AffiliationMatch(-1, np.nan, ambiguous=True)
        return AffiliationMatch(b, float(best["score"]))

    def match(self, text: str | None, country: str | None,
              near: tuple[float, float] | None = None, min_score: float = 90.0,
              max_km: float = 50.0, tie_km: float = 25.0,
              cache: dict | None = None) -> AffiliationMatch:
        """The institution an affiliation text names (module doc). ``country``: the row's
        ISO2 code (None: the one the string names); ``near``: (lat, lon) of the row's city
        match, whose ``max_km`` radius the institution must lie in."""
        if not text or not isinstance(text, str):
            return AffiliationMatch(-1, np.nan)
        a = parse_affiliation(text, country)
        country = country or a.country_iso2
        segs = [s for s in a.organizations if org_key(s)]
        if not segs:
            return AffiliationMatch(-1, np.nan)
        cands = self._exact_candidates(segs, a.city, country)
        if not cands and country is not None:
            cands = self._contained_candidates(segs, country, min_score,
                                               {} if cache is None else cache)
        return self._choose(cands, text, near, max_km, tie_km)


# ----------------------------------------------------------------- the geocoder's phase
CITY_METHODS = ("exact", "alternate", "fuzzy")


def rows_by_id(reg: Registry, ids: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Registry row of each eligible row's institution id (-1: none or unknown)."""
    out = np.full(len(ids), -1, dtype=np.int64)
    e = np.flatnonzero(eligible)
    if len(e):
        out[e] = reg.rows_of_ids(ids[e])
    return out


def rows_by_affiliation(
    reg: Registry, texts: np.ndarray, iso: np.ndarray, row_key: np.ndarray,
    keys: pd.DataFrame, place_lat: np.ndarray, place_lon: np.ndarray, eligible: np.ndarray,
    min_score: float, max_km: float, tie_km: float = 25.0, memo: dict | None = None,
) -> tuple[np.ndarray, np.ndarray, set]:
    """``(inst, score, ambiguous)`` per row: the institution the eligible rows'
    affiliation texts name (-1: none), each distinct (country, text, address key) once;
    ``ambiguous`` is the set of those units whose text was ambiguous.

    ``memo``: matches of units already seen (a dict kept by the caller over the chunks of
    a run: each unit is matched once per run); it is emptied when it grows past
    :data:`MEMO_MAX` units, which costs time only.

    ``place_lat``/``place_lon``: coordinates of the gazetteer places (rows of ``keys.pidx``);
    a key matched at city level (:data:`CITY_METHODS`) bounds its rows' institutions to
    ``max_km`` around that place.
    """
    n = len(texts)
    inst = np.full(n, -1, dtype=np.int64)
    score = np.full(n, np.nan)
    has = eligible & np.array([isinstance(t, str) and bool(t.strip()) for t in texts],
                               dtype=bool)
    e = np.flatnonzero(has)
    if len(e) == 0:
        return inst, score, set()
    units = pd.DataFrame({"iso": pd.Series(iso[e], dtype=object),
                          "text": pd.Series(texts[e], dtype=object), "key": row_key[e]})
    codes, uniq = pd.factorize(pd.MultiIndex.from_frame(units), sort=True)
    k_pidx = keys["pidx"].to_numpy()
    k_city = np.isin(keys["method"].to_numpy(dtype=object), CITY_METHODS)
    u_inst = np.full(len(uniq), -1, dtype=np.int64)
    u_score = np.full(len(uniq), np.nan)
    ambiguous: set = set()
    memo = {} if memo is None else memo
    if len(memo) > MEMO_MAX:
        memo.clear()
    cache = memo.setdefault("_words", {})
    for j, unit in enumerate(uniq):
        m = memo.get(unit)
        if m is None:
            u_iso, text, kid = unit
            near = None
            if kid >= 0 and k_city[kid] and k_pidx[kid] >= 0:
                near = (float(place_lat[k_pidx[kid]]), float(place_lon[k_pidx[kid]]))
            m = memo[unit] = reg.match(text, u_iso if isinstance(u_iso, str) else None, near,
                                       min_score, max_km, tie_km, cache)
        u_inst[j], u_score[j] = m.inst, m.score
        if m.ambiguous:
            ambiguous.add(unit)
    inst[e] = u_inst[codes]
    score[e] = u_score[codes]
    return inst, score, ambiguous
