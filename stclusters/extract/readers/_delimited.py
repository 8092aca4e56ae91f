"""Delimited text (CSV, TSV) read with exact accounting of every physical line.

Used by the ``generic``, ``crunchbase`` and ``patentsview`` readers. A file is read in
two passes over blocks of bytes that end at a line end:

1. :func:`sniff`: the line end (the most frequent of LF, CRLF, CR in the first block)
   and the encoding: the one given, else UTF-8 when the file is UTF-8 (or mostly UTF-8:
   see :func:`_choose_encoding`), else the best 8-bit encoding for its non-ASCII lines.
2. :func:`read_delimited`: each block decoded, split at the file's line end only (a
   line-break character that is not the file's line end, such as a bare CR inside a
   field of an LF file, is read as a space), and parsed with :mod:`csv`, tracking the
   physical line each record starts and ends on.

Every physical line after the header ends up in exactly one place, counted in
:class:`LineCounts`: a row handed on, a blank line, a continuation line of a record whose
quoted field spans lines, or a bad row (:data:`BadRow`): ``bad_line`` (a record with
more or fewer fields than the header: the count found is in the detail), ``bad_quote``
(a quoted field that runs over following lines which look like rows of their own, or
to the end of the file: the line where the quote opened is rejected and the lines it
swallowed are read again as rows), ``bad_encoding`` (bytes not valid in the encoding:
the detail names the byte offset in the file). Row numbers are data rows: the physical
line number minus the header line, so data row 1 is the file's second line.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from stclusters.extract.contract import (
    ROW_COLUMN,
    ExtractError,
    check_columns,
    check_file,
    unique_columns,
)
from stclusters.extract.readers._common import BadRow, open_text

BLOCK = 1 << 22  # bytes per block
MAX_SPAN = 20  # lines a quoted field may run over before it is taken as not closed
_SENTINEL = "\ue000stclusters-end-of-block\ue000"
_SENTINEL_LINE = _SENTINEL + "\n"
_SAMPLE_MAX = 1 << 16  # bytes of non-ASCII lines given to the encoding detector
_SURROGATE = re.compile("[\udc80-\udcff]")
_NON_ASCII_OK = re.compile("[\u0080-\udc7f\udd00-\U0010ffff]")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_COMMON_SYMBOLS = frozenset("™®©€£¥°–—‘’“”…•·§¢")
_TERMINATORS = {"\n": b"\n", "\r\n": b"\r\n", "\r": b"\r"}
_TERM_NAMES = {"\n": "LF", "\r\n": "CRLF", "\r": "CR"}


@dataclass
class TextInfo:
    """How a text file is read: encoding, line end, and how the encoding was chosen."""

    encoding: str
    terminator: str
    note: str
    bom: bool = False


@dataclass
class LineCounts:
    """Where the physical lines after the header went.

    ``lines == rows + blank + joined + bad`` always holds (:meth:`balanced`).
    """

    lines: int = 0
    rows: int = 0
    blank: int = 0
    joined: int = 0
    multiline: int = 0
    bad: int = 0
    info: TextInfo | None = None
    header: list[str] = field(default_factory=list)

    def balanced(self) -> bool:
        """Whether every physical line is accounted for."""
        return self.lines == self.rows + self.blank + self.joined + self.bad

    def as_dict(self) -> dict[str, object]:
        """The counts (and the encoding and line end) as a plain dict."""
        info = self.info
        return {
            "lines": self.lines, "rows": self.rows, "blank": self.blank,
            "joined": self.joined, "multiline": self.multiline, "bad": self.bad,
            "encoding": info.encoding if info else "",
            "line_end": _TERM_NAMES.get(info.terminator, "") if info else "",
        }


# ----------------------------------------------------------------- encoding and line end
def _terminator(head: bytes) -> str:
    """The most frequent line end of ``head``: LF, CRLF or CR (LF when none)."""
    crlf = head.count(b"\r\n")
    counts = {"\n": head.count(b"\n") - crlf, "\r\n": crlf, "\r": head.count(b"\r") - crlf}
    best = max(counts.values())
    return "\n" if best == 0 else next(t for t in ("\r\n", "\n", "\r") if counts[t] == best)


def _byte_blocks(stream: io.BufferedIOBase, term: bytes, first: bytes = b""
                 ) -> Iterator[tuple[int, bytes]]:
    """``(byte offset, bytes)`` blocks of a stream, each ending at a line end ``term``
    (the last one may not)."""
    carry, offset = first, 0
    while True:
        chunk = stream.read(BLOCK)
        if not chunk:
            if carry:
                yield offset, carry
            return
        buf = carry + chunk
        cut = buf.rfind(term)
        if cut < 0:
            carry = buf
            continue
        cut += len(term)
        yield offset, buf[:cut]
        offset += cut
        carry = buf[cut:]


def _plausibility(text: str) -> float:
    """How plausible the non-ASCII characters of ``text`` are: lower-case letters and
    common symbols (``™``, ``’``, ``€``, ...) count 1, upper-case letters 1/2 (rarer in
    names: ``Ž``, ``Ì`` come from a wrong guess more often than from the data), others
    0; the mean over the non-ASCII characters."""
    chars = [c for c in text if ord(c) > 127]
    score = sum(1.0 if c in _COMMON_SYMBOLS or (c.isalpha() and c.islower())
                else 0.5 if c.isalpha() else 0.0 for c in chars)
    return score / len(chars) if chars else 0.0


def _legacy_encoding(sample: bytes, term: str) -> tuple[str, str]:
    """The 8-bit encoding that reads ``sample`` (non-ASCII lines) best, and why.

    Candidates: Mac Roman first for CR-only files (the "CSV (Macintosh)" of Excel), then
    cp1252 (the most common), charset-normalizer's guesses, latin-1; the winner reads the
    non-ASCII characters most plausibly (:func:`_plausibility`: ``Bogot\\x87`` is ``Bogotá`` in Mac
    Roman, ``Bogot‡`` in cp1252), ties going to the earlier candidate.
    """
    from charset_normalizer import from_bytes

    guesses = [m.encoding for m in from_bytes(sample)][:8]
    order = (["mac_roman"] if term == "\r" else []) + ["cp1252", *guesses, "latin_1"]
    best, best_score = "latin_1", -1.0
    for enc in dict.fromkeys(order):
        try:
            if codecs.lookup(enc).name in ("utf-8", "utf-16", "utf-32"):
                continue
            score = _plausibility(sample.decode(enc))
        except (LookupError, UnicodeDecodeError):
            continue
        if score > best_score:
            best, best_score = enc, score
    return codecs.lookup(best).name, f"detected {best} (not UTF-8; plausibility of its " \
                                     f"non-ASCII characters {best_score:.2f})"


def _sample_lines(blk: bytes, sample: bytearray) -> None:
    """Add the lines of ``blk`` holding non-ASCII bytes to ``sample`` (up to a limit)."""
    pos = 0
    while len(sample) < _SAMPLE_MAX:
        m = _NON_ASCII.search(blk, pos)
        if m is None:
            return
        start = max(blk.rfind(b"\n", 0, m.start()), blk.rfind(b"\r", 0, m.start())) + 1
        ends = [e for e in (blk.find(b"\n", m.start()), blk.find(b"\r", m.start())) if e >= 0]
        end = min(ends) if ends else len(blk)
        sample += blk[start:end] + b"\n"
        pos = end


def _choose_encoding(blocks: Iterator[tuple[int, bytes]], term: str) -> tuple[str, str]:
    """``(encoding, note)`` of a file from all its blocks.

    UTF-8 when every byte is valid UTF-8, or when valid multi-byte UTF-8 characters are
    at least as many as invalid bytes (a UTF-8 file with a few bad bytes: the rows
    holding them are rejected as ``bad_encoding``); otherwise an 8-bit encoding
    (:func:`_legacy_encoding`).
    """
    n_bad = n_ok = 0
    sample = bytearray()
    for _, blk in blocks:
        if blk.isascii():
            continue
        try:
            text = blk.decode("utf-8")
            n_ok += 1
            continue
        except UnicodeDecodeError:
            text = blk.decode("utf-8", "surrogateescape")
        n_bad += len(_SURROGATE.findall(text))
        n_ok += len(_NON_ASCII_OK.findall(text))
        _sample_lines(blk, sample)
    if n_bad == 0:
        return "utf-8", "UTF-8"
    if n_ok >= n_bad:
        return "utf-8", f"UTF-8 with {n_bad} invalid byte(s)"
    return _legacy_encoding(bytes(sample), term)


def sniff(path: Path, encoding: str | None = None) -> TextInfo:
    """The line end and encoding of a text file (``encoding``: given, else detected)."""
    check_file(path)
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError as exc:
            raise ExtractError(f"{path}: unknown encoding {encoding!r}") from exc
    try:
        with open_text(path) as fh:
            head = fh.read(BLOCK)
            term = _terminator(head)
            bom = head.startswith(codecs.BOM_UTF8)
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise ExtractError(f"{path}: UTF-16 text is not supported; save it as "
                                   f"UTF-8 (or any 8-bit encoding)")
            if encoding:
                return TextInfo(encoding, term, f"{encoding} (given)", bom)
            enc, note = _choose_encoding(_byte_blocks(fh, _TERMINATORS[term], head), term)
    except (OSError, EOFError) as exc:
        raise ExtractError(f"{path}: cannot be read: {exc}") from exc
    return TextInfo(enc, term, note, bom)


# ----------------------------------------------------------------- lines and records
def _normalise(text: str, term: str) -> str:
    """Text with the file's line end as ``\\n`` and any other line break as a space."""
    if term == "\n":
        return text.replace("\r", " ") if "\r" in text else text
    if term == "\r":
        return (text.replace("\n", " ") if "\n" in text else text).replace("\r", "\n")
    n = text.count("\r\n")
    if text.count("\r") != n or text.count("\n") != n:
        text = re.sub(r"\r(?!\n)|(?<!\r)\n", " ", text)
    return text.replace("\r\n", "\n")


