"""Snakemake adapter: geocoded records -> weighted unique rounded locations per year."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.io import read_parquet, write_csv, write_parquet
from stclusters.locations import COLUMNS, build_locations
from stclusters.logs import logged_step

wc = snakemake.wildcards
with logged_step(snakemake.log[0], f"locations {wc.counting} round {wc.round_deg}") as log:
    out = build_locations(
        read_parquet(snakemake.input[0], columns=COLUMNS),
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
