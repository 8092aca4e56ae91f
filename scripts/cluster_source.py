"""Snakemake adapter: cluster one source's locations in one window at one parameter point."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.cluster import cluster_source
from stclusters.io import read_parquet, write_parquet
from stclusters.locations import window_sum
from stclusters.logs import logged_step
from stclusters.params import parse_params

wc = snakemake.wildcards
step = f"cluster {wc.locspec} {wc.source} {wc.first}-{wc.last} {wc.algorithm} {wc.params}"
with logged_step(snakemake.log[0], step) as log:
    locs = read_parquet(snakemake.input[0])
    window = {wc.source: (int(wc.first), int(wc.last))}
    cur = window_sum(locs[locs["source"] == wc.source], window, ["loc_id"])
    labels = cluster_source(cur, wc.algorithm, parse_params(wc.params))
    write_parquet(labels, snakemake.output[0])
    n_clusters = int(labels["label"].max()) + 1 if len(labels) else 0
    log.info("%d locations, %d clusters, %d noise", len(labels), n_clusters,
             int((labels["label"] < 0).sum()))
