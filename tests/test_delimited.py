"""The exact delimited-text parser (stclusters/extract/readers/_delimited.py).

Every physical line after the header is a row, a blank line, a continuation line of a
multi-line quoted field, or a reject with its data row; the counts always balance. The
block size is shrunk in some tests so that records and quoted fields straddle blocks.
"""

from __future__ import annotations

import pandas as pd
import pytest

from stclusters.extract import ExtractError, extract
from stclusters.extract.contract import ROW_COLUMN
from stclusters.extract.readers import _delimited
from stclusters.extract.readers._delimited import LineCounts, read_delimited, sniff

HEADER = "source,doc_id,year,city,country"


def rows(n: int, start: int = 0) -> list[str]:
    """``n`` good contract lines, doc ids D<start>..."""
    return [f"pct,D{i},2020,City{i},DE" for i in range(start, start + n)]


def read(path, **kw) -> tuple[pd.DataFrame, list, LineCounts]:
    bad: list = []
    counts = LineCounts()
    frame = pd.concat(list(read_delimited(path, bad=bad, counts=counts, **kw)),
                      ignore_index=True)
    assert counts.balanced(), counts
    return frame, bad, counts


def write(tmp_path, name: str, lines: list[str], end: str = "\n", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes((end.join([HEADER, *lines]) + end).encode(encoding))
    return p


@pytest.fixture(params=[None, 64], ids=["one-block", "64-byte-blocks"])
def blocks(request, monkeypatch):
    if request.param:
        monkeypatch.setattr(_delimited, "BLOCK", request.param)
    return request.param


def test_plain_rows_and_row_numbers(tmp_path, blocks):
    p = write(tmp_path, "a.csv", rows(5))
    frame, bad, counts = read(p)
    assert frame["doc_id"].tolist() == ["D0", "D1", "D2", "D3", "D4"]
    assert frame[ROW_COLUMN].tolist() == [1, 2, 3, 4, 5]
    assert (counts.lines, counts.rows, counts.bad) == (5, 5, 0) and bad == []
    assert list(frame.columns) == ["source", "doc_id", "year", "city", "country", ROW_COLUMN]


def test_unclosed_quote_rejects_its_line_and_rereads_the_rows_it_swallowed(tmp_path, blocks):
    lines = rows(13)
    lines[1] = 'pct,D1,2020,"Munich,DE'  # quote opened, never closed on the line
    lines[7] = 'pct,D7,2020,"Berlin, Mitte",DE'  # the next quote closes it (glue)
    p = write(tmp_path, "glue.csv", lines)
    frame, bad, counts = read(p)
    assert [b[:2] for b in bad] == [(2, "bad_quote")]
    assert "field 4 (city)" in bad[0][2] and "ran over 6 more line(s)" in bad[0][2]
    assert frame["doc_id"].tolist() == [f"D{i}" for i in range(13) if i != 1]
    assert frame.loc[frame["doc_id"] == "D7", "city"].item() == "Berlin, Mitte"
    assert frame[ROW_COLUMN].tolist() == [i + 1 for i in range(13) if i != 1]
    assert (counts.lines, counts.rows, counts.bad, counts.joined) == (13, 12, 1, 0)


def test_unclosed_quote_to_the_end_of_the_file(tmp_path, blocks):
    lines = rows(30)
    lines[4] = 'pct,D4,2020,"Munich,DE'
    p = write(tmp_path, "eof.csv", lines)
    frame, bad, counts = read(p)
    assert [b[:2] for b in bad] == [(5, "bad_quote")]
    assert len(frame) == 29 and counts.balanced()


def test_a_quoted_field_with_line_breaks_is_one_row(tmp_path, blocks):
    lines = rows(6)
    lines[2] = 'pct,D2,2020,"Saint-Denis\nde la Réunion",RE'
    p = write(tmp_path, "multi.csv", lines)
    frame, bad, counts = read(p)
    assert bad == [] and len(frame) == 6
    assert frame.loc[2, "city"] == "Saint-Denis de la Réunion"
    assert frame[ROW_COLUMN].tolist() == [1, 2, 3, 5, 6, 7]  # physical data rows
    assert (counts.lines, counts.rows, counts.joined, counts.multiline) == (7, 6, 1, 1)


def test_a_quoted_field_running_over_many_lines_is_taken_as_not_closed(tmp_path):
    lines = rows(3) + ['pct,D9,2020,"' + "\n".join(["x"] * 30) + '",DE'] + rows(2, 10)
    p = write(tmp_path, "long.csv", lines)
    frame, bad, counts = read(p)
    assert bad[0][:2] == (4, "bad_quote") and "more than 20" in bad[0][2]
    assert frame["doc_id"].tolist() == ["D0", "D1", "D2", "D10", "D11"]
    assert counts.balanced() and counts.bad == 1 + 29  # the quote line, then 29 bad lines


def test_rows_with_too_few_or_too_many_fields(tmp_path, blocks):
    lines = rows(4)
    lines[1] = "pct,D1,2020"
    lines[3] = "pct,D3,2020,Washington, DC,US"
    p = write(tmp_path, "fields.csv", lines)
    frame, bad, counts = read(p)
    assert [(b[0], b[1], b[2]) for b in bad] == [
        (2, "bad_line", "3 field(s); the header has 5"),
        (4, "bad_line", "6 field(s); the header has 5")]
    assert bad[1][3] == "pct,D3,2020,Washington, DC,US"
    assert frame["doc_id"].tolist() == ["D0", "D2"]


def test_blank_lines_are_counted_not_rows(tmp_path, blocks):
    p = write(tmp_path, "blank.csv", [*rows(2), "", "   ", *rows(1, 5), ""])
    frame, bad, counts = read(p)
    assert frame["doc_id"].tolist() == ["D0", "D1", "D5"] and bad == []
    assert frame[ROW_COLUMN].tolist() == [1, 2, 5]
    assert (counts.lines, counts.blank) == (6, 3)


def test_a_bare_cr_inside_a_field_is_a_space(tmp_path, blocks):
    lines = rows(3)
    lines[1] = "pct,D1,2020,San\rJose,US"
    p = write(tmp_path, "cr.csv", lines)
    frame, bad, counts = read(p)
    assert frame["city"].tolist() == ["City0", "San Jose", "City2"] and bad == []
    assert sniff(p).terminator == "\n"


def test_crlf_file_with_an_excel_line_break_in_a_cell(tmp_path, blocks):
    lines = rows(3)
    lines[1] = 'pct,D1,2020,"Dept A\nParis",FR'  # a bare LF in a CRLF file: Alt+Enter
    p = write(tmp_path, "crlf.csv", lines, end="\r\n")
    frame, bad, counts = read(p)
    assert frame["city"].tolist() == ["City0", "Dept A Paris", "City2"]
    assert (counts.lines, counts.joined) == (3, 0)


def test_mac_roman_with_cr_line_ends_is_detected(tmp_path, blocks):
    lines = ["vc,D1,2012,Bogotá,US", "vc,D2,2013,Montréal,CA", "vc,D3,2013,Zürich,CH"]
    p = write(tmp_path, "mac.csv", lines, end="\r", encoding="mac_roman")
    info = sniff(p)
    assert (info.encoding, info.terminator) == ("mac-roman", "\r")
    frame, bad, counts = read(p)
    assert frame["city"].tolist() == ["Bogotá", "Montréal", "Zürich"]
    assert counts.as_dict()["line_end"] == "CR"


def test_cp1252_is_detected_and_an_encoding_can_be_given(tmp_path):
    lines = ["pub,D1,2020,München,DE", "pub,D2,2020,Málaga,ES", "pub,D3,2020,Liège,BE"]
    p = write(tmp_path, "win.csv", lines, encoding="cp1252")
    assert sniff(p).note.startswith("detected")  # cp1250 and cp1252 agree on these
    frame, _, _ = read(p)
    assert frame["city"].tolist() == ["München", "Málaga", "Liège"]
    frame, bad, _ = read(p, encoding="utf-8")  # told wrong: each bad line is a reject
    assert [b[1] for b in bad] == ["bad_encoding"] * 3 and frame.empty
    with pytest.raises(ExtractError, match="unknown encoding 'klingon'"):
        sniff(p, "klingon")


def test_a_bad_byte_in_a_utf8_file_names_its_row_and_offset(tmp_path, blocks):
    lines = rows(40)
    lines[0] = "pct,D0,2020,Zürich,CH"  # valid UTF-8 elsewhere: the file is UTF-8
    lines[36] = "pct,D36,2020,Bad\xffCity,DE"
    p = tmp_path / "byte.csv"
    data = "\n".join([HEADER, *lines]).encode("utf-8") + b"\n"
    p.write_bytes(data.replace("Bad\xffCity".encode(), b"Bad\xffCity"))
    offset = p.read_bytes().index(b"\xff")
    frame, bad, counts = read(p)
    assert [b[:2] for b in bad] == [(37, "bad_encoding")]
    assert f"byte 0xFF at byte offset {offset:,} (data row 37)" in bad[0][2]
    assert len(frame) == 39 and counts.balanced()
    with pytest.raises(ExtractError, match=rf"row 37: bad_encoding: byte 0xFF at byte offset "
                                           rf"{offset:,}"):
        extract([{"path": str(p)}], on_bad_row="error")


def test_bom_and_header_names(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes(b"\xef\xbb\xbfSource, Doc_ID ,year,city,country\npct,A,2020,Oslo,NO\n")
    frame, _, counts = read(p)
    assert list(frame.columns)[:2] == ["source", "doc_id"]
    assert counts.header[:2] == ["Source", "Doc_ID"]


def test_columns_differing_only_in_case_are_an_error(tmp_path):
    p = tmp_path / "twice.csv"
    p.write_text("source,doc_id,year,city,City,country\npct,A,2020,Oslo,Oslo,NO\n",
                 encoding="utf-8")
    with pytest.raises(ExtractError, match=r"twice\.csv: columns 'city' and 'City' are the "
                                           r"same column"):
        read(p)


def test_selected_columns_and_required_ones(tmp_path):
    p = write(tmp_path, "sel.csv", rows(2))
    frame, _, _ = read(p, columns=["doc_id", "city", "weight"], required=["doc_id"])
    assert list(frame.columns) == ["doc_id", "city", "weight", ROW_COLUMN]
    assert frame["weight"].tolist() == ["", ""]
    with pytest.raises(ExtractError, match=r"missing required column\(s\) lat"):
        read(p, required=["lat"])


def test_stage_line_accounting_balances(tmp_path):
    lines = rows(8)
    lines[1] = 'pct,D1,2020,"Munich,DE'
    lines[4] = 'pct,D4,2020,"A, B",DE'
    lines[6] = 'pct,D6,2020,"Two\nlines",DE'
    p = write(tmp_path, "acc.csv", [*lines, ""])
    from stclusters.extract.stage import extract_with_lines

    records, rejects, acc, lines_table = extract_with_lines([{"path": str(p)}])
    row = lines_table.iloc[0]
    assert (row["lines_in"], row["rows_in"], row["lines_blank"], row["lines_joined"]) == (
        10, 8, 1, 1)
    assert bool(row["balanced"]) and row["encoding"] == "utf-8" and row["line_end"] == "LF"
    assert rejects[["input_row", "reason"]].values.tolist() == [[2, "bad_quote"]]
    assert acc["rows_in"].sum() == 8 and len(records) == 7
