"""The institution registry: ROR data dumps and OpenAlex institutions -> two tables.

``geocode.institutions`` in the config lists the files; :func:`load_registry` reads them
into (docs/data-format.md):

* ``institutions``: one row per institution: ``inst`` (row id), ``ror`` (bare ROR id such
  as ``05dxps055``, or null), ``openalex`` (``I157725225``, or null), ``name``,
  ``country_iso2``, ``city``, ``lat``, ``lon``, ``geonames_id`` (-1: none), ``status``
  (``active``, ``inactive``, ``withdrawn``), ``works_count`` (OpenAlex; 0 when unknown),
  ``origin`` (``ror_v2``, ``ror_v1``, ``openalex``);
* ``names``: one row per (institution, matching key): ``inst``, ``country_iso2``, ``key``
  (:func:`org_key`), ``text`` (the name as written), ``kind`` (``name`` for display names,
  labels and aliases; ``acronym``).

Formats, told apart per record:

* ROR schema v2 (current dumps): ``names[]`` with ``types`` (``ror_display``, ``label``,
  ``alias``, ``acronym``), ``locations[0].geonames_details`` (``name``, ``lat``, ``lng``,
  ``country_code``) and ``geonames_id``;
* ROR schema v1 (older dumps): ``name``, ``aliases``, ``acronyms``, ``labels[].label``,
  ``addresses[0]`` (``city``, ``lat``, ``lng``, ``geonames_city.id``),
  ``country.country_code``;
* OpenAlex institutions (JSON lines, one entity per line): ``id``, ``ror``,
  ``display_name``, ``display_name_alternatives``, ``display_name_acronyms``,
  ``international.display_name``, ``geo`` (``city``, ``geonames_city_id``, ``country_code``,
  ``latitude``, ``longitude``), ``works_count``.

ROR files are a JSON array (``.json``, ``.json.gz``, or a ``.zip`` as ROR publishes it: the
schema-v2 member is read when the archive holds one, else every ``.json`` member); a file
named ``.jsonl`` / ``.jsonl.gz`` is read line by line. The same ROR id in several files is
one institution: its location comes from the first ROR record, the OpenAlex id and
``works_count`` from an OpenAlex record. Records without coordinates are dropped.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.affiliation import institution_ref, org_tokens

__all__ = [
    "INSTITUTION_COLUMNS",
    "NAME_COLUMNS",
    "RegistryError",
    "institution_ref",
    "load_registry",
    "org_key",
    "read_records",
]

log = logging.getLogger("stclusters")

INSTITUTION_COLUMNS = ["inst", "ror", "openalex", "name", "country_iso2", "city", "lat", "lon",
                       "geonames_id", "status", "works_count", "origin"]
NAME_COLUMNS = ["inst", "country_iso2", "key", "text", "kind"]
_ORIGIN_RANK = {"ror_v2": 0, "ror_v1": 1, "openalex": 2}


class RegistryError(ValueError):
    """A registry file that cannot be read; the message names the file."""


def org_key(name: str | None) -> str:
    """Matching key of an organisation name: folded tokens, a leading ``the`` dropped."""
    toks = org_tokens(name)
    if toks and toks[0] == "the" and len(toks) > 1:
        toks = toks[1:]
    return " ".join(toks)


# ----------------------------------------------------------------- reading
def _json_values(raw: bytes, path: str) -> Iterator[dict]:
    text = raw.decode("utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RegistryError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}") from exc
        yield from (r for r in data if isinstance(r, dict))
        return
    for no, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RegistryError(f"{path}: line {no} is not valid JSON: {exc.msg}") from exc
        if isinstance(rec, dict):
            yield rec


def read_records(path: str | Path) -> Iterator[dict]:
    """The JSON records of one registry file (JSON array or JSON lines; plain, gz or zip)."""
    path = Path(path)
    if not path.exists():
        raise RegistryError(f"{path}: institution registry file not found")
    name = path.name.lower()
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                members = [m for m in sorted(zf.namelist())
                           if m.lower().endswith((".json", ".jsonl"))]
                v2 = [m for m in members if "schema_v2" in m.lower()]
                for m in v2 or members:
                    yield from _json_values(zf.read(m), f"{path}:{m}")
            return
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise RegistryError(f"{path}: cannot be read: {exc}") from exc
    yield from _json_values(raw, str(path))


def _ror_v2(r: dict) -> tuple[dict, list[tuple[str, str]]] | None:
    locs = [x for x in (r.get("locations") or []) if isinstance(x, dict)]
    geo = (locs[0].get("geonames_details") or {}) if locs else {}
    names = []
    display = None
    for n in r.get("names") or []:
        types = n.get("types") or []
        value = n.get("value")
        if not value:
            continue
        if "ror_display" in types:
            display = value
        names.append((value, "acronym" if types == ["acronym"] else "name"))
    row = {"ror": institution_ref(r.get("id"))[0], "openalex": None,
           "name": display or (names[0][0] if names else None),
           "country_iso2": geo.get("country_code"), "city": geo.get("name"),
           "lat": geo.get("lat"), "lon": geo.get("lng"),
           "geonames_id": locs[0].get("geonames_id") if locs else None,
           "status": r.get("status"), "works_count": 0, "origin": "ror_v2"}
    return row, names


def _ror_v1(r: dict) -> tuple[dict, list[tuple[str, str]]] | None:
    addr = (r.get("addresses") or [{}])[0] or {}
    names = [(r.get("name"), "name")]
    names += [(a, "name") for a in r.get("aliases") or []]
    names += [(lab.get("label"), "name") for lab in r.get("labels") or []
              if isinstance(lab, dict)]
    names += [(a, "acronym") for a in r.get("acronyms") or []]
    row = {"ror": institution_ref(r.get("id"))[0], "openalex": None, "name": r.get("name"),
           "country_iso2": (r.get("country") or {}).get("country_code"),
           "city": addr.get("city"), "lat": addr.get("lat"), "lon": addr.get("lng"),
           "geonames_id": (addr.get("geonames_city") or {}).get("id"),
           "status": r.get("status"), "works_count": 0, "origin": "ror_v1"}
    return row, [(n, k) for n, k in names if n]


def _openalex(r: dict) -> tuple[dict, list[tuple[str, str]]] | None:
    geo = r.get("geo") or {}
    names = [(r.get("display_name"), "name")]
    names += [(a, "name") for a in r.get("display_name_alternatives") or []]
    names += [(a, "name") for a in ((r.get("international") or {}).get("display_name")
                                    or {}).values()]
    names += [(a, "acronym") for a in r.get("display_name_acronyms") or []]
    row = {"ror": institution_ref(r.get("ror"))[0], "openalex": institution_ref(r.get("id"))[1],
           "name": r.get("display_name"),
           "country_iso2": geo.get("country_code") or r.get("country_code"),
           "city": geo.get("city"), "lat": geo.get("latitude"), "lon": geo.get("longitude"),
           "geonames_id": geo.get("geonames_city_id"), "status": "active",
           "works_count": r.get("works_count") or 0, "origin": "openalex"}
    return row, [(n, k) for n, k in names if isinstance(n, str) and n]


def _parse(rec: dict) -> tuple[dict, list[tuple[str, str]]] | None:
    if "names" in rec and "locations" in rec:
        return _ror_v2(rec)
    if "addresses" in rec and "name" in rec:
        return _ror_v1(rec)
    if "display_name" in rec and ("geo" in rec or "ror" in rec):
        return _openalex(rec)
    return None


def _collect(paths: Iterable[str | Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every usable record of the files (``rec`` in reading order) and its names."""
    rows: list[dict] = []
    names: list[tuple[int, str, str]] = []
    for path in paths:
        n_file = 0
        for rec in read_records(path):
            got = _parse(rec)
            if got is None:
                continue
            row, rec_names = got
            row["rec"] = len(rows)
            rows.append(row)
            names += [(row["rec"], n, k) for n, k in rec_names]
            n_file += 1
        if n_file == 0:
            raise RegistryError(f"{path}: no ROR or OpenAlex institution record found")
        log.info("%s: %d institution records", path, n_file)
    cols = [c for c in INSTITUTION_COLUMNS if c != "inst"] + ["rec"]
    return (pd.DataFrame(rows, columns=cols),
            pd.DataFrame(names, columns=["rec", "text", "kind"]))


