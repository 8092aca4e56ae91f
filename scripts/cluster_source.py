"""Snakemake adapter: cluster one source's current-window locations at one parameter point."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.cluster import cluster_source
from stclusters.io import read_parquet, write_parquet
from stclusters.logs import logged_step
from stclusters.params import parse_params

wc = snakemake.wildcards
with logged_step(snakemake.log[0], f"cluster {wc.source} {wc.algorithm} {wc.params}") as log:
    locs = read_parquet(snakemake.input[0])
    locs = locs[(locs["source"] == wc.source) & (locs["window"] == "current")]
    labels = cluster_source(locs, wc.algorithm, parse_params(wc.params))
    write_parquet(labels, snakemake.output[0])
    n_clusters = int(labels["label"].max()) + 1 if len(labels) else 0
    log.info("%d locations, %d clusters, %d noise", len(labels), n_clusters,
             int((labels["label"] < 0).sum()))
