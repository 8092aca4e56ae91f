"""Snakemake adapter: a variant's ranking against the published GII facts."""

from pathlib import Path

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.fidelity import fidelity, write_fidelity
from stclusters.io import read_parquet
from stclusters.logs import logged_step

variant = snakemake.params.variant
with logged_step(snakemake.log[0], f"fidelity {variant['name']}") as log:
    if variant["edition"] is None:
        summary = {"available": False,
                   "reason": f"variant {variant['name']} names no GII edition to compare with"}
        tables = {}
    else:
        summary, tables = fidelity(
            read_parquet(snakemake.input[0]),
            snakemake.params.reference_dir,
            variant["edition"],
            top_n=snakemake.params.top_n,
        )
    write_fidelity(summary, tables, Path(snakemake.output.summary).parent)
    log.info("%s", summary)
