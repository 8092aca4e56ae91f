"""Snakemake adapter: geocode canonical records against the gazetteer."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.geocode import accounting, geocode
from stclusters.geocode.pipeline import InstitutionOptions
from stclusters.io import read_parquet, write_csv, write_parquet
from stclusters.logs import logged_step

with logged_step(snakemake.log[0], "geocode") as log:
    records = read_parquet(snakemake.input.records)
    places = read_parquet(snakemake.input.places)
    names = read_parquet(snakemake.input.names)
    institutions = read_parquet(snakemake.input.institutions)
    registry = None  # no registry files: the geocoder runs as without the registry
    if len(institutions):
        registry = InstitutionOptions(
            institutions,
            read_parquet(snakemake.input.institution_names),
            min_score=snakemake.params.affiliation_min_score,
            max_km=snakemake.params.affiliation_max_km,
        )
    placed, unmatched = geocode(
        records, places, names, fuzzy_min_score=snakemake.params.fuzzy_min_score,
        registry=registry, check_given_country=snakemake.params.check_given_country,
    )
    if len(placed) + len(unmatched) != len(records):
        raise RuntimeError("geocoding lost records: placed + unmatched != input")
    write_parquet(placed, snakemake.output.placed)
    write_parquet(unmatched, snakemake.output.unmatched)
    acc = accounting(placed, unmatched)
    write_csv(acc, snakemake.output.accounting)
    log.info("placed %d, unmatched %d\n%s", len(placed), len(unmatched), acc.to_string())
