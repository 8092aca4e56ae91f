"""Snakemake adapter: the GII tables of a variant in CSV, Markdown and LaTeX."""

from pathlib import Path

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet
from stclusters.logs import logged_step
from stclusters.tables import gii_tables, write_gii_tables

with logged_step(snakemake.log[0], f"tables {snakemake.wildcards.variant}") as log:
    tables = gii_tables(read_parquet(snakemake.input[0]), top_n=snakemake.params.top_n)
    written = write_gii_tables(tables, Path(snakemake.output[0]).parent)
    missing = set(snakemake.output) - {str(p) for p in written}
    if missing:
        raise RuntimeError(f"tables not written: {sorted(missing)}")
    log.info("wrote %d files", len(written))
