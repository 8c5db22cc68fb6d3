"""The lake: every delivered file, stored once under its SHA-256 and never changed or deleted afterwards.

``lake.file`` records each one (hash, size, path below the lake); a submission names its files there.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def store_in_lake(cur, lake: Path, path: Path) -> tuple[int, str]:
    """Store a file under its SHA-256 (once; never changed afterwards); return its file id and hash."""
    digest = sha256_of(path)
    target = lake / "raw" / digest[:2] / digest
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(fd)
        shutil.copyfile(path, tmp)
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    cur.execute(
        "insert into lake.file (sha256, size_bytes, lake_path) values (%s, %s, %s) "
        "on conflict (sha256) do update set sha256 = excluded.sha256 returning file_id",
        (digest, path.stat().st_size, str(target.relative_to(lake))),
    )
    return cur.fetchone()[0], digest


def lake_path(cur, lake: Path, file_id: int) -> Path:
    """Where a lake file lives."""
    cur.execute("select lake_path from lake.file where file_id = %s", (file_id,))
    return lake / cur.fetchone()[0]
