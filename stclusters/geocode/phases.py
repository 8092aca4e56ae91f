"""The text-matching phases: each fills ``pidx``/``method``/``score`` of keys of the key table.

In order (a key placed by one phase is not touched by the next):

1. :func:`match_exact`: ``exact`` (the city key equals a ``name``/``ascii`` key of a place
   of the country) or ``alternate`` (an ``alternate`` key), under the full city key and
   the suffix-stripped one. Order among candidates: place in the given region, full key
   before stripped key, name/ascii before alternate, larger population, smaller
   geonameid. Score 100.
2. :func:`match_fuzzy`: WRatio >= the cutoff (:mod:`stclusters.geocode.fuzzy`), for the
   keys that rows without coordinates need. Order: higher WRatio, place in the given
   region, higher plain ratio, name/ascii before alternate, larger population, smaller
   geonameid. Score: the WRatio score. A recognised region is binding here.
3. :func:`match_fallbacks`: ``region`` (the most populous place of a recognised region,
   score 50), else ``country`` (the most populous place of the country, score 10).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stclusters.geocode.fuzzy import fuzzy_hits
from stclusters.geocode.keys import set_keys
from stclusters.geocode.places import Places, pick

__all__ = ["SCORES", "match_exact", "match_fallbacks", "match_fuzzy"]

SCORES = {"given": 100.0, "exact": 100.0, "alternate": 100.0, "region": 50.0, "country": 10.0}


def _in_region(keys: pd.DataFrame, kid: np.ndarray, pidx: np.ndarray, pl: Places) -> np.ndarray:
    """Whether each candidate place lies in the admin1 its key names (0/1 as int64)."""
    k_admin1 = keys["admin1"].to_numpy()[kid]
    return ((pl.admin1[pidx] == k_admin1) & (k_admin1 != None)).astype(np.int64)  # noqa: E711


def match_exact(keys: pd.DataFrame, names: pd.DataFrame, pl: Places) -> pd.DataFrame:
    """Phase 1: exact and alternate name matches of every key.

    Returns every candidate found (``kid``, ``pidx``, ``alt``: key id, place row, 1 for an
    alternate name), which the ZIP-code phase chooses among.
    """
    n_keys = len(keys)
    empty = np.zeros(0, dtype=np.int64)
    found = pd.DataFrame({"kid": empty, "pidx": empty, "alt": empty})
    if n_keys == 0:
        return found
    k_iso2, k_full, k_strip = (keys[c].to_numpy() for c in ("iso2", "full", "strip"))
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
    if len(cand) == 0:
        return found
    pidx = pl.rows_of(cand["geonameid"].to_numpy(np.int64))
    ok = pidx >= 0
    cand, pidx = cand[ok], pidx[ok]
    kid = cand["key_id"].to_numpy(np.int64)
    alt = (cand["kind"].to_numpy(dtype=object) == "alternate").astype(np.int64)
    reg_ok = _in_region(keys, kid, pidx, pl)
    chosen, ck = pick(kid, pidx, [1 - reg_ok, cand["form"].to_numpy(np.int64), alt], pl)
    set_keys(keys, ck, pidx=pidx[chosen], score=SCORES["exact"],
             method=np.where(alt[chosen] == 1, "alternate", "exact").astype(object))
    return pd.DataFrame({"kid": kid, "pidx": pidx, "alt": alt})


def match_fuzzy(
    keys: pd.DataFrame, needed: np.ndarray, names: pd.DataFrame, pl: Places, cutoff: float,
    workers: int = 1,
) -> None:
    """Phase 2: fuzzy matches of the needed keys that phase 1 left without a place
    (scored by ``workers`` processes, :func:`~stclusters.geocode.fuzzy.fuzzy_hits`)."""
    k_iso2, k_strip = keys["iso2"].to_numpy(), keys["strip"].to_numpy()
    failed = np.flatnonzero(needed & (keys["pidx"].to_numpy() < 0) & (k_strip != ""))
    if len(failed) == 0:
        return
    hits = fuzzy_hits(k_iso2[failed], k_strip[failed], names, cutoff, workers)
    if hits is None:
        return
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
    k_admin1, k_known = keys["admin1"].to_numpy(), keys["known"].to_numpy()
    in_reg = ~k_known[kid] | (pl.admin1[pidx] == k_admin1[kid])
    cand, pidx, kid = cand[in_reg], pidx[in_reg], kid[in_reg]
    score = cand["score"].to_numpy(np.float64)
    ratio = cand["ratio"].to_numpy(np.float64)
    alt = (cand["kind"].to_numpy(dtype=object) == "alternate").astype(np.int64)
    reg_ok = _in_region(keys, kid, pidx, pl)
    chosen, ck = pick(kid, pidx, [-score, 1 - reg_ok, -ratio, alt], pl)
    set_keys(keys, ck, pidx=pidx[chosen], method="fuzzy", score=np.round(score[chosen], 4))


def match_fallbacks(keys: pd.DataFrame, needed: np.ndarray, pl: Places) -> None:
    """Phase 3: the region's, else the country's most populous place for needed keys."""
    rest = np.flatnonzero(needed & (keys["pidx"].to_numpy() < 0))
    if len(rest) == 0:
        return
    top_region = pl.top_by([pl.iso, pl.admin1])
    top_country = pl.top_by([pl.iso])
    k_iso2, k_admin1, k_known = (keys[c].to_numpy() for c in ("iso2", "admin1", "known"))
    found: list[tuple[int, int, str]] = []  # (key id, place row, method)
    for i in rest.tolist():
        p = top_region.get((k_iso2[i], k_admin1[i])) if k_known[i] else None
        if p is not None:
            found.append((i, p, "region"))
            continue
        p = top_country.get((k_iso2[i],))
        if p is not None:
            found.append((i, p, "country"))
    if found:
        kid, pidx, method = zip(*found, strict=True)
        set_keys(keys, np.array(kid, dtype=np.int64), pidx=np.array(pidx, dtype=np.int64),
                 method=np.array(method, dtype=object),
                 score=np.array([SCORES[m] for m in method], dtype=np.float64))
