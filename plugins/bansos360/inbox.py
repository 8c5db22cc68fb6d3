"""The watched inbox: files dropped there (by SFTP or by the upload page) become submissions.

Layout (docs/inputs.md): ``<inbox>/<kind>/<periode or label>/<file>`` — the folder names declare the source
kind and its period (``2021-03``) or list label; for a kind with neither, a ``YYYY-MM-DD`` folder is the
register's as-of date. ``<inbox>/<kind>/<file>`` is allowed when the file name carries the period (the DTKS
names of the report do). Names starting with ``.`` or ending in ``.part``/``.tmp`` are uploads in progress;
a file counts once it has not changed for ``BANSOS360_INBOX_SETTLE_SECONDS``.

A file is identified by its path, size and modification time: the same file is never registered twice, and
a file replaced by a new version under the same name is a new delivery. The inbox copy is left where it is
(the lake holds the immutable copy); the engineer may clear the inbox once its files are registered.
"""

from __future__ import annotations

import datetime as dt
import logging
import pwd
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bansos360 import db, intake, sources, upgrade_pause

log = logging.getLogger(__name__)

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")  # always fullmatch


@dataclass(frozen=True)
class Delivery:
    """One file in the inbox and what its folders declare."""

    path: Path
    relative_path: str
    size_bytes: int
    mtime_ns: int
    source: str
    periode: str | None = None
    label: str | None = None
    as_of: str | None = None

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.relative_path, self.size_bytes, self.mtime_ns)


def _in_progress(name: str) -> bool:
    return name.startswith(".") or name.endswith((".part", ".tmp"))


def declared(inbox: Path, path: Path) -> Delivery:
    """What the folders of a file in the inbox declare about it."""
    rel = path.relative_to(inbox)
    folders = rel.parts[:-1]
    st = path.stat()
    source = folders[0] if folders else ""
    periode = label = as_of = None
    if len(folders) > 1:
        segment = folders[1]
        # a kind that is not fixed is a programme's list (or unknown, refused by the raw gate): a label
        kind = sources.fixed_kinds().get(source)
        if kind is not None and kind.needs_periode:
            periode = segment
        elif kind is not None and not kind.needs_label and DATE_RE.fullmatch(segment):
            as_of = segment
        else:
            label = segment
    return Delivery(path, rel.as_posix(), st.st_size, st.st_mtime_ns, source, periode, label, as_of)


def settled(inbox: Path, settle_seconds: float, now: float | None = None,
            complete: frozenset[tuple[str, int, int]] = frozenset()) -> list[Delivery]:
    """Files in the inbox that are complete: not in progress and unchanged for the settle time.

    ``complete`` are files known to be whole already (the upload page renames a file into place once written).
    """
    if not inbox.is_dir():
        return []
    now = time.time() if now is None else now
    found = []
    for path in sorted(inbox.rglob("*")):
        if not path.is_file() or any(_in_progress(p) for p in path.relative_to(inbox).parts):
            continue
        d = declared(inbox, path)
        if d.key in complete or now - d.mtime_ns / 1e9 >= settle_seconds:
            found.append(d)
    return found


def registered_keys(conn) -> set[tuple[str, int, int]]:
    """Inbox files already registered as submissions."""
    with conn.cursor() as cur:
        cur.execute("select relative_path, size_bytes, mtime_ns from audit.kotak_masuk "
                    "where submission_id is not null")
        return {tuple(r) for r in cur.fetchall()}


def uploaded_keys(conn) -> frozenset[tuple[str, int, int]]:
    """Files the upload page put in the inbox whole, not registered yet: they need no settling."""
    with conn.cursor() as cur:
        cur.execute("select relative_path, size_bytes, mtime_ns from audit.kotak_masuk where submission_id is null")
        return frozenset(tuple(r) for r in cur.fetchall())


def waiting(settings) -> list[Delivery]:
    """Settled inbox files not registered yet."""
    with db.connect(settings) as conn:
        done, uploaded = registered_keys(conn), uploaded_keys(conn)
    return [d for d in settled(settings.inbox, settings.inbox_settle_seconds, complete=uploaded)
            if d.key not in done]


def _owner(path: Path) -> str:
    try:
        return "sftp:" + pwd.getpwuid(path.stat().st_uid).pw_name
    except KeyError:
        return f"sftp:uid{path.stat().st_uid}"


def record_upload(conn, d: Delivery, by: str, original_name: str) -> int:
    """The upload page's note of a file it put in the inbox, with what its form declared and who uploaded it.

    ``original_name`` is the file's name on the uploader's computer (recorded as text, never used as a path).
    """
    with conn.cursor() as cur:
        cur.execute(
            "insert into audit.kotak_masuk (relative_path, size_bytes, mtime_ns, source, periode, label, as_of, "
            "uploaded_by, original_name) values (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "on conflict (relative_path, size_bytes, mtime_ns) do update set uploaded_by = excluded.uploaded_by "
            "returning kotak_masuk_id",
            (*d.key, d.source, d.periode, d.label, d.as_of, by, original_name),
        )
        (row_id,) = cur.fetchone()
    conn.commit()
    return row_id


def register(settings) -> list[dict]:
    """Register every settled, unregistered inbox file as a submission and run its raw gate."""
    upgrade_pause.refuse_if_paused(settings)
    results = []
    with db.connect(settings) as conn:
        done, uploaded = registered_keys(conn), uploaded_keys(conn)
        for d in settled(settings.inbox, settings.inbox_settle_seconds, complete=uploaded):
            if d.key in done:
                continue
            with conn.cursor() as cur:
                cur.execute("select uploaded_by, original_name, source, periode, label, as_of from audit.kotak_masuk "
                            "where relative_path = %s and size_bytes = %s and mtime_ns = %s", d.key)
                row = cur.fetchone()
            by, name = (row[0], row[1] or d.path.name) if row else (_owner(d.path), d.path.name)
            if row:  # the upload page's form declared these exactly
                d = replace(d, source=row[2], periode=row[3], label=row[4], as_of=row[5])
            result = intake.submit(conn, settings, [d.path], d.source, by, d.periode, d.label, d.as_of,
                                   original_names=[name])
            with conn.cursor() as cur:
                cur.execute(
                    "insert into audit.kotak_masuk (relative_path, size_bytes, mtime_ns, source, periode, label, "
                    "as_of, uploaded_by, submission_id, registered_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                    "%s) on conflict (relative_path, size_bytes, mtime_ns) do update set "
                    "submission_id = excluded.submission_id, registered_at = excluded.registered_at",
                    (*d.key, d.source, d.periode, d.label, d.as_of, by, result["submission_id"],
                     dt.datetime.now(dt.UTC)),
                )
            conn.commit()
            log.info("inbox file %s registered as submission %s (%s)", d.relative_path, result["submission_id"],
                     result["state"])
            results.append({"berkas": d.relative_path, **result})
    return results
