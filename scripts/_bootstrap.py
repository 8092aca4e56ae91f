"""Make this checkout's stclusters package importable from Snakemake scripts.

Snakemake puts each script's own folder (scripts/) on sys.path; the package lives one
level up. With the pip-installed package (make run, pip install -e .) this changes
nothing; under `--sdm conda` or on a cluster node it is what finds the package.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
