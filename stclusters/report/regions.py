"""Geography facts of the report: the regional map windows and the GII regional groups
that colour the clusters. Plain data, no plotting (rules/figures.smk imports it).

Continents of countries live in :func:`stclusters.countries.continent_codes`; this module
only maps a GeoNames continent code to the window that shows it.
"""

from __future__ import annotations

#: the world map's window: (lon_min, lon_max, lat_min, lat_max)
WORLD_EXTENT = (-180.0, 180.0, -60.0, 80.0)

#: regional map windows: (lon_min, lon_max, lat_min, lat_max), title, corner for legends
REGIONS = {
    "east_asia": {"extent": (99.0, 147.0, 17.0, 46.5), "title": "East Asia",
                  "legend": "lower right"},
    "europe": {"extent": (-11.0, 40.0, 35.0, 61.5), "title": "Europe",
               "legend": "upper left"},
    "north_america": {"extent": (-128.0, -62.0, 17.0, 55.0), "title": "North America",
                      "legend": "lower left"},
    "africa": {"extent": (-20.0, 55.0, -36.5, 39.0), "title": "Africa",
               "legend": "lower left"},
}
#: GeoNames continent code -> REGIONS key (regional rankings of config.regional)
CONTINENT_REGION = {"AF": "africa", "EU": "europe", "NA": "north_america", "AS": "east_asia"}

#: GII regional groups (UN-based) of the economy groups used to colour clusters
_GROUP_MEMBERS = {
    "Northern America": "US CA",
    "Latin America and the Caribbean": (
        "MX BR AR CL CO PE VE EC UY PY BO CR PA CU DO GT HN SV NI JM TT BS BB PR HT BZ GY SR"
    ),
    "Europe": (
        "GB IE FR DE NL BE LU CH AT IT ES PT DK SE NO FI IS PL CZ SK HU SI HR RS BA ME MK AL "
        "GR BG RO MD UA BY RU LT LV EE MT CY LI MC SM AD XK"
    ),
    "Northern Africa and Western Asia": (
        "EG MA DZ TN LY SD IL TR SA AE QA KW BH OM JO LB IQ SY YE PS AM AZ GE"
    ),
    "Central and Southern Asia": "IN PK BD LK NP IR KZ UZ KG TJ TM AF BT MV",
    "South East Asia, East Asia and Oceania": (
        "CN HK MO TW JP KR KP MN SG MY TH VN ID PH KH LA MM BN TL AU NZ FJ PG"
    ),
    "Sub-Saharan Africa": (
        "ZA NG KE ET GH TZ UG RW SN CM CI ZW ZM MZ AO BW NA MU MG ML BF NE TG BJ GA CD CG MW SO "
        "GN GM GW SL LR CV MR TD CF SS ER DJ BI SZ LS KM SC ST GQ RE YT"
    ),
}
ECONOMY_GROUP = {code: g for g, codes in _GROUP_MEMBERS.items() for code in codes.split()}
OTHER_GROUP = "Other"


def economy_group(economy: object) -> str:
    """GII regional group of an economy code; joint codes ("CN/HK") use the first code."""
    if not isinstance(economy, str) or not economy.strip():
        return OTHER_GROUP
    return ECONOMY_GROUP.get(economy.split("/")[0].strip().upper(), OTHER_GROUP)
