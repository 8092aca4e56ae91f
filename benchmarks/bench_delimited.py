"""Delimited-text parser benchmark (issue 10): a 1,000,000-row CSV extract (a script).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_delimited.py                 # 1,000,000 rows
    .venv/bin/python benchmarks/bench_delimited.py --rows 200000

It writes the demo world (``stclusters.demo.generate``, scale 0.1, seeded) repeated to ``--rows``
rows as a CSV in the raw-extract contract (with its non-ASCII city names: 福岡, Chūō,
...), then times, on the same file: ``pandas.read_csv`` (all text, the former reader),
:func:`stclusters.extract.read_generic` (the exact parser), and the same file with a quote
left open in one row and a quoted field with a line break in another (one block read line
by line). It prints Markdown rows for docs/benchmarks.md:
``| file | rows | MB | pandas.read_csv s | read_generic s | CPU s | rejects | load |``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd


def make_csv(path: Path, n_rows: int, seed: int) -> None:
    from stclusters.demo import generate

    demo = generate(seed=seed, scale=0.1)
    reps = -(-n_rows // len(demo))
    pd.concat([demo] * reps, ignore_index=True).iloc[:n_rows].to_csv(path, index=False)


def broken_copy(src: Path, dst: Path) -> None:
    """``src`` with an unclosed quote in data row 1,000 and a two-line field in row 2,000."""
    lines = src.read_text(encoding="utf-8").split("\n")
    f = lines[1000].split(",")
    f[3] = '"' + f[3]
    lines[1000] = ",".join(f)
    f = lines[2000].split(",")
    f[9] = '"' + f[9] + '\nR&D"'
    lines[2000] = ",".join(f)
    dst.write_text("\n".join(lines), encoding="utf-8")


def timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20240926)
    args = ap.parse_args()
    from stclusters.extract import read_generic

    with tempfile.TemporaryDirectory() as tmp:
        clean, broken = Path(tmp) / "extract.csv", Path(tmp) / "broken.csv"
        make_csv(clean, args.rows, args.seed)
        broken_copy(clean, broken)
        for path in (clean, broken):
            _, pandas_s, _ = timed(lambda p=path: pd.read_csv(p, dtype=str,
                                                              keep_default_na=False))
            (frame, bad), ours_s, cpu = timed(lambda p=path: read_generic(p))
            mb = path.stat().st_size / 1e6
            print(f"| {path.name} | {len(frame) + len(bad):,} | {mb:.0f} | {pandas_s:.1f} | "
                  f"{ours_s:.1f} | {cpu:.1f} | {len(bad)} | {os.getloadavg()[0]:.1f} |")


if __name__ == "__main__":
    main()
