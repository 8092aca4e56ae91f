"""Snakemake adapter: the geocoding parts (rule geocode_part) gathered into the files of
one geocode job, a row group at a time in part order, every part checked against its
rows of the records first (stclusters/geocode/parts.py)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.geocode.parts import PartFiles, gather_parts
from stclusters.io import write_csv
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "geocode: gather parts") as log:
    parts = [PartFiles(p, u, a) for p, u, a in zip(
        snakemake.input.placed_parts, snakemake.input.unmatched_parts,
        snakemake.input.accounting_parts, strict=True)]
    acc = gather_parts(snakemake.input.records, parts, snakemake.output.placed,
                       snakemake.output.unmatched, chunk_rows=snakemake.params.chunk_rows)
    write_csv(acc, snakemake.output.accounting)
    log.info("%d parts: placed %d, unmatched %d\n%s", len(parts), int(acc["placed"].sum()),
             int(acc["unmatched"].sum()), acc.to_string())
