"""``openalex``: author-institution rows of OpenAlex works in JSON lines.

Works as JSON lines (``.jsonl``, ``.jsonl.gz``), streamed line by line (``.gz``
decompressed as it is read) and decoded with msgspec into typed structs of only the fields
used here (the rest of each record is skipped without being built); a line the typed
decoder refuses (a list where an object belongs, a broken tail) is parsed by orjson and
read as leniently as before, and orjson words why a bad line is bad. One row per
author-institution (an author without institutions gives one row with the first of the
authorship's ``countries``); doc_id = the work ``id``, year = ``publication_year``,
organization = institution ``display_name``, country = institution ``country_code``.
OpenAlex institutions carry no city: it is taken from the author's raw affiliation string
(see :func:`city_from_affiliation`); region and postal code likewise when the string
carries a US/Canadian/Australian state code or a postal code.

Two optional contract columns go with every row, for the geocoder's institution registry:
``institution_id``, the institution's ROR id when it has one (``https://ror.org/05dxps055``,
lower case, as :func:`stclusters.affiliation.institution_ref` reads it), else its
OpenAlex id (``I157725225``); ``affiliation``, the raw affiliation string of that
institution (the one the row's place is parsed from).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pandas as pd
import pyarrow as pa
from isal import isal_zlib

from stclusters.admin1 import region_admin1
from stclusters.affiliation import (
    clean_city_segment,
    drop_email,
    institution_ref,
    looks_like_organization,
)
from stclusters.countries import iso2_of
from stclusters.extract.contract import (
    CONTRACT_COLUMNS,
    LINES_ATTR,
    PASS_THROUGH,
    ROW_COLUMN,
    ExtractError,
    check_file,
)
from stclusters.extract.readers._common import BadRow, bad_frame, rechunk
from stclusters.parallel import ordered_map

_READ_BYTES = 1 << 20  # compressed bytes read at a time (a block of lines to parse)

_US_CA_AU_CODE = re.compile(r"^([A-Za-z]{2,3})(?:\s+(\d{5}(?:-\d{4})?|[A-Za-z]\d[A-Za-z]\s?"
                            r"\d[A-Za-z]\d|\d{4}))?$")
_POSTAL_ONLY = re.compile(r"^(?:[A-Za-z]{1,2}-)?\d[\d\s-]{2,9}$|^[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d$"
                          r"|^[A-Za-z]{1,2}\d[A-Za-z\d]?\s+\d[A-Za-z]{2}$")
_NOT_CITY = re.compile(
    r"\b(univ|university|universit|universidad|universidade|institut|institute|dept|"
    r"department|departement|laborator|lab|school|college|faculty|facult|hospital|"
    r"center|centre|centro|inc|ltd|llc|gmbh|corp|corporation|company|co|ag|sa|"
    r"foundation|academy|ministry|division|program|unit|clinic|road|street|avenue|"
    r"rd|st|ave|blvd|building|bldg|campus|floor|room|box|po)\b",
    re.IGNORECASE,
)
_STATE_COUNTRIES = {"US": 2, "CA": 2, "AU": 3}


def _split_postal(token: str) -> tuple[str, str | None]:
    """Remove leading and trailing postal-code words from a city token.

    ``80333 München`` -> ``München``; ``London SW7 2AZ`` -> ``London``;
    ``1098 XH Amsterdam`` -> ``Amsterdam``; ``Tokyo 113-8656`` -> ``Tokyo``.
    """
    words = token.split()
    lead: list[str] = []
    trail: list[str] = []
    while len(words) > 1 and any(ch.isdigit() for ch in words[0]):
        lead.append(words.pop(0))
        if len(words) > 1 and re.fullmatch(r"[A-Z]{2}", words[0]):  # Dutch "1098 XH"
            lead.append(words.pop(0))
    while len(words) > 1 and any(ch.isdigit() for ch in words[-1]):
        trail.insert(0, words.pop())
    postal = " ".join(lead + trail) or None
    return " ".join(words), postal


@lru_cache(maxsize=1 << 16)
def _looks_like_org(city: str) -> bool:
    """Whether a city candidate is an organisation, a street or an acronym: the quick
    ASCII words, then :func:`stclusters.affiliation.looks_like_organization` (the world's
    institution words, accents included: ``Universität zu Köln``, ``Karolinska
    Institutet``, ``ETH Zurich``, ``Public Knowledge Project``); cached per candidate."""
    return bool(
        _NOT_CITY.search(city)
        or any(ch.isdigit() for ch in city)
        or (city.isupper() and " " not in city and len(city) <= 6)  # acronyms: NYU, CNRS
        or len(city.split()) > 4
        or looks_like_organization(city)
    )


_TAIL = 4  # tokens from the end that the heuristic reads (more only in odd strings)
_SPLIT = re.compile(r"[,;]")
_admin1 = lru_cache(maxsize=1 << 16)(region_admin1)


def _tokens(text: str) -> list[str]:
    """The comma- or semicolon-separated tokens of an affiliation string."""
    return [t for t in (t.strip(" .") for t in _SPLIT.split(text)) if t]


def _parse_tail(tail: tuple[str, ...], more: bool, country_iso2: str | None
                ) -> tuple[str | None, str | None, str | None] | None:
    """The heuristic of :func:`city_from_affiliation` on the last tokens ``tail``
    (``more``: tokens come before them); None when it would need those."""
    toks = list(tail)
    region = postal = None
    region_token = None
    while toks:
        t = toks[-1]
        iso = iso2_of(t)
        if iso is not None and (country_iso2 is None or iso == country_iso2 or len(t) > 3):
            toks.pop()
            continue
        if _POSTAL_ONLY.match(t):
            postal = postal or t
            toks.pop()
            continue
        if region is None and country_iso2 in _STATE_COUNTRIES:
            m = _US_CA_AU_CODE.match(t)
            if (m and m.group(1).isupper() and len(m.group(1)) <= _STATE_COUNTRIES[country_iso2]
                    and _admin1(country_iso2, m.group(1))[1]):
                region = m.group(1)
                postal = postal or m.group(2)
                toks.pop()
                continue
            name, pc = _split_postal(t)
            if (len(toks) > 1 or more) and _admin1(country_iso2, name)[1]:
                region, region_token = name, name
                postal = postal or pc
                toks.pop()
                continue
        break
    if not toks:
        return None if more else (region_token, None if region_token else region, postal)
    city, found = _split_postal(clean_city_segment(toks[-1]))
    postal = postal or found
    if not city or _looks_like_org(city):
        if region_token is not None:
            return region_token, None, postal
        return None, region, postal
    return city, region, postal


@lru_cache(maxsize=1 << 18)
def _parse_cached(tail: tuple[str, ...], more: bool, country_iso2: str | None
                  ) -> tuple[str | None, str | None, str | None] | None:
    return _parse_tail(tail, more, country_iso2)


def _tail_tokens(text: str, n: int) -> tuple[tuple[str, ...], bool] | None:
    """The last ``n`` tokens of ``text`` and whether more come before them; None when
    a quick split cannot tell (a semicolon, or an empty token among them)."""
    if ";" in text:
        return None
    parts = text.rsplit(",", n)
    more = len(parts) > n
    tail = tuple(p.strip(" .") for p in (parts[1:] if more else parts))
    return None if not all(tail) else (tail, more)


@lru_cache(maxsize=1 << 18)
def _place(text: str | None, country_iso2: str | None) -> tuple[
        str | None, str | None, str | None]:
    """:func:`city_from_affiliation`, computed on the string's last 2, 3 or 4 tokens
    (the place; cached, as places repeat while the leading department and institution
    tokens vary), on all of them only when those do not settle it."""
    if not text or not isinstance(text, str):
        return None, None, None
    text = drop_email(text)
    for n in (2, 3, _TAIL):
        split = _tail_tokens(text, n)
        if split is None:
            break
        got = _parse_cached(split[0], split[1], country_iso2)
        if got is not None:
            return got
        if not split[1]:
            break
    return city_from_affiliation(text, country_iso2)


def city_from_affiliation(text: str | None, country_iso2: str | None) -> tuple[
        str | None, str | None, str | None]:
    """``(city, region, postal_code)`` from a raw affiliation string, by this heuristic.

    The string is split at commas (and semicolons). From the end, tokens naming a country
    (ISO code or English name, via :func:`stclusters.countries.iso2_of`) are dropped; a
    token that is only a postal code is kept as the postal code; a first-level division
    that :func:`stclusters.admin1.region_admin1` recognises for the country (US states,
    Canadian provinces, Australian states by code with an optional postal code:
    ``MA 02139``, ``ON N6A 3K7``, ``NSW 2006``; or by name: ``Massachusetts``) gives the
    region. The next token is the city, after removing CEDEX and a bracketed province code
    (``Paris CEDEX 15``, ``Milano (MI)``) and leading or trailing postal-code words
    (``80333 Munich``, ``Shenzhen 518055``, ``London SW7 2AZ``). A city candidate that
    looks like an organization, a street or an acronym (``University``, ``Dept``, ``Inc``,
    ``Road``, digits, ``NYU``, and the institution words of any language that
    :func:`stclusters.affiliation.looks_like_organization` knows: ``Universität zu Köln``,
    ``Karolinska Institutet``) is not taken: when a division name was taken as the region
    just before, that name is the city instead (``NYU, New York, USA``), else the city is
    None. E-mail addresses are dropped first. This is the quick parse of the reader;
    :func:`stclusters.affiliation.parse_affiliation` knows more places (native country
    names, divisions of every country) at about 80 times the cost.
    """
    if not text or not isinstance(text, str):
        return None, None, None
    got = _parse_tail(tuple(_tokens(drop_email(text))), False, country_iso2)
    return got if got is not None else (None, None, None)  # whole string: never None


class _Institution(msgspec.Struct, gc=False):
    """The fields of an authorship's institution the reader uses (any JSON value)."""

    id: Any = None
    display_name: Any = None
    ror: Any = None
    country_code: Any = None


