"""The PatentsView and Crunchbase readers chunked (iter_patentsview, iter_crunchbase):
their chunks joined are the whole reader's frame, bad rows and line counts, whatever the
chunk and the parser's block size; deal ids numbered across chunks; the extract stage
the same at two rows a chunk; the real files read both ways."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _realdata import REALDATA

from stclusters.extract.contract import LINES_ATTR, ROW_COLUMN, ExtractError
from stclusters.extract.formats import FORMATS, iter_extract_with_bad
from stclusters.extract.readers import _delimited
from stclusters.extract.readers.crunchbase import (
    LAYOUTS,
    deal_ids,
    iter_crunchbase,
    read_crunchbase,
)
from stclusters.extract.readers.patentsview import (
    _organizations,
    _years,
    iter_patentsview,
    layout_of,
    read_patentsview,
)
from stclusters.extract.stage import extract_with_lines

# ----------------------------------------------------------------- helpers
ROUNDS = ("company_permalink,company_name,company_country_code,company_state_code,"
          "company_city,funding_round_permalink,funding_round_type,funded_at,funded_year")


def crunchbase_file(path: Path) -> Path:
    """A 2015-layout rounds export: deals sharing ``company@date@type`` keys spread over
    the file (some with their own permalink, which still counts in the key's numbering),
    a blank company (keyed by its row), a short line, a quote never closed, a blank line,
    a year only in ``funded_year``."""
    rows = []
    for i in range(30):
        company = f"/company/c{i % 4}"
        own = f"/funding-round/r{i}" if i % 5 == 0 else ""
        kind = "angel" if i % 3 else "seed"
        date = f"2012-0{1 + i % 2}-05" if i != 7 else ""
        rows.append(f"{company},C{i % 4},USA,CA,Palo Alto,{own},{kind},{date},"
                    f"{2012 if i == 7 else ''}")
    rows[9] = ",Nameless,USA,CA,Palo Alto,,angel,2012-02-05,"  # blank company
    rows[11] = "/company/c3,C3,USA"  # row 12: bad_line
    rows[18] = '/company/c2,"C2,USA,CA,Palo Alto,,angel,2012-01-05,'  # row 19: bad_quote
    rows[23] = ""  # row 24: blank
    path.write_text("\n".join([ROUNDS, *rows]) + "\n", encoding="utf-8")
    return path


def tsv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """A PatentsView-style TSV: every value double-quoted, tab-separated."""
    def q(v: object) -> str:
        return '"' + str(v).replace('"', '""') + '"'

    lines = ["\t".join(q(h) for h in header)] + ["\t".join(q(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def patentsview_folder(d: Path) -> Path:
    """Grants: patents with 1 to 3 inventors (rows of one patent split across chunks),
    bad inventor lines in the middle, a patent twice in g_patent (the first year wins),
    one absent from it, a location absent, assignees out of sequence order, without an
    organization, with a sequence that is not a number, tied sequences."""
    d.mkdir()
    inventors = []
    for p in range(12):
        for s in range(1 + p % 3):
            inventors.append([f"1000{p:04d}", s, f"inv{p}-{s}", f"loc{(p + s) % 5}"])
    inventors[4][3] = "loc-missing"
    inventors.append(["99999999", 0, "nobody", "loc1"])  # no g_patent row
    tsv(d / "g_inventor_disambiguated.tsv",
        ["patent_id", "inventor_sequence", "inventor_id", "location_id"], inventors)
    text = (d / "g_inventor_disambiguated.tsv").read_text(encoding="utf-8").splitlines()
    text.insert(6, '"10000003"\t"1"\t"broken"')  # data row 6: bad_line
    text.insert(15, "")  # blank
    text.insert(17, '"10000007"\t"0"\t"inv7-0\tloc1')  # a quote never closed
    (d / "g_inventor_disambiguated.tsv").write_text("\n".join(text) + "\n", encoding="utf-8")
    tsv(d / "g_location_disambiguated.tsv",
        ["location_id", "disambig_city", "disambig_state", "disambig_country", "latitude",
         "longitude"],
        [[f"loc{i}", f"City {i}", "ST" if i % 2 else "", "US" if i % 2 else "DE",
          f"{40 + i}.5", f"{-70 - i}.25"] for i in range(5)])
    patents = [[f"1000{p:04d}", "utility", f"{2010 + p % 7}-03-0{1 + p % 9}"]
               for p in range(12)]
    patents.insert(5, ["10000002", "utility", "1999-01-01"])  # a duplicate: first wins
    patents[8][2] = ""  # a patent without a date
    tsv(d / "g_patent.tsv", ["patent_id", "patent_type", "patent_date"], patents)
    tsv(d / "g_assignee_disambiguated.tsv",
        ["patent_id", "assignee_sequence", "disambig_assignee_organization"], [
            ["10000001", 1, "Second"], ["10000001", 0, "First"],
            ["10000002", 0, " "], ["10000002", 1, "Named"],
            ["10000004", "x", "Not a number"], ["10000004", 3, "Three"],
            ["10000005", 2, "Tie A"], ["10000005", 2, "Tie B"],
            ["10000006", "", "Only blank seq"], ["10000009", 0, "Nine"],
            ["10000011", 0, "Eleven"], ["99999999", 0, "No patent"],
        ])
    return d


@pytest.fixture
def small_blocks(monkeypatch):
    """The delimited parser reading 64-byte blocks: many frames per file, quotes
    carried across blocks."""
    monkeypatch.setattr(_delimited, "BLOCK", 64)


def chunked(it, lines: dict) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    frames, bads = [], []
    for frame, bad in it:
        frames.append(frame)
        bads.append(bad)
    return frames, bads


def by_row(bad: pd.DataFrame) -> pd.DataFrame:
    return plain(bad.sort_values("input_row", kind="stable"))


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as objects, missing as None: a chunk whose text column is all
    missing holds objects, a piece of a larger one pandas' text dtype; the values are
    what counts (the stage writes them as Arrow text either way)."""
    out = df.reset_index(drop=True).copy()
    for c in out.columns:
        if c not in (ROW_COLUMN, "input_row"):
            v = out[c].to_numpy(dtype=object)
            out[c] = pd.Series(np.where(pd.isna(v), None, v), dtype=object)
    return out


def assert_chunks_are_the_whole(frames, bads, whole, whole_bad, lines, chunk_rows):
    """The chunks joined are the whole frame (rows, values, dtypes), the bad rows the
    whole reader's, each chunk ``chunk_rows`` rows (the last fewer) and its bad rows
    within its stretch of the file; the line counts the same."""
    joined = pd.concat(frames, ignore_index=True)
    pd.testing.assert_frame_equal(plain(joined), plain(whole))
    pd.testing.assert_frame_equal(by_row(pd.concat(bads, ignore_index=True)),
                                  by_row(whole_bad))
    assert lines == whole.attrs[LINES_ATTR]
    sizes = [len(f) for f in frames]
    assert all(n == chunk_rows for n in sizes[:-1]) and 0 < sizes[-1] <= chunk_rows
    last = 0
    for frame, bad in zip(frames, bads, strict=True):
        end = int(frame[ROW_COLUMN].iloc[-1])
        assert ((bad["input_row"] > last) & (bad["input_row"] <= max(end, last))).all() \
            or frame is frames[-1]
        last = end


# ----------------------------------------------------------------- crunchbase
@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 7])
@pytest.mark.parametrize("blocks", [False, True])
def test_crunchbase_chunks_joined_are_the_whole_file(tmp_path, request, chunk_rows, blocks):
    path = crunchbase_file(tmp_path / "rounds.csv")
    whole, whole_bad = read_crunchbase(path, "vc")
    assert set(whole_bad["reason"]) == {"bad_line", "bad_quote"}
    if blocks:
        request.getfixturevalue("small_blocks")
    lines: dict[str, object] = {}
    frames, bads = chunked(iter_crunchbase(path, "vc", chunk_rows=chunk_rows, lines=lines),
                           lines)
    assert len(frames) > 1
    assert_chunks_are_the_whole(frames, bads, whole, whole_bad, lines, chunk_rows)
    assert lines["layout"] == "2013/2015 funding rounds"
    # the numbering ran across chunks: keys seen in several chunks
    ids = pd.concat(frames)["doc_id"]
    assert ids.is_unique and ids.str.endswith("#4").any()


