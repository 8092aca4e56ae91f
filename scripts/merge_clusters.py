"""Snakemake adapter: merge a variant's per-source clusters into named S&T clusters."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet, write_parquet
from stclusters.logs import logged_step
from stclusters.merge import build_st_clusters, describe_clusters, noise_points
from stclusters.rank import world_totals

p = snakemake.params
with logged_step(snakemake.log[0], f"merge {snakemake.wildcards.variant}") as log:
    locs = read_parquet(snakemake.input.locations)
    cur = locs[(locs["window"] == "current") & locs["source"].isin(p.sources)]
    labels = {s: read_parquet(snakemake.input[s]) for s in p.sources}
    membership = build_st_clusters(
        cur, labels, link_km=p.merge["link_km"], attach_km=p.merge["attach_km"]
    )
    lp = read_parquet(snakemake.input.location_places)
    lp = lp[(lp["window"] == "current") & lp["source"].isin(p.sources)]
    clusters = describe_clusters(
        membership,
        lp,
        read_parquet(snakemake.input.places),
        source_totals=world_totals(cur, "current"),
        economy_min_share=p.merge["economy_min_share"],
        name_max_places=p.merge["name_max_places"],
        name_min_share=p.merge["name_min_share"],
        name_absorb_km=p.merge["name_absorb_km"],
        name_absorb_ratio=p.merge["name_absorb_ratio"],
        locations=cur,
        name_aliases=p.merge["name_aliases"],
    )
    noise = noise_points(cur, membership, min_records=p.noise_min_records)
    write_parquet(membership, snakemake.output.membership)
    write_parquet(clusters, snakemake.output.clusters)
    write_parquet(noise, snakemake.output.noise)
    log.info("%d S&T clusters, %d noise points", len(clusters), len(noise))
