"""Stale Snakemake locks after a killed run: tell them apart from a live run, remove them.

Snakemake locks its working directory (``.snakemake/locks/``) while it runs and removes
the lock when it ends, also on Ctrl-C. A run killed outright (``kill -9``, a closed
terminal's SIGHUP to a stuck process, an out-of-memory kill, a power cut) leaves the lock,
and the next run stops with "Directory cannot be locked" until ``snakemake --unlock``.

``python -m stclusters.runlock [DIR]`` (run by ``make run`` before Snakemake) removes the
lock only when it is certainly stale: no process whose command line mentions snakemake
runs in ``DIR`` (read from ``/proc``; the caller and its parents excepted). Where that
cannot be told (no ``/proc``: macOS, Windows) or a Snakemake process is there, the lock is
kept and a line says why. Removing the lock files is what ``snakemake --unlock`` does.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

LOCK_DIR = Path(".snakemake") / "locks"


def lock_files(workdir: str | Path) -> list[Path]:
    """The Snakemake lock files of ``workdir``, sorted (empty when it is not locked)."""
    folder = Path(workdir) / LOCK_DIR
    return sorted(folder.glob("*.lock")) if folder.is_dir() else []


def _ancestors(pid: int, proc: Path) -> set[int]:
    """``pid`` and its parents, read from ``proc/<pid>/stat``."""
    seen = set()
    while pid > 1 and pid not in seen:
        seen.add(pid)
        try:
            stat = (proc / str(pid) / "stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # field 4, after "(comm)" and state
    return seen


def _mentions_snakemake(pid_dir: Path) -> bool:
    try:
        argv = pid_dir.joinpath("cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(b"snakemake" in arg.lower() for arg in argv)


def snakemake_processes(workdir: str | Path, proc: str | Path = "/proc") -> list[int] | None:
    """Process ids of the Snakemake processes (and jobs) running in ``workdir``.

    A process counts when its command line mentions snakemake and its working directory is
    ``workdir``, or cannot be read (another user's: counted, to be safe). The calling
    process and its parents are left out. None when ``proc`` is not there (no way to tell).
    """
    proc = Path(proc)
    if not (proc / "self").exists() and not (proc / "1").exists():
        return None
    target = Path(workdir).resolve()
    mine = _ancestors(os.getpid(), proc)
    found = []
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit() or int(pid_dir.name) in mine:
            continue
        if not _mentions_snakemake(pid_dir):
            continue
        try:
            cwd = Path(os.readlink(pid_dir / "cwd")).resolve()
        except FileNotFoundError:
            continue  # ended meanwhile
        except OSError:
            cwd = target  # cannot see where it runs: assume here
        if cwd == target:
            found.append(int(pid_dir.name))
    return sorted(found)


def unlock_if_stale(workdir: str | Path, proc: str | Path = "/proc") -> str:
    """Remove ``workdir``'s Snakemake lock when no Snakemake process runs there; return a
    one-line account ("" when there was no lock)."""
    locks = lock_files(workdir)
    if not locks:
        return ""
    running = snakemake_processes(workdir, proc)
    if running is None:
        return (f"{Path(workdir) / LOCK_DIR} is locked and running processes cannot be "
                "listed here; if no snakemake runs, remove the lock with: snakemake --unlock")
    if running:
        return (f"{Path(workdir) / LOCK_DIR} is locked by a running snakemake "
                f"(pid {', '.join(map(str, running))}); lock kept")
    for path in locks:
        path.unlink(missing_ok=True)
    return (f"removed the lock a killed snakemake left in {Path(workdir) / LOCK_DIR} "
            "(no snakemake runs there)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m stclusters.runlock [DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m stclusters.runlock",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", default=".",
                        help="the workflow's working directory (default: here)")
    args = parser.parse_args(argv)
    message = unlock_if_stale(args.directory)
    if message:
        print(message, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
