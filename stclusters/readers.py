"""Readers converting the formats users hold into the raw-extract contract.

Every reader returns ``(frame, bad)``:

* ``frame``: one row per contributor address with the contract's columns (``source``,
  ``doc_id``, ``year``, ``city``, ``region``, ``postal_code``, ``country``, ``lat``,
  ``lon``, ``organization``; strings, blank = missing) that
  :func:`stclusters.extract.validate` accepts, plus :data:`ROW_COLUMN`: the 1-based data
  row (line) of the input file the row comes from. Several rows may share one input row
  (an OpenAlex work gives one row per author-institution).
* ``bad``: the input rows that could not be converted at all (:data:`BAD_COLUMNS`:
  ``input_row``, ``reason``, ``detail``, ``raw``), e.g. a JSON line that does not parse or a
  TSV line with the wrong number of fields. :func:`stclusters.extract.extract` adds them to
  the rejects table, so ``rows_in == rows_used + rows_rejected`` still holds.

A file that cannot be used at all (missing, empty, not UTF-8, missing a required column)
raises :class:`stclusters.extract.ExtractError` naming the file and the problem.

Formats (``fmt`` of :func:`read_extract`, the ``format`` key of a config ``inputs`` entry):

``generic``
    CSV or Parquet already in the contract (what ``extract.read_raw`` reads).
``patentsview``
    A folder holding the PatentsView bulk tables ``g_inventor_disambiguated.tsv``
    (``patent_id``, ``inventor_sequence``, ``location_id``, ...) joined on ``location_id``
    to ``g_location_disambiguated.tsv`` (``disambig_city``, ``disambig_state``,
    ``disambig_country``, ``latitude``, ``longitude``) and on ``patent_id`` to
    ``g_patent.tsv`` (year of ``patent_date``); ``g_assignee_disambiguated.tsv``, when
    present, gives the organization (``disambig_assignee_organization`` of the lowest
    ``assignee_sequence`` that has one). ``.tsv.zip`` / ``.tsv.gz`` files work too. One row
    per inventor; doc_id = patent_id; source ``pct`` unless the config names another.
    The inventor table is streamed in blocks; only the needed columns are kept.
``openalex``
    OpenAlex works as JSON lines (``.jsonl``, ``.jsonl.gz``), read line by line. One row
    per author-institution (an author without institutions gives one row with the first of
    the authorship's ``countries``); doc_id = the work ``id``, year = ``publication_year``,
    organization = institution ``display_name``, country = institution ``country_code``.
    OpenAlex institutions carry no city: it is taken from the author's raw affiliation
    string (see :func:`city_from_affiliation`); region and postal code likewise when the
    string carries a US/Canadian/Australian state code or a postal code. Source ``pub``.
``crunchbase``
    Crunchbase CSV exports: acquisitions (``company_*`` location columns, ``acquired_at``)
    or funding rounds (``company_*`` columns, ``funded_at``), told apart by their columns.
    city = ``company_city``, region = ``company_state_code`` (US state code; elsewhere a
    GeoNames admin1 code such as ``48`` for Moscow), country = ``company_country_code``
    (ISO3), organization = ``company_name``, year of the date. doc_id = the funding
    round's permalink, else ``company_permalink@date``, else ``row<N>``. Source ``vc``.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from stclusters.countries import to_iso2
from stclusters.extract import ExtractError, read_raw

__all__ = [
    "BAD_COLUMNS",
    "CONTRACT_COLUMNS",
    "FORMATS",
    "ROW_COLUMN",
    "city_from_affiliation",
    "read_crunchbase",
    "read_extract",
    "read_extract_with_bad",
    "read_generic",
    "read_openalex",
    "read_patentsview",
]

log = logging.getLogger("stclusters")

FORMATS = ("generic", "patentsview", "openalex", "crunchbase")
CONTRACT_COLUMNS = ["source", "doc_id", "year", "city", "region", "postal_code", "country",
                    "lat", "lon", "organization"]
#: column of a reader's frame holding the 1-based data row of the input file
ROW_COLUMN = "_source_row"
BAD_COLUMNS = ["input_row", "reason", "detail", "raw"]
_RAW_MAX = 300  # characters of a bad line kept for the rejects table
_BLOCK = 1 << 24  # bytes per streamed CSV block

PV_INVENTOR = "g_inventor_disambiguated"
PV_LOCATION = "g_location_disambiguated"
PV_PATENT = "g_patent"
PV_ASSIGNEE = "g_assignee_disambiguated"


def _empty_bad() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "input_row": pd.Series([], dtype=np.int64),
            "reason": pd.Series([], dtype=object),
            "detail": pd.Series([], dtype=object),
            "raw": pd.Series([], dtype=object),
        }
    )


def _bad_frame(rows: list[tuple[int, str, str, str]]) -> pd.DataFrame:
    if not rows:
        return _empty_bad()
    df = pd.DataFrame(rows, columns=BAD_COLUMNS)
    df["input_row"] = df["input_row"].astype(np.int64)
    df["raw"] = df["raw"].str.slice(0, _RAW_MAX)
    return df


def _contract_frame(cols: dict[str, object], n: int) -> pd.DataFrame:
    """A frame with every contract column (missing ones blank) and ROW_COLUMN."""
    out = {}
    for c in [*CONTRACT_COLUMNS, ROW_COLUMN]:
        v = cols.get(c)
        out[c] = v if v is not None else pd.Series([None] * n, dtype=object)
    cols_out = {}
    for c, v in out.items():
        if c == ROW_COLUMN:
            cols_out[c] = np.asarray(v, dtype=np.int64)
        else:
            a = np.asarray(v, dtype=object)
            cols_out[c] = np.where(pd.isna(a), None, a) if len(a) else a
    return pd.DataFrame(cols_out)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ExtractError(f"{path}: file not found")
    if path.is_file() and path.stat().st_size == 0:
        raise ExtractError(f"{path}: file is empty")


def _missing(path: Path, need: list[str], have: list[str]) -> None:
    missing = [c for c in need if c not in have]
    if missing:
        raise ExtractError(
            f"{path}: missing required column(s) {', '.join(missing)}; "
            f"found {', '.join(have) or 'none'}"
        )


def _year_of(dates: pd.Series) -> pd.Series:
    """The year of ISO dates (``2012-07-23``, ``2012``), as text; blank when absent."""
    years = dates.astype("string").str.strip().str.extract(r"^(\d{4})", expand=False)
    return years.astype(object).where(years.notna(), None)


# ----------------------------------------------------------------- generic
def read_generic(path: str | Path, source: str | None = None) -> tuple[pd.DataFrame,
                                                                        pd.DataFrame]:
    """CSV or Parquet already in the raw-extract contract (``extract.read_raw``).

    Rows are numbered in file order; there are no reader-level bad rows (a CSV line with
    too many fields stops with an :class:`ExtractError` naming the file and line).
    """
    df = read_raw(path, source)
    df[ROW_COLUMN] = np.arange(1, len(df) + 1, dtype=np.int64)
    return df, _empty_bad()


# ----------------------------------------------------------------- delimited text
def _open_text(path: Path) -> io.BufferedIOBase:
    """A binary stream of a plain, .gz or single-member .zip file."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".zip"):
        import zipfile

        zf = zipfile.ZipFile(path)
        members = [m for m in zf.namelist() if not m.endswith("/")]
        if len(members) != 1:
            raise ExtractError(f"{path}: zip archive must hold exactly one file, "
                               f"found {len(members)}")
        return zf.open(members[0])
    return open(path, "rb", buffering=1 << 16)


