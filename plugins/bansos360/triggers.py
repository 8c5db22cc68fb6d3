"""The inbox watcher: an event trigger that fires when a complete, unregistered file sits in the inbox.

It runs in Airflow's triggerer (asyncio, no worker slot). It sleeps on the kernel's file notifications
(inotify, through ``watchfiles``), so it does not busy-poll; it looks at the folder only after a change, while
a file is still settling, and once every ``rescan_seconds`` in case a notification was missed (network
filesystems). It fires once per file: what it fired for is remembered, and what the intake DAG registered
is in ``audit.kotak_masuk``, so a restarted triggerer does not fire again for registered files.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

log = logging.getLogger(__name__)


class InboxTrigger(BaseEventTrigger):
    """Fires ``{"berkas": [relative paths]}`` when settled, unregistered files appear in the inbox."""

    def __init__(self, inbox: str, settle_seconds: float = 10.0, rescan_seconds: float = 300.0):
        super().__init__()
        self.inbox = inbox
        self.settle_seconds = settle_seconds
        self.rescan_seconds = rescan_seconds

    def serialize(self) -> tuple[str, dict]:
        return ("bansos360.triggers.InboxTrigger",
                {"inbox": self.inbox, "settle_seconds": self.settle_seconds, "rescan_seconds": self.rescan_seconds})

    def _look(self) -> tuple[list, bool]:
        """(settled unregistered deliveries, whether some file is still settling)."""
        from bansos360 import config, db, inbox

        folder = Path(self.inbox)
        with db.connect(config.load()) as conn:
            done, uploaded = inbox.registered_keys(conn), inbox.uploaded_keys(conn)
        everything = inbox.settled(folder, 0.0)
        ready = inbox.settled(folder, self.settle_seconds, complete=uploaded)
        return [d for d in ready if d.key not in done], len(everything) > len(ready)

    async def run(self):
        from watchfiles import awatch

        Path(self.inbox).mkdir(parents=True, exist_ok=True)
        fired: set[tuple[str, int, int]] = set()
        tick = max(1.0, min(self.settle_seconds, 30.0))
        look, last_look = True, 0.0
        async for changes in awatch(self.inbox, recursive=True, yield_on_timeout=True,
                                    rust_timeout=int(tick * 1000), debounce=500):
            if changes or time.monotonic() - last_look >= self.rescan_seconds:
                look = True
            if not look:
                continue
            try:
                ready, settling = await asyncio.to_thread(self._look)
            except Exception:  # the database may be restarting: try again at the next tick
                log.exception("inbox watcher could not look at the inbox")
                continue
            last_look = time.monotonic()
            look = settling  # a settling file: look again at the next tick
            new = [d for d in ready if d.key not in fired]
            if new:
                fired.update(d.key for d in new)
                yield TriggerEvent({"berkas": [d.relative_path for d in new]})
