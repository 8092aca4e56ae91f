"""Progress of long, streamed steps in their logs: rows done, rate, expected time left.

A step that works through its input chunk by chunk reports after each chunk, at most
every ``every_s`` seconds (and always at the end)::

    progress = Progress(log, "geocode: join", total=rows)
    for chunk in chunks:
        ...
        progress.update(len(chunk))
    progress.done()
"""

from __future__ import annotations

import logging
import time


def _duration(seconds: float) -> str:
    """``seconds`` as ``1h02m``, ``3m05s`` or ``12s``."""
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


class Progress:
    """Log ``what``: rows done (of ``total`` when known), rows per second and, with a
    total, the expected time left; at most one line per ``every_s`` seconds."""

    def __init__(self, log: logging.Logger, what: str, total: int | None = None,
                 every_s: float = 10.0, clock=time.monotonic) -> None:
        self.log, self.what, self.total, self.every_s = log, what, total, every_s
        self._clock = clock
        self.start = self._last = clock()
        self.rows = 0

    def line(self) -> str:
        """The progress line as it stands."""
        elapsed = max(self._clock() - self.start, 1e-9)
        rate = self.rows / elapsed
        text = f"{self.what}: {self.rows:,} rows"
        if self.total:
            share = self.rows / self.total
            text += f" of {self.total:,} ({share:.0%})"
        text += f", {rate:,.0f} rows/s, {_duration(elapsed)} elapsed"
        if self.total and 0 < self.rows < self.total and rate > 0:
            text += f", about {_duration((self.total - self.rows) / rate)} left"
        return text

    def update(self, rows: int) -> None:
        """Count ``rows`` more done; log when ``every_s`` has passed since the last line."""
        self.rows += int(rows)
        now = self._clock()
        if now - self._last >= self.every_s:
            self._last = now
            self.log.info(self.line())

    def done(self) -> None:
        """Log the final line."""
        self.log.info(self.line())
