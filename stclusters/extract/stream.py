"""The extract stage streamed: every input chunk by chunk, memory bounded by the chunk.

Three passes, each holding at most one chunk of rows (or one bucket of document keys):

1. **Read and validate** (:class:`_Validated`): each input's chunks (from its format's
   reader, :func:`stclusters.extract.formats.iter_extract_with_bad`) are validated
   (:func:`stclusters.extract.contract.validate`); the usable rows go, in order and
   without weights, to a temporary Arrow IPC file (uncompressed: about 165 bytes a row
   on disk for the time of the stage), their document keys and given weights to a
   second one, the rejects to one temporary Parquet file per input; rows used and
   rejected are counted per file and source.
2. **Document weights** (:func:`_document_weights`): a document's rows need not be
   contiguous nor in one chunk, and its weights need all of them. The keys ``(source,
   doc_id)`` with their row number and given weight are split by a hash of the key into
   buckets small enough for memory (``memory_mb``; one bucket up to about 5 million
   rows at 1,500 MB); the hash only chooses the bucket, documents are told apart by
   their exact key (pandas' grouping of the text). All the rows of a document are in
   one bucket, and :func:`stclusters.extract.contract.document_weights` depends on
   nothing else, so a bucket gives every row the bits the whole table would. Each
   bucket's ``(row, weight, doc_weight)`` is written sorted by row.
3. **Write** (:func:`_write_records`): the validated rows again, ``chunk_rows`` at a
   time (one Parquet row group each), with ``record_id`` (the row number), ``weight``
   and ``doc_weight`` merged in from the buckets' sorted results.

The temporaries live in a hidden folder beside the output and are removed at the end.
Output values do not depend on ``chunk_rows`` nor on the number of buckets; in one
chunk, ``records.parquet`` has the bytes :func:`stclusters.io.write_parquet` gives.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from stclusters.arrays import unique
from stclusters.extract.contract import (
    CANONICAL,
    MAX_WEIGHT,
    PASS_THROUGH,
    ROW_COLUMN,
    SOURCES,
    ExtractError,
    document_weights,
    first_reject_error,
    validate,
)
from stclusters.extract.formats import input_source, iter_extract_with_bad
from stclusters.io import ParquetChunkWriter, scratch_dir
from stclusters.progress import Progress

log = logging.getLogger("stclusters")

#: columns of the per-file line accounting (``results/extract/lines.csv``)
LINE_COLUMNS = ["input_file", "format", "encoding", "line_end", "lines_in", "rows_in",
                "lines_blank", "lines_joined", "balanced", "note"]
#: bytes of memory one row of a bucket takes while its document weights are computed
#: (key text, row number, weights and pandas' grouping; measured, with headroom)
BUCKET_ROW_BYTES = 300
#: the most buckets (open files) of pass 2
MAX_BUCKETS = 512
_TEXT = pa.large_string()
#: the validated rows of pass 1, in this order and of these types (``input_file``: the
#: number of the input, its name put back in pass 3)
STAGE1_SCHEMA = pa.schema(
    [("input_file", pa.int32()), ("input_row", pa.int64()), ("source", _TEXT),
     ("doc_id", _TEXT), ("year", pa.int32())]
    + [(c, _TEXT) for c in ("city", "region", "postal_code", "country", "organization")]
    + [("lat", pa.float64()), ("lon", pa.float64()), ("coord_status", _TEXT),
       ("weight_given", pa.bool_())]
    + [(c, _TEXT) for c in PASS_THROUGH]
)
#: the document keys of the validated rows (pass 1 -> pass 2), row for row
KEYS_SCHEMA = pa.schema([("source", _TEXT), ("doc_id", _TEXT),
                         ("given_weight", pa.float64())])
_REJECT_BASE = [("input_file", _TEXT), ("input_row", pa.int64()), ("source", _TEXT),
                ("doc_id", _TEXT), ("reason", _TEXT), ("detail", _TEXT)]


@dataclass
class ExtractSummary:
    """What :func:`extract_streamed` wrote: rows used and rejected, the accounting per
    file and source, the line accounting per file, and the rejects per reason."""

    rows_used: int
    rows_rejected: int
    accounting: pd.DataFrame
    lines: pd.DataFrame
    reasons: dict[str, int]


@dataclass
class _FileRejects:
    """The rejects of one input, written to a temporary Parquet file as found."""

    path: Path
    schema: pa.Schema
    raw_cols: list[str]
    writer: ParquetChunkWriter
    frame_rows: bool = False  # a chunk with rows was validated (its raw_ columns count)
    reader_bad: bool = False  # the reader rejected rows (raw_line counts)


@dataclass
class _Validated:
    """Pass 1: validated rows to a temporary file, rejects per input, counts."""

    folder: Path
    max_weight: float
    on_bad_row: str
    records: _IpcWriter
    keys: _IpcWriter
    used: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    rejects: list[_FileRejects] = field(default_factory=list)
    line_rows: list[dict[str, object]] = field(default_factory=list)
    pass_through: set[str] = field(default_factory=set)

    def add_input(self, entry: Mapping[str, Any], chunk_rows: int, workers: int) -> None:
        """Read, validate and write one input entry, chunk by chunk."""
        path = str(entry["path"])
        fmt, source = entry.get("format"), entry.get("source")
        lines: dict[str, object] = {}
        rows_in = 0
        file_rej: _FileRejects | None = None
        progress = Progress(log, f"extract: read and validate {path}")
        chunks = iter_extract_with_bad(path, fmt, source, entry.get("encoding"), workers,
                                       chunk_rows, lines)
        for raw, bad in chunks:
            if file_rej is None:
                file_rej = self._file_rejects(raw, len(self.rejects))
                self.rejects.append(file_rej)
            rows_in += self._add_chunk(path, input_source(fmt, source), raw, bad, file_rej)
            progress.update(len(raw) + len(bad))
        progress.done()
        if not lines:
            lines = {"lines": rows_in, "blank": 0, "joined": 0}
        line_row = _line_row(path, fmt or "generic", lines, rows_in)
        if not line_row["balanced"]:
            log.warning("%s: %s", path, line_row["note"])
        self.line_rows.append(line_row)

    def _file_rejects(self, raw: pd.DataFrame, k: int) -> _FileRejects:
        """The temporary rejects file of an input whose reader frames look like ``raw``."""
        raw_cols = ["raw_" + c for c in raw.columns
                    if c not in ("source", "doc_id", ROW_COLUMN)]
        schema = pa.schema(_REJECT_BASE + [(c, _TEXT) for c in [*raw_cols, "raw_line"]])
        path = self.folder / f"rejects-{k:05d}.parquet"
        writer = ParquetChunkWriter(path, schema).__enter__()
        return _FileRejects(path, schema, raw_cols, writer)

    def _add_chunk(self, path: str, source: str | None, raw: pd.DataFrame,
                   bad: pd.DataFrame, file_rej: _FileRejects) -> int:
        """Validate one chunk, write its rows and rejects; returns its input rows."""
        if ROW_COLUMN not in raw.columns:
            raw[ROW_COLUMN] = np.arange(1, len(raw) + 1, dtype=np.int64)
        parts = []
        rec = None
        if len(raw):
            rec, rej = validate(raw, path, max_weight=self.max_weight)
            file_rej.frame_rows = True
            parts.append(rej)
        if len(bad):
            parts.append(_reader_rejects(path, bad, source))
            file_rej.reader_bad = True
        rej = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (
            parts[0] if parts else None)
        if rej is not None and len(bad):
            rej = rej.sort_values("input_row", kind="stable").reset_index(drop=True)
        if self.on_bad_row == "error" and rej is not None and len(rej):
            raise first_reject_error(rej)
        if rec is not None and len(rec):
            self._write_records(rec)
        if rej is not None and len(rej):
            file_rej.writer.write(_arrow(rej, file_rej.schema))
            src = rej["source"].where(rej["source"].isin(SOURCES), "<invalid>")
            self.rejected.update(Counter(zip([path] * len(rej), src, strict=True)))
            self.reasons.update(rej["reason"].astype(str).tolist())
        return _distinct(raw[ROW_COLUMN].to_numpy()) + _distinct(
            bad["input_row"].to_numpy() if len(bad) else np.zeros(0, np.int64))

    def _write_records(self, rec: pd.DataFrame) -> None:
        """Append validated rows to the pass-1 file (and count them)."""
        for c in PASS_THROUGH:
            if c in rec.columns:
                self.pass_through.add(c)
        rec["weight_given"] = rec["given_weight"].notna().to_numpy()
        self.keys.write(_arrow(rec, KEYS_SCHEMA))
        counts = rec.groupby(["input_file", "source"], observed=True).size()
        self.used.update({(str(f), str(s)): int(n) for (f, s), n in counts.items()})
        rec["input_file"] = np.full(len(rec), len(self.line_rows), dtype=np.int32)
        self.records.write(_arrow(rec, STAGE1_SCHEMA))


def _distinct(rows: np.ndarray) -> int:
    """How many different input rows ``rows`` holds (readers give them ascending)."""
    if len(rows) < 2:
        return len(rows)
    step = np.diff(rows)
    if (step >= 0).all():
        return int(np.count_nonzero(step)) + 1
    return len(unique(rows))


class _IpcWriter:
    """A temporary Arrow IPC file, uncompressed, written batch by batch: far cheaper to
    write and read back than Parquet for rows read once more (disk: about 200 bytes a
    validated row, for the time of the stage)."""

    def __init__(self, path: Path, schema: pa.Schema, compression: str | None = None
                 ) -> None:
        self.path = path
        self._sink = pa.OSFile(str(path), "wb")
        self._writer = pa.ipc.new_file(
            self._sink, schema, options=pa.ipc.IpcWriteOptions(compression=compression))

    def write(self, table: pa.Table, max_rows: int | None = None) -> None:
        """Append ``table`` (in batches of at most ``max_rows`` rows)."""
        self._writer.write_table(table, max_chunksize=max_rows)

    def close(self) -> None:
        """Finish the file."""
        self._writer.close()
        self._sink.close()


def _ipc_batches(path: Path, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The batches of an Arrow IPC file, one at a time (read, not memory-mapped)."""
    with pa.OSFile(str(path), "rb") as source:
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            yield batch.select(columns) if columns else batch