def _merge(recs: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per institution (same ROR id = same institution); ``inst`` of each record."""
    recs = recs.copy()
    recs["lat"] = pd.to_numeric(recs["lat"], errors="coerce")
    recs["lon"] = pd.to_numeric(recs["lon"], errors="coerce")
    ident = np.where(recs["ror"].notna(), "ror:" + recs["ror"].astype(str),
                     np.where(recs["openalex"].notna(), "oa:" + recs["openalex"].astype(str),
                              "rec:" + recs["rec"].astype(str).str.zfill(9)))
    recs["ident"] = ident
    recs["rank"] = recs["origin"].map(_ORIGIN_RANK).astype(np.int64)
    recs["has_xy"] = (recs["lat"].notna() & recs["lon"].notna()).astype(np.int64)
    recs = recs.sort_values(["ident", "has_xy", "rank", "rec"], ascending=[True, False, True,
                                                                         True], kind="stable")
    first = recs.drop_duplicates("ident").copy()
    grp = recs.groupby("ident", sort=True)
    first = first.set_index("ident")
    first["openalex"] = grp["openalex"].first()
    first["works_count"] = pd.to_numeric(grp["works_count"].max(), errors="coerce")
    first = first[first["lat"].notna() & first["lon"].notna()].reset_index()
    first["inst"] = np.arange(len(first), dtype=np.int64)
    inst_of = pd.Series(first["inst"].to_numpy(), index=first["ident"].to_numpy())
    rec_inst = inst_of.reindex(recs.set_index("rec").sort_index()["ident"].to_numpy())
    return first, rec_inst.fillna(-1).to_numpy(np.int64)


def _name_table(names: pd.DataFrame, rec_inst: np.ndarray, iso: np.ndarray) -> pd.DataFrame:
    inst = rec_inst[names["rec"].to_numpy(np.int64)]
    keep = inst >= 0
    text = names["text"].to_numpy(dtype=object)[keep]
    kind = names["kind"].to_numpy(dtype=object)[keep]
    inst = inst[keep]
    germ = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
    out_i, out_k, out_t, out_kind = [], [], [], []
    for i, t, k in zip(inst.tolist(), text.tolist(), kind.tolist(), strict=True):
        keys = {org_key(t)}
        if any(ch in t for ch in "äöüÄÖÜ"):
            keys.add(org_key(t.translate(germ)))
        for key in sorted(keys):
            if key:
                out_i.append(i)
                out_k.append(key)
                out_t.append(t)
                out_kind.append(k)
    df = pd.DataFrame({"inst": np.asarray(out_i, dtype=np.int64), "key": out_k, "text": out_t,
                       "kind": out_kind})
    df["country_iso2"] = iso[df["inst"].to_numpy(np.int64)] if len(df) else []
    df["_r"] = (df["kind"] == "acronym").astype(np.int64)
    df = df.sort_values(["inst", "key", "_r", "text"], kind="stable").drop_duplicates(
        ["inst", "key"])
    return df[NAME_COLUMNS].reset_index(drop=True)


def _empty() -> tuple[pd.DataFrame, pd.DataFrame]:
    text = pd.Series([], dtype=object)
    ints = pd.Series([], dtype=np.int64)
    floats = pd.Series([], dtype=np.float64)
    kinds = {"inst": ints, "lat": floats, "lon": floats, "geonames_id": ints,
             "works_count": ints}
    return (pd.DataFrame({c: kinds.get(c, text) for c in INSTITUTION_COLUMNS}),
            pd.DataFrame({c: ints if c == "inst" else text for c in NAME_COLUMNS}))


def load_registry(paths: Iterable[str | Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(institutions, names)`` of the registry files (module doc), deterministic order;
    empty tables (with the columns) when no file is named."""
    paths = list(paths)
    if not paths:
        return _empty()
    recs, names = _collect(paths)
    inst, rec_inst = _merge(recs)
    gid = pd.to_numeric(inst["geonames_id"], errors="coerce").fillna(-1).astype(np.int64)

    def text(c: str) -> pd.Series:
        s = inst[c]
        return s.astype(object).where(s.notna(), None)

    institutions = pd.DataFrame({
        "inst": inst["inst"].astype(np.int64),
        "ror": text("ror"), "openalex": text("openalex"), "name": text("name"),
        "country_iso2": text("country_iso2").map(
            lambda v: v.upper() if isinstance(v, str) else None),
        "city": text("city"),
        "lat": inst["lat"].astype(np.float64), "lon": inst["lon"].astype(np.float64),
        "geonames_id": gid,
        "status": text("status"),
        "works_count": inst["works_count"].fillna(0).astype(np.int64),
        "origin": text("origin"),
    }, columns=INSTITUTION_COLUMNS)
    iso = institutions["country_iso2"].to_numpy(dtype=object)
    return institutions, _name_table(names, rec_inst, iso)
