"""``openalex``: author-institution rows of OpenAlex works in JSON lines.

Works as JSON lines (``.jsonl``, ``.jsonl.gz``), read line by line. One row per
author-institution (an author without institutions gives one row with the first of the
authorship's ``countries``); doc_id = the work ``id``, year = ``publication_year``,
organization = institution ``display_name``, country = institution ``country_code``.
OpenAlex institutions carry no city: it is taken from the author's raw affiliation string
(see :func:`city_from_affiliation`); region and postal code likewise when the string
carries a US/Canadian/Australian state code or a postal code.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.admin1 import region_admin1
from stclusters.countries import to_iso2
from stclusters.extract.contract import ROW_COLUMN, ExtractError, check_file
from stclusters.extract.readers._common import BadRow, bad_frame, contract_frame

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


def _line_rows(line_no: int, line: bytes, source: str) -> tuple[list[tuple], BadRow | None]:
    """The rows of one JSON line, or the reason it gives none."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], (line_no, "bad_encoding", f"not valid UTF-8 ({exc.reason})",
                    line.decode("utf-8", "replace"))
    try:
        work = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], (line_no, "bad_json", f"not valid JSON: {exc.msg} at column {exc.colno}",
                    text)
    if not isinstance(work, dict):
        return [], (line_no, "bad_json", "line is not a JSON object", text)
    got = _work_rows(work, line_no, source)
    if not got:
        return [], (line_no, "no_authorships", "work has no authorships", text)
    return got, None


def read_openalex(path: str | Path, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Author-institution rows of OpenAlex works in JSON lines (see module docstring).

    Bad lines: ``bad_json`` (does not parse, or is not a JSON object), ``bad_encoding``
    (not UTF-8), ``no_authorships`` (a work without any authorship). Blank lines are
    skipped and not counted. A file where no line parses stops with an ExtractError.
    """
    path = Path(path)
    check_file(path)
    rows: list[tuple] = []
    bad: list[BadRow] = []
    n_lines = 0
    for line_no, line in _open_lines(path):
        if not line.strip():
            continue
        n_lines += 1
        got, why = _line_rows(line_no, line, source)
        rows.extend(got)
        if why is not None:
            bad.append(why)
    if n_lines == 0:
        raise ExtractError(f"{path}: file is empty")
    if not rows:
        reasons = sorted({b[1] for b in bad})
        raise ExtractError(f"{path}: no usable OpenAlex work in {n_lines} line(s) "
                           f"({', '.join(reasons)})")
    cols = ["source", "doc_id", "year", "city", "region", "postal_code", "country",
            "organization", ROW_COLUMN]
    df = pd.DataFrame(rows, columns=cols)
    frame = contract_frame(
        {c: df[c].map(lambda v: None if pd.isna(v) else str(v)).to_numpy(dtype=object)
         if c != ROW_COLUMN else df[c].to_numpy(np.int64) for c in cols},
        len(df),
    )
    return frame, bad_frame(bad)
