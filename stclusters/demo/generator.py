"""The demo generator: documents, contributors, places, years, coordinates and the raw
extract with its truth (see :mod:`stclusters.demo` for the world it draws from).

Every draw comes from one ``numpy.random.default_rng(seed)`` in a fixed order, so the
order of the calls below is part of the world's definition: reordering them changes it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.demo.draws import choice_cdf, systematic_u
from stclusters.demo.organizations import VC_NOISE_POOL, VC_POOL, organizations, startup_names
from stclusters.demo.spelling import add_junk, add_typos, write_addresses
from stclusters.demo.tables import COLUMNS, SOURCES
from stclusters.demo.world import Gazetteer, World, build_world, gazetteer
from stclusters.io import write_parquet

COLLAB_SHARE = 0.12  # share of documents with one contributor in another metro
BLANK_CITY_SHARE = 0.03  # rows with coordinates whose city is left blank


def _documents(s: str, rng: np.random.Generator, w: World, n_docs: int):
    """Per document of source ``s``: metro (systematic sampling by output), number of
    contributors and year (P(y0 + t) ~ (1 + growth) ** t per metro)."""
    spec = SOURCES[s]
    c = np.cumsum(w.metro_p[s])
    c[-1] = 1.0
    u_doc = systematic_u(rng, np.zeros(n_docs, dtype=np.int64), 1)
    doc_metro = np.searchsorted(c, u_doc, side="right")
    sizes = np.array(spec["sizes"])[choice_cdf(rng, np.array(spec["size_p"]), n_docs)]
    y0, y1 = spec["years"]
    t = np.arange(y1 - y0 + 1)
    gm = np.power(1.0 + w.growth[:, None] / 100.0, t[None, :])
    cdf = np.cumsum(gm / gm.sum(axis=1, keepdims=True), axis=1)
    year = y0 + (rng.random(n_docs)[:, None] > cdf[doc_metro]).sum(axis=1)
    return doc_metro, sizes, year


def _collaborations(s: str, rng: np.random.Generator, w: World, doc_metro, sizes, starts, doc):
    """Metro of each row: the document's, except the last contributor of about
    ``COLLAB_SHARE`` of all documents (multi-contributor ones), drawn by output.
    Returns the row metros and the collaborating rows."""
    nm = len(w.metros)
    row_metro = doc_metro[doc].copy()
    multi = sizes >= 2
    p_collab = min(1.0, COLLAB_SHARE / max(multi.mean(), 1e-9))
    collab_doc = multi & (rng.random(len(sizes)) < p_collab)
    last = starts + sizes - 1
    collab_rows = last[collab_doc]
    pm = w.metro_p[s][:nm] / w.metro_p[s][:nm].sum()
    row_metro[collab_rows] = choice_cdf(rng, pm, len(collab_rows))
    return row_metro, collab_rows


def _places(s: str, rng: np.random.Generator, w: World, row_metro, doc_metro, doc, starts):
    """Gazetteer place and corridor anchor of each row: drawn per row within its metro
    (systematic sampling); all rows of a noise document share its first row's place."""
    nm = len(w.metros)
    u = np.minimum(systematic_u(rng, row_metro, nm + 1), 1.0 - 1e-12)
    keys = w.place_key[s]
    pidx = w.place_idx[s]
    slot = np.minimum(np.searchsorted(keys, row_metro + u, side="right"), len(keys) - 1)
    place = pidx[slot]
    anchor = w.place_anchor[s][slot]
    is_noise_row = row_metro == nm
    first_place = place[starts]
    same = is_noise_row & (doc_metro[doc] == nm)
    place[same] = first_place[doc[same]]
    anchor[same] = np.nan
    return place, anchor


def _coordinates(rng: np.random.Generator, g: Gazetteer, place, anchor, coords_share: float):
    """Coordinates on ``coords_share`` of the rows (always on corridor rows), jittered
    around the place by 0.8-5 km growing with population (2.5 km around corridor points)."""
    n = len(place)
    corridor = ~np.isnan(anchor[:, 0])
    has_xy = (rng.random(n) < coords_share) | corridor
    sigma = np.clip(0.8 + 1.2 * np.log10(np.maximum(g.pop[place], 1) / 1e4), 0.8, 5.0)
    sigma[corridor] = 2.5
    clat = np.where(corridor, anchor[:, 0], g.lat[place])
    clon = np.where(corridor, anchor[:, 1], g.lon[place])
    dlat = rng.normal(size=n) * sigma / 111.0
    dlon = rng.normal(size=n) * sigma / (111.0 * np.cos(np.radians(clat)))
    lat = np.where(has_xy, np.round(clat + dlat, 5), np.nan)
    lon = np.where(has_xy, np.round(clon + dlon, 5), np.nan)
    return lat, lon


