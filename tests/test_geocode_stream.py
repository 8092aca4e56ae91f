"""The geocode, geocode QA, locations and document-locations stages streamed in chunks:
the outputs of any chunk size equal those of one chunk (and of the in-memory functions),
and the accounting holds."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from test_geocode import CASES, make_records
from test_institutions import _records as inst_records
from test_institutions import registry_files, tables  # noqa: F401  (fixtures)

from stclusters.geocode import accounting, geocode
from stclusters.geocode.gazetteer import build_gazetteer
from stclusters.geocode.pipeline import Geocoder, InstitutionOptions
from stclusters.geocode.stream import geocode_file
from stclusters.io import read_parquet, write_parquet
from stclusters.locations import build_locations, build_locations_file, grid_index, loc_ids
from stclusters.qa import by_source_method, geocode_qa, qa_counts_files
from stclusters.sensitivity.documents import doc_locations, doc_locations_file

CHUNKS = (2, 7, 50)


@pytest.fixture(scope="module")
def gaz() -> tuple[pd.DataFrame, pd.DataFrame]:
    return build_gazetteer(min_population=15000)


def records() -> pd.DataFrame:
    """CASES twice (repeated keys over chunks), given coordinates (valid, swapped, in the
    wrong country), US ZIP codes, junk rows; documents of several rows."""
    rows = [{"city": c, "region": r, "country": k} for c, r, k, _, _ in CASES] * 2
    rows += [
        {"city": "Munich", "country": "DE", "lat": 48.14, "lon": 11.58,
         "coord_status": "valid"},
        {"city": "Munich", "country": "DE", "lat": 11.58, "lon": 48.14,
         "coord_status": "valid"},  # swapped
        {"city": "Munich", "country": "DE", "lat": 48.86, "lon": 2.35,
         "coord_status": "valid"},  # in Paris: the wrong country
        {"city": "Springfield", "country": "US", "postal_code": "01103"},
        {"city": "Springfield", "country": "US", "postal_code": "62701-1234"},
        {"city": None, "country": "DE"},
        {"city": "Foo", "country": "Narnia"},
        {"city": "Xqzvbw", "region": "CA", "country": "US"},
        {"city": "Xqzvbw", "country": "DE"},
        {"city": "Bostn", "region": "MA", "country": "US"},
    ] * 2
    df = make_records(rows)
    df["doc_id"] = [f"D{i // 3}" for i in range(len(df))]
    df["source"] = np.where(np.arange(len(df)) % 2 == 0, "pct", "pub")
    return df


def registry_rows() -> list[dict]:
    """Rows placed by institution id, by affiliation text and by their address."""
    return [
        {"institution_id": "https://ror.org/00rcxh774"},
        {"institution_id": "I999", "city": "Raleigh", "country": "US"},
        {"affiliation": "Dept X, Universität zu Köln, Germany", "country": "DE"},
        {"institution_id": "https://ror.org/0zzzzzz99", "city": "Seattle", "country": "US",
         "affiliation": "University of Washington, Seattle, USA"},
        {"affiliation": "Institut de Recherche Test, France", "country": "FR",
         "city": "Nowhere Town"},
        {"city": "Boston", "country": "US"},
        {"affiliation": "Institut de Recherche Test, France", "country": "FR"},
    ] * 3


def geocode_chunked(tmp_path, recs, gaz, chunk_rows, registry=None, name="x", workers=1):
    src = tmp_path / f"records_{name}.parquet"
    write_parquet(recs, src)
    out_p, out_u = tmp_path / f"placed_{name}.parquet", tmp_path / f"unmatched_{name}.parquet"
    g = Geocoder(*gaz, registry=registry, workers=workers)
    acc = geocode_file(src, out_p, out_u, g, chunk_rows=chunk_rows, workers=workers)
    return out_p, out_u, acc


def test_geocode_file_equals_geocode_for_any_chunk_size(tmp_path, gaz) -> None:
    write_parquet(records(), tmp_path / "in.parquet")
    recs = read_parquet(tmp_path / "in.parquet")  # as the geocode rule read it
    placed, unmatched = geocode(recs, *gaz)
    assert len(placed) + len(unmatched) == len(recs)
    ref_p, ref_u = tmp_path / "ref_p.parquet", tmp_path / "ref_u.parquet"
    write_parquet(placed, ref_p)
    write_parquet(unmatched, ref_u)
    # one chunk: the bytes of the in-memory geocoder's files
    p1, u1, acc1 = geocode_chunked(tmp_path, recs, gaz, 10_000, name="one")
    assert p1.read_bytes() == ref_p.read_bytes() and u1.read_bytes() == ref_u.read_bytes()
    pd.testing.assert_frame_equal(acc1, accounting(placed, unmatched))
    assert set(placed["geo_method"]) >= {"given", "exact", "fuzzy", "country"}
    assert (placed["coord_status"] == "swapped").sum() == 2
    assert (placed["coord_status"] == "wrong_country").sum() == 2
    for chunk in CHUNKS:
        p, u, acc = geocode_chunked(tmp_path, recs, gaz, chunk, name=str(chunk))
        pd.testing.assert_frame_equal(read_parquet(p), read_parquet(ref_p), check_exact=True)
        pd.testing.assert_frame_equal(read_parquet(u), read_parquet(ref_u), check_exact=True)
        pd.testing.assert_frame_equal(acc, acc1)
        assert int(acc["rows_in"].sum()) == len(recs)
        assert (acc["rows_in"] == acc["placed"] + acc["unmatched"]).all()


def test_geocode_file_with_worker_processes_writes_the_same_files(tmp_path, gaz, tables,  # noqa: F811
                                                                  monkeypatch, caplog) -> None:
    """Two forked workers (stream.workers) placing chunks of 7 rows and scoring fuzzy
    queries in batches of 3 write the files and accounting of one process, and log the
    same institution counts (the workers hand theirs to the parent)."""
    monkeypatch.setattr("stclusters.geocode.fuzzy._BATCH", 3)
    write_parquet(inst_records(registry_rows()), tmp_path / "in.parquet")
    recs = read_parquet(tmp_path / "in.parquet")
    inst, inst_names = tables
    runs = {}
    for workers in (1, 2):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="stclusters"):
            p, u, acc = geocode_chunked(tmp_path, recs, gaz, 7, InstitutionOptions(inst, inst_names),
                                        name=f"w{workers}", workers=workers)
        counts = [r.getMessage() for r in caplog.records if "institutions:" in r.getMessage()
                  or "wrong country" in r.getMessage()]
        runs[workers] = (p.read_bytes(), u.read_bytes(), acc, counts)
    assert runs[1][0] == runs[2][0] and runs[1][1] == runs[2][1]
    pd.testing.assert_frame_equal(runs[1][2], runs[2][2])
    assert runs[1][3] == runs[2][3] and any("by id" in m for m in runs[1][3])
    plain = records()
    runs = [geocode_chunked(tmp_path, plain, gaz, 7, name=f"plain{w}", workers=w)
            for w in (1, 2)]
    assert runs[0][0].read_bytes() == runs[1][0].read_bytes()
    assert (read_parquet(runs[1][0])["geo_method"] == "fuzzy").sum() > 0


def test_geocode_file_out_of_order_records_are_placed_at_once(tmp_path, gaz, caplog) -> None:
    write_parquet(records().sample(frac=1.0, random_state=3), tmp_path / "in.parquet")
    shuffled = read_parquet(tmp_path / "in.parquet")
    with caplog.at_level(logging.WARNING, logger="stclusters"):
        p, u, _ = geocode_chunked(tmp_path, shuffled, gaz, 5, name="shuffled")
    assert "not in record_id order" in caplog.text
    placed, unmatched = geocode(shuffled, *gaz)
    pd.testing.assert_frame_equal(read_parquet(p), placed)
    pd.testing.assert_frame_equal(read_parquet(u), unmatched)


def test_geocode_file_with_a_registry_in_chunks(tmp_path, gaz, tables) -> None:  # noqa: F811
    rows = registry_rows()
    write_parquet(inst_records(rows), tmp_path / "in.parquet")
    recs = read_parquet(tmp_path / "in.parquet")
    reg = InstitutionOptions(*tables)
    placed, unmatched = geocode(recs, *gaz, registry=reg)
    assert (placed["geo_method"] == "affiliation_match").sum() == 6
    for chunk in (2, 5):
        p, u, acc = geocode_chunked(tmp_path, recs, gaz, chunk, registry=reg, name=f"r{chunk}")
        pd.testing.assert_frame_equal(read_parquet(p), placed, check_exact=True)
        pd.testing.assert_frame_equal(read_parquet(u), unmatched, check_exact=True)
        pd.testing.assert_frame_equal(acc, accounting(placed, unmatched))


def test_qa_counts_of_chunks_equal_the_tables_at_once(tmp_path, gaz) -> None:
    placed, unmatched = geocode(records(), *gaz)
    write_parquet(placed, tmp_path / "p.parquet")
    write_parquet(unmatched, tmp_path / "u.parquet")
    want = geocode_qa(placed, unmatched, top_n=5)
    want_m = by_source_method(placed, unmatched, top_countries=3)
    for chunk in (5, 1000):
        counts = qa_counts_files(tmp_path / "p.parquet", tmp_path / "u.parquet", chunk)
        got = geocode_qa(counts, top_n=5)
        for name in want:
            pd.testing.assert_frame_equal(got[name], want[name], check_exact=True)
        pd.testing.assert_frame_equal(by_source_method(counts, top_countries=3), want_m)
    assert want["by_country"]["rows"].sum() == len(placed) + len(unmatched)
    assert want["by_country"]["given_wrong_country"].sum() == 2


# ------------------------------------------------------------------ locations
def placed_rows(n_docs: int = 40, seed: int = 5) -> pd.DataFrame:
    """Geocoded rows of documents of 1-4 rows: two sources, places with missing admin1
    and names, organisations, excluded (coarse) rows, given weights."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 5, n_docs)
    doc = np.repeat(np.arange(n_docs), sizes)
    n = len(doc)
    src = np.where(doc % 3 == 0, "pub", "pct")
    weight = 1.0 / sizes[doc]
    given = rng.random(n) < 0.05
    weight = np.where(given, 2.5, weight)
    pts = np.array([[48.137, 11.575], [48.139, 11.571], [52.52, 13.405], [45.5, -73.56],
                    [35.69, 139.69]])
    k = rng.integers(0, len(pts), n)
    df = pd.DataFrame({
        "record_id": np.arange(n, dtype=np.int64),
        "source": src,
        "doc_id": [f"{s}-{d:03d}" for s, d in zip(src, doc, strict=True)],
        "year": (2017 + doc % 6).astype(np.int32),
        "lat": pts[k, 0] + rng.normal(0, 0.001, n),
        "lon": pts[k, 1] + rng.normal(0, 0.001, n),
        "geo_method": rng.choice(["exact", "given", "fuzzy", "region", "country"], n,
                                 p=[0.4, 0.3, 0.1, 0.1, 0.1]),
        "weight": weight,
        "weight_given": given,
        "geonameid": (100 + k).astype(np.int64),
        "place_name": pd.array(np.where(k == 3, None, np.array(["M", "M2", "B", "X", "T"])[k]),
                               dtype=object),
        "admin1": pd.array(np.where(k == 2, None, "02"), dtype=object),
        "country_iso2": np.array(["DE", "DE", "DE", "CA", "JP"])[k],
        "organization": pd.array(np.where(rng.random(n) < 0.3, None,
                                          rng.choice(["A", "B", "C"], n)), dtype=object),
    })
    df["doc_weight"] = df.groupby(["source", "doc_id"])["weight"].transform("sum")
    return df


