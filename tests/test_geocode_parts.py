"""Geocoding in parts (stream.geocode_parts): the parts gathered hold the rows, values,
order, schema and accounting of one geocode job over all records, for any number of parts
and any chunk size; the accounting is exact per part and in total, and a missing or
inconsistent part stops the gather naming its file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _tiny import command, snakemake, tiny_run, with_tiny_config
from test_geocode import CASES
from test_geocode_stream import registry_rows
from test_institutions import _records as inst_records
from test_institutions import registry_files, tables  # noqa: F401  (fixtures)

from stclusters.geocode.gazetteer import build_gazetteer
from stclusters.geocode.parts import (
    PartFiles,
    PartsError,
    gather_parts,
    geocode_part,
    part_bounds,
    source_rows,
)
from stclusters.geocode.pipeline import Geocoder, InstitutionOptions
from stclusters.geocode.stream import geocode_file
from stclusters.io import iter_parquet_tables, read_parquet, write_csv


@pytest.fixture(scope="module")
def gaz() -> tuple[pd.DataFrame, pd.DataFrame]:
    return build_gazetteer(min_population=15000)


def records() -> pd.DataFrame:
    """Address rows of every kind, with institution ids and affiliation texts, in
    record_id order: the key "Bostn, MA" is first used by a row placed by its institution
    id (it is not needed there) and later by rows without one (fuzzy-matched there); the
    source vc has two rows only (most parts have none)."""
    rows = [{"institution_id": "https://ror.org/00rcxh774", "city": "Bostn", "region": "MA",
             "country": "US"}]
    rows += [{"city": c, "region": r, "country": k} for c, r, k, _, _ in CASES]
    rows += [
        {"city": "Munich", "country": "DE", "lat": 48.14, "lon": 11.58},
        {"city": "Munich", "country": "DE", "lat": 11.58, "lon": 48.14},  # swapped
        {"city": "Munich", "country": "DE", "lat": 48.86, "lon": 2.35},  # wrong country
        {"city": "Springfield", "country": "US", "postal_code": "01103"},
        {"city": None, "country": "DE"},
        {"city": "Foo", "country": "Narnia"},
        {"city": "Xqzvbw", "region": "CA", "country": "US"},
    ]
    rows += registry_rows()
    rows += [{"city": "Bostn", "region": "MA", "country": "US"}] * 2
    df = inst_records(rows)
    df["source"] = np.where(np.arange(len(df)) % 2 == 0, "pct", "pub")
    df.loc[[3, len(df) - 4], "source"] = "vc"
    return df


def write_records(df: pd.DataFrame, path: Path, row_group_rows: int = 5) -> Path:
    """The records as the extract writes them, in row groups of ``row_group_rows`` rows."""
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None),
                   path, row_group_size=row_group_rows)
    return path


def geocoder(gaz, tables) -> Geocoder:  # noqa: F811
    """The geocoder with the institution registry (``tables`` None: without)."""
    return Geocoder(*gaz, registry=InstitutionOptions(*tables) if tables else None)


def one_job(tmp_path: Path, src: Path, gaz, tables, chunk_rows: int) -> dict:  # noqa: F811
    d = tmp_path / f"one_{chunk_rows}"
    d.mkdir()
    acc = geocode_file(src, d / "records.parquet", d / "unmatched.parquet",
                       geocoder(gaz, tables), chunk_rows=chunk_rows)
    return {"placed": d / "records.parquet", "unmatched": d / "unmatched.parquet", "acc": acc}


def in_parts(tmp_path: Path, src: Path, gaz, tables, n_parts: int,  # noqa: F811
             chunk_rows: int) -> tuple[dict, list[PartFiles]]:
    """Every part geocoded alone (as the geocode_part jobs), then gathered (as geocode)."""
    root = tmp_path / f"parts_{n_parts}_{chunk_rows}"
    parts = []
    for k in range(n_parts):
        d = root / "parts" / str(k)
        d.mkdir(parents=True)
        f = PartFiles(d / "records.parquet", d / "unmatched.parquet", d / "accounting.csv")
        acc = geocode_part(src, f.placed, f.unmatched, geocoder(gaz, tables),
                           chunk_rows=chunk_rows, part=k, n_parts=n_parts)
        write_csv(acc, f.accounting)
        parts.append(f)
    acc = gather_parts(src, parts, root / "records.parquet", root / "unmatched.parquet",
                       chunk_rows=chunk_rows)
    return {"placed": root / "records.parquet", "unmatched": root / "unmatched.parquet",
            "acc": acc}, parts


def assert_same_files(got: dict, ref: dict) -> None:
    """The same schema, rows, values and order; the same accounting file."""
    for name in ("placed", "unmatched"):
        assert pq.read_schema(got[name]) == pq.read_schema(ref[name]), name
        pd.testing.assert_frame_equal(read_parquet(got[name]), read_parquet(ref[name]),
                                      check_exact=True)
    csv = {}
    for key, run in (("got", got), ("ref", ref)):
        csv[key] = run["placed"].parent / f"accounting_{key}.csv"
        write_csv(run["acc"], csv[key])
    assert csv["got"].read_bytes() == csv["ref"].read_bytes()


@pytest.mark.parametrize(("n_rows", "n_parts"), [(10, 1), (10, 3), (9, 3), (2, 5), (0, 4),
                                                 (50_000_000, 8)])
def test_part_bounds_cover_every_row_once_in_order(n_rows, n_parts):
    bounds = part_bounds(n_rows, n_parts)
    assert len(bounds) == n_parts
    assert bounds[0][0] == 0 and bounds[-1][1] == n_rows
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    sizes = [stop - start for start, stop in bounds]
    assert min(sizes) >= 0 and max(sizes) - min(sizes) <= 1 and sum(sizes) == n_rows


def test_iter_row_range_reads_a_slice_across_row_groups(tmp_path):
    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"a": np.arange(100)}), path, row_group_size=13)
    for start, stop, chunk in [(0, 100, 7), (5, 50, 10), (13, 26, 3), (99, 100, 5),
                               (40, 40, 3), (90, 120, 50), (26, 27, 1)]:
        pieces = list(iter_parquet_tables(path, chunk, rows=(start, stop)))
        got = [v for t in pieces for v in t.column("a").to_pylist()]
        assert got == list(range(start, min(stop, 100)))
        assert all(0 < t.num_rows <= chunk for t in pieces)


def test_source_rows_per_range(tmp_path):
    recs = records()
    src = write_records(recs, tmp_path / "in.parquet")
    bounds = part_bounds(len(recs), 3)
    got = source_rows(src, bounds, chunk_rows=4)
    for (start, stop), counts in zip(bounds, got, strict=True):
        assert counts == recs["source"].iloc[start:stop].value_counts().to_dict()


@pytest.mark.parametrize("chunk_rows", [3, 1000])
def test_parts_gathered_equal_one_job(tmp_path, gaz, tables, chunk_rows):  # noqa: F811
    """1, 2, 3 and 7 parts (7: more parts than vc rows, parts without vc; chunks of 3
    rows: several chunks per part, slices across row groups of 5): the rows, values,
    order, schema and accounting of one job; each part's accounting exact."""
    recs = records()
    src = write_records(recs, tmp_path / "in.parquet")
    ref = one_job(tmp_path, src, gaz, tables, chunk_rows)
    placed = read_parquet(ref["placed"])
    # the run exercises what could differ between parts: fuzzy and fallback keys, given
    # coordinates (swapped, wrong country), institutions by id and by text, ZIP codes
    assert {"given", "exact", "fuzzy", "country", "institution",
            "affiliation_match"} <= set(placed["geo_method"])
    bostn = placed.loc[placed["city"] == "Bostn", "geo_method"].tolist()
    assert bostn[0] == "institution" and set(bostn[1:]) == {"fuzzy"}
    assert (placed["coord_status"] == "swapped").sum() == 1
    assert (placed["coord_status"] == "wrong_country").sum() == 1
    assert set(ref["acc"]["source"]) == {"pct", "pub", "vc"}
    for n_parts in (1, 2, 3, 7):
        got, parts = in_parts(tmp_path, src, gaz, tables, n_parts, chunk_rows)
        assert_same_files(got, ref)
        bounds = part_bounds(len(recs), n_parts)
        for f, (start, stop) in zip(parts, bounds, strict=True):
            acc = pd.read_csv(f.accounting)
            assert (acc["rows_in"] == acc["placed"] + acc["unmatched"]).all()
            assert int(acc["rows_in"].sum()) == stop - start
            assert pq.read_metadata(f.placed).num_rows == int(acc["placed"].sum())
            ids = np.concatenate([read_parquet(f.placed)["record_id"].to_numpy(),
                                  read_parquet(f.unmatched)["record_id"].to_numpy()])
            assert sorted(ids) == list(range(start, stop))
        if n_parts == 7:  # parts without a vc row
            assert sum("vc" not in pd.read_csv(f.accounting)["source"].tolist()
                       for f in parts) >= 5


