"""Snakemake adapter: read the institution registry files (ROR, OpenAlex) into two tables."""

import time

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.geocode.registry import load_registry
from stclusters.io import write_parquet
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "institution registry") as log:
    start = time.perf_counter()
    institutions, names = load_registry(snakemake.params.files)
    write_parquet(institutions, snakemake.output.institutions)
    write_parquet(names, snakemake.output.names)
    log.info("%d institutions (%s), %d names, read in %.1f s", len(institutions),
             institutions["origin"].value_counts().sort_index().to_dict(), len(names),
             time.perf_counter() - start)
