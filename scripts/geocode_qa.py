"""Snakemake adapter: geocoding QA tables and figure (the records read in chunks)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import write_csv
from stclusters.logs import logged_step
from stclusters.qa import by_source_method, figure_table, geocode_qa, qa_counts_files, qa_figure

with logged_step(snakemake.log[0], "geocode QA") as log:
    counts = qa_counts_files(snakemake.input.placed, snakemake.input.unmatched,
                             chunk_rows=snakemake.params.chunk_rows)
    qa = geocode_qa(counts, top_n=snakemake.params.top_n)
    for name in ("by_country", "top_unmatched", "lowest_fuzzy"):
        write_csv(qa[name], snakemake.output[name])
    methods = by_source_method(counts, top_countries=snakemake.params.top_countries)
    write_csv(methods.reset_index(), snakemake.output.by_method)
    qa_figure(figure_table(methods), snakemake.output.figure)
    log.info("by source and method:\n%s", methods.to_string())
