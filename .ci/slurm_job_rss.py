"""Peak memory of every SLURM job on this node, sampled from /proc (make test-slurm).

The local cluster has no accounting database (so no sacct MaxRSS): this samples, every
--interval seconds, the resident memory of all processes under each slurmstepd, summed
per SLURM job (its batch step and its srun steps together), until --stop-file appears.
Writes {jobid: {"peak_mb": ..., "snakemake_mb": ...}} as JSON to --out; snakemake_mb is
the largest sum seen of the job's own Snakemake processes (the executor's wrappers).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections import defaultdict
from pathlib import Path

STEPD = re.compile(r"slurmstepd: \[(\d+)\.")


def snapshot() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, RSS in kB, command line) of every process readable now."""
    procs = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            rss = 0
            for line in Path(f"/proc/{entry.name}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
            cmd = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        procs[int(entry.name)] = (ppid, rss, cmd)
    return procs


def job_usage(procs: dict[int, tuple[int, int, str]]) -> dict[str, tuple[int, int]]:
    """SLURM job id -> (RSS kB of all its processes, RSS kB of its snakemake processes)."""
    children = defaultdict(list)
    for pid, (ppid, _, _) in procs.items():
        children[ppid].append(pid)
    usage: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pid, (_, _, cmd) in procs.items():
        m = STEPD.match(cmd)
        if not m:
            continue
        stack = list(children[pid])
        while stack:
            p = stack.pop()
            stack.extend(children[p])
            _, rss, c = procs[p]
            usage[m.group(1)][0] += rss
            if "-m snakemake" in c:
                usage[m.group(1)][1] += rss
    return {k: (v[0], v[1]) for k, v in usage.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--stop-file", type=Path, required=True)
    ap.add_argument("--interval", type=float, default=0.5)
    args = ap.parse_args()
    peaks: dict[str, dict[str, float]] = {}
    while not args.stop_file.exists():
        for job, (total, smk) in job_usage(snapshot()).items():
            p = peaks.setdefault(job, {"peak_mb": 0.0, "snakemake_mb": 0.0})
            p["peak_mb"] = max(p["peak_mb"], round(total / 1024, 1))
            p["snakemake_mb"] = max(p["snakemake_mb"], round(smk / 1024, 1))
        args.out.write_text(json.dumps(peaks, indent=1, sort_keys=True), encoding="utf-8")
        time.sleep(args.interval)


if __name__ == "__main__":
    main()