def test_crunchbase_deal_ids_carried_block_by_block_equal_the_whole_file(tmp_path):
    df = pd.DataFrame({
        "company_permalink": ["a", "a", "b", "a", "", "a", "a", "b"],
        "funding_round_permalink": ["", "r1", "", "", "", "", "", "r9"],
        "funding_round_type": ["angel"] * 6 + ["seed", "angel"],
        "funded_at": ["2012"] * 8,
        ROW_COLUMN: np.arange(1, 9),
    })
    lay = LAYOUTS["funded_at"]
    whole = deal_ids(df, lay, df["funded_at"])
    assert whole.tolist() == ["a@2012@angel#1", "r1", "b@2012@angel#1", "a@2012@angel#3",
                              "row5@2012@angel#1", "a@2012@angel#4", "a@2012@seed#1", "r9"]
    for cuts in ([1, 4], [3], [2, 3, 5, 6, 7]):
        seen: dict[str, int] = {}
        bounds = [0, *cuts, len(df)]
        parts = [deal_ids(p, lay, p["funded_at"], seen)
                 for p in (df.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True))]
        assert pd.concat(parts).tolist() == whole.tolist()
        assert seen["a@2012@angel"] == 4 and seen["b@2012@angel"] == 2


def test_crunchbase_chunked_errors_name_the_file(tmp_path):
    head = tmp_path / "head.csv"
    head.write_text(ROUNDS + "\n", encoding="utf-8")
    it = iter_crunchbase(head, "vc", chunk_rows=2)
    first, bad = next(it)  # the columns come first, the error at the end
    assert len(first) == 0 and len(bad) == 0
    with pytest.raises(ExtractError, match=r"head\.csv: file has a header but no data rows"):
        next(it)
    other = tmp_path / "other.csv"
    other.write_text("company_city,company_country_code\nParis,FRA\n", encoding="utf-8")
    with pytest.raises(ExtractError, match=r"other\.csv: not a Crunchbase"):
        next(iter_crunchbase(other, "vc", chunk_rows=1))
    with pytest.raises(ExtractError, match=r"nope\.csv"):
        next(iter_crunchbase(tmp_path / "nope.csv", "vc"))