def _stream_delimited(
    path: Path, columns: list[str], required: list[str], delimiter: str,
    bad: list[tuple[int, str, str, str]],
) -> Iterator[pd.DataFrame]:
    """Stream the ``columns`` of a delimited UTF-8 file as string frames of many rows.

    Each frame has ROW_COLUMN (1-based data row). Lines with the wrong number of fields
    are appended to ``bad`` (reason ``bad_line``). Raises ExtractError for a missing,
    empty, non-UTF-8 file or a missing required column.
    """
    _check_file(path)
    skipped: list[tuple[int | None, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        skipped.append((row.number, row.text))
        return "skip"

    try:
        stream = _open_text(path)
        head = stream.peek(1 << 16)[: 1 << 16] if hasattr(stream, "peek") else b""
        header_line = head.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
        have = [h.strip().strip('"') for h in header_line.split(delimiter)] if head else []
        if not head or not header_line.strip():
            raise ExtractError(f"{path}: file is empty")
        _missing(path, required, have)
        include = [c for c in columns if c in have]
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(block_size=_BLOCK, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True,
                newlines_in_values=True, invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=include,
                column_types={c: pa.string() for c in include},
                strings_can_be_null=False,
            ),
        )
        seen = 0
        n_bad_before = 0
        for batch in reader:
            df = batch.to_pandas()
            # data row numbers: rows read so far plus the skipped lines among them
            new_bad = len(skipped) - n_bad_before
            n_bad_before = len(skipped)
            df[ROW_COLUMN] = np.arange(seen + 1, seen + len(df) + 1, dtype=np.int64)
            seen += len(df) + new_bad
            for c in columns:
                if c not in df.columns:
                    df[c] = ""
            yield df
    except UnicodeDecodeError as exc:
        raise ExtractError(f"{path}: not valid UTF-8 text ({exc.reason})") from exc
    except pa.ArrowInvalid as exc:
        msg = str(exc)
        if "UTF8" in msg or "utf8" in msg or "UTF-8" in msg:
            raise ExtractError(f"{path}: not valid UTF-8 text ({msg})") from exc
        if "Empty CSV file" in msg:
            raise ExtractError(f"{path}: file is empty") from exc
        raise ExtractError(f"{path}: cannot be read: {msg}") from exc
    except OSError as exc:
        raise ExtractError(f"{path}: cannot be read: {exc}") from exc
    for number, text in skipped:
        # pyarrow numbers lines from 1 with the header as line 1
        row = int(number) - 1 if number is not None else -1
        bad.append((row, "bad_line", "line does not have the header's number of fields",
                    text))


def _find_table(folder: Path, stem: str, required: bool = True) -> Path | None:
    for ext in (".tsv", ".tsv.zip", ".tsv.gz", ".csv"):
        p = folder / f"{stem}{ext}"
        if p.exists():
            return p
    if required:
        raise ExtractError(f"{folder}: PatentsView table {stem}.tsv not found")
    return None


# ----------------------------------------------------------------- PatentsView
def read_patentsview(folder: str | Path, source: str | None = None) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    """Inventor rows of the PatentsView bulk tables in ``folder`` (see module docstring)."""
    folder = Path(folder)
    if not folder.exists():
        raise ExtractError(f"{folder}: folder not found")
    if not folder.is_dir():
        raise ExtractError(f"{folder}: the patentsview format needs a folder holding "
                           f"{PV_INVENTOR}.tsv, {PV_LOCATION}.tsv and {PV_PATENT}.tsv")
    inv_path = _find_table(folder, PV_INVENTOR)
    loc_path = _find_table(folder, PV_LOCATION)
    pat_path = _find_table(folder, PV_PATENT)
    asg_path = _find_table(folder, PV_ASSIGNEE, required=False)
    ignored: list[tuple[int, str, str, str]] = []

    loc_cols = ["location_id", "disambig_city", "disambig_state", "disambig_country",
                "latitude", "longitude"]
    loc = pd.concat(list(_stream_delimited(loc_path, loc_cols, loc_cols, "\t", ignored)),
                    ignore_index=True).drop(columns=ROW_COLUMN)
    loc = loc.drop_duplicates("location_id").set_index("location_id")

    pat = pd.concat(
        list(_stream_delimited(pat_path, ["patent_id", "patent_date"],
                               ["patent_id", "patent_date"], "\t", ignored)),
        ignore_index=True,
    )
    year = pd.Series(_year_of(pat["patent_date"]).to_numpy(dtype=object),
                     index=pat["patent_id"].to_numpy(dtype=object))
    year = year[~year.index.duplicated()]
    del pat

    org = None
    if asg_path is not None:
        acols = ["patent_id", "assignee_sequence", "disambig_assignee_organization"]
        asg = pd.concat(list(_stream_delimited(asg_path, acols, acols, "\t", ignored)),
                        ignore_index=True)
        asg = asg[asg["disambig_assignee_organization"].str.strip() != ""]
        asg["seq"] = pd.to_numeric(asg["assignee_sequence"], errors="coerce")
        asg = asg.sort_values(["patent_id", "seq"], kind="stable").drop_duplicates(
            "patent_id")
        org = pd.Series(asg["disambig_assignee_organization"].str.strip().to_numpy(),
                        index=asg["patent_id"].to_numpy(dtype=object))
        del asg

    bad: list[tuple[int, str, str, str]] = []
    parts = []
    inv_cols = ["patent_id", "inventor_sequence", "location_id"]
    for chunk in _stream_delimited(inv_path, inv_cols, ["patent_id", "location_id"], "\t",
                                   bad):
        pid = chunk["patent_id"].str.strip()
        lid = chunk["location_id"].str.strip()
        li = loc.index.get_indexer(lid)
        have = li >= 0

        def lcol(c: str, li=li, have=have) -> np.ndarray:
            v = loc[c].to_numpy(dtype=object)[np.maximum(li, 0)]
            return np.where(have, v, None)

        parts.append(
            _contract_frame(
                {
                    "source": np.full(len(chunk), source or "pct", dtype=object),
                    "doc_id": pid.to_numpy(dtype=object),
                    "year": year.reindex(pid.to_numpy(dtype=object)).to_numpy(dtype=object),
                    "city": lcol("disambig_city"),
                    "region": lcol("disambig_state"),
                    "country": lcol("disambig_country"),
                    "lat": lcol("latitude"),
                    "lon": lcol("longitude"),
                    "organization": (org.reindex(pid.to_numpy(dtype=object))
                                     .to_numpy(dtype=object) if org is not None else None),
                    ROW_COLUMN: chunk[ROW_COLUMN].to_numpy(np.int64),
                },
                len(chunk),
            )
        )
    if ignored:
        log.warning("%s: %d malformed lines in the location/patent/assignee tables ignored",
                    folder, len(ignored))
    frame = pd.concat(parts, ignore_index=True) if parts else _contract_frame({}, 0)
    if len(frame) == 0 and not bad:
        raise ExtractError(f"{inv_path}: file has a header but no data rows")
    return frame, _bad_frame(bad)


# ----------------------------------------------------------------- OpenAlex
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


def _looks_like_org(city: str) -> bool:
    return bool(
        _NOT_CITY.search(city)
        or any(ch.isdigit() for ch in city)
        or (city.isupper() and " " not in city and len(city) <= 6)  # acronyms: NYU, CNRS
        or len(city.split()) > 4
    )


def city_from_affiliation(text: str | None, country_iso2: str | None) -> tuple[
        str | None, str | None, str | None]:
    """``(city, region, postal_code)`` from a raw affiliation string, by this heuristic.

    The string is split at commas (and semicolons). From the end, tokens naming a country
    (ISO code or English name, via :func:`stclusters.countries.to_iso2`) are dropped; a
    token that is only a postal code is kept as the postal code; a first-level division
    that :func:`stclusters.geocode.region_admin1` recognises for the country (US states,
    Canadian provinces, Australian states by code with an optional postal code:
    ``MA 02139``, ``ON N6A 3K7``, ``NSW 2006``; or by name: ``Massachusetts``) gives the
    region. The next token is the city, after removing leading or trailing postal-code
    words (``80333 Munich``, ``Shenzhen 518055``, ``London SW7 2AZ``). A city candidate
    that looks like an organization, a street or an acronym (``University``, ``Dept``,
    ``Inc``, ``Road``, digits, ``NYU``) is not taken: when a division name was taken as
    the region just before, that name is the city instead (``NYU, New York, USA``), else
    the city is None.
    """
    from stclusters.geocode import region_admin1

    if not text or not isinstance(text, str):
        return None, None, None
    toks = [t.strip(" .") for t in re.split(r"[,;]", text) if t.strip(" .")]
    region = postal = None
    region_token = None
    while toks:
        t = toks[-1]
        iso = to_iso2(pd.Series([t], dtype=object)).iloc[0]
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
                    and region_admin1(country_iso2, m.group(1))[1]):
                region = m.group(1)
                postal = postal or m.group(2)
                toks.pop()
                continue
            name, pc = _split_postal(t)
            if len(toks) > 1 and region_admin1(country_iso2, name)[1]:
                region, region_token = name, name
                postal = postal or pc
                toks.pop()
                continue
        break
    if not toks:
        return region_token, None if region_token else region, postal
    city, found = _split_postal(toks[-1])
    postal = postal or found
    if not city or _looks_like_org(city):
        if region_token is not None:
            return region_token, None, postal
        return None, region, postal
    return city, region, postal