def _generate_source(
    s: str,
    rng: np.random.Generator,
    w: World,
    g: Gazetteer,
    scale: float,
    coords_share: float,
    vc_names: np.ndarray,
) -> dict:
    """The rows of source ``s`` as arrays (before addresses are written)."""
    spec = SOURCES[s]
    n_docs = max(1, int(round(spec["docs"] * scale)))
    doc_metro, sizes, year = _documents(s, rng, w, n_docs)
    doc = np.repeat(np.arange(n_docs), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(len(doc)) - starts[doc]
    row_metro, collab_rows = _collaborations(s, rng, w, doc_metro, sizes, starts, doc)
    place, anchor = _places(s, rng, w, row_metro, doc_metro, doc, starts)
    organization = organizations(
        s, rng, w, g, doc_metro, row_metro, doc, starts, place, vc_names
    )
    lat, lon = _coordinates(rng, g, place, anchor, coords_share)
    doc_ids = pd.Series(np.arange(n_docs)).astype(str).str.zfill(6)
    doc_ids = (spec["prefix"] + "-" + doc_ids).to_numpy(object)
    return {
        "source": np.full(len(doc), s, dtype=object),
        "doc_id": doc_ids[doc],
        "year": year[doc].astype(np.int64),
        "place": place,
        "lat": lat,
        "lon": lon,
        "organization": organization,
        "metro": row_metro,
        "doc_metro": doc_metro[doc],
        "collab": np.isin(np.arange(len(doc)), collab_rows),
        "pos": pos,
    }


def _truth(cols: dict, w: World, g: Gazetteer, lat, lon, junk) -> pd.DataFrame:
    """What is true about each row (see :func:`generate_with_truth`)."""
    place = cols["place"]
    valid_xy = (
        ~np.isnan(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180) & ~((lat == 0) & (lon == 0))
    )
    metro_names = np.append(w.metros["metro"].to_numpy(object), "noise")
    return pd.DataFrame(
        {
            "metro": metro_names[cols["metro"]],
            "doc_metro": metro_names[cols["doc_metro"]],
            "collab": cols["collab"],
            "geonameid": g.gid[place],
            "place_name": g.name[place],
            "place_country": g.cc[place],
            # a swapped point's truth is the point before the swap
            "true_lat": np.where(junk == "swapped_coords", lon,
                                 np.where(valid_xy, lat, g.lat[place])),
            "true_lon": np.where(junk == "swapped_coords", lat,
                                 np.where(valid_xy, lon, g.lon[place])),
            "junk": junk,
            "placeable": ~np.isin(junk, ["blank_city", "unknown_country", "bad_coords_blank_city"]),
        }
    )


def generate_with_truth(
    seed: int = 20240926,
    scale: float = 1.0,
    junk_share: float = 0.01,
    typo_share: float = 0.03,
    coords_share: float = 0.25,
    min_population: int = 1000,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo extract and, row for row, what is true about each row.

    The truth frame has ``metro`` (metro name or ``"noise"``), ``doc_metro``, ``geonameid``,
    ``place_name``, ``place_country``, ``true_lat``/``true_lon`` (the given coordinates when
    valid, else the place), ``junk`` (kind of junk or ``""``) and ``placeable`` (False when
    the row carries neither a usable address nor valid coordinates).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = np.random.default_rng(seed)
    g = gazetteer(min_population)
    w = build_world(min_population)
    vc_names = startup_names(rng, len(w.metros) * VC_POOL + VC_NOISE_POOL)
    parts = [_generate_source(s, rng, w, g, scale, coords_share, vc_names) for s in SOURCES]
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n = len(cols["place"])
    addr = write_addresses(rng, cols["place"], g)
    lat, lon = cols["lat"].copy(), cols["lon"].copy()
    # blank city for a few rows that carry coordinates (allowed by the contract)
    addr["city"][~np.isnan(lat) & (rng.random(n) < BLANK_CITY_SHARE)] = None
    u = add_typos(rng, addr["city"], typo_share)
    junk = add_junk(rng, addr, lat, lon, junk_share, u)
    df = pd.DataFrame(
        {
            "source": cols["source"],
            "doc_id": cols["doc_id"],
            "year": cols["year"],
            **addr,
            "lat": lat.astype(float),
            "lon": lon.astype(float),
            "organization": cols["organization"],
        }
    )[COLUMNS]
    return df, _truth(cols, w, g, lat, lon, junk)


def generate(
    seed: int = 20240926,
    scale: float = 1.0,
    junk_share: float = 0.01,
    typo_share: float = 0.03,
    coords_share: float = 0.25,
    min_population: int = 1000,
) -> pd.DataFrame:
    """A deterministic synthetic raw extract (about 300,000 rows at ``scale=1``).

    Same arguments give an identical frame. Columns: ``source``, ``doc_id``, ``year``,
    ``city``, ``region``, ``postal_code``, ``country``, ``lat``, ``lon``, ``organization``,
    sorted by source, doc_id and contributor order.
    """
    return generate_with_truth(seed, scale, junk_share, typo_share, coords_share, min_population)[0]


def write_demo(path: str | Path, **kwargs) -> pd.DataFrame:
    """Generate the demo extract and write it to ``path`` as Parquet; return the frame."""

    df = generate(**kwargs)
    write_parquet(df, path)
    return df


def expected_rows(scale: float = 1.0) -> float:
    """Expected number of rows at ``scale`` (for tests and sanity checks)."""
    return sum(
        spec["docs"] * scale * float(np.dot(spec["sizes"], spec["size_p"]))
        for spec in SOURCES.values()
    )