# ----------------------------------------------------------------- patentsview
@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 5])
@pytest.mark.parametrize("blocks", [False, True])
def test_patentsview_chunks_joined_are_the_whole_folder(tmp_path, request, chunk_rows,
                                                        blocks):
    folder = patentsview_folder(tmp_path / "pv")
    whole, whole_bad = read_patentsview(folder, "pct")
    assert set(whole_bad["reason"]) == {"bad_line", "bad_quote"}
    if blocks:
        request.getfixturevalue("small_blocks")
    lines: dict[str, object] = {}
    frames, bads = chunked(iter_patentsview(folder, "pct", chunk_rows=chunk_rows,
                                            lines=lines), lines)
    assert len(frames) > 1
    assert_chunks_are_the_whole(frames, bads, whole, whole_bad, lines, chunk_rows)
    assert lines["layout"] == "grants"


def test_patentsview_lookups_are_the_tables_joined(tmp_path, small_blocks):
    """Year: of the first row of a patent; organization: of the lowest assignee sequence
    naming one (not a number: last; ties: the first in the file); checked against the
    tables joined with pandas, for every patent and one absent."""
    folder = patentsview_folder(tmp_path / "pv")
    lay = layout_of(folder)
    pat = pd.read_csv(folder / "g_patent.tsv", sep="\t", dtype=str, keep_default_na=False)
    asg = pd.read_csv(folder / "g_assignee_disambiguated.tsv", sep="\t", dtype=str,
                      keep_default_na=False)
    keys = np.array([*pat["patent_id"], *asg["patent_id"], "12345"], dtype=object)
    first = pat.drop_duplicates("patent_id").set_index("patent_id")["patent_date"].str[:4]
    want_year = [first.get(k) or None for k in keys]
    asg = asg[asg["disambig_assignee_organization"].str.strip() != ""]
    asg = asg.assign(seq=pd.to_numeric(asg["assignee_sequence"], errors="coerce"))
    best = asg.sort_values(["patent_id", "seq"], kind="stable").drop_duplicates("patent_id")
    want_org = [best.set_index("patent_id")["disambig_assignee_organization"].get(k)
                for k in keys]
    from stclusters.extract.readers.patentsview import _key_bytes

    year = _years(folder / "g_patent.tsv", lay, [], None)
    org = _organizations(folder / "g_assignee_disambiguated.tsv", lay, [], None)
    assert year.get(_key_bytes(keys)).tolist() == want_year
    assert org.get(_key_bytes(keys)).tolist() == want_org
    assert org.get(_key_bytes(np.array(["10000005", "10000004", "10000002"], object))
                   ).tolist() == ["Tie A", "Three", "Named"]
    assert year.get(_key_bytes(np.array(["10000002", "10000003"], object))).tolist() == [
        "2012", "2013"]