class _Affiliation(msgspec.Struct, gc=False):
    """An ``affiliations[]`` entry: a raw string and the institutions it names."""

    raw_affiliation_string: Any = None
    institution_ids: Any = None


class _Authorship(msgspec.Struct, gc=False):
    """The fields of an authorship the reader uses."""

    institutions: list[_Institution] | None = None
    countries: Any = None
    raw_affiliation_strings: Any = None
    affiliations: list[_Affiliation] | None = None


class _Work(msgspec.Struct, gc=False):
    """The fields of a work the reader uses; msgspec skips every other key of the line
    without building it (the bulk of a record: locations, concepts, the abstract)."""

    id: Any = None
    publication_year: Any = None
    authorships: list[_Authorship] | None = None


_decode_work = msgspec.json.Decoder(_Work).decode


def _dicts(value: object) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _as_work(work: dict) -> _Work:
    """A work parsed by orjson (a line msgspec refused: a list where an object belongs, a
    broken tail after the authorships) as a :class:`_Work`, whatever does not fit dropped."""
    auths = []
    for au in _dicts(work.get("authorships")):
        insts = [_Institution(i.get("id"), i.get("display_name"), i.get("ror"),
                              i.get("country_code")) for i in _dicts(au.get("institutions"))]
        affs = [_Affiliation(a.get("raw_affiliation_string"), a.get("institution_ids"))
                for a in _dicts(au.get("affiliations"))]
        auths.append(_Authorship(insts, au.get("countries"),
                                 au.get("raw_affiliation_strings"), affs))
    return _Work(work.get("id"), work.get("publication_year"), auths)


