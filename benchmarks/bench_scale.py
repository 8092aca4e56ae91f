"""Per-rule wall time and peak memory of a workflow run, as a Markdown table.

Runs the workflow in RUN_DIR (an empty folder is enough: the Snakefile is this checkout's,
the configuration this checkout's config.yaml with the scenario file over it) and reads
every benchmark file it left, or only reads those of an earlier run with ``--no-run``:

    python benchmarks/bench_scale.py RUN_DIR --configfile config/scale.yaml
    python benchmarks/bench_scale.py RUN_DIR --no-run

The default targets are the two rankings (``results/ranking/{gii2024,gii2025}/clusters.csv``);
name others after ``--targets``. Snakemake runs with ``--benchmark-extended`` so that every
``results/benchmarks/**/*.tsv`` names its rule and wildcards (read with
``check_requests.read_benchmarks``, the reader ``benchmarks/check_requests.py`` uses). The
total wall time of the run is kept in ``RUN_DIR/bench_scale.json`` for later ``--no-run``
reads. Use an empty RUN_DIR to measure every job (jobs Snakemake finds up to date keep
their earlier files). The table (one row per job, stages in workflow order) is ready to paste into
docs/benchmarks.md; peaks are Snakemake's ``max_rss`` and ``max_pss`` (MiB, shown as MB or
GB = 1024 MB), each summed over the job's processes: a job with forked workers counts the
pages they share with their parent once in PSS and once per process in RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_requests import read_benchmarks  # noqa: E402  (the sibling script's reader)

REPO = Path(__file__).resolve().parents[1]
RANKINGS = ["results/ranking/gii2024/clusters.csv", "results/ranking/gii2025/clusters.csv"]
# workflow order of the stages, for the table; rules not named here follow by name
ORDER = ["demo_world", "extract", "check_data", "gazetteer", "institutions", "geocode",
         "geocode_qa", "locations", "population_raster", "cluster_source", "merge_clusters",
         "rank", "sweep_eps", "sweep_hdbscan", "sensitivity_doc_locations", "sensitivity"]


def run_workflow(run_dir: Path, configfiles: list[Path], targets: list[str], cores: int
                 ) -> dict:
    """Run Snakemake in ``run_dir`` to ``targets``; return the command, status and wall s."""
    run_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(run_dir), "--cores", str(cores), "--benchmark-extended",
           "--configfile", *[str(c.resolve()) for c in configfiles], "--", *targets]
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    shown = [str(c.resolve().relative_to(REPO)) if c.resolve().is_relative_to(REPO) else str(c)
             for c in configfiles]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, check=False)
    record = {"command": (f"snakemake --cores {cores} --benchmark-extended --configfile "
                          f"{' '.join(shown)} {' '.join(targets)}"),
              "returncode": proc.returncode,
              "wall_s": round(time.perf_counter() - start, 1), "cores": cores,
              "date": time.strftime("%Y-%m-%d %H:%M", time.gmtime())}
    (run_dir / "bench_scale.json").write_text(json.dumps(record, indent=2) + "\n",
                                              encoding="utf-8")
    return record


def memory(mb: float) -> str:
    """``mb`` (MiB) as ``868 MB`` or ``2.19 GB``."""
    return f"{mb:,.0f} MB" if mb < 1024 else f"{mb / 1024:.2f} GB"


def duration(seconds: float) -> str:
    """``seconds`` as ``95.3 s`` or, from a minute on, also ``(1 min 35 s)``."""
    s = f"{seconds:.1f} s"
    if seconds >= 60:
        s += f" ({int(seconds // 60)} min {int(round(seconds % 60))} s)"
    return s


def job_label(job: dict) -> str:
    """The job's wildcards, e.g. ``gii2024`` or ``pct, fractional``."""
    return ", ".join(str(v) for v in job["wildcards"].values())


def table(jobs: list[dict]) -> list[str]:
    """Markdown lines: one row per job, stages in workflow order."""
    def key(job):
        rule = job["rule"]
        return (ORDER.index(rule) if rule in ORDER else len(ORDER), rule, job_label(job))

    lines = ["| rule | job | wall s | peak RSS | peak PSS |", "|---|---|---:|---:|---:|"]
    for job in sorted(jobs, key=key):
        lines.append(f"| {job['rule']} | {job_label(job)} | {job['seconds']:.1f} | "
                     f"{memory(job['peak_mb'])} | {memory(job['pss_mb'])} |")
    return lines


def summary(jobs: list[dict], record: dict | None) -> list[str]:
    """The lines under the table: total wall time, job count, the largest peak."""
    worst = max(jobs, key=lambda j: j["peak_mb"])
    who = " ".join(x for x in (worst["rule"], job_label(worst)) if x)
    out = [f"{len(jobs)} jobs; sum of job wall times {duration(sum(j['seconds'] for j in jobs))}; "
           f"largest peak {memory(worst['peak_mb'])} ({who})."]
    if record:
        status = "" if record["returncode"] == 0 else f" (FAILED, exit {record['returncode']})"
        out.insert(0, f"Total wall time {duration(record['wall_s'])} on --cores "
                      f"{record['cores']}{status}, {record['date']} UTC: "
                      f"`{record['command']}`")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--configfile", type=Path, default=REPO / "config" / "scale.yaml",
                    help="scenario file over the checkout's config.yaml")
    ap.add_argument("--targets", nargs="+", default=RANKINGS)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--no-run", action="store_true", help="only read an earlier run")
    args = ap.parse_args(argv)
    saved = args.run_dir / "bench_scale.json"
    if args.no_run:
        record = json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else None
    else:
        record = run_workflow(args.run_dir, [REPO / "config.yaml", args.configfile],
                              args.targets, args.cores)
    jobs = read_benchmarks(args.run_dir / "results" / "benchmarks")
    if not jobs:
        print(f"no extended benchmark files under {args.run_dir}/results/benchmarks "
              "(run snakemake with --benchmark-extended)", file=sys.stderr)
        return 1
    print("\n".join(table(jobs)))
    print()
    print("\n".join(summary(jobs, record)))
    return 0 if record is None or record["returncode"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