def _open_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            yield from enumerate(fh, start=1)
    except (OSError, EOFError) as exc:
        raise ExtractError(f"{path}: cannot be read: {exc}") from exc


def _work_rows(work: dict, line_no: int, source: str) -> list[tuple]:
    doc_id = work.get("id")
    year = work.get("publication_year")
    rows = []
    for au in work.get("authorships") or []:
        if not isinstance(au, dict):
            continue
        raws = [r for r in (au.get("raw_affiliation_strings") or []) if isinstance(r, str)]
        by_inst: dict[str, str] = {}
        for aff in au.get("affiliations") or []:
            if isinstance(aff, dict) and aff.get("raw_affiliation_string"):
                for iid in aff.get("institution_ids") or []:
                    by_inst.setdefault(iid, aff["raw_affiliation_string"])
        insts = [i for i in (au.get("institutions") or []) if isinstance(i, dict)]
        if insts:
            for k, inst in enumerate(insts):
                country = inst.get("country_code")
                raw = by_inst.get(inst.get("id") or "")
                if raw is None and raws:
                    raw = raws[k] if len(raws) == len(insts) else raws[0]
                city, region, postal = city_from_affiliation(raw, country)
                rows.append((source, doc_id, year, city, region, postal, country,
                             inst.get("display_name"), line_no))
        else:
            countries = [c for c in (au.get("countries") or []) if isinstance(c, str)]
            country = countries[0] if countries else None
            city, region, postal = city_from_affiliation(raws[0] if raws else None, country)
            rows.append((source, doc_id, year, city, region, postal, country, None, line_no))
    return rows


