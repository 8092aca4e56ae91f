"""Snakemake adapter: generate the default population raster from GeoNames places."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.intensity import population_raster_from_places
from stclusters.io import read_parquet
from stclusters.logs import logged_step

p = snakemake.params
with logged_step(snakemake.log[0], "population raster") as log:
    info = population_raster_from_places(
        read_parquet(snakemake.input[0]),
        snakemake.output[0],
        res_deg=p.res_deg,
        peak_density=p.peak_density,
        min_sigma_km=p.min_sigma_km,
        nested_ratio=p.nested_ratio,
    )
    log.info("%s", info)
