"""Snakemake adapter: map of a regional ranking's top clusters (PNG and PDF).

The region's noise: the variant's world noise locations that belong to the region (their
dominant economy lies on its continent) and to none of its regional clusters.
"""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet
from stclusters.logs import logged_step
from stclusters.regional import region_loc_ids
from stclusters.report.data import region_noise
from stclusters.report.maps import africa_map
from stclusters.report.regions import REGIONS

region = snakemake.wildcards.region
top_n = int(snakemake.wildcards.top_n)
window = snakemake.params.window
with logged_step(snakemake.log[0], f"regional ranking map {region}") as log:
    ids = region_loc_ids(read_parquet(snakemake.input.location_places),
                         snakemake.params.continent)
    noise = region_noise(read_parquet(snakemake.input.noise),
                         read_parquet(snakemake.input.membership), ids)
    log.info("%d noise locations in the region", len(noise))
    africa_map(
        read_parquet(snakemake.input.ranking),
        noise,
        snakemake.output.png,
        title=(f"Top {top_n} S&T clusters in {REGIONS[window]['title']} "
               f"(regional ranking): {snakemake.params.label}"),
        top_n=top_n,
        region=window,
    )