def reference_locations(placed: pd.DataFrame, counting: str, round_deg: float,
                        renormalize: bool) -> dict[str, pd.DataFrame]:
    """The locations stage as it was before streaming (one pandas groupby over all rows)."""
    usable = ~placed["geo_method"].isin(["region", "country"]).to_numpy()
    kept = placed.loc[usable].copy()
    if counting == "whole":
        kept["weight"] = np.where(kept["weight_given"], kept["weight"], 1.0)
    elif renormalize:
        s = kept.groupby(["source", "doc_id"], sort=False)["weight"].transform("sum")
        kept["weight"] = kept["weight"] * kept["doc_weight"] / s
    kept["loc_id"] = loc_ids(kept["lat"].to_numpy(), kept["lon"].to_numpy(), round_deg)
    ilat, ilon = grid_index(kept["lat"].to_numpy(), kept["lon"].to_numpy(), round_deg)
    kept["lat_r"], kept["lon_r"] = np.round(ilat * round_deg, 6), np.round(ilon * round_deg, 6)
    keys = ["source", "year", "loc_id"]
    locs = kept.groupby(keys, sort=True).agg(
        lat=("lat_r", "first"), lon=("lon_r", "first"), weight=("weight", "sum"),
        n_records=("record_id", "size"), n_docs=("doc_id", "nunique")).reset_index()
    locs[["n_records", "n_docs"]] = locs[["n_records", "n_docs"]].astype(np.int64)
    places = kept.groupby(keys + ["geonameid", "place_name", "admin1", "country_iso2"],
                          sort=True, dropna=False)["weight"].sum().reset_index()
    orgs = kept.dropna(subset=["organization"]).groupby(
        keys + ["organization"], sort=True)["weight"].sum().reset_index()
    return {"locations": locs, "location_places": places, "organizations": orgs}


