"""Snakemake adapter: a region's top clusters as CSV and Markdown."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet
from stclusters.logs import logged_step
from stclusters.tables import write_tables

with logged_step(snakemake.log[0], f"regional table {snakemake.wildcards.region}"):
    write_tables(read_parquet(snakemake.input[0]), snakemake.output.csv, snakemake.output.md,
                 top_n=int(snakemake.wildcards.top_n))
