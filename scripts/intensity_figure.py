"""Snakemake adapter: world map of the S&T intensity of a variant's top clusters."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet
from stclusters.logs import logged_step
from stclusters.report.maps import intensity_map

top_n = int(snakemake.wildcards.top_n)
with logged_step(snakemake.log[0], "intensity map"):
    intensity_map(
        read_parquet(snakemake.input.ranking),
        snakemake.output.png,
        top_n=top_n,
        title=f"S&T intensity of the top {top_n} clusters: {snakemake.params.title}",
    )
