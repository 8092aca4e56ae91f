"""Snakemake adapter: check the records against the variants before any further work."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.extract.stage import check_data
from stclusters.io import read_parquet, write_text
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "check data") as log:
    records = read_parquet(snakemake.input[0], columns=["source", "year"])
    notes = check_data(records, snakemake.params.variants)
    for note in notes:
        log.warning("%s", note)
    text = "\n".join(notes) if notes else "every variant has rows of all its sources in its windows"
    write_text(snakemake.output[0], text + "\n")
