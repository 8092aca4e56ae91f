"""Logging for workflow scripts: everything a step says goes to its Snakemake log."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def get_logger(log_path: str | Path | None, name: str = "stclusters") -> logging.Logger:
    """A logger writing to ``log_path`` (overwritten) and to stderr."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    for h in handlers:
        h.setFormatter(fmt)
        logger.addHandler(h)
    logging.captureWarnings(True)
    return logger


@contextmanager
def logged_step(log_path: str | Path | None, step: str) -> Iterator[logging.Logger]:
    """Run a step with a logger; log its duration, and the traceback when it fails."""
    logger = get_logger(log_path)
    start = time.perf_counter()
    logger.info("%s: start", step)
    try:
        yield logger
    except Exception:
        logger.exception("%s: failed", step)
        raise
    logger.info("%s: done in %.1f s", step, time.perf_counter() - start)
