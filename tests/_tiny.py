"""One run of the whole workflow on the tiny scenario (config/test/tiny.yaml), shared by
the test files that read it (tests/test_workflow.py, tests/test_resume.py) and made once
per test session, also under pytest-xdist: the first worker to ask runs it while holding
a file lock in the session's shared temporary directory, the others wait for the lock and
find it done (or find the failure, and fail with the same message instead of running it
again)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# 10% of the demo world, with a third variant no code knows: the scenario file CI and
# `make test-slurm` use too
TINY_FILE = REPO / "config" / "test" / "tiny.yaml"


def command(workdir: Path, *args: str) -> tuple[list[str], dict]:
    """The Snakemake command line (this checkout's Snakefile, 2 cores, in ``workdir``) and
    its environment (this interpreter's scripts first on PATH)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(workdir), "--cores", "2", *args]
    return cmd, env


def with_tiny_config(workdir: Path) -> Path:
    """``workdir`` made, with the tiny scenario as its config.yaml."""
    workdir.mkdir()
    (workdir / "config.yaml").write_text(TINY_FILE.read_text(encoding="utf-8"),
                                         encoding="utf-8")
    return workdir


def snakemake(workdir: Path, *args: str, timeout: int = 2700) -> subprocess.CompletedProcess:
    cmd, env = command(workdir, *args)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every worker of this session sees (the session's base temporary folder;
    under xdist, the folder above the workers' own)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The working directory of the session's whole-DAG run on the tiny scenario."""
    root = session_dir(tmp_path_factory)
    workdir = root / "tiny-run"
    with open(root / "tiny-run.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        done, failed = root / "tiny-run.done", root / "tiny-run.failed"
        if not done.exists() and not failed.exists():
            proc = snakemake(with_tiny_config(workdir))
            if proc.returncode == 0:
                done.touch()
            else:
                failed.write_text(proc.stderr[-5000:], encoding="utf-8")
        if failed.exists():
            pytest.fail("the tiny scenario's run failed:\n" + failed.read_text(encoding="utf-8"))
    return workdir