@pytest.mark.parametrize("with_registry", [False, True])
def test_parts_with_empty_parts_and_no_rows(tmp_path, gaz, tables, with_registry):  # noqa: F811
    """More parts than rows: empty parts leave no trace in the gathered files; records
    without rows gather into the files of one job over them, with or without the
    institution registry (whose affiliation pass once failed on a chunk of no rows)."""
    tables = tables if with_registry else None
    recs = records().iloc[:3].reset_index(drop=True)
    src = write_records(recs, tmp_path / "few.parquet")
    got, parts = in_parts(tmp_path, src, gaz, tables, 6, 2)
    assert sum(pq.read_metadata(f.placed).num_rows + pq.read_metadata(f.unmatched).num_rows
               == 0 for f in parts) == 3
    assert_same_files(got, one_job(tmp_path, src, gaz, tables, 2))
    empty = tmp_path / "empty"
    empty.mkdir()
    src = write_records(recs.iloc[:0], empty / "none.parquet")
    got, _ = in_parts(empty, src, gaz, tables, 3, 2)
    ref = one_job(empty, src, gaz, tables, 2)
    assert len(read_parquet(got["placed"])) == len(ref["acc"]) == 0
    assert_same_files(got, ref)


def test_gather_stops_on_a_missing_or_inconsistent_part(tmp_path, gaz, tables):  # noqa: F811
    recs = records()
    src = write_records(recs, tmp_path / "in.parquet")
    _, parts = in_parts(tmp_path, src, gaz, tables, 3, 1000)
    out = tmp_path / "out"
    out.mkdir()

    def gather(ps):
        return gather_parts(src, ps, out / "records.parquet", out / "unmatched.parquet", 1000)

    missing = tmp_path / "missing"
    shutil.copytree(parts[1].placed.parent, missing)
    (missing / "unmatched.parquet").unlink()
    with pytest.raises(PartsError, match=str(missing / "unmatched.parquet")):
        gather([parts[0], PartFiles(*(missing / p.name for p in (parts[1].placed,
                                                                 parts[1].unmatched,
                                                                 parts[1].accounting))),
                parts[2]])
    # a part's accounting that does not add up
    bad = tmp_path / "bad.csv"
    acc = pd.read_csv(parts[2].accounting)
    acc.loc[0, "placed"] += 1
    write_csv(acc, bad)
    with pytest.raises(PartsError, match="bad.csv.*rows_in"):
        gather([parts[0], parts[1], PartFiles(parts[2].placed, parts[2].unmatched, bad)])
    # parts of another part count: the rows per source of their ranges differ
    with pytest.raises(PartsError, match="accounting.csv"):
        gather(parts[:2])
    # parts in the wrong order
    with pytest.raises(PartsError):
        gather([parts[1], parts[0], parts[2]])
    assert not (out / "records.parquet").exists() and not (out / "unmatched.parquet").exists()
    # a part that lost rows of its range
    short = tmp_path / "short"
    shutil.copytree(parts[0].placed.parent, short)
    t = pq.read_table(short / "records.parquet")
    pq.write_table(t.slice(1), short / "records.parquet")
    with pytest.raises(PartsError, match="short.*records.parquet"):
        gather([PartFiles(short / "records.parquet", short / "unmatched.parquet",
                          short / "accounting.csv"), parts[1], parts[2]])


