"""Peak memory of every SLURM job on this node, sampled from /proc (make test-slurm).

The local cluster has no accounting database (so no sacct MaxRSS): this samples, every
--interval seconds, the resident memory of all processes under each slurmstepd, summed
per SLURM job (its batch step and its srun steps together), until --stop-file appears.
Writes {jobid: {"peak_mb": ..., "snakemake_mb": ..., "scripts": {name: mb}}} as JSON to
--out; snakemake_mb is the largest sum seen of the job's own Snakemake processes (the
executor's wrappers); scripts holds, for every rule script that ran in the job (a group job
runs several; the name is the script's, scripts/<name>.py), the largest sum seen of one
such script's processes and the job's processes that are no rule's script (its Snakemake
processes, srun): what a single job of that rule would hold, to compare with the rule's
own request.
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
# a rule's script as Snakemake runs it: python .../.snakemake/scripts/tmpXXXXXXXX.<name>.py
SCRIPT = re.compile(r"/\.snakemake/scripts/tmp[^/. ]+\.(\w+)\.py\b")


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


def subtree_kb(pid: int, procs: dict[int, tuple[int, int, str]],
               children: dict[int, list[int]]) -> int:
    """RSS in kB of ``pid`` and all its descendants."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children[p])
        total += procs[p][1]
    return total


def job_usage(procs: dict[int, tuple[int, int, str]]) -> dict[str, dict]:
    """SLURM job id -> {"total": RSS kB of all its processes, "snakemake": RSS kB of its
    snakemake processes, "wrappers": RSS kB of those that are no rule's script, "scripts":
    {script name: RSS kB of its largest process with that process's children}}."""
    children = defaultdict(list)
    for pid, (ppid, _, _) in procs.items():
        children[ppid].append(pid)
    usage: dict[str, dict] = {}
    for pid, (_, _, cmd) in procs.items():
        m = STEPD.match(cmd)
        if not m:
            continue
        u = usage.setdefault(m.group(1), {"total": 0, "snakemake": 0, "wrappers": 0,
                                          "scripts": defaultdict(int)})
        stack = list(children[pid])
        while stack:
            p = stack.pop()
            _, rss, c = procs[p]
            script = SCRIPT.search(c)
            if script:
                # the script and its worker processes count for its rule
                kb = subtree_kb(p, procs, children)
                u["total"] += kb
                u["scripts"][script.group(1)] = max(u["scripts"][script.group(1)], kb)
                continue
            u["total"] += rss
            u["wrappers"] += rss
            if "-m snakemake" in c:
                u["snakemake"] += rss
            stack.extend(children[p])
    return usage


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--stop-file", type=Path, required=True)
    ap.add_argument("--interval", type=float, default=0.5)
    args = ap.parse_args()
    peaks: dict[str, dict[str, float]] = {}
    while not args.stop_file.exists():
        for job, u in job_usage(snapshot()).items():
            p = peaks.setdefault(job, {"peak_mb": 0.0, "snakemake_mb": 0.0, "scripts": {}})
            p["peak_mb"] = max(p["peak_mb"], round(u["total"] / 1024, 1))
            p["snakemake_mb"] = max(p["snakemake_mb"], round(u["snakemake"] / 1024, 1))
            for name, kb in u["scripts"].items():
                mb = round((kb + u["wrappers"]) / 1024, 1)
                p["scripts"][name] = max(p["scripts"].get(name, 0.0), mb)
        args.out.write_text(json.dumps(peaks, indent=1, sort_keys=True), encoding="utf-8")
        time.sleep(args.interval)


if __name__ == "__main__":
    main()
