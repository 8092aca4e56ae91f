"""Snakemake adapter: rank a variant's S&T clusters, with population and S&T intensity."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.intensity import intensity, member_locations, zonal_population
from stclusters.io import read_parquet, write_csv, write_parquet
from stclusters.locations import window_accounting, window_sum
from stclusters.logs import logged_step
from stclusters.rank import rank_variant

variant = snakemake.params.variant
windows = variant["windows"]
with logged_step(snakemake.log[0], f"rank {variant['name']}") as log:
    locs = read_parquet(snakemake.input.locations)
    current = {s: w["current"] for s, w in windows.items()}
    previous = {s: w["previous"] for s, w in windows.items()}
    cur = window_sum(locs, current, ["loc_id"])
    membership = read_parquet(snakemake.input.membership)
    orgs = window_sum(read_parquet(snakemake.input.organizations), current,
                      ["loc_id", "organization"])
    ranking = rank_variant(
        cur,
        window_sum(locs, previous, ["loc_id"]),
        membership,
        read_parquet(snakemake.input.clusters),
        orgs,
        source_weights=variant["sources"],
        attach_km=snakemake.params.attach_km,
    )
    population = zonal_population(
        snakemake.input.raster,
        member_locations(membership, cur),
        buffer_km=snakemake.params.buffer_km,
    )
    ranking = intensity(ranking, population, top_n=snakemake.params.top_n)
    write_parquet(ranking, snakemake.output.parquet)
    write_csv(ranking, snakemake.output.csv)
    write_csv(window_accounting(locs, windows), snakemake.output.accounting)
    log.info("top 10:\n%s", ranking.head(10)[["rank", "name", "economy", "score"]].to_string())