def test_patentsview_chunked_errors_name_the_file(tmp_path):
    folder = patentsview_folder(tmp_path / "pv")
    with pytest.raises(ExtractError, match="folder not found"):
        next(iter_patentsview(tmp_path / "nope", "pct"))
    tsv(folder / "g_inventor_disambiguated.tsv", ["patent_id", "location_id"], [])
    it = iter_patentsview(folder, "pct", chunk_rows=2)
    assert len(next(it)[0]) == 0
    with pytest.raises(ExtractError, match=r"g_inventor_disambiguated\.tsv: file has a "
                                           r"header but no data rows"):
        next(it)
    tsv(folder / "g_inventor_disambiguated.tsv", ["x", "location_id"], [["1", "2"]])
    with pytest.raises(ExtractError, match=r"g_inventor_disambiguated\.tsv: missing "
                                           r"required column\(s\) patent_id"):
        next(iter_patentsview(folder, "pct"))


# ----------------------------------------------------------------- through the stage
def test_every_format_streams():
    assert all(spec.stream is not None for spec in FORMATS.values())


def test_extract_stage_at_two_rows_a_chunk_is_the_same(tmp_path, small_blocks):
    inputs = [{"path": str(crunchbase_file(tmp_path / "rounds.csv")), "format": "crunchbase"},
              {"path": str(patentsview_folder(tmp_path / "pv")), "format": "patentsview"}]
    whole = extract_with_lines(inputs, chunk_rows=10**6)
    small = extract_with_lines(inputs, chunk_rows=2, bucket_rows=3)
    for a, b in zip(whole, small, strict=True):
        pd.testing.assert_frame_equal(a, b)
    records, rejects, acc, lines = small
    assert lines["balanced"].all()
    assert set(rejects["reason"]) >= {"bad_line", "bad_quote"}
    assert (acc["rows_in"] == acc["rows_used"] + acc["rows_rejected"]).all()
    # and the chunks are the stage's: more than one per input
    n = sum(1 for _ in iter_extract_with_bad(inputs[1]["path"], "patentsview",
                                             chunk_rows=2))
    assert n > 5


# ----------------------------------------------------------------- real files
CB2013 = REALDATA / "crunchbase_2013oct_rounds.csv"
CB2015 = REALDATA / "crunchbase_2015_acquisitions.csv"
PV_MINI = REALDATA / "patentsview_mini"


@pytest.mark.skipif(not CB2013.exists(), reason=f"{CB2013} not present")
def test_real_crunchbase_2013_chunked_in_small_blocks(monkeypatch):
    """Mac Roman, CR line ends, no round id (companies with two rounds on a date): read
    in 64 KiB blocks and 997-row chunks, the ids are the whole file's."""
    whole, whole_bad = read_crunchbase(CB2013, "vc")
    monkeypatch.setattr(_delimited, "BLOCK", 1 << 16)
    lines: dict[str, object] = {}
    frames, bads = chunked(iter_crunchbase(CB2013, "vc", chunk_rows=997, lines=lines),
                           lines)
    assert_chunks_are_the_whole(frames, bads, whole, whole_bad, lines, 997)
    assert whole["doc_id"].str.endswith("#2").any()


@pytest.mark.skipif(not CB2015.exists(), reason=f"{CB2015} not present")
def test_real_crunchbase_2015_chunked():
    whole, whole_bad = read_crunchbase(CB2015, "vc")
    lines: dict[str, object] = {}
    frames, bads = chunked(iter_crunchbase(CB2015, "vc", chunk_rows=1000, lines=lines),
                           lines)
    assert len(whole_bad) == 148
    assert_chunks_are_the_whole(frames, bads, whole, whole_bad, lines, 1000)


@pytest.mark.skipif(not PV_MINI.exists(), reason=f"{PV_MINI} not present")
def test_real_patentsview_chunked():
    whole, whole_bad = read_patentsview(PV_MINI, "pct")
    for chunk_rows in (1, 4):
        lines: dict[str, object] = {}
        frames, bads = chunked(iter_patentsview(PV_MINI, "pct", chunk_rows=chunk_rows,
                                                lines=lines), lines)
        assert_chunks_are_the_whole(frames, bads, whole, whole_bad, lines, chunk_rows)
