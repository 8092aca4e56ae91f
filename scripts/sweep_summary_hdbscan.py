"""Snakemake adapter: summary table of one source's HDBSCAN parameter sweep."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet, write_csv
from stclusters.locations import window_sum
from stclusters.logs import logged_step
from stclusters.sweep import hdbscan_sweep_summary

wc = snakemake.wildcards
with logged_step(snakemake.log[0], f"hdbscan sweep summary {wc.variant} {wc.source}") as log:
    locs = read_parquet(snakemake.input.locations)
    cur = window_sum(locs[locs["source"] == wc.source],
                     {wc.source: snakemake.params.window}, ["loc_id"])
    points = {tuple(p): read_parquet(f)
              for p, f in zip(snakemake.params.points, snakemake.input.points, strict=True)}
    base = snakemake.params.baseline
    base_point = None
    if snakemake.params.algorithm == "hdbscan" and "min_cluster_share" in base:
        base_point = (base.get("min_samples_share", base["min_cluster_share"]),
                      base["min_cluster_share"])
    table = hdbscan_sweep_summary(cur, points, read_parquet(snakemake.input.baseline),
                                  top_n=snakemake.params.top_n, baseline_point=base_point)
    write_csv(table, snakemake.output[0])
    log.info("\n%s", table.to_string())
