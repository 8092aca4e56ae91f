"""Deterministic synthetic raw extract: the embedded demo world.

The generator writes PCT-inventor, article-author and venture-capital-deal address rows in
the raw-extract contract (``docs/data-format.md`` section 1). Output levels are set per
metropolitan area in ``resources/demo_metros.csv`` (roughly the real share of world output
in percent); which clusters exist, how they rank and what they are called is left to the
workflow to find in the generated points.

How the world is built (every random draw comes from a seeded ``numpy.random`` generator):

* The world is a sequence of blocks, each the scale-1 world's number of documents per
  source (the last one what the scale leaves): scale 1 or less is one block drawn from
  ``default_rng(seed)``, scale 166 is 166 blocks, block ``k >= 1`` drawn from
  ``default_rng([seed, k])``. :func:`write_demo` generates and writes block after block,
  so memory does not grow with the scale, and the rows do not depend on the chunk size.

* Each metro is a set of GeoNames places with fixed shares (``places``: ``Name|CC|share``,
  ``CC`` may carry a GeoNames admin1 code as ``US:CA``) plus a remainder share spread over
  the gazetteer places of the same countries within ``radius_km`` of any component place,
  weighted by population**0.6 and capped at 5% of the metro per place. A component written
  ``@lat/lon|CC|share`` is a corridor point (no gazetteer place there, e.g. between Suzhou
  and Kunshan): its rows always carry jittered coordinates and name the nearest place.
* A metro's share of a source is its value in percent; what the table leaves over
  (``1 - sum/100``, clipped to 10-40%) is diffuse noise spread over every gazetteer place,
  weighted by population**0.6 and by the square root of the country's share of that source,
  then thinned where places crowd so that noise alone never reaches the default DBSCAN
  density (0.0004 of the world total within 13 km).
* Metros of documents and places of contributors are drawn by systematic sampling, so every
  metro and place is within one of its expected count per block (small places exist at
  small scales).
* Documents have 1-6 inventors (PCT), 1-8 author addresses (articles) or one location
  (VC). Contributors are drawn from the document's metro; about 12% of documents have one
  contributor in another metro drawn by output. Noise documents keep all contributors in
  their one place.
* Years follow per-metro exponential growth (``growth_pct`` per year, which is also the
  growth between two overlapping five-year windows).
* Addresses are written like real extracts: canonical, upper-case, native-script and
  exonym names from GeoNames alternate names, Japanese/Korean/Chinese administrative
  suffixes, US/CA state codes and some region names, postal codes in the country's format,
  countries as ISO2/ISO3/English name, typos, and junk rows.

The package, by section (edit the one you mean to change):

* :mod:`~stclusters.demo.tables` - the extract's columns, what each source generates, and
  the address-writing tables (native names, exonyms, scripts, region names, junk countries).
* :mod:`~stclusters.demo.world` - the gazetteer, the metro table and each place's
  probability per source (metros, remainder places, thinned noise).
* :mod:`~stclusters.demo.spelling` - how places and rows are written: name spellings,
  regions, postal codes, country forms, blank cities, typos and junk rows.
* :mod:`~stclusters.demo.organizations` - applicants, affiliations and startups.
* :mod:`~stclusters.demo.draws` - the two sampling helpers every draw goes through.
* :mod:`~stclusters.demo.generator` - the generator: documents, contributors, places,
  years, coordinates, blocks; :func:`generate`, :func:`generate_with_truth`,
  :func:`generate_blocks`, :func:`write_demo`.
"""

from stclusters.demo.generator import (
    blocks,
    expected_rows,
    generate,
    generate_blocks,
    generate_with_truth,
    write_demo,
)
from stclusters.demo.tables import COLUMNS, JUNK_COUNTRIES, SOURCES
from stclusters.demo.world import load_metros

__all__ = [
    "COLUMNS",
    "JUNK_COUNTRIES",
    "SOURCES",
    "blocks",
    "expected_rows",
    "generate",
    "generate_blocks",
    "generate_with_truth",
    "load_metros",
    "write_demo",
]