@pytest.mark.parametrize("counting,renormalize", [("fractional", True),
                                                  ("fractional", False), ("whole", True)])
def test_locations_file_equals_one_groupby_for_any_chunk_size(tmp_path, counting,
                                                               renormalize) -> None:
    placed = placed_rows()
    path = tmp_path / "placed.parquet"
    write_parquet(placed, path)
    ref = reference_locations(read_parquet(path), counting, 0.01, renormalize)
    at_once = build_locations(read_parquet(path), counting=counting, renormalize=renormalize)
    for name, frame in ref.items():
        pd.testing.assert_frame_equal(at_once[name], frame, check_exact=True)
    acc0 = at_once["accounting"].set_index("source")
    assert (acc0["rows_in"] == acc0["rows_used"] + acc0["rows_excluded_precision"]).all()
    assert acc0["rows_in"].sum() == len(placed)
    assert acc0.loc["pct", "docs_in"] == placed.query("source == 'pct'")["doc_id"].nunique()
    assert acc0["weight_in"].to_numpy() == pytest.approx(
        placed.groupby("source")["weight"].sum().to_numpy(), rel=1e-12)
    for chunk in (1, 7, 10_000):
        got = build_locations_file(path, chunk, counting=counting, renormalize=renormalize)
        for name, frame in at_once.items():
            pd.testing.assert_frame_equal(got[name], frame, check_exact=True)


