"""Snakemake adapter: check the records against the variants before any further work
(reads only ``source`` and ``year``, chunk by chunk)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

import pandas as pd

from stclusters.extract.stage import check_year_counts, year_counts
from stclusters.io import iter_parquet, write_text
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "check data") as log:
    counts: dict[tuple[str, int], int] = {}
    for chunk in iter_parquet(snakemake.input[0], snakemake.params.chunk_rows,
                              columns=["source", "year"]):
        for key, n in year_counts(chunk).items():
            counts[key] = counts.get(key, 0) + int(n)
    by_year = pd.Series(counts, dtype="int64").sort_index()
    by_year.index.names = ["source", "year"]
    notes = check_year_counts(by_year, snakemake.params.variants)
    for note in notes:
        log.warning("%s", note)
    text = "\n".join(notes) if notes else "every variant has rows of all its sources in its windows"
    write_text(snakemake.output[0], text + "\n")
