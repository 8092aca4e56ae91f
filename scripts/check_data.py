"""Snakemake adapter: check the records against the variants before any further work
(reads only ``source`` and ``year``, chunk by chunk)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.extract.stage import check_year_counts, year_counts_of_file
from stclusters.io import write_text
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "check data") as log:
    counts = year_counts_of_file(snakemake.input[0], snakemake.params.chunk_rows)
    notes = check_year_counts(counts, snakemake.params.variants)
    for note in notes:
        log.warning("%s", note)
    text = "\n".join(notes) if notes else "every variant has rows of all its sources in its windows"
    write_text(snakemake.output[0], text + "\n")
