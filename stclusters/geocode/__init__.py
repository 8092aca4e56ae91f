"""Offline geocoding: the gazetteer and the geocoder (canonical records -> places).

``from stclusters.geocode import geocode, accounting`` is the entry point; the method is
described in docs/methodology.md and, phase by phase, in the modules:

* :mod:`~stclusters.geocode.gazetteer`: the offline gazetteer (GeoNames places and names);
* :mod:`~stclusters.geocode.pipeline`: :func:`geocode`, the phases in order;
* :mod:`~stclusters.geocode.stream`: :func:`~stclusters.geocode.stream.geocode_file`, a
  records file in chunks (two passes: the keys, then the rows), memory bounded;
* :mod:`~stclusters.geocode.keys`: per-row inputs and the table of unique address keys;
* :func:`stclusters.admin1.region_admin1`: region strings -> GeoNames admin1 codes;
* :mod:`~stclusters.geocode.places`: the places as arrays; choosing one candidate per key;
* :mod:`~stclusters.geocode.phases`: exact/alternate, fuzzy, region and country matching;
* :mod:`~stclusters.geocode.fuzzy`: candidate pool and rapidfuzz scoring;
* :mod:`~stclusters.geocode.postal`: US ZIP codes;
* :mod:`~stclusters.geocode.registry`: the institution registry (ROR, OpenAlex);
* :mod:`~stclusters.geocode.institution`: rows placed at their institution (id or name);
* :mod:`~stclusters.geocode.given`: rows with given coordinates, swapped lat/lon, wrong
  country;
* :mod:`~stclusters.geocode.accounting`: methods, reasons and per-source counts.
"""

from stclusters.admin1 import region_admin1
from stclusters.geocode.accounting import METHODS, REASONS, WRONG_COUNTRY, accounting
from stclusters.geocode.gazetteer import KINDS, VALID_MIN_POPULATION, build_gazetteer
from stclusters.geocode.pipeline import geocode
from stclusters.geocode.postal import zip_table

__all__ = [
    "KINDS",
    "METHODS",
    "REASONS",
    "VALID_MIN_POPULATION",
    "WRONG_COUNTRY",
    "accounting",
    "build_gazetteer",
    "geocode",
    "region_admin1",
    "zip_table",
]