def _strings(value: object) -> list[str]:
    """The strings of a JSON list (nothing for anything else)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _raw_for(affs: list[_Affiliation], inst_id: object) -> str | None:
    """The raw affiliation string an authorship gives for an institution: the first
    ``affiliations`` entry naming its id, else None."""
    for aff in affs:
        ids = aff.institution_ids
        if isinstance(ids, list) and inst_id in ids:
            raw = aff.raw_affiliation_string
            if raw and isinstance(raw, str):
                return raw
    return None


@lru_cache(maxsize=1 << 16)
def _institution_id(ror: object, oa_id: object) -> str | None:
    """The row's ``institution_id``: ``https://ror.org/<id>`` for a valid ROR id, else the
    bare OpenAlex id (``I157725225``), else None (ids as
    :func:`~stclusters.affiliation.institution_ref` normalises them)."""
    bare_ror = institution_ref(ror)[0]
    if bare_ror is not None:
        return f"https://ror.org/{bare_ror}"
    return institution_ref(oa_id)[1]


def _author_rows(au: _Authorship, head: tuple, tail: int, append) -> None:
    """Append the rows of one authorship: ``head`` + place + country + organization +
    institution id + affiliation + ``tail`` (the line number)."""
    raws = _strings(au.raw_affiliation_strings)
    insts = au.institutions
    if not insts:
        countries = _strings(au.countries)
        country = countries[0] if countries else None
        raw = raws[0] if raws else None
        append((*head, *_place(raw, country), country, None, None, raw, tail))
        return
    same = len(raws) == len(insts)
    affs = au.affiliations
    for k, inst in enumerate(insts):
        country = inst.country_code if isinstance(inst.country_code, str) else None
        oa_id = inst.id if isinstance(inst.id, str) else None
        raw = _raw_for(affs, oa_id) if affs and oa_id else None
        if raw is None and raws:
            raw = raws[k] if same else raws[0]
        ror = inst.ror if isinstance(inst.ror, str) else None
        append((*head, *_place(raw, country), country, inst.display_name,
                _institution_id(ror, oa_id), raw, tail))


def _work_rows(work: _Work, line_no: int, source: str) -> list[tuple]:
    """One row per author-institution of a work (per author without institution)."""
    head = (source, work.id, work.publication_year)
    rows: list[tuple] = []
    for au in work.authorships or ():
        _author_rows(au, head, line_no, rows.append)
    return rows


# top-level keys that follow ``authorships`` in OpenAlex records (snapshot and API order)
_AFTER_AUTHORSHIPS = re.compile(
    rb'\]\s*,\s*"(?:institution_assertions|countries_distinct_count|institutions_distinct_count'
    rb'|corresponding_author_ids|corresponding_institution_ids|host_venue|apc_list|apc_paid'
    rb'|fwci|has_fulltext|cited_by_count|biblio|is_retracted|is_paratext|primary_topic'
    rb'|topics|keywords|concepts|mesh|locations_count|locations|best_oa_location'
    rb'|referenced_works|related_works|abstract_inverted_index|counts_by_year)"\s*:')


def _load_work(data: bytes) -> object:
    """The JSON of a work, parsed only up to the end of its authorships when it can be.

    OpenAlex records put ``id``, ``publication_year`` and ``authorships`` before the
    bulk (locations, concepts, referenced works, the abstract): the text is cut where
    the next known top-level key follows the authorships array, and parsed only when
    that gives a valid object holding all three; otherwise (or for any other key order)
    the whole line is parsed. A wrong cut can never give a valid object: it would leave
    a string or a bracket open.
    """
    start = data.find(b'"authorships"')
    if start > 0:
        m = _AFTER_AUTHORSHIPS.search(data, start)
        if m is not None:
            try:
                head = orjson.loads(data[:m.start() + 1] + b"}")
            except orjson.JSONDecodeError:
                head = None
            if (isinstance(head, dict) and "id" in head and "publication_year" in head
                    and isinstance(head.get("authorships"), list)):
                return head
    return orjson.loads(data)


def _line_rows(line_no: int, line: bytes, source: str, encoding: str
               ) -> tuple[list[tuple], BadRow | None]:
    """The rows of one JSON line, or the reason it gives none: decoded by msgspec into
    :class:`_Work`, else (a line it refuses) parsed by orjson as before, which also words
    the reason a bad line is bad."""
    try:
        data = line if encoding == "utf-8" else line.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        return [], (line_no, "bad_encoding", f"not valid {encoding} ({exc.reason})",
                    line.decode("utf-8", "replace"))
    try:
        got = _work_rows(_decode_work(data), line_no, source)
    except msgspec.MsgspecError:
        got = None
    if got is not None:
        return got, (None if got else (line_no, "no_authorships", "work has no authorships",
                                       line.decode("utf-8", "replace")))
    try:
        work = _load_work(data)
    except orjson.JSONDecodeError as exc:
        text = line.decode("utf-8", "replace")
        why = "not valid UTF-8" if "utf-8" in str(exc).lower() else f"not valid JSON: {exc}"
        reason = "bad_encoding" if why == "not valid UTF-8" else "bad_json"
        return [], (line_no, reason, why, text)
    if not isinstance(work, dict):
        return [], (line_no, "bad_json", "line is not a JSON object",
                    line.decode("utf-8", "replace"))
    got = _work_rows(_as_work(work), line_no, source)
    if not got:
        return [], (line_no, "no_authorships", "work has no authorships",
                    line.decode("utf-8", "replace"))
    return got, None


_COLS = ["source", "doc_id", "year", "city", "region", "postal_code", "country",
         "organization", "institution_id", "affiliation", ROW_COLUMN]


#: Arrow type of the text columns: the one pandas' ``str`` columns hold, so that the frame
#: takes the parsed buffers without a copy (with ``pa.string()`` the conversion copies every
#: column once: about 1.3 KB more memory per work at the peak)
_TEXT = pa.large_string()


def _text_array(values: tuple) -> pa.Array:
    """Strings (None: null) as an Arrow array; other values as their text."""
    try:
        return pa.array(values, _TEXT)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in values], _TEXT)


def _chunk_table(rows: list[tuple]) -> pa.Table:
    """A table of row tuples: text columns (the year as text) and ROW_COLUMN."""
    cols = list(zip(*rows, strict=True))
    data = {name: _text_array(values) for name, values in zip(_COLS[:-1], cols, strict=False)}
    try:
        data["year"] = pa.array(cols[2], pa.int64()).cast(_TEXT)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        data["year"] = pa.array([None if v is None else str(v) for v in cols[2]], _TEXT)
    data[ROW_COLUMN] = pa.array(cols[-1], pa.int64())
    return pa.table(data)


def _frame(tables: list[pa.Table]) -> pd.DataFrame:
    """The contract frame of the row tables: string columns (missing: null), the
    pass-through columns and ROW_COLUMN, kept Arrow-backed (a million works give millions
    of rows)."""
    table = pa.concat_tables(tables)
    for col in CONTRACT_COLUMNS:
        if col not in table.column_names:
            table = table.append_column(col, pa.nulls(len(table), _TEXT))
    return table.select([*CONTRACT_COLUMNS, *PASS_THROUGH, ROW_COLUMN]).to_pandas()


def _parse_chunk(job: tuple[int, bytes, str, str]
                 ) -> tuple[pa.Table | None, list[BadRow], int, int]:
    """``(rows as a table, bad lines, blank lines, lines)`` of a block of whole lines,
    the first being line ``first``."""
    first, block, source, enc = job
    lines = block.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()  # the block ends with a line end
    rows: list[tuple] = []
    bad: list[BadRow] = []
    blank = 0
    for i, line in enumerate(lines):
        if not line or line.isspace():
            blank += 1
            continue
        got, why = _line_rows(first + i, line, source, enc)
        rows.extend(got)
        if why is not None:
            bad.append(why)
    return (_chunk_table(rows) if rows else None), bad, blank, len(lines)


def _decompressed(path: Path) -> Iterator[bytes]:
    """The bytes of a plain or gzip file (every member of a multi-member one), in blocks.
    Inflated by ISA-L (``isal``, zlib's interface, about 4 times faster than zlib here),
    which checks each member's CRC and length; a truncated file raises EOFError."""
    with open(path, "rb") as fh:
        if not path.name.lower().endswith(".gz"):
            while raw := fh.read(_READ_BYTES):
                yield raw
            return
        dec = isal_zlib.decompressobj(wbits=31)
        started = False
        while raw := fh.read(_READ_BYTES):
            while raw:
                if dec.eof:  # the previous member is complete: the next one starts
                    dec = isal_zlib.decompressobj(wbits=31)
                out = dec.decompress(raw)
                started = True
                if out:
                    yield out
                raw = dec.unused_data if dec.eof else b""
        if started and not dec.eof:
            raise EOFError("compressed file ended before the end-of-stream marker")


def _chunks(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(number of the first line, block of whole lines)``, a few MB each: the parent
    only decompresses and cuts at line ends."""
    first = 1
    carry = b""
    try:
        for block in _decompressed(path):
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                carry += block
                continue
            # one copy of the block: the carried part and the block up to its last line end
            chunk = b"".join((carry, memoryview(block)[:cut])) if carry or cut < len(
                block) else block
            carry = block[cut:]
            yield first, chunk
            first += chunk.count(b"\n")
    except (OSError, EOFError, isal_zlib.error) as exc:
        raise ExtractError(f"{path}: cannot be read: {exc}") from exc
    if carry:
        yield first, carry


def _parsed(path: Path, source: str, enc: str, workers: int
            ) -> Iterator[tuple[pa.Table | None, list[BadRow], int, int]]:
    """The parsed chunks of a file, in file order: in this process, or in ``workers``
    processes (forked; a few chunks in flight, so memory stays bounded)."""
    jobs = ((first, block, source, enc) for first, block in _chunks(path))
    yield from ordered_map(_parse_chunk, jobs, workers)


def read_openalex(path: str | Path, source: str, encoding: str | None = None,
                  workers: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Author-institution rows of OpenAlex works in JSON lines (see module docstring).

    Bad lines: ``bad_json`` (does not parse, or is not a JSON object), ``bad_encoding``
    (not UTF-8, or not ``encoding`` when one is given), ``no_authorships`` (a work
    without any authorship). Blank lines are skipped and counted. A file where no line
    parses stops with an ExtractError. ``.gz`` files are decompressed as they are read;
    lines are parsed with orjson, in chunks of lines, by ``workers`` processes when more
    than one (same result, in the same order).
    """
    path = Path(path)
    check_file(path)
    enc = codecs.lookup(encoding).name if encoding else "utf-8"
    tables: list[pa.Table] = []
    bad: list[BadRow] = []
    n_blank = n_lines = 0
    for table, chunk_bad, blank, n in _parsed(path, source, enc, workers):
        if table is not None:
            tables.append(table)
        bad.extend(chunk_bad)
        n_blank += blank
        n_lines += n
    if n_lines == n_blank:
        raise ExtractError(f"{path}: file is empty")
    if not tables:
        reasons = sorted({b[1] for b in bad})
        raise ExtractError(f"{path}: no usable OpenAlex work in {n_lines - n_blank} line(s) "
                           f"({', '.join(reasons)})")
    frame = _frame(tables)
    frame.attrs[LINES_ATTR] = {"lines": n_lines, "rows": n_lines - n_blank - len(bad),
                               "blank": n_blank, "joined": 0, "multiline": 0,
                               "bad": len(bad), "encoding": enc, "line_end": "LF"}
    return frame, bad_frame(bad)


def iter_openalex(path: str | Path, source: str, encoding: str | None = None,
                  workers: int = 1, chunk_rows: int = 1_000_000,
                  lines: dict[str, object] | None = None
                  ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """:func:`read_openalex` as ``(frame, bad)`` chunks of about ``chunk_rows`` rows (a
    work's rows are never split), in file order; ``lines`` gets the line counts once the
    file is read. The errors of :func:`read_openalex` for a file without any line or
    without a usable work are raised at its end."""
    path = Path(path)
    check_file(path)
    enc = codecs.lookup(encoding).name if encoding else "utf-8"
    seen = {"lines": 0, "blank": 0, "bad": 0, "rows": 0}
    reasons: set[str] = set()
    empty = pa.table({**{c: pa.array([], _TEXT) for c in _COLS[:-1]},
                      ROW_COLUMN: pa.array([], pa.int64())})

    def pieces() -> Iterator[tuple[pd.DataFrame, list[BadRow]]]:
        for table, chunk_bad, blank, n in _parsed(path, source, enc, workers):
            seen["lines"] += n
            seen["blank"] += blank
            seen["bad"] += len(chunk_bad)
            reasons.update(b[1] for b in chunk_bad)
            seen["rows"] += 0 if table is None else len(table)
            yield _frame([empty if table is None else table]), chunk_bad

    yield from rechunk(pieces(), chunk_rows)
    n_lines, n_blank, n_bad = seen["lines"], seen["blank"], seen["bad"]
    if n_lines == n_blank:
        raise ExtractError(f"{path}: file is empty")
    if not seen["rows"]:
        raise ExtractError(f"{path}: no usable OpenAlex work in {n_lines - n_blank} line(s) "
                           f"({', '.join(sorted(reasons))})")
    if lines is not None:
        lines.update({"lines": n_lines, "rows": n_lines - n_blank - n_bad, "blank": n_blank,
                      "joined": 0, "multiline": 0, "bad": n_bad, "encoding": enc,
                      "line_end": "LF"})
