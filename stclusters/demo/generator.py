"""The demo generator: documents, contributors, places, years, coordinates and the raw
extract with its truth (see :mod:`stclusters.demo` for the world it draws from).

The world is made of blocks (:func:`blocks`): a block is the scale-1 world's documents,
a world at scale 1 or less is one block, at scale 166 it is 166. Every draw of a block
comes from the block's generator (:func:`generate_blocks`) in a fixed order, so the order
of the calls below is part of the world's definition: reordering them changes it.
:func:`write_demo` writes block after block, so memory does not grow with the scale.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from stclusters.demo.draws import choice_cdf, systematic_u
from stclusters.demo.organizations import VC_NOISE_POOL, VC_POOL, organizations, startup_names
from stclusters.demo.spelling import PlaceStrings, add_junk, add_typos, write_addresses
from stclusters.demo.tables import COLUMNS, SOURCES
from stclusters.demo.world import Gazetteer, World, build_world, gazetteer
from stclusters.io import ParquetChunkWriter
from stclusters.parallel import ordered_map, shared
from stclusters.progress import Progress

COLLAB_SHARE = 0.12  # share of documents with one contributor in another metro
BLANK_CITY_SHARE = 0.03  # rows with coordinates whose city is left blank

#: the Arrow type pandas gives text columns here (large_string from pandas 3 on)
_TEXT = pa.Table.from_pandas(pd.DataFrame({"x": np.array(["a"], dtype=object)})).field("x").type
#: the extract's Arrow types, as write_parquet infers them from a frame of text (a chunk
#: whose text column is all missing stays text)
ARROW_SCHEMA = pa.schema(
    [(c, pa.int64() if c == "year" else pa.float64() if c in ("lat", "lon") else _TEXT)
     for c in COLUMNS]
)


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
    docs: range,
    coords_share: float,
    vc_names: np.ndarray,
) -> dict:
    """The rows of source ``s``'s documents ``docs`` (their numbers in the whole world, so
    their ids) as arrays, before addresses are written."""
    spec = SOURCES[s]
    n_docs = len(docs)
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
    doc_ids = pd.Series(np.arange(docs.start, docs.stop)).astype(str).str.zfill(6)
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


def blocks(scale: float, block_scale: float = 1.0) -> list[dict[str, range]]:
    """The world's blocks at ``scale``: per block, the document numbers of each source.

    A block holds ``round(SOURCES[s]["docs"] * block_scale)`` documents of each source, the
    last one what is left of ``round(docs * scale)``. With the default ``block_scale`` 1 a
    block is the scale-1 world: a world at scale 1 or less is one block (the world as it
    was before blocks), at scale 166 it is 166 blocks. Blocks do not depend on the chunk
    size of the output.
    """
    if scale <= 0 or block_scale <= 0:
        raise ValueError("scale must be positive")
    total = {s: max(1, int(round(spec["docs"] * scale))) for s, spec in SOURCES.items()}
    size = {s: max(1, int(round(spec["docs"] * block_scale))) for s, spec in SOURCES.items()}
    n_blocks = max(-(-total[s] // size[s]) for s in SOURCES)
    return [
        {s: range(min(k * size[s], total[s]), min((k + 1) * size[s], total[s])) for s in SOURCES}
        for k in range(n_blocks)
    ]


@dataclass(frozen=True)
class _Setup:
    """What every block shares: the gazetteer, the world, the startup names, the place
    strings computed so far and the shares of the configuration."""

    g: Gazetteer
    w: World
    vc_names: np.ndarray
    strings: PlaceStrings
    junk_share: float
    typo_share: float
    coords_share: float


def _block(
    rng: np.random.Generator, docs: dict[str, range], su: _Setup, with_truth: bool
) -> tuple[dict[str, np.ndarray], pd.DataFrame | None]:
    """The columns of one block's rows (documents ``docs`` per source, in the order of
    ``COLUMNS``) and, with ``with_truth``, what is true about them; every draw from
    ``rng``."""
    g, w = su.g, su.w
    parts = [
        _generate_source(s, rng, w, g, r, su.coords_share, su.vc_names)
        for s, r in docs.items()
        if len(r)
    ]
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n = len(cols["place"])
    addr = write_addresses(rng, cols["place"], g, su.strings)
    lat, lon = cols["lat"].copy(), cols["lon"].copy()
    # blank city for a few rows that carry coordinates (allowed by the contract)
    addr["city"][~np.isnan(lat) & (rng.random(n) < BLANK_CITY_SHARE)] = None
    u = add_typos(rng, addr["city"], su.typo_share)
    junk = add_junk(rng, addr, lat, lon, su.junk_share, u)
    out = {
        "source": cols["source"],
        "doc_id": cols["doc_id"],
        "year": cols["year"],
        **addr,
        "lat": lat.astype(float),
        "lon": lon.astype(float),
        "organization": cols["organization"],
    }
    return {c: out[c] for c in COLUMNS}, (
        _truth(cols, w, g, lat, lon, junk) if with_truth else None
    )


def _setup(seed: int, junk_share: float, typo_share: float, coords_share: float,
           min_population: int) -> tuple[_Setup, np.random.Generator]:
    """What every block shares, and the generator of block 0 (``default_rng(seed)`` after
    the startup names)."""
    rng = np.random.default_rng(seed)
    g = gazetteer(min_population)
    w = build_world(min_population)
    vc_names = startup_names(rng, len(w.metros) * VC_POOL + VC_NOISE_POOL)
    su = _Setup(g, w, vc_names, PlaceStrings(g), junk_share, typo_share, coords_share)
    return su, rng


def _block_columns(
    seed: int, scale: float, junk_share: float, typo_share: float, coords_share: float,
    min_population: int, with_truth: bool, block_scale: float,
) -> Iterator[tuple[dict[str, np.ndarray], pd.DataFrame | None]]:
    """:func:`generate_blocks` as column arrays (what :func:`write_demo` turns into Arrow
    without a pandas frame between)."""
    su, rng0 = _setup(seed, junk_share, typo_share, coords_share, min_population)
    for docs, rng in _block_jobs(seed, blocks(scale, block_scale), rng0):
        yield _block(rng, docs, su, with_truth)


def _block_jobs(seed: int, plan: list[dict[str, range]], rng0: np.random.Generator
                ) -> Iterator[tuple[dict[str, range], np.random.Generator]]:
    """Each block's documents and generator: ``rng0`` for block 0, ``default_rng([seed,
    k])`` for block ``k >= 1``."""
    for k, docs in enumerate(plan):
        yield docs, rng0 if k == 0 else np.random.default_rng([seed, k])


def _arrow_block(job: tuple[dict[str, range], np.random.Generator]
                 ) -> tuple[pa.Table, np.ndarray]:
    """One block (documents, generator) as an Arrow table and its document starts, in a
    worker of :func:`write_demo` (the shared setup is its parent's)."""
    docs, rng = job
    cols, _ = _block(rng, docs, shared("demo_setup"), False)
    return _arrow(cols), _doc_starts(cols["doc_id"])


def _arrow_blocks(seed: int, scale: float, junk_share: float, typo_share: float,
                  coords_share: float, min_population: int, block_scale: float, workers: int
                  ) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """The blocks of :func:`_block_columns` as Arrow tables with their document starts,
    made by ``workers`` processes (the same tables in the same order for any number)."""
    plan = blocks(scale, block_scale)
    su, rng0 = _setup(seed, junk_share, typo_share, coords_share, min_population)
    shared("demo_setup", su)
    yield from ordered_map(_arrow_block, _block_jobs(seed, plan, rng0),
                           min(workers, len(plan)))


def generate_blocks(
    seed: int = 20240926,
    scale: float = 1.0,
    junk_share: float = 0.01,
    typo_share: float = 0.03,
    coords_share: float = 0.25,
    min_population: int = 1000,
    with_truth: bool = False,
    block_scale: float = 1.0,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    """The demo extract block by block (see :func:`blocks`; ``block_scale`` other than 1
    only for tests): per block its rows and, with ``with_truth``, what is true about them
    (else None).

    The world's startup names and block 0 draw from ``numpy.random.default_rng(seed)``
    (block 0 is the scale-1 world of the same seed, byte for byte as before blocks);
    block ``k >= 1`` draws from ``default_rng([seed, k])``. A block therefore depends only
    on the seed, its number and its documents: the world at scale 30 is the world at
    scale 10 followed by 20 more blocks. Memory is bounded by one block.
    """
    for cols, truth in _block_columns(seed, scale, junk_share, typo_share, coords_share,
                                      min_population, with_truth, block_scale):
        yield pd.DataFrame(cols), truth


def generate_with_truth(
    seed: int = 20240926,
    scale: float = 1.0,
    junk_share: float = 0.01,
    typo_share: float = 0.03,
    coords_share: float = 0.25,
    min_population: int = 1000,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo extract and, row for row, what is true about each row (in memory: for
    tests and small scales; :func:`write_demo` streams).

    The truth frame has ``metro`` (metro name or ``"noise"``), ``doc_metro``, ``geonameid``,
    ``place_name``, ``place_country``, ``true_lat``/``true_lon`` (the given coordinates when
    valid, else the place), ``junk`` (kind of junk or ``""``) and ``placeable`` (False when
    the row carries neither a usable address nor valid coordinates).
    """
    pairs = list(generate_blocks(seed, scale, junk_share, typo_share, coords_share,
                                 min_population, with_truth=True))
    if len(pairs) == 1:
        return pairs[0]
    return (pd.concat([p[0] for p in pairs], ignore_index=True),
            pd.concat([p[1] for p in pairs], ignore_index=True))


def generate(
    seed: int = 20240926,
    scale: float = 1.0,
    junk_share: float = 0.01,
    typo_share: float = 0.03,
    coords_share: float = 0.25,
    min_population: int = 1000,
) -> pd.DataFrame:
    """A deterministic synthetic raw extract (about 300,000 rows at ``scale=1``), in memory.

    Same arguments give an identical frame. Columns: ``source``, ``doc_id``, ``year``,
    ``city``, ``region``, ``postal_code``, ``country``, ``lat``, ``lon``, ``organization``;
    rows of a document are contiguous, in contributor order, sorted by source and document
    within each block of :func:`blocks` (so over the whole frame at scale 1 or less).
    """
    frames = [df for df, _ in generate_blocks(seed, scale, junk_share, typo_share,
                                              coords_share, min_population)]
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _doc_starts(ids: np.ndarray) -> np.ndarray:
    """Row positions where a document begins (ids are unique across sources)."""
    return np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])


def _arrow(cols: dict[str, np.ndarray]) -> pa.Table:
    """A block's columns as the Arrow table ``write_parquet`` makes of their frame (text
    and floats converted as pandas does: None and NaN missing)."""
    return pa.table(
        [pa.array(cols[f.name], type=f.type, from_pandas=True) for f in ARROW_SCHEMA],
        schema=ARROW_SCHEMA,
    )


class DocChunks:
    """Cut a stream of tables (whole documents each) into chunks of at most ``chunk_rows``
    rows, only between documents (a document longer than ``chunk_rows`` is one chunk).

    The chunks depend on the rows and ``chunk_rows`` alone, not on how the rows arrive.
    """

    def __init__(self, chunk_rows: int) -> None:
        self.chunk_rows = max(1, int(chunk_rows))
        self._table: pa.Table | None = None
        self._starts = np.empty(0, dtype=np.int64)

    def add(self, table: pa.Table, starts: np.ndarray) -> list[pa.Table]:
        """Take ``table`` (documents beginning at rows ``starts``); return the chunks now
        complete (the rows after them wait for more documents or :meth:`rest`)."""
        rows = 0 if self._table is None else self._table.num_rows
        self._table = table if self._table is None else pa.concat_tables([self._table, table])
        self._starts = np.concatenate([self._starts, np.asarray(starts, np.int64) + rows])
        out = []
        while self._table.num_rows > self.chunk_rows:
            inside = self._starts[(self._starts > 0) & (self._starts <= self.chunk_rows)]
            later = self._starts[self._starts > 0]
            cut = int(inside[-1]) if len(inside) else int(later[0]) if len(later) else None
            if cut is None:  # one document longer than a chunk
                break
            out.append(self._table.slice(0, cut).combine_chunks())
            self._table = self._table.slice(cut)
            self._starts = self._starts[self._starts >= cut] - cut
        return out

    def rest(self) -> list[pa.Table]:
        """The rows still held, as the last chunk (none when empty)."""
        table, self._table = self._table, None
        self._starts = np.empty(0, dtype=np.int64)
        return [table.combine_chunks()] if table is not None and table.num_rows else []


def write_demo(
    path: str | Path,
    chunk_rows: int = 1_000_000,
    log: logging.Logger | None = None,
    *,
    seed: int = 20240926,
    scale: float = 1.0,
    junk_share: float = 0.01,
    typo_share: float = 0.03,
    coords_share: float = 0.25,
    min_population: int = 1000,
    block_scale: float = 1.0,
    workers: int = 1,
) -> int:
    """Generate the demo extract block by block and write it to ``path`` as Parquet, in
    row groups of at most ``chunk_rows`` rows cut between documents; return the rows.

    The other arguments are those of :func:`generate_blocks`. The rows do not depend on
    ``chunk_rows``, only the row groups do; a file written in one chunk (at scale 1, any
    ``chunk_rows`` of at least its 303,496 rows) has the bytes
    :func:`stclusters.io.write_parquet` gives for :func:`generate`. Memory is bounded by
    one block and one chunk per process. Blocks are made by ``workers`` forked processes
    (:func:`stclusters.parallel.ordered_map`; the same bytes for any number of workers).
    With ``log``, progress (rows, rate, time left) goes there.
    """
    progress = None
    if log is not None:
        build_world(min_population)  # cached: the rate and time left count rows only
        progress = Progress(log, "demo_world", total=int(round(expected_rows(scale))))
    chunks = DocChunks(chunk_rows)
    with ParquetChunkWriter(path, schema=ARROW_SCHEMA) as writer:
        for table, starts in _arrow_blocks(seed, scale, junk_share, typo_share, coords_share,
                                           min_population, block_scale, workers):
            for chunk in chunks.add(table, starts):
                writer.write(chunk)
            if progress is not None:
                progress.update(table.num_rows)
        for chunk in chunks.rest():
            writer.write(chunk)
    if progress is not None:
        progress.done()
    return writer.rows


def expected_rows(scale: float = 1.0) -> float:
    """Expected number of rows at ``scale`` (for tests and sanity checks)."""
    return sum(
        spec["docs"] * scale * float(np.dot(spec["sizes"], spec["size_p"]))
        for spec in SOURCES.values()
    )
