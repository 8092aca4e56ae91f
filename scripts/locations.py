"""Snakemake adapter: geocoded records -> weighted unique rounded locations per year
(the records read in blocks of whole documents)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import write_csv, write_parquet
from stclusters.locations import build_locations_file
from stclusters.logs import logged_step

wc = snakemake.wildcards
with logged_step(snakemake.log[0], f"locations {wc.counting} round {wc.round_deg}") as log:
    out = build_locations_file(
        snakemake.input[0],
        chunk_rows=snakemake.params.chunk_rows,
        counting=wc.counting,
        round_deg=float(wc.round_deg),
        exclude_methods=snakemake.params.exclude_methods,
        renormalize=snakemake.params.renormalize,
    )
    write_parquet(out["locations"], snakemake.output.locations)
    write_parquet(out["location_places"], snakemake.output.places)
    write_parquet(out["organizations"], snakemake.output.organizations)
    write_csv(out["accounting"], snakemake.output.accounting)
    log.info("%d location-years\n%s", len(out["locations"]), out["accounting"].to_string())