@dataclass
class _Sink:
    """What parsing found: good records with their first data row, bad rows, counts."""

    ncols: int
    dialect: type[csv.Dialect]
    counts: LineCounts
    bad: list[BadRow]
    names: Sequence[str]
    keep: list[int]
    records: list[list[str]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    pieces: list[tuple[pa.Table, np.ndarray]] = field(default_factory=list)

    def flush(self) -> None:
        """Move the records parsed line by line into a table piece."""
        if not self.records:
            return
        cols = list(zip(*self.records, strict=True))
        table = pa.table({f"c{i}": pa.array(cols[i], pa.string()) for i in self.keep})
        self.pieces.append((table, np.asarray(self.rows, dtype=np.int64)))
        self.records, self.rows = [], []

    def frame(self, columns: Sequence[str] | None) -> pd.DataFrame:
        """The rows parsed so far as a frame of ``columns`` (None: all) and ROW_COLUMN;
        the sink is emptied."""
        self.flush()
        names = {f"c{i}": self.names[i] for i in self.keep}
        empty = pa.table({c: pa.array([], pa.string()) for c in names})
        tables = [t for t, _ in self.pieces] or [empty]
        rows = [r for _, r in self.pieces] or [np.zeros(0, np.int64)]
        self.pieces = []
        out = pa.concat_tables(tables).rename_columns(list(names.values())).to_pandas()
        if columns is not None:
            for c in columns:
                if c not in out.columns:
                    out[c] = ""
            out = out[list(columns)]
        out[ROW_COLUMN] = np.concatenate(rows)
        return out

    def single(self, rec: list[str], line: str, row: int) -> None:
        """One record on one line: a row, a blank line or a bad_line."""
        if len(rec) == self.ncols:
            self.records.append(rec)
            self.rows.append(row)
            self.counts.rows += 1
        elif not rec or (len(rec) == 1 and not rec[0].strip()):
            self.counts.blank += 1
        else:
            self.reject(row, "bad_line",
                        f"{len(rec)} field(s); the header has {self.ncols}", line)

    def reject(self, row: int, reason: str, detail: str, line: str) -> None:
        self.bad.append((row, reason, detail, line.rstrip("\n")))
        self.counts.bad += 1

    def swallows_rows(self, lines: Sequence[str]) -> bool:
        """Whether any of ``lines``, read alone, has the header's number of fields."""
        if self.ncols < 2:
            return False
        return any(len(r) == self.ncols
                   for r in csv.reader(io.StringIO("".join(lines)), self.dialect))

    def open_field(self, line: str) -> str:
        """The field of ``line`` whose quote is not closed on it: its last field."""
        i = len(next(csv.reader([line.rstrip("\n")], self.dialect), [])) - 1
        name = f" ({self.names[i]})" if 0 <= i < len(self.names) else ""
        return f"field {i + 1}{name}"


def _multi(sink: _Sink, rec: list[str], lines: list[str], start: int, end: int,
           row0: int) -> None:
    """A record spanning ``lines[start:end]``: accepted, or broken and read again."""
    span = end - start - 1
    if (len(rec) == sink.ncols and span <= MAX_SPAN
            and not sink.swallows_rows(lines[start + 1:end])):
        sink.records.append([f.replace("\n", " ") for f in rec])
        sink.rows.append(row0 + start)
        sink.counts.rows += 1
        sink.counts.joined += span
        sink.counts.multiline += 1
        return
    why = (f"{len(rec)} field(s), the header has {sink.ncols}" if len(rec) != sink.ncols
           else f"more than {MAX_SPAN}" if span > MAX_SPAN
           else "they look like rows of their own")
    sink.reject(row0 + start, "bad_quote",
                f"a quote opened in {sink.open_field(lines[start])} is not closed on this line and "
                f"ran over {span} more line(s) ({why}); this line is rejected and those "
                f"lines are read again as rows", lines[start])
    _parse_lines(sink, lines[start + 1:end], row0 + start + 1, final=True)


def _parse_lines(sink: _Sink, lines: list[str], row0: int, final: bool) -> int | None:
    """Parse ``lines`` (each ending in a newline; the first is data row ``row0``).

    Returns the index of the first line of a record still open at the end (a quoted
    field not closed yet) for the caller to carry into the next block, or None.
    """
    n = len(lines)
    reader = csv.reader(io.StringIO("".join(lines) + _SENTINEL_LINE), sink.dialect)
    prev = 0
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            start, prev = prev, reader.line_num
            if prev - start == 1 or start >= n:
                sink.reject(row0 + start, "bad_line", f"cannot be parsed: {exc}",
                            lines[min(start, n - 1)])
            else:
                _multi(sink, [], lines, start, min(prev, n), row0)
            continue
        start, prev = prev, reader.line_num
        if prev > n:  # the sentinel line, alone or swallowed by an open quoted field
            if start >= n:
                return None
            if not final and n - start <= MAX_SPAN:
                return start
            rec[-1] = rec[-1].removesuffix(_SENTINEL_LINE)
            _multi(sink, rec, lines, start, n, row0)
            return None
        if prev - start == 1:
            sink.single(rec, lines[start], row0 + start)
        else:
            _multi(sink, rec, lines, start, prev, row0)


def _parse_arrow(sink: _Sink, text: str, row0: int) -> bool:
    """Parse a block with pyarrow when every one of its lines is one good record (the
    common case, checked: as many rows as lines and none invalid); False (nothing done)
    otherwise, for :func:`_parse_lines` to do it line by line."""
    n = text.count("\n")
    if text.startswith("\n") or "\n\n" in text:  # blank lines: pyarrow makes rows of them
        return False
    invalid: list[int] = []

    def on_invalid(_row: pacsv.InvalidRow) -> str:
        invalid.append(1)
        return "skip"

    names = [f"c{i}" for i in range(sink.ncols)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8", "surrogatepass")),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False,
                                           block_size=1 << 22),
            parse_options=pacsv.ParseOptions(
                delimiter=sink.dialect.delimiter, quote_char='"', double_quote=True,
                escape_char=False, newlines_in_values=False, ignore_empty_lines=False,
                invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in names},
                include_columns=[names[i] for i in sink.keep],
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeEncodeError):
        return False
    if invalid or table.num_rows != n:
        return False
    sink.flush()
    sink.pieces.append((table, np.arange(row0, row0 + n, dtype=np.int64)))
    sink.counts.rows += n
    return True


