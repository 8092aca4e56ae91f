"""Fuzzy city matching within a country: a candidate pool, then rapidfuzz scoring.

rapidfuzz ``WRatio`` >= the cutoff against all keys of the country. To stay fast, WRatio
is only evaluated on keys whose plain ``ratio`` already reaches the cutoff (searched
within the length window that allows it) or that share a word with the city.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from stclusters.parallel import ordered_map, shared

__all__ = ["fuzzy_hits"]

# size of one ratio matrix chunk, and the most places a shared word may bring in (words
# such as "san" or "new" are shared by too many keys to help)
_CHUNK_CELLS = 8_000_000
_MAX_WORD_DF = 3000


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


#: queries of one country scored by one piece of work (a worker's share of a country)
_BATCH = 2000


def _fuzzy_batch(job: tuple[str, list[str], float]) -> list[tuple[int, int, float]]:
    """:func:`_fuzzy_country` of one batch of a country's queries, against the country's
    choices (:func:`stclusters.parallel.shared` ``fuzzy_choices``)."""
    iso, qs, cutoff = job
    return _fuzzy_country(qs, shared("fuzzy_choices")[iso], cutoff)


def fuzzy_hits(
    iso2: np.ndarray, queries: np.ndarray, names: pd.DataFrame, cutoff: float,
    workers: int = 1,
) -> pd.DataFrame | None:
    """Every (country, query, gazetteer key) pair with WRatio >= ``cutoff``.

    ``iso2`` and ``queries`` are parallel arrays (the country and the city key of each
    query); each query is scored against the ``names`` keys of its country. Returns
    columns ``country_iso2``, ``query``, ``key``, ``score`` (WRatio) and ``ratio`` (plain
    ratio, which breaks WRatio ties), or None when nothing reaches the cutoff. A country's
    queries are scored in batches, by ``workers`` forked processes when more than one (the
    same frame for any number).
    """
    by_country = names.groupby("country_iso2", sort=True).indices
    names_key = names["key"].to_numpy(dtype=object)
    choices, batches = {}, []
    for iso in sorted(set(iso2.tolist())):
        if iso not in by_country:
            continue
        qs = sorted(set(queries[iso2 == iso].tolist()))
        choices[iso] = np.unique(names_key[by_country[iso]])
        batches += [(iso, qs[b : b + _BATCH]) for b in range(0, len(qs), _BATCH)]
    shared("fuzzy_choices", choices)
    jobs = ((iso, qs, cutoff) for iso, qs in batches)
    frames = []
    for (iso, qs), pairs in zip(batches, ordered_map(_fuzzy_batch, jobs, workers),
                                   strict=True):
        if pairs:
            qa, cb, sc = zip(*pairs, strict=True)
            frames.append(
                pd.DataFrame(
                    {
                        "country_iso2": iso,
                        "query": np.asarray(qs, dtype=object)[list(qa)],
                        "key": choices[iso][list(cb)],
                        "score": np.asarray(sc, dtype=np.float64),
                    }
                )
            )
    if not frames:
        return None
    hits = pd.concat(frames, ignore_index=True)
    # plain ratio breaks WRatio ties: "madison cnter" is "madison center", not "madison"
    hits["ratio"] = [fuzz.ratio(q, k) for q, k in zip(hits["query"], hits["key"], strict=True)]
    return hits