def _arrow(df: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """``df`` as an Arrow table of ``schema`` (columns it lacks are null)."""
    n = len(df)
    cols = [pa.array(df[f.name], type=f.type, from_pandas=True) if f.name in df.columns
            else pa.nulls(n, f.type) for f in schema]
    return pa.Table.from_arrays(cols, schema=schema)


def _reader_rejects(path: str, bad: pd.DataFrame, source: str | None) -> pd.DataFrame:
    """Rejects-table rows for the input rows a reader could not convert."""
    n = len(bad)
    return pd.DataFrame(
        {
            "input_file": pd.Series([path] * n, dtype="string"),
            "input_row": bad["input_row"].to_numpy(np.int64),
            "source": pd.Series([source] * n, dtype="string"),
            "doc_id": pd.Series([pd.NA] * n, dtype="string"),
            "reason": bad["reason"].astype("string").to_numpy(),
            "detail": bad["detail"].astype("string").to_numpy(),
            "raw_line": bad["raw"].astype("string").to_numpy(),
        }
    )


def _line_row(path: str, fmt: str, lines: Mapping[str, Any], rows_in: int
              ) -> dict[str, object]:
    """One row of the line accounting: physical lines against rows read and rejected."""
    n, blank, joined = int(lines["lines"]), int(lines["blank"]), int(lines["joined"])
    balanced = n == rows_in + blank + joined
    note = (f"{n:,} line(s) = {rows_in:,} row(s) used or rejected + {blank:,} blank"
            f" + {joined:,} inside multi-line quoted fields")
    if not balanced:
        note = f"MISMATCH: {note} does not add up"
    return {"input_file": path, "format": fmt, "encoding": lines.get("encoding", ""),
            "line_end": lines.get("line_end", ""), "lines_in": n, "rows_in": rows_in,
            "lines_blank": blank, "lines_joined": joined, "balanced": balanced,
            "note": note}


def _accounting(used: Counter, rejected: Counter) -> pd.DataFrame:
    """Rows in, used and rejected per input file and source (sorted by both)."""
    keys = sorted(set(used) | set(rejected))
    acc = pd.DataFrame({
        "input_file": [k[0] for k in keys],
        "source": [k[1] for k in keys],
        "rows_used": np.array([used.get(k, 0) for k in keys], dtype=np.int64),
        "rows_rejected": np.array([rejected.get(k, 0) for k in keys], dtype=np.int64),
    })
    acc.insert(2, "rows_in", acc["rows_used"] + acc["rows_rejected"])
    return acc


def _write_rejects(files: list[_FileRejects], out: str | Path, chunk_rows: int) -> None:
    """Gather the inputs' rejects into ``out``: the columns of every input (its raw_
    columns where it had rows to validate, raw_line where its reader rejected rows)."""
    names: list[str] = [n for n, _ in _REJECT_BASE]
    for f in files:
        extra = (f.raw_cols if f.frame_rows else []) + (["raw_line"] if f.reader_bad else [])
        names += [c for c in extra if c not in names]
    schema = pa.schema(_REJECT_BASE + [(c, _TEXT) for c in names[len(_REJECT_BASE):]])
    with ParquetChunkWriter(out, schema) as writer:
        held: list[pa.Table] = []
        n_held = 0
        for f in files:
            for batch in pq.ParquetFile(f.path).iter_batches(batch_size=chunk_rows):
                table = pa.Table.from_batches([batch])
                cols = [table[c] if c in table.column_names else pa.nulls(len(table), _TEXT)
                        for c in schema.names]
                held.append(pa.Table.from_arrays(cols, schema=schema))
                n_held += len(table)
                if n_held >= chunk_rows:
                    writer.write(pa.concat_tables(held))
                    held, n_held = [], 0
        if held:
            writer.write(pa.concat_tables(held))


def _bucket_count(rows: int, memory_mb: float, bucket_rows: int | None) -> int:
    """Buckets for pass 2: each small enough for ``memory_mb`` (or ``bucket_rows``)."""
    per = bucket_rows or max(int(memory_mb * 2**20 / BUCKET_ROW_BYTES), 1)
    return min(max(math.ceil(rows / per), 1), MAX_BUCKETS)


def _text_hash(values: pa.Array) -> np.ndarray:
    """A 64-bit hash of each string of ``values`` (no nulls) from its length and its
    first and last 8 bytes, with numpy (memory and time of a few integers a row):
    deterministic, and only used to spread documents over buckets (they are told apart
    by their exact key)."""
    values = values.cast(pa.large_string())
    n = len(values)
    offsets = np.frombuffer(values.buffers()[1], np.int64)[values.offset:values.offset + n + 1]
    data = values.buffers()[2]
    raw = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    raw = np.concatenate([raw[:int(offsets[-1]) if n else 0], np.zeros(1, np.uint8)])
    start, stop = offsets[:-1], offsets[1:]
    length = stop - start
    h = length.astype(np.uint64)
    with np.errstate(over="ignore"):
        for k in range(8):
            inside = k < length
            head = raw[np.where(inside, start + k, len(raw) - 1)]
            tail = raw[np.where(inside, stop - 1 - k, len(raw) - 1)]
            h = (h * np.uint64(1099511628211) + head) * np.uint64(1099511628211) + tail
    return h


def _key_hash(source: pa.Array, doc_id: pa.Array) -> np.ndarray:
    """A 64-bit hash of each key ``(source, doc_id)``."""
    with np.errstate(over="ignore"):
        h = _text_hash(source) * np.uint64(31) + _text_hash(doc_id)
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(33)
    return h


def _buckets_of(source: pa.Array, doc_id: pa.Array, buckets: int) -> np.ndarray:
    """The bucket (0..buckets-1) of each key ``(source, doc_id)``."""
    return (_key_hash(source, doc_id) % np.uint64(buckets)).astype(np.int64)


_BUCKET_SCHEMA = pa.schema([("row", pa.int64()), *KEYS_SCHEMA])
_WEIGHTS_SCHEMA = pa.schema([("row", pa.int64()), ("weight", pa.float64()),
                             ("doc_weight", pa.float64())])


def _split_buckets(keys: Path, folder: Path, buckets: int) -> list[Path]:
    """Write the keys with their row number into ``buckets`` files by a hash of the
    key ``(source, doc_id)``, each in row order."""
    paths = [folder / f"bucket-{b:04d}.arrow" for b in range(buckets)]
    writers = [_IpcWriter(p, _BUCKET_SCHEMA) for p in paths]
    row0 = 0
    try:
        for batch in _ipc_batches(keys):
            n = batch.num_rows
            rows = pa.array(np.arange(row0, row0 + n, dtype=np.int64))
            table = pa.Table.from_arrays([rows, *batch.columns], schema=_BUCKET_SCHEMA)
            row0 += n
            which = _buckets_of(batch.column(0), batch.column(1), buckets)
            order = np.argsort(which, kind="stable")
            bounds = np.searchsorted(which[order], np.arange(buckets + 1))
            for b in range(buckets):
                if bounds[b + 1] > bounds[b]:
                    writers[b].write(table.take(order[bounds[b]:bounds[b + 1]]))
    finally:
        for w in writers:
            w.close()
    return paths


def _weigh(table: pa.Table, counting: str, dest: Path, chunk_rows: int) -> Path:
    """Write ``(row, weight, doc_weight)`` of a table of ``row, source, doc_id,
    given_weight`` holding all the rows of its documents, in row order, to ``dest``."""
    frame = table.select(["source", "doc_id"]).to_pandas()
    given = np.asarray(table["given_weight"].to_numpy(zero_copy_only=False), float)
    weight, doc_weight = document_weights(frame, given, counting)
    del frame, given
    writer = _IpcWriter(dest, _WEIGHTS_SCHEMA)
    writer.write(pa.Table.from_arrays([table["row"], pa.array(weight), pa.array(doc_weight)],
                                      schema=_WEIGHTS_SCHEMA), chunk_rows)
    writer.close()
    return dest


def _document_weights(keys: Path, folder: Path, buckets: int, chunk_rows: int,
                      counting: str) -> list[Path]:
    """Pass 2: files of ``(row, weight, doc_weight)`` sorted by row, one per bucket (one
    bucket: the keys read at once, without a split)."""
    if buckets == 1:
        table = pa.Table.from_batches(list(_ipc_batches(keys)), schema=KEYS_SCHEMA)
        rows = pa.array(np.arange(table.num_rows, dtype=np.int64))
        return [_weigh(table.add_column(0, "row", rows), counting,
                       folder / "weights-0000.arrow", chunk_rows)]
    out = []
    for k, path in enumerate(_split_buckets(keys, folder, buckets)):
        log.info("extract: document weights, bucket %d of %d", k + 1, buckets)
        table = pa.Table.from_batches(list(_ipc_batches(path)), schema=_BUCKET_SCHEMA)
        out.append(_weigh(table, counting, path.with_name(
            path.name.replace("bucket-", "weights-")), chunk_rows))
        del table
        path.unlink()
    return out


class _SortedRows:
    """Read a file of ``(row, weight, doc_weight)`` sorted by row, a stretch at a time."""

    def __init__(self, path: Path) -> None:
        self._batches = _ipc_batches(path)
        self._held: tuple[np.ndarray, ...] | None = None

    def below(self, end: int) -> Iterator[tuple[np.ndarray, ...]]:
        """The rows (and their weights) before row ``end`` not handed out yet."""
        while True:
            if self._held is None:
                batch = next(self._batches, None)
                if batch is None:
                    return
                self._held = tuple(c.to_numpy() for c in batch.columns)
            rows = self._held[0]
            k = int(np.searchsorted(rows, end))
            yield tuple(a[:k] for a in self._held)
            if k < len(rows):
                self._held = tuple(a[k:] for a in self._held)
                return
            self._held = None


def _chunks_of(batches: Iterator[pa.RecordBatch], chunk_rows: int) -> Iterator[pa.Table]:
    """Tables of exactly ``chunk_rows`` rows (the last one fewer) from ``batches``."""
    held: list[pa.RecordBatch] = []
    n = 0
    for batch in batches:
        held.append(batch)
        n += batch.num_rows
        while n >= chunk_rows:
            table = pa.Table.from_batches(held)
            yield table.slice(0, chunk_rows)
            rest = table.slice(chunk_rows)
            held, n = rest.to_batches(), rest.num_rows
    if n:
        yield pa.Table.from_batches(held)


def _write_records(validated: Path, weights: list[Path], out: str | Path, chunk_rows: int,
                   pass_through: list[str], total: int, files: pa.Array) -> None:
    """Pass 3: the validated rows with ``record_id``, ``weight``, ``weight_given`` and
    ``doc_weight``, a row group of ``chunk_rows`` rows at a time, in the columns
    :data:`CANONICAL` (+ pass-through)."""
    cursors = [_SortedRows(p) for p in weights]
    progress = Progress(log, "extract: write records", total=total)
    schema = _records_schema(pass_through)
    row0 = 0
    with ParquetChunkWriter(out, schema) as writer:
        for chunk in _chunks_of(_ipc_batches(validated), chunk_rows):
            n = chunk.num_rows
            weight = np.full(n, np.nan)
            doc_weight = np.full(n, np.nan)
            filled = 0
            for cursor in cursors:
                for rows, w, dw in cursor.below(row0 + n):
                    weight[rows - row0] = w
                    doc_weight[rows - row0] = dw
                    filled += len(rows)
            if filled != n:
                raise RuntimeError(f"extract: {filled} weights for {n} rows at row {row0}")
            cols = {name: chunk.column(name) for name in chunk.schema.names}
            cols["input_file"] = pc.take(files, cols["input_file"])
            cols.update({
                "record_id": pa.array(np.arange(row0, row0 + n, dtype=np.int64)),
                "weight": pa.array(weight), "doc_weight": pa.array(doc_weight)})
            writer.write(pa.Table.from_arrays([cols[f.name] for f in schema], schema=schema))
            row0 += n
            progress.update(n)
    progress.done()


def _records_schema(pass_through: list[str]) -> pa.Schema:
    """The Arrow schema of ``records.parquet``."""
    types = {f.name: f.type for f in STAGE1_SCHEMA}
    types.update({"input_file": _TEXT, "record_id": pa.int64(), "weight": pa.float64(),
                  "weight_given": pa.bool_(), "doc_weight": pa.float64()})
    return pa.schema([(c, types[c]) for c in [*CANONICAL, *pass_through]])


def extract_streamed(
    inputs: Iterable[Mapping[str, Any]],
    records: str | Path,
    rejects: str | Path,
    counting: str = "fractional",
    on_bad_row: str = "reject",
    max_weight: float = MAX_WEIGHT,
    workers: int = 1,
    chunk_rows: int = 1_000_000,
    memory_mb: float = 1500,
    bucket_rows: int | None = None,
) -> ExtractSummary:
    """Read, validate and weight every input into ``records`` and ``rejects`` (Parquet),
    chunk by chunk (see the module's description); returns the accounting.

    Same rows, values and order as :func:`stclusters.extract.stage.extract` describes,
    whatever ``chunk_rows``. ``memory_mb`` bounds the document keys held at once (pass
    2); ``bucket_rows`` (tests) sets the rows per bucket instead. Temporaries go to a
    hidden folder beside ``records``, removed at the end.
    """
    chunk_rows = max(int(chunk_rows), 1)
    Path(records).parent.mkdir(parents=True, exist_ok=True)
    with scratch_dir(Path(records).parent, "extract") as folder:
        validated = _IpcWriter(folder / "validated.arrow", STAGE1_SCHEMA)
        keys = _IpcWriter(folder / "keys.arrow", KEYS_SCHEMA)
        state = _Validated(folder, max_weight, on_bad_row, validated, keys)
        try:
            for entry in inputs:
                state.add_input(entry, chunk_rows, workers)
        finally:
            for f in state.rejects:
                f.writer.__exit__(None, None, None)
            validated.close()
            keys.close()
        n_used, n_rej = sum(state.used.values()), sum(state.rejected.values())
        if not state.line_rows:
            raise ExtractError("no input files given")
        if not n_used:
            raise ExtractError(f"no usable rows in any input file ({len(state.line_rows)} "
                               f"file(s), {n_rej:,} row(s) rejected: see "
                               f"results/extract/rejects.parquet)")
        buckets = _bucket_count(n_used, memory_mb, bucket_rows)
        log.info("extract: %d rows validated; document weights in %d bucket(s)",
                 n_used, buckets)
        weights = _document_weights(keys.path, folder, buckets, chunk_rows, counting)
        keys.path.unlink()
        _write_rejects(state.rejects, rejects, chunk_rows)
        _write_records(validated.path, weights, records, chunk_rows,
                       [c for c in PASS_THROUGH if c in state.pass_through], n_used,
                       pa.array([r["input_file"] for r in state.line_rows], _TEXT))
    return ExtractSummary(n_used, n_rej, _accounting(state.used, state.rejected),
                          pd.DataFrame(state.line_rows, columns=LINE_COLUMNS),
                          dict(sorted(state.reasons.items())))
