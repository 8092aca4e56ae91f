"""Logging for workflow scripts: everything a step says goes to its Snakemake log.

A step that fails on the user's input (:class:`stclusters.errors.UserError`, such as an
``ExtractError`` or a ``ConfigError``) says so in one line on the console and in the log,
the traceback going to the log file only, and exits with status 1; any other failure is a
bug and keeps its traceback on the console too.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stclusters.errors import UserError

FILE_ONLY = "stclusters.file"  # a logger writing to the log file only


def get_logger(log_path: str | Path | None, name: str = "stclusters") -> logging.Logger:
    """A logger writing to ``log_path`` (overwritten) and to stderr.

    The logger named :data:`FILE_ONLY` writes to the same file only (nowhere without a
    file).
    """
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    file_only = logging.getLogger(FILE_ONLY)
    file_only.setLevel(logging.INFO)
    file_only.propagate = False
    file_only.handlers.clear()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
        file_handler.setFormatter(fmt)
        handlers.append(file_handler)
        file_only.addHandler(file_handler)
    else:
        file_only.addHandler(logging.NullHandler())
    for h in handlers:
        h.setFormatter(fmt)
        logger.addHandler(h)
    logging.captureWarnings(True)
    return logger


def one_line(exc: BaseException) -> str:
    """The message of an error on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__


@contextmanager
def logged_step(log_path: str | Path | None, step: str, exit_on_user_error: bool = True
                ) -> Iterator[logging.Logger]:
    """Run a step with a logger; log its duration, and how it failed.

    A :class:`UserError` is logged as one line ``<step>: <message>`` (console and log)
    with its traceback in the log file only, then the process exits with status 1
    (``exit_on_user_error``; else the error is raised again). Other errors are logged
    with their traceback to the log file and raised again (Python prints it once on
    the console).
    """
    logger = get_logger(log_path)
    start = time.perf_counter()
    logger.info("%s: start", step)
    try:
        yield logger
    except UserError as exc:
        logging.getLogger(FILE_ONLY).error("%s: failed; traceback:", step, exc_info=True)
        logger.error("%s: %s", step, one_line(exc))
        if exit_on_user_error:
            raise SystemExit(1) from None
        raise
    except Exception:
        # a bug: the traceback goes to the log file here and to the console once, as
        # Python prints the error raised again
        logging.getLogger(FILE_ONLY).exception("%s: failed", step)
        raise
    logger.info("%s: done in %.1f s", step, time.perf_counter() - start)
