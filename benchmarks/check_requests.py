"""Compare every rule's memory request (rules/resources.smk) with its measured peak.

Reads the benchmark files of a run made with ``--benchmark-extended`` (they record each
job's rule, wildcards, input files and sizes, and peak RSS), computes the request the rule
functions give for exactly those inputs, and prints one Markdown row per rule:

    python benchmarks/check_requests.py RUN_DIR [--wrapper-mb 300] [--max-ratio 2]

RUN_DIR is the run's working directory (results/benchmarks/ and config.yaml in it).
A job's peak on a cluster node is the rule's own process (the benchmark's max_rss) plus
the Snakemake processes the executor wraps it in (--wrapper-mb, measured by make
test-slurm). The request must cover that peak and stay within --max-ratio of it; exit 1
where a rule's request falls outside.
"""

from __future__ import annotations

import argparse
import ast
import csv
import sys
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


class Inputs(list):
    """The slice of Snakemake's InputFiles the resource functions read: paths and sizes."""

    def __init__(self, sizes_mb: dict[str, float]):
        super().__init__(sizes_mb)
        self.size_files_mb = list(sizes_mb.values())


def load_resources(config: dict) -> dict:
    """The namespace of rules/resources.smk (plain Python), with the run's ``config``."""
    path = REPO / "rules" / "resources.smk"
    namespace: dict = {"config": config, "__name__": "resources"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


def read_benchmarks(bench_dir: Path) -> list[dict]:
    """One record per extended benchmark file: rule, wildcards, inputs, peak RSS and PSS
    (MB: the sums over the job's processes, as Snakemake records them)."""
    jobs = []
    for tsv in sorted(bench_dir.rglob("*.tsv")):
        rows = list(csv.DictReader(tsv.open(encoding="utf-8"), delimiter="\t"))
        if not rows or "rule_name" not in rows[0]:
            continue
        rss = [float(r["max_rss"]) for r in rows if r["max_rss"] not in ("", "NA")]
        if not rss:
            continue
        jobs.append({
            "rule": rows[-1]["rule_name"],
            "wildcards": ast.literal_eval(rows[-1]["wildcards"]),
            "inputs": ast.literal_eval(rows[-1]["input_size_mb"]),
            "peak_mb": max(rss),
            # proportional set size: pages a job's forked workers share counted once
            "pss_mb": max((float(r["max_pss"]) for r in rows
                           if r.get("max_pss") not in (None, "", "NA")), default=max(rss)),
            "seconds": max(float(r["s"]) for r in rows),
            "file": str(tsv.relative_to(bench_dir)),
        })
    return jobs


def compare(jobs: list[dict], res: dict, wrapper_mb: float) -> dict[str, dict]:
    """Per rule: jobs, input MB range, peak and request ranges, request/peak ratio range."""
    by_rule: dict[str, dict] = defaultdict(lambda: {"jobs": 0, "ratios": [], "peaks": [],
                                                     "requests": [], "inputs": [],
                                                     "minutes": [], "seconds": []})
    for job in jobs:
        inputs = Inputs(job["inputs"])
        request = res["memory_mb"](job["rule"], job["wildcards"], inputs, 1)
        minutes = res["runtime_minutes"](job["rule"], job["wildcards"], inputs, 1)
        peak = job["peak_mb"] + wrapper_mb
        row = by_rule[job["rule"]]
        row["jobs"] += 1
        row["peaks"].append(job["peak_mb"])
        row["requests"].append(request)
        row["ratios"].append(request / peak)
        row["inputs"].append(res["input_mb"](inputs))
        row["minutes"].append(minutes)
        row["seconds"].append(job["seconds"])
    return dict(sorted(by_rule.items()))


def span(values: list[float], fmt: str = "{:.0f}") -> str:
    lo, hi = min(values), max(values)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else f"{fmt.format(lo)}-{fmt.format(hi)}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--wrapper-mb", type=float, default=300.0,
                    help="RSS of the executor's Snakemake processes around a job (MB)")
    ap.add_argument("--max-ratio", type=float, default=2.0)
    args = ap.parse_args()
    cfg_file = args.run_dir / "config.yaml"
    config = yaml.safe_load(cfg_file.read_text(encoding="utf-8")) if cfg_file.exists() else {}
    res = load_resources(config or {})
    jobs = read_benchmarks(args.run_dir / "results" / "benchmarks")
    if not jobs:
        print(f"no extended benchmark files under {args.run_dir}/results/benchmarks "
              "(run snakemake with --benchmark-extended)", file=sys.stderr)
        return 1
    rows = compare(jobs, res, args.wrapper_mb)
    missing = sorted(set(res["RESOURCES"]) - set(rows))
    print(f"Requests vs peaks: {len(jobs)} jobs of {len(rows)} rules in {args.run_dir} "
          f"(job peak = rule's max_rss + {args.wrapper_mb:.0f} MB of executor wrappers)\n")
    print("| rule | jobs | input MB | rule peak MB | job peak MB | request MB | "
          "request / job peak | request / rule peak | wall s | runtime limit min |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    bad = []
    for rule, r in rows.items():
        ok = all(1.0 <= x <= args.max_ratio for x in r["ratios"])
        if not ok:
            bad.append(rule)
        print(f"| {rule} | {r['jobs']} | {span(r['inputs'], '{:.1f}')} | {span(r['peaks'])} | "
              f"{span([p + args.wrapper_mb for p in r['peaks']])} | {span(r['requests'])} | "
              f"{span(r['ratios'], '{:.2f}')}{'' if ok else ' **out**'} | "
              f"{span([q / p for q, p in zip(r['requests'], r['peaks'], strict=True)], '{:.1f}')} | "
              f"{span(r['seconds'])} | {span(r['minutes'])} |")
    worst = max(max(r["ratios"]) for r in rows.values())
    least = min(min(r["ratios"]) for r in rows.values())
    print(f"\nrequest / job peak: {least:.2f}-{worst:.2f} (bounds 1.00-{args.max_ratio:.2f}); "
          f"rules outside: {', '.join(bad) or 'none'}"
          + (f"; rules without a benchmark here: {', '.join(missing)}" if missing else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
