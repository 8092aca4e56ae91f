"""Snakemake adapter: the ranking beyond the top_n as CSV and Markdown."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet, write_csv, write_text
from stclusters.logs import logged_step
from stclusters.regional import extended_table
from stclusters.tables import to_markdown

with logged_step(snakemake.log[0], "extended ranking") as log:
    table = extended_table(read_parquet(snakemake.input[0]), snakemake.params.top_n,
                           snakemake.params.extended_n)
    write_csv(table, snakemake.output.csv, float_format="%.10g")
    write_text(snakemake.output.md, to_markdown(table))
    log.info("%d clusters beyond the top %d", len(table), snakemake.params.top_n)
