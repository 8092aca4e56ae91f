"""Checks of `make test-slurm` (.ci/test-slurm.sh) on its two runs of the same targets.

WORK/local and WORK/slurm are the working directories, WORK/local.log and WORK/slurm.log
the Snakemake logs. Checks that every job went through sbatch (SLURM job ids in the log,
each one seen finished by squeue and by sacct), that the grouped rules went as few
submissions (one per group, not one per job), that the rankings and sweep summaries
are byte-identical to the local run, and that no job's sampled memory (WORK/job_rss.json,
.ci/slurm_job_rss.py) went above its request: a single job's against the job's --mem, and
each member rule of a group job (its script with the job's Snakemake processes, what a
single job of it would hold) against that rule's own request. Prints the SLURM job ids,
the numbers of jobs and submissions and both wall times; writes WORK/summary.json; exits 1
on any failed check.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import re
import subprocess
import sys
from pathlib import Path

# a group member as the Snakemake inside a group job runs it, with its own request
MEMBER = re.compile(r"^localrule (\w+):\n(?:    .*\n)*?    resources: .*?\bmem_mb=(\d+)", re.M)
SUBMITTED = re.compile(r"Job (\S+) has been submitted with SLURM jobid (\d+) \(log: (.+?)\)\.")
STEPS = re.compile(r"(\d+) of (\d+) steps \(100%\) done")
# what must be byte-identical between the local and the SLURM run
COMPARED = ("results/ranking/*/clusters.csv", "results/ranking/*/clusters.parquet",
            "results/sweep/summary/*/*.csv")


def submissions(log: str) -> list[dict[str, str]]:
    """(SLURM job id, what it ran) of every sbatch the log reports.

    What it ran comes from the plugin's log path: .snakemake/slurm_logs/rule_<rule>/...
    for a single job, .../group_<group>/... for a group job.
    """
    subs = []
    for _, slurm_id, path in SUBMITTED.findall(log):
        kind = next((p for p in Path(path).parts if p.startswith(("rule_", "group_"))), "?")
        subs.append({"slurm_jobid": slurm_id, "runs": kind, "log": path})
    return subs


def member_requests(log_path: Path) -> dict[str, float]:
    """rule -> the smallest memory request (MB) of its jobs that ran in a group job.

    Read from the group job's SLURM log (kept: the test runs with
    --slurm-keep-successful-logs), where the Snakemake inside the job prints every member
    it runs with the resources it has for it once its inputs exist.
    """
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    requests: dict[str, float] = {}
    for rule, mb in MEMBER.findall(text):
        requests[rule] = min(requests.get(rule, float("inf")), float(mb))
    return requests


def script_rules(rules_dir: Path) -> dict[str, list[str]]:
    """Script name (scripts/<name>.py) -> the rules that run it, from the rule files."""
    found: dict[str, list[str]] = {}
    for smk in sorted(rules_dir.glob("*.smk")):
        text = smk.read_text(encoding="utf-8")
        for block in re.split(r"^(?=(?:rule|checkpoint) )", text, flags=re.M):
            rule = re.match(r"(?:rule|checkpoint) (\w+):", block)
            script = re.search(r"^\s+script:\s*\n?\s*[\"']([^\"']+)\.py[\"']", block, re.M)
            if rule and script:
                found.setdefault(Path(script.group(1)).name, []).append(rule.group(1))
    return found


def steps_done(log: str) -> int:
    """Number of Snakemake jobs the run reports done (0 if it never reached 100 %)."""
    found = STEPS.findall(log)
    return int(found[-1][1]) if found else 0


def memory_mb(text: str) -> float:
    """squeue's memory field (e.g. 650M, 2G) in MB."""
    units = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}
    text = text.strip()
    return float(text[:-1]) * units[text[-1]] if text and text[-1] in units else float(text)


def slurm_states(ids: list[str]) -> tuple[dict[str, str], dict[str, str], str, dict[str, float]]:
    """Final states of the jobs ``ids`` as squeue and as sacct report them, and requests.

    The requests are the memory (MB) each job asked for, as squeue shows it.

    sacct reads the accounting database; without one (accounting_storage/none) it
    reads the job-completion log instead (``sacct -c``, jobcomp/filetxt).
    """
    joined = ",".join(ids)
    out = subprocess.run(["squeue", "--states=all", "--noheader", "--format=%i|%T|%m",
                          f"--jobs={joined}"], capture_output=True, text=True).stdout
    rows = [line.split("|") for line in out.split() if line.count("|") == 2]
    squeue = {r[0]: r[1] for r in rows}
    requested = {r[0]: memory_mb(r[2]) for r in rows}
    sacct_how = "sacct (accounting database)"
    proc = subprocess.run(["sacct", "-X", "-n", "-P", "-o", "JobIDRaw,State", "-j", joined],
                          capture_output=True, text=True)
    if proc.returncode != 0 or "disabled" in proc.stderr:
        sacct_how = "sacct -c (job-completion log; no accounting database)"
        proc = subprocess.run(["sacct", "-c", "-n", "-P", "-o", "JobID,State", "-j", joined],
                              capture_output=True, text=True)
    sacct = dict(line.split("|", 1) for line in proc.stdout.split() if "|" in line)
    return squeue, sacct, sacct_how, requested


