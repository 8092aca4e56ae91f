"""Regional rankings (the GII's "top 50 clusters in Africa") and the extended ranking.

A region is a GeoNames continent. A location belongs to the region of its *dominant
economy*: the country holding the largest weight of the location's records over all years
and sources (ties by ISO code). The region's locations are clustered with the variant's
own method (DBSCAN, the variant's radius) but with a density threshold that is a share of
the REGION's total per source, so a region with little output still has clusters; the
clusters are merged, named and ranked exactly as globally, with shares of the regional
totals (the score is the variant's weighted sum of regional shares, in percent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from stclusters.cluster import cluster_source
from stclusters.countries import continent_codes
from stclusters.merge import build_st_clusters, describe_clusters, naming_options
from stclusters.rank import rank_variant, world_totals
from stclusters.tables import top_table

DEFAULT_EPS_KM = 13.0


def dominant_economy(location_places: pd.DataFrame) -> pd.DataFrame:
    """Per ``loc_id``: the country (``country_iso2``) with the largest weight over all
    years and sources (ties by code); rows without a country are ignored."""
    lp = location_places.dropna(subset=["country_iso2"])
    lp = lp[lp["country_iso2"].astype(str).str.len() > 0]
    by = lp.groupby(["loc_id", "country_iso2"], as_index=False)["weight"].sum()
    by = by.sort_values(["loc_id", "weight", "country_iso2"], ascending=[True, False, True],
                        kind="stable")
    return by.drop_duplicates("loc_id")[["loc_id", "country_iso2"]].reset_index(drop=True)


def region_loc_ids(location_places: pd.DataFrame, continent: str) -> np.ndarray:
    """The ``loc_id`` of the locations whose dominant economy lies in ``continent``."""
    dom = dominant_economy(location_places)
    cont = dom["country_iso2"].map(continent_codes())
    return np.sort(dom.loc[(cont == continent).to_numpy(), "loc_id"].to_numpy(np.int64))


def regional_ranking(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    location_places_all: pd.DataFrame,
    location_places_current: pd.DataFrame,
    organizations: pd.DataFrame,
    places: pd.DataFrame,
    variant: Mapping[str, Any],
    continent: str,
    min_share: float,
    merge: Mapping[str, Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank the S&T clusters of one region; returns ``(ranking, membership)``.

    ``current`` / ``previous``: the variant's windowed location tables (world);
    ``location_places_all``: per-year location places (for the dominant economy);
    ``location_places_current``: current-window location places; ``organizations``:
    current-window organization weights; ``places``: the gazetteer. Clustering: DBSCAN
    with the variant's ``eps_km`` for each source (13 km when the variant uses HDBSCAN)
    and ``min_weight = min_share * regional total of the source``. Ranking columns as in
    :func:`stclusters.rank.rank_variant`, shares of the regional totals.
    """
    ids = region_loc_ids(location_places_all, continent)
    sources = list(variant["sources"])

    def inside(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["loc_id"].isin(ids) & frame["source"].isin(sources)]

    cur, prev = inside(current), inside(previous)
    labels = {}
    for s in sources:
        cs = cur[cur["source"] == s]
        p = variant["params"].get(s, {})
        eps = float(p.get("eps_km", DEFAULT_EPS_KM)) if variant["algorithm"] == "dbscan" \
            else DEFAULT_EPS_KM
        labels[s] = cluster_source(cs, "dbscan", {"eps_km": eps, "min_share": min_share})
    membership = build_st_clusters(cur, labels, link_km=merge["link_km"],
                                   attach_km=merge["attach_km"])
    clusters = describe_clusters(
        membership,
        inside(location_places_current),
        places,
        source_totals=world_totals(cur),
        locations=cur,
        **naming_options(merge),
    )
    ranking = rank_variant(cur, prev, membership, clusters, inside(organizations),
                           source_weights=variant["sources"], attach_km=merge["attach_km"])
    return ranking, membership


def extended_table(ranking: pd.DataFrame, top_n: int, extended_n: int) -> pd.DataFrame:
    """Ranks ``top_n + 1`` .. ``extended_n`` of a ranking in the top-table layout
    (:func:`stclusters.tables.top_table`): the GII's clusters "beyond the top 100", same
    parameters, same ranking."""
    table = top_table(ranking, max(extended_n, top_n))
    return table[table["Rank"] > top_n].reset_index(drop=True)
