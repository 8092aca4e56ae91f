"""Snakemake adapter: raw extracts -> canonical records, rejects and accounting, streamed
chunk by chunk (memory bounded by ``chunk_rows`` and ``memory_mb``)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.extract.stream import extract_streamed
from stclusters.io import write_csv
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "extract") as log:
    summary = extract_streamed(
        snakemake.params.inputs,
        snakemake.output.records,
        snakemake.output.rejects,
        on_bad_row=snakemake.params.on_bad_row,
        max_weight=snakemake.params.max_weight,
        workers=snakemake.threads,
        chunk_rows=snakemake.params.chunk_rows,
        memory_mb=snakemake.params.memory_mb,
    )
    write_csv(summary.accounting, snakemake.output.accounting)
    write_csv(summary.lines, snakemake.output.lines)
    log.info("records: %d used, %d rejected", summary.rows_used, summary.rows_rejected)
    for reason, n in summary.reasons.items():
        log.info("  rejected %-16s %d", reason, n)
    for row in summary.lines.itertuples():
        log.info("%s: %s", row.input_file, row.note)