def test_locations_file_with_split_documents_reads_at_once(tmp_path, caplog) -> None:
    placed = placed_rows(seed=8)
    split = pd.concat([placed.iloc[::2], placed.iloc[1::2]], ignore_index=True)
    path = tmp_path / "split.parquet"
    write_parquet(split, path)
    with caplog.at_level(logging.WARNING, logger="stclusters"):
        got = build_locations_file(path, 4)
        docs = doc_locations_file(path, 4)
    assert "not next to each other" in caplog.text
    want = build_locations(read_parquet(path))
    for name, frame in want.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True)
    pd.testing.assert_frame_equal(docs, doc_locations(read_parquet(path)), check_exact=True)


def test_doc_locations_file_for_any_chunk_size(tmp_path) -> None:
    placed = placed_rows(n_docs=60, seed=11)
    path = tmp_path / "placed.parquet"
    write_parquet(placed, path)
    want = doc_locations(read_parquet(path), round_deg=0.01)
    locs = build_locations(read_parquet(path), round_deg=0.01)["locations"]
    summed = want.groupby(["source", "loc_id"])["weight"].sum()
    assert summed.to_numpy() == pytest.approx(
        locs.groupby(["source", "loc_id"])["weight"].sum().to_numpy(), rel=1e-12)
    for chunk in (1, 3, 10_000):
        pd.testing.assert_frame_equal(doc_locations_file(path, chunk, round_deg=0.01), want,
                                      check_exact=True)
