"""Snakemake adapter: raw extracts -> canonical records, rejects and accounting."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.extract.stage import extract_with_lines
from stclusters.io import write_csv, write_parquet
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "extract") as log:
    records, rejects, accounting, lines = extract_with_lines(
        snakemake.params.inputs,
        on_bad_row=snakemake.params.on_bad_row,
        max_weight=snakemake.params.max_weight,
        workers=snakemake.threads,
    )
    write_parquet(records, snakemake.output.records)
    write_parquet(rejects, snakemake.output.rejects)
    write_csv(accounting, snakemake.output.accounting)
    write_csv(lines, snakemake.output.lines)
    log.info("records: %d used, %d rejected", len(records), len(rejects))
    for reason, n in rejects["reason"].value_counts().sort_index().items():
        log.info("  rejected %-16s %d", reason, n)
    for row in lines.itertuples():
        log.info("%s: %s", row.input_file, row.note)
