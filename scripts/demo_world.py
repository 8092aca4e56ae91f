"""Snakemake adapter: generate the demo world, block by block, into one Parquet file."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.demo import write_demo
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "demo_world") as log:
    demo = dict(snakemake.params.demo)
    rows = write_demo(
        snakemake.output[0],
        chunk_rows=snakemake.params.chunk_rows,
        log=log,
        seed=demo["seed"],
        scale=demo["scale"],
        junk_share=demo["junk_share"],
        typo_share=demo["typo_share"],
        coords_share=demo["coords_share"],
        min_population=snakemake.params.min_population,
        workers=snakemake.threads,
    )
    log.info("wrote %d demo rows to %s", rows, snakemake.output[0])
