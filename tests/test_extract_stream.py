"""The extract stage streamed: chunk size changes nothing, weights of documents split
over chunks, bad rows of a late chunk with their file and row, check_data streamed."""

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from stclusters.extract import ExtractError, assign_weights, validate
from stclusters.extract.contract import document_weights
from stclusters.extract.readers.generic import iter_generic, read_raw_with_bad
from stclusters.extract.stage import (
    check_data,
    check_year_counts,
    extract_with_lines,
    year_counts_of_file,
)
from stclusters.extract.stream import extract_streamed

HEADER = "source,doc_id,year,city,region,postal_code,country,lat,lon,organization,weight"
CITIES = [("Munich", "", "DE"), ("Paris", "", "FR"), ("Tokyo", "", "JP"),
          ("Boston", "MA", "US"), ("Seoul", "", "KR"), ("Shenzhen", "", "CN")]


def rows(n: int) -> list[str]:
    """``n`` valid rows; documents of 1 to 4 rows scattered over the file (doc ``D<k>``
    for row i is ``i % 11``: its rows are 11 apart, never contiguous)."""
    out = []
    for i in range(n):
        city, region, cc = CITIES[i % len(CITIES)]
        source = "pct" if (i % 11) % 2 == 0 else "pub"
        out.append(f"{source},D{i % 11},{2015 + i % 8},{city},{region},,{cc},,,Org {i},")
    return out


def broken(n: int = 40) -> list[str]:
    """Rows with bad ones spread over the file (rows are 1-based: row k is index k-1)."""
    r = rows(n)
    r[2] = r[2].replace(",2017,", ",20x7,")  # row 3: bad_year
    r[4] = r[4].replace("Seoul", '"Seoul\nGangnam"')  # row 5: two-line field (lines 5-6)
    r[16] = "pct,Q2,2020,Tokyo"  # row 18 (chunk 3 at 7 rows a chunk): bad_line
    r[17] = r[17].replace("Org 17,", "Org 17,2.5")  # row 19: a given weight
    r[20] = r[20].replace("Org 20,", "Org 20,-1")  # row 22: bad_weight
    r[30] = 'pct,Q1,2020,"Munich,,DE,,,Org,'  # row 32: a quote never closed
    r[33] = ""  # row 35: blank
    return r


def write(path, lines, header=HEADER):
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode("utf-8"))
    return str(path)


@pytest.fixture
def inputs(tmp_path):
    csv1 = write(tmp_path / "a.csv", broken())
    tsv = tmp_path / "b.tsv"
    tsv.write_text("\n".join([HEADER.replace(",", "\t")]
                             + [r.replace(",", "\t") for r in rows(23)]) + "\n")
    frame = pd.DataFrame([r.split(",") for r in rows(30)], columns=HEADER.split(","))
    frame["year"] = pd.array([2016 + i % 5 if i != 4 else None for i in range(30)],
                             dtype="Int64")
    frame["institution_id"] = [f"I{i}" for i in range(30)]
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "c.parquet")
    return [{"path": csv1}, {"path": str(tsv)}, {"path": str(tmp_path / "c.parquet")}]


def reference(inputs):
    """Records the way the stage computed them before streaming: every input read whole,
    validated, concatenated, weighted at once."""
    recs = []
    for entry in inputs:
        raw, _ = read_raw_with_bad(entry["path"])
        rec, _ = validate(raw, entry["path"])
        recs.append(rec)
    return assign_weights(pd.concat(recs, ignore_index=True))


@pytest.mark.parametrize(("chunk_rows", "bucket_rows"), [(7, 5), (4, None), (13, 1)])
def test_chunk_size_and_buckets_change_nothing(inputs, chunk_rows, bucket_rows):
    whole = extract_with_lines(inputs, chunk_rows=10**6)
    small = extract_with_lines(inputs, chunk_rows=chunk_rows, bucket_rows=bucket_rows)
    for a, b in zip(whole, small, strict=True):
        pd.testing.assert_frame_equal(a, b)
    records, rejects, acc, lines = small
    assert (records["record_id"] == np.arange(len(records))).all()
    assert acc["rows_in"].sum() == len(records) + len(rejects) == 39 + 23 + 30
    assert lines["balanced"].all()
    assert lines["lines_in"].tolist() == [41, 23, 30]


def test_weights_are_the_bits_of_the_whole_table(inputs):
    records, _, _, _ = extract_with_lines(inputs, chunk_rows=3, bucket_rows=4)
    ref = reference(inputs)
    assert len(ref) == len(records)
    for col in ("weight", "doc_weight"):
        assert np.array_equal(records[col].to_numpy(), ref[col].to_numpy())
    assert records["weight_given"].tolist() == ref["weight_given"].tolist()
    # doc_weight: the exact sum of the document's weights, rounded once
    exact = records.groupby(["source", "doc_id"])["weight"].transform(math.fsum)
    assert np.array_equal(records["doc_weight"].to_numpy(), exact.to_numpy())


def test_document_weights_depend_on_neither_row_order_nor_other_rows():
    rng = np.random.default_rng(5)
    sizes = rng.integers(1, 30, 400)
    keys = pd.DataFrame({"source": "pub", "doc_id": np.repeat(
        [f"W{i}" for i in range(400)], sizes)})
    given = np.where(rng.random(len(keys)) < 0.05, rng.random(len(keys)) * 3, np.nan)
    w, dw = document_weights(keys, given)
    perm = rng.permutation(len(keys))
    w2, dw2 = document_weights(keys.iloc[perm].reset_index(drop=True), given[perm])
    assert np.array_equal(w[perm], w2) and np.array_equal(dw[perm], dw2)
    one = (keys["doc_id"] == "W7").to_numpy()
    _, alone = document_weights(keys[one], given[one])
    assert np.array_equal(alone, dw[one])
    plain = ~pd.Series(~np.isnan(given)).groupby(keys["doc_id"]).transform("any")
    n = np.repeat(sizes, sizes)[plain.to_numpy()]
    assert np.array_equal(dw[plain.to_numpy()], n * (1.0 / n))