# ----------------------------------------------------------------- reading a file
def _split_header(path: Path, text: str) -> tuple[str, str]:
    """``(the header line, the rest of the text)`` of the first block."""
    head, _, rest = text.partition("\n")
    if not head.strip():
        raise ExtractError(f"{path}: file is empty" if not rest.strip() else
                           f"{path}: the first line (the header) is blank")
    return head, rest


def _decode(raw: bytes, info: TextInfo) -> tuple[str, bool]:
    """The text of a block, and whether it held bytes invalid in the encoding."""
    try:
        return raw.decode(info.encoding), False
    except UnicodeDecodeError:
        return raw.decode(info.encoding, "surrogateescape"), True


def _reject_bad_bytes(sink: _Sink, raw: bytes, offset: int, info: TextInfo, row0: int,
                      header_lines: int) -> set[int]:
    """Reject (``bad_encoding``) the lines of a block with invalid bytes; their indexes
    among the block's data lines."""
    term = _TERMINATORS[info.terminator]
    parts = raw.split(term)
    starts = np.concatenate([[0], np.cumsum([len(p) + len(term) for p in parts])])
    bad: set[int] = set()
    for i, part in enumerate(parts):
        if i < header_lines:
            continue
        try:
            part.decode(info.encoding)
        except UnicodeDecodeError as exc:
            at = offset + int(starts[i]) + exc.start
            byte = part[exc.start:exc.start + 1].hex().upper()
            sink.reject(row0 + i - header_lines, "bad_encoding",
                        f"byte 0x{byte} at byte offset {at:,} (data row "
                        f"{row0 + i - header_lines}) is not valid {info.encoding}",
                        part.decode(info.encoding, "replace"))
            bad.add(i - header_lines)
    return bad