def read_openalex(path: str | Path, source: str | None = None) -> tuple[pd.DataFrame,
                                                                         pd.DataFrame]:
    """Author-institution rows of OpenAlex works in JSON lines (see module docstring).

    Bad lines: ``bad_json`` (does not parse, or is not a JSON object), ``bad_encoding``
    (not UTF-8), ``no_authorships`` (a work without any authorship). Blank lines are
    skipped and not counted. A file where no line parses stops with an ExtractError.
    """
    path = Path(path)
    _check_file(path)
    src = source or "pub"
    rows: list[tuple] = []
    bad: list[tuple[int, str, str, str]] = []
    n_lines = 0
    for line_no, line in _open_lines(path):
        if not line.strip():
            continue
        n_lines += 1
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad.append((line_no, "bad_encoding", f"not valid UTF-8 ({exc.reason})",
                        line.decode("utf-8", "replace")))
            continue
        try:
            work = json.loads(text)
        except json.JSONDecodeError as exc:
            bad.append((line_no, "bad_json", f"not valid JSON: {exc.msg} at column "
                                             f"{exc.colno}", text))
            continue
        if not isinstance(work, dict):
            bad.append((line_no, "bad_json", "line is not a JSON object", text))
            continue
        got = _work_rows(work, line_no, src)
        if not got:
            bad.append((line_no, "no_authorships", "work has no authorships", text))
            continue
        rows.extend(got)
    if n_lines == 0:
        raise ExtractError(f"{path}: file is empty")
    if not rows:
        reasons = sorted({b[1] for b in bad})
        raise ExtractError(f"{path}: no usable OpenAlex work in {n_lines} line(s) "
                           f"({', '.join(reasons)})")
    cols = ["source", "doc_id", "year", "city", "region", "postal_code", "country",
            "organization", ROW_COLUMN]
    df = pd.DataFrame(rows, columns=cols)
    frame = _contract_frame(
        {c: df[c].map(lambda v: None if pd.isna(v) else str(v)).to_numpy(dtype=object)
         if c != ROW_COLUMN else df[c].to_numpy(np.int64) for c in cols},
        len(df),
    )
    return frame, _bad_frame(bad)


