"""Command line: ``python -m stclusters {geocode,demo} ...`` (also installed as ``stclusters``).

The workflow itself runs with ``snakemake``; these commands expose single stages for
analysts who want them on their own files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from stclusters.extract.contract import ExtractError
from stclusters.io import write_csv, write_csv_blocks

GEOCODE_HELP = """\
Geocode a CSV of addresses offline.

IN.csv needs the columns city and country (ISO2, ISO3 or English name); region
(state/province code or name), postal_code, lat and lon are optional. Any other
columns pass through unchanged, except that a text cell starting with = + - @ (a
spreadsheet formula) gets a leading ' (docs/data-format.md). OUT.csv has the same rows in the same order, with
these columns added:

  lat, lon      coordinates (given ones are kept when valid)
  geonameid     GeoNames id of the place (-1: none)
  place_name    GeoNames name of the place
  country_iso2  the country as ISO 3166 alpha-2
  geo_method    given, exact, alternate, fuzzy, region, country or unmatched
  geo_score     0-100 (100 exact/alternate/given, the fuzzy score, 50 region, 10 country)
  reason        why a row is unmatched (no_address, unknown_country, no_match)
"""

DEMO_HELP = """\
Write the synthetic demo-world extract (about 300,000 rows a unit of --scale) to
OUT.parquet or OUT.csv (any other name), generated and written block by block as the
workflow's demo_world step does, so memory stays that of one block at any scale. The
rows depend on --seed and --scale only; a Parquet file of one chunk has the bytes of
the workflow's demo extract. CSV text cells starting with = + - @ get a leading '.
"""


def _geocode(args: argparse.Namespace) -> int:
    from stclusters.geocode import geocode
    from stclusters.geocode.gazetteer import build_gazetteer

    try:
        df = pd.read_csv(args.input, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ExtractError(f"{args.input}: cannot be read: {e}") from e
    cols = {c.lower().strip(): c for c in df.columns}
    missing = [c for c in ("city", "country") if c not in cols]
    if missing:
        raise ExtractError(f"{args.input}: missing required column(s) {', '.join(missing)}")

    def col(name: str) -> pd.Series:
        if name in cols:
            s = df[cols[name]].astype("string").str.strip()
            return s.mask(s == "")
        return pd.Series(pd.NA, index=df.index, dtype="string")

    lat = pd.to_numeric(col("lat"), errors="coerce").astype(float)
    lon = pd.to_numeric(col("lon"), errors="coerce").astype(float)
    valid = lat.between(-90, 90) & lon.between(-180, 180) & ~((lat == 0) & (lon == 0))
    records = pd.DataFrame(
        {
            "record_id": np.arange(len(df), dtype=np.int64),
            "source": "cli",
            "doc_id": np.arange(len(df)).astype(str),
            "year": 0,
            "city": col("city"),
            "region": col("region"),
            "postal_code": col("postal_code"),
            "country": col("country"),
            "organization": pd.NA,
            "lat": lat.where(valid),
            "lon": lon.where(valid),
            "coord_status": np.where(valid, "valid", "none"),
            "weight": 1.0,
        }
    )
    places, names = build_gazetteer(min_population=args.min_population)
    placed, unmatched = geocode(records, places, names, fuzzy_min_score=args.fuzzy_min_score)
    added = ["lat", "lon", "geonameid", "place_name", "country_iso2", "geo_method", "geo_score"]
    res = pd.concat(
        [
            placed[["record_id", *added]].assign(reason=pd.NA),
            unmatched[["record_id", "reason"]].assign(
                geonameid=-1, geo_method="unmatched", geo_score=0.0
            ),
        ],
        ignore_index=True,
    ).set_index("record_id").sort_index()
    out = df.drop(columns=[c for c in df.columns if c.lower() in ("lat", "lon")])
    for c in [*added, "reason"]:
        out[c] = res[c].to_numpy()
    write_csv(out, args.output, float_format=None)
    n_un = len(unmatched)
    print(f"{len(df)} rows: {len(df) - n_un} placed, {n_un} unmatched -> {args.output}",
          file=sys.stderr)
    return 0


def write_demo_csv(path: str | Path, seed: int = 20240926, scale: float = 1.0,
                   block_scale: float = 1.0) -> int:
    """Write the demo extract as CSV block by block (memory: one block); return the rows:
    :func:`stclusters.io.write_csv_blocks` of the blocks, so the bytes of
    :func:`stclusters.io.write_csv` (``float_format=None``) of the whole frame.
    ``block_scale``: see :func:`stclusters.demo.generate_blocks`."""
    from stclusters.demo import generate_blocks

    blocks = generate_blocks(seed, scale, block_scale=block_scale)
    return write_csv_blocks((df for df, _ in blocks), path, float_format=None)


def _demo(args: argparse.Namespace) -> int:
    from stclusters.demo import write_demo

    if args.output.endswith(".parquet"):
        rows = write_demo(args.output, chunk_rows=args.chunk_rows, seed=args.seed,
                          scale=args.scale, workers=args.workers)
    else:
        rows = write_demo_csv(args.output, seed=args.seed, scale=args.scale)
    print(f"{rows} demo rows -> {args.output}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m stclusters``."""
    parser = argparse.ArgumentParser(prog="stclusters", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("geocode", help="geocode a CSV of addresses offline",
                       description=GEOCODE_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    g.add_argument("input", metavar="IN.csv")
    g.add_argument("output", metavar="OUT.csv")
    g.add_argument("--min-population", type=int, default=1000,
                   choices=[500, 1000, 5000, 15000],
                   help="smallest GeoNames places in the gazetteer (default 1000)")
    g.add_argument("--fuzzy-min-score", type=float, default=90.0,
                   help="rapidfuzz WRatio threshold of the fuzzy fallback (default 90)")
    g.set_defaults(func=_geocode)

    d = sub.add_parser("demo", help="write the synthetic demo-world extract",
                       description=DEMO_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("output", metavar="OUT.{csv,parquet}")
    d.add_argument("--seed", type=int, default=20240926)
    d.add_argument("--scale", type=float, default=1.0)
    d.add_argument("--chunk-rows", type=int, default=1_000_000,
                   help="rows per Parquet row group, cut between documents (default "
                        "1000000; the rows do not depend on it)")
    d.add_argument("--workers", type=int, default=1,
                   help="processes generating blocks for a Parquet output (default 1; "
                        "the same bytes for any number)")
    d.set_defaults(func=_demo)

    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ExtractError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
