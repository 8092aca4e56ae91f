"""Snakemake adapter: a variant's top clusters in one regional window (PNG and PDF)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet
from stclusters.logs import logged_step
from stclusters.report.maps import regional_map
from stclusters.report.regions import REGIONS

area = snakemake.wildcards.area
top_n = int(snakemake.params.top_n)
with logged_step(snakemake.log[0], f"regional map {area}"):
    regional_map(
        read_parquet(snakemake.input.ranking),
        read_parquet(snakemake.input.noise),
        snakemake.output.png,
        region=area,
        title=f"Top {top_n} S&T clusters, {REGIONS[area]['title']}: {snakemake.params.title}",
        top_n=top_n,
    )
