"""The workflow's parse-time imports stay light.

Snakemake parses the workflow in every process it starts: the main run, and under a
cluster executor twice per job (the batch step and the job step). Whatever the Snakefile
and rules/*.smk import from the package is loaded each time, so those modules must not pull
in numpy, pandas, scipy, numba, pyarrow or matplotlib (hundreds of MB and seconds per job).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "scipy", "numba", "pyarrow", "matplotlib", "sklearn", "SALib")
IMPORT = re.compile(r"^\s*(?:from\s+(stclusters[\w.]*)\s+import|import\s+(stclusters[\w.]*))", re.M)


def parse_time_modules() -> list[str]:
    """Package modules the Snakefile and rules/*.smk import."""
    found = set()
    for path in [REPO / "Snakefile", *sorted((REPO / "rules").glob("*.smk"))]:
        for a, b in IMPORT.findall(path.read_text(encoding="utf-8")):
            found.add(a or b)
    return sorted(found)


def heavy_after_import(modules: list[str]) -> list[str]:
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            f"print(' '.join(h for h in {HEAVY!r} if h in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    return out.split()


def test_rules_import_package_modules():
    modules = parse_time_modules()
    assert "stclusters.sweep_paths" in modules
    assert "stclusters.sensitivity.config" in modules


def test_parse_time_imports_load_no_heavy_library():
    assert heavy_after_import(parse_time_modules()) == []


def test_check_sees_a_heavy_import():
    # the check itself: a module that does load pandas is caught
    assert "pandas" in heavy_after_import(["stclusters.sweep"])
