"""Snakemake adapter: the GII Map 1-style world map of a variant (PNG and PDF)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet
from stclusters.logs import logged_step
from stclusters.report.maps import map_top_clusters

with logged_step(snakemake.log[0], "map figure"):
    map_top_clusters(
        read_parquet(snakemake.input.ranking),
        read_parquet(snakemake.input.noise),
        snakemake.output.png,
        title=snakemake.params.title,
        top_n=int(snakemake.wildcards.top_n),
    )
