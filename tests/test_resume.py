"""A run killed outright (SIGKILL to Snakemake and its jobs) resumes with the usual
command and ends with the same bytes as a run never interrupted (issue 10, item 5).

The tiny scenario (config/test/tiny.yaml), to the rankings of two variants: the run is
killed while the geocode job is running, then rerun as ``make run`` does it (``python -m
stclusters.runlock``, then plain ``snakemake``; the workflow profile supplies
``rerun-incomplete``), and every output is compared with the same file of an
uninterrupted run: the session's whole-DAG run of the same config (tests/_tiny.py, the one
tests/test_workflow.py reads).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import _tiny
import pytest
from _tiny import tiny_run

REPO = Path(__file__).resolve().parents[1]
TARGETS = ["results/ranking/gii2024/clusters.csv", "results/ranking/gii2025/clusters.csv"]

# two runs of the tiny scenario to its rankings (and the session's whole run): minutes
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups"),
]


def command(workdir: Path) -> tuple[list[str], dict]:
    return _tiny.command(workdir, *TARGETS)


def workdir_with_config(root: Path, name: str) -> Path:
    return _tiny.with_tiny_config(root / name)


def snakemake(workdir: Path) -> subprocess.CompletedProcess:
    cmd, env = command(workdir)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)


def kill_during_geocode(workdir: Path) -> None:
    """Start the run in its own process group; SIGKILL the whole group half a second after
    the geocode job has started (its log says so). The tiny geocode job takes about 2 s
    of work after that line on a quiet, fast machine (longer under the parallel suite), so
    the kill lands in the middle of it."""
    cmd, env = command(workdir)
    with open(workdir / "killed.out", "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        log = workdir / "logs" / "geocode.log"
        deadline = time.monotonic() + 1500
        try:
            while not (log.is_file() and "start" in log.read_text(encoding="utf-8")):
                assert proc.poll() is None, (workdir / "killed.out").read_text()[-3000:]
                assert time.monotonic() < deadline, "geocode never started"
                time.sleep(0.05)
            time.sleep(0.5)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def digests(workdir: Path) -> dict[str, str]:
    """md5 of every file under results/ (timings under results/benchmarks/ left out)."""
    root = workdir / "results"
    return {
        str(p.relative_to(root)): hashlib.md5(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != "benchmarks"
    }


def test_killed_run_resumes_to_identical_outputs(tmp_path, tmp_path_factory):
    killed = workdir_with_config(tmp_path, "killed")
    kill_during_geocode(killed)
    # the kill hit a running job: its outputs are missing and marked incomplete
    assert not (killed / "results" / "geocode" / "records.parquet").exists(), \
        "the geocode job finished before the kill: " + (killed / "logs" / "geocode.log").read_text()
    assert any((killed / ".snakemake" / "incomplete").iterdir())
    assert any((killed / ".snakemake" / "locks").iterdir())

    # plain snakemake refuses the directory a killed run left locked ...
    proc = snakemake(killed)
    assert proc.returncode != 0 and "--unlock" in proc.stdout + proc.stderr
    # ... `make run` first clears the stale lock (no snakemake runs there), then reruns;
    # the profile's rerun-incomplete makes the rerun take the interrupted job up again
    env = dict(os.environ, PYTHONPATH=str(REPO))
    unlock = subprocess.run([sys.executable, "-m", "stclusters.runlock", str(killed)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert unlock.returncode == 0 and "removed" in unlock.stderr
    proc = snakemake(killed)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert "IncompleteFilesException" not in proc.stdout + proc.stderr
    assert not list((killed / "results").rglob(".*.tmp-*"))  # no temporary left behind

    # the uninterrupted run: the session's run of the whole DAG on the same config; the
    # resumed run made the files the rankings need, each the same bytes as there
    resumed, reference = digests(killed), digests(tiny_run(tmp_path_factory))
    assert set(TARGET.removeprefix("results/") for TARGET in TARGETS) <= set(resumed)
    assert set(resumed) <= set(reference), sorted(set(resumed) - set(reference))
    assert resumed == {path: reference[path] for path in resumed}