def test_a_document_split_over_chunks_and_files_gets_its_share(inputs):
    records, _, _, _ = extract_with_lines(inputs, chunk_rows=4, bucket_rows=3)
    # D3 (pub) has rows 4, 16, 27, 38 of a.csv, 4, 15 of b.tsv and 4, 15, 26 of
    # c.parquet: nine rows in six chunks of three files
    d3 = records[(records["doc_id"] == "D3") & (records["source"] == "pub")]
    assert d3["input_row"].tolist() == [4, 16, 27, 38, 4, 15, 4, 15, 26]
    assert (d3["weight"] == 1 / 9).all() and np.allclose(d3["doc_weight"], 1.0)
    # D6 (pct): nine rows, one of them (a.csv row 19) with the given weight 2.5
    d6 = records[(records["doc_id"] == "D6") & (records["source"] == "pct")]
    given = d6["input_file"].str.endswith("a.csv") & (d6["input_row"] == 19)
    assert len(d6) == 9 and d6.loc[given, "weight"].tolist() == [2.5]
    assert d6["weight_given"].tolist() == given.tolist()
    assert (d6.loc[~given, "weight"] == 1 / 9).all()
    assert d6["doc_weight"].nunique() == 1
    assert d6["doc_weight"].iloc[0] == pytest.approx(2.5 + 8 / 9)


def test_bad_rows_of_chunk_3_keep_their_file_and_row(inputs):
    _, rejects, _, _ = extract_with_lines(inputs, chunk_rows=7)
    first = rejects[rejects["input_file"] == inputs[0]["path"]]
    assert first[["input_row", "reason"]].values.tolist() == [
        [3, "bad_year"], [18, "bad_line"], [22, "bad_weight"], [32, "bad_quote"]]
    assert first.set_index("input_row").loc[18, "detail"] == "4 field(s); the header has 11"
    parquet = rejects[rejects["input_file"] == inputs[2]["path"]]
    assert parquet[["input_row", "reason"]].values.tolist() == [[5, "bad_year"]]


def test_on_bad_row_error_stops_at_the_first_bad_row_of_chunk_3(tmp_path):
    r = rows(30)
    r[16] = "pct,Q2,2020,Tokyo"  # row 17: chunk 3 at 7 rows a chunk
    r[25] = r[25].replace(",2018,", ",20x8,")  # row 26: later
    path = write(tmp_path / "late.csv", r)
    with pytest.raises(ExtractError) as err:
        extract_with_lines([{"path": path}], on_bad_row="error", chunk_rows=7)
    assert str(err.value) == f"{path}: row 17: bad_line: 4 field(s); the header has 11"


def test_parquet_rows_are_numbered_across_batches_and_keep_integer_text(inputs):
    lines: dict = {}
    chunks = list(iter_generic(inputs[2]["path"], chunk_rows=7, lines=lines))
    assert [len(f) for f, _ in chunks] == [7, 7, 7, 7, 2]
    assert np.concatenate([f["_source_row"] for f, _ in chunks]).tolist() == list(
        range(1, 31))
    assert chunks[0][0]["year"].astype("string").tolist()[:5] == [
        "2016", "2017", "2018", "2019", pd.NA]
    assert lines["lines"] == 30


def test_records_have_a_row_group_per_chunk(inputs, tmp_path):
    summary = extract_streamed(inputs, tmp_path / "out/records.parquet",
                               tmp_path / "out/rejects.parquet", chunk_rows=20)
    meta = pq.ParquetFile(tmp_path / "out/records.parquet").metadata
    assert meta.num_rows == summary.rows_used == 87
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [
        20, 20, 20, 20, 7]
    assert summary.reasons == {"bad_line": 1, "bad_quote": 1, "bad_weight": 1,
                               "bad_year": 2}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "records.parquet", "rejects.parquet"]  # temporaries removed


def test_check_data_streamed_is_check_data(inputs, tmp_path):
    extract_streamed(inputs, tmp_path / "records.parquet", tmp_path / "rejects.parquet",
                     chunk_rows=6)
    records = pd.read_parquet(tmp_path / "records.parquet")
    counts = year_counts_of_file(tmp_path / "records.parquet", chunk_rows=5)
    assert counts.sum() == len(records)
    variants = {"v": {"sources": ["pct", "pub", "vc"],
                      "windows": {s: {"current": [2016, 2018]} for s in ("pct", "pub", "vc")}}}
    notes = check_year_counts(counts, variants)
    assert notes == check_data(records, variants)
    assert notes == ["variant v: no usable vc row in the data; vc has no cluster and the "
                     "variant is ranked on the other sources"]


def test_the_hash_only_spreads_documents_over_buckets(inputs, monkeypatch):
    import stclusters.extract.stream as stream

    honest = extract_with_lines(inputs, chunk_rows=6, bucket_rows=10)[0]
    # every key the same hash: one bucket of all documents, still told apart exactly
    monkeypatch.setattr(stream, "_key_hash",
                        lambda source, doc_id: np.zeros(len(doc_id), np.uint64))
    colliding = extract_with_lines(inputs, chunk_rows=6, bucket_rows=10)[0]
    pd.testing.assert_frame_equal(honest, colliding)
    h = stream._text_hash(pa.array(["W1", "W2", "https://openalex.org/W1", "W1", ""]))
    assert h[0] == h[3] and len(set(h.tolist())) == 4
