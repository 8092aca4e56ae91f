"""Snakemake adapter: each document's contribution to each rounded location (bootstrap)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import parquet_rows
from stclusters.logs import logged_step
from stclusters.sensitivity.documents import write_doc_locations_file

wc = snakemake.wildcards
with logged_step(snakemake.log[0], f"document locations {wc.counting} {wc.round_deg}") as log:
    n_docs = write_doc_locations_file(
        snakemake.input[0],
        snakemake.output[0],
        chunk_rows=snakemake.params.chunk_rows,
        counting=wc.counting,
        round_deg=float(wc.round_deg),
        exclude_methods=snakemake.params.exclude_methods,
        renormalize=snakemake.params.renormalize,
    )
    log.info("%d document-location rows; documents per source: %s",
             parquet_rows(snakemake.output[0]), n_docs)