def compare(work: Path) -> tuple[list[str], list[str]]:
    """Files of COMPARED that are byte-identical, and those that differ or are missing."""
    same, differ = [], []
    for pattern in COMPARED:
        for local in sorted((work / "local").glob(pattern)):
            rel = str(local.relative_to(work / "local"))
            other = work / "slurm" / rel
            ok = other.exists() and filecmp.cmp(local, other, shallow=False)
            (same if ok else differ).append(rel)
    return same, differ


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--local-seconds", type=int, required=True)
    ap.add_argument("--slurm-seconds", type=int, required=True)
    ap.add_argument("--cores", type=int, required=True)
    ap.add_argument("--rules", type=Path, default=Path(__file__).resolve().parent.parent / "rules",
                    help="the workflow's rule files (which rule runs which script)")
    args = ap.parse_args()
    log = (args.work / "slurm.log").read_text(encoding="utf-8", errors="replace")
    local_log = (args.work / "local.log").read_text(encoding="utf-8", errors="replace")

    subs = submissions(log)
    ids = [s["slurm_jobid"] for s in subs]
    jobs_local, jobs_slurm = steps_done(local_log), steps_done(log)
    squeue, sacct, sacct_how, requested = slurm_states(ids) if ids else ({}, {}, "sacct", {})
    rss_file = args.work / "job_rss.json"
    rss = json.loads(rss_file.read_text(encoding="utf-8")) if rss_file.exists() else {}
    # the executor's own Snakemake processes around a single (not group) job
    wrapper = [rss[i]["snakemake_mb"] for i in ids
               if i in rss and not next(s for s in subs if s["slurm_jobid"] == i)["runs"]
               .startswith("group_")]
    over = [i for i in ids if i in rss and rss[i]["peak_mb"] > requested.get(i, 0)]
    # every member rule of a group job against its own request: its script's processes
    # and the job's wrappers, what a single job of it would hold
    runs_script = script_rules(args.rules)
    members = []
    for s in subs:
        if not s["runs"].startswith("group_") or s["slurm_jobid"] not in rss:
            continue
        own = member_requests(Path(s["log"]))
        for name, peak in sorted(rss[s["slurm_jobid"]].get("scripts", {}).items()):
            rules = [r for r in runs_script.get(name, [name]) if r in own]
            members.append({"slurm_jobid": s["slurm_jobid"], "rule": "/".join(rules) or name,
                            "peak_mb": peak,
                            "request_mb": min((own[r] for r in rules), default=None)})
    members_over = [m for m in members
                    if m["request_mb"] is None or m["peak_mb"] > m["request_mb"]]
    same, differ = compare(args.work)
    groups = sorted({s["runs"] for s in subs if s["runs"].startswith("group_")})
    grouped_once = all(sum(s["runs"] == g for s in subs) == 1 for g in groups)

    print("test-slurm: SLURM job ids seen (state by squeue / by sacct; memory peak / request):")
    for s in subs:
        i = s["slurm_jobid"]
        peak = rss.get(i, {}).get("peak_mb")
        print(f"  {i:>6}  {s['runs']:<32} {squeue.get(i, '-'):<10} {sacct.get(i, '-'):<10}"
              f" {peak if peak is not None else '-':>7} / {requested.get(i, 0):.0f} MB")
    if members:
        print("test-slurm: group members (each rule's script with the job's wrappers; "
              "memory peak / the rule's own request):")
    for m in members:
        req = f"{m['request_mb']:.0f}" if m["request_mb"] is not None else "-"
        print(f"  {m['slurm_jobid']:>6}  {m['rule']:<32} {m['peak_mb']:>7} / {req} MB")
    checks = {
        "jobs went through sbatch (SLURM job ids in the log)": bool(ids),
        "squeue saw every job finish (COMPLETED)": bool(ids)
        and all(squeue.get(i) == "COMPLETED" for i in ids),
        f"{sacct_how} saw every job finish": bool(ids)
        and all(sacct.get(i) == "COMPLETED" for i in ids),
        "grouped rules went as one submission per group "
        f"({', '.join(g.split('_')[1] for g in groups)})": bool(groups) and grouped_once,
        f"rankings and sweep summaries byte-identical to the local run ({len(same)} files)":
        bool(same) and not differ,
        f"same number of jobs as locally ({jobs_local})": jobs_local > 0
        and jobs_slurm == jobs_local,
        f"no job's sampled memory peak above its request ({len(rss)} sampled)": bool(rss)
        and not over,
        f"no group member's sampled memory peak above its rule's own request ({len(members)}"
        " rules in group jobs)": bool(members) and not members_over,
    }
    summary = {
        "jobs": jobs_slurm, "submissions": len(subs), "groups": groups,
        "slurm_jobids": ids, "local_seconds": args.local_seconds,
        "slurm_seconds": args.slurm_seconds, "cores": args.cores,
        "identical": same, "differ": differ, "checks": checks,
        "job_rss_mb": rss, "requested_mb": requested, "group_members": members,
        "wrapper_mb_max": max(wrapper, default=None),
    }
    (args.work / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"test-slurm: {jobs_slurm} jobs in {len(subs)} SLURM submissions "
          f"(groups: {', '.join(groups) or 'none'}); wall time local {args.local_seconds} s, "
          f"through SLURM {args.slurm_seconds} s ({args.cores} cores); the executor's "
          f"Snakemake processes around a single job: up to {max(wrapper, default=0):.0f} MB")
    for name, ok in checks.items():
        print(f"test-slurm: {'ok  ' if ok else 'FAIL'} {name}")
    for rel in differ:
        print(f"test-slurm: differs or missing: {rel}")
    failed = sum(not ok for ok in checks.values())
    print(f"slurm: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
