"""Snakemake adapter: geocode canonical records against the gazetteer, in chunks: all the
records (rule geocode, stream.geocode_parts 1) or one part of them (rule geocode_part,
wildcard ``part``: the rows of part ``part`` of ``params.parts``, stclusters/geocode/parts.py).

The rule's threads (stream.workers when there is more than one chunk) score the fuzzy
queries; the chunks are placed in this process: a forked placing worker holds a chunk and
its share of the geocoder (about 2 GB more per worker at 9 M rows, docs/benchmarks.md)."""

import _bootstrap  # noqa: F401  (makes the stclusters package importable)

from stclusters.geocode.parts import geocode_part
from stclusters.geocode.pipeline import Geocoder, InstitutionOptions
from stclusters.geocode.stream import geocode_file
from stclusters.io import read_parquet, write_csv
from stclusters.logs import logged_step

part = snakemake.wildcards.get("part")
with logged_step(snakemake.log[0], "geocode" if part is None else f"geocode part {part}") as log:
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
    geocoder = Geocoder(places, names, fuzzy_min_score=snakemake.params.fuzzy_min_score,
                        registry=registry,
                        check_given_country=snakemake.params.check_given_country,
                        workers=snakemake.threads)
    if part is None:
        acc = geocode_file(snakemake.input.records, snakemake.output.placed,
                           snakemake.output.unmatched, geocoder,
                           chunk_rows=snakemake.params.chunk_rows)
    else:
        acc = geocode_part(snakemake.input.records, snakemake.output.placed,
                           snakemake.output.unmatched, geocoder,
                           chunk_rows=snakemake.params.chunk_rows, part=int(part),
                           n_parts=snakemake.params.parts)
    write_csv(acc, snakemake.output.accounting)
    log.info("placed %d, unmatched %d\n%s", int(acc["placed"].sum()),
             int(acc["unmatched"].sum()), acc.to_string())