def _blank_out(text: str, skip: set[int]) -> str:
    """``text`` with the lines numbered in ``skip`` (0-based) emptied."""
    lines = text.split("\n")
    return "\n".join("" if i in skip else ln for i, ln in enumerate(lines))


def _blocks(path: Path, info: TextInfo, sink_of: Callable[[str], _Sink]
            ) -> Iterator[tuple[_Sink, str, int]]:
    """``(sink, normalised text, first data row)`` of each block of the file, the header
    line given to ``sink_of`` (once) and left out; lines with bytes invalid in the
    encoding are rejected here and emptied."""
    sink: _Sink | None = None
    row0 = 1
    with open_text(path) as fh:
        for offset, raw in _byte_blocks(fh, _TERMINATORS[info.terminator]):
            if offset == 0 and raw.startswith(codecs.BOM_UTF8):
                raw, offset = raw[len(codecs.BOM_UTF8):], len(codecs.BOM_UTF8)
            text, has_bad = _decode(raw, info)
            text = _normalise(text, info.terminator)
            header = 0
            if sink is None:
                head, text = _split_header(path, text)
                sink, header = sink_of(head), 1
            if has_bad:
                skip = _reject_bad_bytes(sink, raw, offset, info, row0, header)
                text = _blank_out(text, skip)
                sink.counts.blank -= len(skip)  # emptied, parsed as blank: not blank
            if text and not text.endswith("\n"):
                text += "\n"
            yield sink, text, row0
            row0 += text.count("\n")
    if sink is None:
        raise ExtractError(f"{path}: file is empty")


