"""Progress of long steps: a live line on a terminal, plain log lines elsewhere."""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("bansos360.progress")


class Meter:
    """Reports rows done, the total when known, and elapsed time."""

    def __init__(self, label: str, total: int | None = None, every_s: float = 5.0):
        self.label, self.total, self.every_s = label, total, every_s
        self.started = self.last = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.count = 0

    def _line(self, done: int) -> str:
        total = f"/{self.total:,}" if self.total else ""
        return f"{self.label}: {done:,}{total} baris/rows, {time.monotonic() - self.started:.1f}s"

    def update(self, done: int) -> None:
        """Called often; prints at most every half second on a terminal, every few seconds in logs."""
        self.count = done
        if done % 1000:
            return
        now = time.monotonic()
        if self.tty and now - self.last >= 0.5:
            sys.stderr.write("\r" + self._line(done))
            sys.stderr.flush()
            self.last = now
        elif not self.tty and now - self.last >= self.every_s:
            log.info(self._line(done))
            self.last = now

    def done(self, done: int) -> None:
        """The final line."""
        if self.tty:
            sys.stderr.write("\r" + self._line(done) + "\n")
        else:
            log.info(self._line(done))