# ----------------------------------------------------------------- Crunchbase
_CB_COMPANY = ["company_permalink", "company_name", "company_country_code",
               "company_state_code", "company_city"]


def read_crunchbase(path: str | Path, kind: str | None = None, source: str | None = None,
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deals of a Crunchbase CSV export (acquisitions or funding rounds).

    ``kind``: ``acquisitions`` (date ``acquired_at``), ``rounds`` (date ``funded_at``) or
    None to tell them apart by their columns. Every CSV row gives one row (the company's
    location); rows that do not parse stop the read with the line named.
    """
    path = Path(path)
    _check_file(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ExtractError(f"{path}: not valid UTF-8 text ({exc.reason} at byte "
                           f"{exc.start})") from exc
    except pd.errors.EmptyDataError as exc:
        raise ExtractError(f"{path}: file is empty") from exc
    except (pd.errors.ParserError, OSError, ValueError) as exc:
        raise ExtractError(f"{path}: cannot be read: {exc}") from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    cols = list(df.columns)
    if kind is None:
        if "acquired_at" in cols:
            kind = "acquisitions"
        elif "funded_at" in cols:
            kind = "rounds"
        else:
            raise ExtractError(
                f"{path}: not a Crunchbase acquisitions or funding-rounds export: needs "
                f"acquired_at or funded_at; found {', '.join(cols) or 'none'}"
            )
    if kind not in ("acquisitions", "rounds"):
        raise ValueError(f"kind must be 'acquisitions', 'rounds' or None, not {kind!r}")
    date_col = "acquired_at" if kind == "acquisitions" else "funded_at"
    _missing(path, ["company_city", "company_country_code", date_col], cols)
    if len(df) == 0:
        raise ExtractError(f"{path}: file has a header but no data rows")
    n = len(df)

    def col(c: str) -> pd.Series:
        if c not in df.columns:
            return pd.Series([""] * n, index=df.index, dtype=object)
        return df[c].astype(object).str.strip()

    date = col(date_col)
    row_no = np.arange(1, n + 1, dtype=np.int64)
    doc = col("company_permalink") + "@" + date
    doc = doc.where(col("company_permalink") != "", "row" + pd.Series(row_no).astype(str))
    if kind == "rounds" and "funding_round_permalink" in df.columns:
        fr = col("funding_round_permalink")
        doc = fr.where(fr != "", doc)
    frame = _contract_frame(
        {
            "source": np.full(n, source or "vc", dtype=object),
            "doc_id": doc.to_numpy(dtype=object),
            "year": _year_of(date).to_numpy(dtype=object),
            "city": col("company_city").to_numpy(dtype=object),
            "region": col("company_state_code").to_numpy(dtype=object),
            "country": col("company_country_code").to_numpy(dtype=object),
            "organization": col("company_name").to_numpy(dtype=object),
            ROW_COLUMN: row_no,
        },
        n,
    )
    return frame, _empty_bad()


# ----------------------------------------------------------------- dispatch
def read_extract_with_bad(
    path: str | Path, fmt: str = "generic", source: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read one input with the reader of ``fmt``; returns ``(frame, bad)`` (module doc).

    ``source`` fills the source column (for generic files only where the file has none).
    """
    fmt = (fmt or "generic").lower()
    if fmt == "generic":
        return read_generic(path, source)
    if fmt == "patentsview":
        return read_patentsview(path, source)
    if fmt == "openalex":
        return read_openalex(path, source)
    if fmt == "crunchbase":
        return read_crunchbase(path, source=source)
    raise ExtractError(f"{path}: unknown input format {fmt!r}; one of {', '.join(FORMATS)}")


def read_extract(path: str | Path, fmt: str = "generic", source: str | None = None
                 ) -> pd.DataFrame:
    """The raw-extract frame of one input (contract columns plus ROW_COLUMN).

    Reader-level bad rows are logged here; use :func:`read_extract_with_bad` (as
    ``extract.extract`` does) to keep them for the rejects table.
    """
    frame, bad = read_extract_with_bad(path, fmt, source)
    if len(bad):
        counts = bad["reason"].value_counts().to_dict()
        log.warning("%s: %d input row(s) could not be converted: %s", path, len(bad), counts)
    return frame