def read_delimited(
    path: str | Path,
    delimiter: str = ",",
    encoding: str | None = None,
    columns: Sequence[str] | None = None,
    required: Sequence[str] = (),
    bad: list[BadRow] | None = None,
    counts: LineCounts | None = None,
) -> Iterator[pd.DataFrame]:
    """Stream a delimited file as frames of string columns plus ROW_COLUMN.

    Column names are stripped and lower-cased; ``columns`` (lower-case) selects and
    orders them (absent ones are blank), None keeps all. ``required`` columns must be in
    the header. Bad rows are appended to ``bad``, line counts kept in ``counts``.
    Raises :class:`ExtractError` for a missing or empty file, a missing required
    column, or two columns whose names differ only in case.
    """
    path = Path(path)
    bad = [] if bad is None else bad
    counts = LineCounts() if counts is None else counts
    info = counts.info = sniff(path, encoding)
    dialect = type("Dialect", (csv.excel,), {"delimiter": delimiter})
    names: list[str] = []

    def sink_of(head: str) -> _Sink:
        raw_names = [n.strip().lstrip("\ufeff").strip()
                     for n in next(csv.reader([head], dialect))]
        names.extend(unique_columns(path, raw_names))
        counts.header = raw_names
        check_columns(path, required, names)
        want = names if columns is None else [c for c in columns if c in names]
        return _Sink(len(names), dialect, counts, bad, names,
                     keep=[names.index(c) for c in want])

    carry: list[str] = []
    carry_row = 1
    sink: _Sink | None = None
    for sink, text, row0 in _blocks(path, info, sink_of):
        counts.lines += text.count("\n")
        if carry or not _parse_arrow(sink, text, row0):
            lines = carry + list(io.StringIO(text, newline="\n"))
            first = carry_row if carry else row0
            at = _parse_lines(sink, lines, first, final=False)
            carry, carry_row = (lines[at:], first + at) if at is not None else ([], 1)
        yield sink.frame(columns)
    if carry and sink is not None:
        _parse_lines(sink, carry, carry_row, final=True)
        yield sink.frame(columns)


def read_header(path: str | Path, delimiter: str = ",", encoding: str | None = None
                ) -> list[str]:
    """The stripped, lower-cased column names of a delimited file's first line."""
    path = Path(path)
    check_file(path)
    try:
        with open_text(path) as fh:
            head = fh.read(1 << 16)
    except (OSError, EOFError) as exc:
        raise ExtractError(f"{path}: cannot be read: {exc}") from exc
    line = re.split(rb"\r\n|\r|\n", head.removeprefix(codecs.BOM_UTF8), maxsplit=1)[0]
    text = line.decode(encoding or "utf-8", "replace")
    names = next(csv.reader([text], delimiter=delimiter), [])
    return [n.strip().lower() for n in names]
