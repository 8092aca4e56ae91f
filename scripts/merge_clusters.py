"""Snakemake adapter: merge a variant's per-source clusters into named S&T clusters."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet, write_parquet
from stclusters.locations import window_sum
from stclusters.logs import logged_step
from stclusters.merge import build_st_clusters, describe_clusters, naming_options, noise_points
from stclusters.rank import world_totals

variant = snakemake.params.variant
merge = snakemake.params.merge
current = {s: w["current"] for s, w in variant["windows"].items()}
with logged_step(snakemake.log[0], f"merge {variant['name']}") as log:
    cur = window_sum(read_parquet(snakemake.input.locations), current, ["loc_id"])
    labels = {s: read_parquet(snakemake.input[s]) for s in variant["sources"]}
    membership = build_st_clusters(
        cur, labels, link_km=merge["link_km"], attach_km=merge["attach_km"]
    )
    lp = window_sum(
        read_parquet(snakemake.input.location_places),
        current,
        ["loc_id", "geonameid", "place_name", "admin1", "country_iso2"],
    )
    clusters = describe_clusters(
        membership,
        lp,
        read_parquet(snakemake.input.places),
        source_totals=world_totals(cur),
        locations=cur,
        **naming_options(merge),
    )
    noise = noise_points(cur, membership, min_records=snakemake.params.noise_min_records)
    write_parquet(membership, snakemake.output.membership)
    write_parquet(clusters, snakemake.output.clusters)
    write_parquet(noise, snakemake.output.noise)
    log.info("%d S&T clusters, %d noise points", len(clusters), len(noise))
