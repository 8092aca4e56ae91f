"""Input side: read raw extracts in any listed format, validate them, assign weights.

* :mod:`.contract`: the raw-extract contract (columns, :class:`ExtractError`,
  :func:`validate`, :func:`assign_weights`); imports no reader.
* :mod:`.readers`: one module per input format, converting it to the contract.
* :mod:`.formats`: the table of formats (:data:`FORMATS`: reader, default source).
* :mod:`.stage`: :func:`extract`, the extract stage over a config's ``inputs``.

The names below are re-exported so that ``from stclusters.extract import ...`` works.
"""

from stclusters.extract.contract import (
    BAD_COLUMNS,
    CANONICAL,
    CONTRACT_COLUMNS,
    OPTIONAL,
    PASS_THROUGH,
    REQUIRED,
    ROW_COLUMN,
    SOURCES,
    TEXT_COLUMNS,
    YEAR_RANGE,
    ExtractError,
    assign_weights,
    validate,
)
from stclusters.extract.formats import (
    FORMATS,
    Format,
    format_spec,
    read_extract,
    read_extract_with_bad,
)
from stclusters.extract.readers.crunchbase import read_crunchbase
from stclusters.extract.readers.generic import read_generic, read_raw
from stclusters.extract.readers.openalex import city_from_affiliation, read_openalex
from stclusters.extract.readers.patentsview import read_patentsview
from stclusters.extract.stage import extract

__all__ = [
    "BAD_COLUMNS",
    "CANONICAL",
    "CONTRACT_COLUMNS",
    "FORMATS",
    "OPTIONAL",
    "PASS_THROUGH",
    "REQUIRED",
    "ROW_COLUMN",
    "SOURCES",
    "TEXT_COLUMNS",
    "YEAR_RANGE",
    "ExtractError",
    "Format",
    "assign_weights",
    "city_from_affiliation",
    "extract",
    "format_spec",
    "read_crunchbase",
    "read_extract",
    "read_extract_with_bad",
    "read_generic",
    "read_openalex",
    "read_patentsview",
    "read_raw",
    "validate",
]
