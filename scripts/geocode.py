"""Snakemake adapter: geocode canonical records against the gazetteer."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.geocode import accounting, geocode
from stclusters.io import read_parquet, write_csv, write_parquet
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "geocode") as log:
    records = read_parquet(snakemake.input.records)
    places = read_parquet(snakemake.input.places)
    names = read_parquet(snakemake.input.names)
    placed, unmatched = geocode(
        records, places, names, fuzzy_min_score=snakemake.params.fuzzy_min_score
    )
    if len(placed) + len(unmatched) != len(records):
        raise RuntimeError("geocoding lost records: placed + unmatched != input")
    write_parquet(placed, snakemake.output.placed)
    write_parquet(unmatched, snakemake.output.unmatched)
    acc = accounting(placed, unmatched)
    write_csv(acc, snakemake.output.accounting)
    log.info("placed %d, unmatched %d\n%s", len(placed), len(unmatched), acc.to_string())