def test_gather_stops_on_records_out_of_record_id_order(tmp_path, gaz, tables):  # noqa: F811
    """Each part sorts its rows by record_id; parts whose ranges interleave cannot give
    one job's order, so the gather stops (one job then places them in memory)."""
    recs = records()
    recs["record_id"] = recs["record_id"].to_numpy()[::-1]
    src = write_records(recs, tmp_path / "in.parquet")
    with pytest.raises(PartsError, match="not in record_id order"):
        in_parts(tmp_path, src, gaz, tables, 2, 1000)
    # one part: the rows of one job (in memory at once, sorted)
    got, _ = in_parts(tmp_path, src, gaz, tables, 1, 1000)
    assert_same_files(got, one_job(tmp_path, src, gaz, tables, 1000))


#: the rules before geocoding, which the run in parts reuses from the tiny scenario's run
UPSTREAM = {"demo_world", "extract", "check_data", "gazetteer", "institutions"}
RANKINGS = ["results/ranking/gii2024/clusters.csv", "results/ranking/gii2025/clusters.csv"]


@pytest.mark.slow
def test_workflow_in_three_parts_gives_the_geocoding_and_rankings_of_one_job(
        tmp_path, tmp_path_factory):
    """The tiny scenario with stream.geocode_parts 3, from the session run's extract: three
    geocode_part jobs and the gather, then the stages to two rankings; the geocoded files
    hold the one-job run's rows, values and order, the accounting and rankings its bytes."""
    ref = tiny_run(tmp_path_factory)
    work = with_tiny_config(tmp_path / "parts")
    (work / "parts.yaml").write_text("stream:\n  geocode_parts: 3\n", encoding="utf-8")
    for sub in ("results/demo", "results/extract", "results/gazetteer"):
        shutil.copytree(ref / sub, work / sub)  # modification times kept: nothing to redo
    (work / "results/geocode").mkdir()
    for name in ("institutions.parquet", "institution_names.parquet"):
        shutil.copy2(ref / "results/geocode" / name, work / "results/geocode" / name)
    configs = ["--configfile", str(work / "config.yaml"), str(work / "parts.yaml")]
    cmd, env = command(work, "--list-rules", *configs)
    rules = subprocess.run(cmd, capture_output=True, text=True, env=env,
                           check=True).stdout.split()
    assert {"geocode", "geocode_part"} <= set(rules)
    proc = snakemake(work, *configs, "--allowed-rules", *sorted(set(rules) - UPSTREAM), "--",
                     *RANKINGS)
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert sorted(p.name for p in (work / "results/geocode/parts").iterdir()) == ["0", "1", "2"]
    got = {"placed": work / "results/geocode/records.parquet",
           "unmatched": work / "results/geocode/unmatched.parquet"}
    for name, path in got.items():
        want = ref / "results/geocode" / path.name
        assert pq.read_schema(path) == pq.read_schema(want), name
        pd.testing.assert_frame_equal(read_parquet(path), read_parquet(want), check_exact=True)
    for rel in ["results/geocode/accounting.csv", *RANKINGS]:
        assert (work / rel).read_bytes() == (ref / rel).read_bytes(), rel
