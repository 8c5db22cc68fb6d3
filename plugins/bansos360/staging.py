"""Staging: stream each part of a submission into its staging table with COPY, every value as text."""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Iterator

from psycopg2 import sql

from bansos360 import intake, progress, readers, sources

log = logging.getLogger(__name__)


class _CopySource(io.TextIOBase):
    """A file-like object that psycopg2's COPY reads, filled batch by batch from a row iterator.

    psycopg2 sends whatever ``read`` returns, so each call returns the next batch of rows as CSV text; an
    empty string ends the COPY.
    """

    def __init__(self, rows: Iterator[list], batch: int = 2000):
        self._rows = rows
        self._batch = batch
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, lineterminator="\n")

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        self._buf.seek(0)
        self._buf.truncate()
        for n, row in enumerate(self._rows, start=1):
            self._writer.writerow(row)
            if n >= self._batch:
                break
        return self._buf.getvalue()


def _entity(source: str, name: str) -> sources.Entity:
    kind = sources.source_kinds()[source]
    return next(e for e in kind.entities if e.name == name)


def _rows(part: readers.Part, prof: dict, idx: list[int], canon: list[str], submission_id: int, file_id: int,
          meter: progress.Meter) -> Iterator[list]:
    """The data rows of a part as staging rows: lineage columns, then the mapped cells as text."""
    member = prof.get("member") or ""
    for row_no, cells, numeric in readers.iter_rows(part, prof.get("encoding"), prof.get("delimiter")):
        if row_no <= prof["header_row"] or readers.is_blank(cells):
            continue
        values = [cells[i] if i < len(cells) else "" for i in idx]
        num = ",".join(c for c, i in zip(canon, idx, strict=True) if i in numeric) if numeric else ""
        meter.update(meter.count + 1)
        yield [submission_id, file_id, member, row_no, num, *values]


def count(conn, submission_id: int) -> int:
    """Rows a submission has in its staging tables (they are unlogged: a server crash empties them)."""
    with conn.cursor() as cur:
        cur.execute("select source from audit.submission where submission_id = %s", (submission_id,))
        (source,) = cur.fetchone()
        total = 0
        for entity in sources.source_kinds()[source].entities:
            schema, table = entity.staging_table.split(".")
            cur.execute(sql.SQL("select count(*) from {}.{} where submission_id = %s").format(
                sql.Identifier(schema), sql.Identifier(table)), (submission_id,))
            total += cur.fetchone()[0]
    return total


def load(conn, settings, submission_id: int) -> dict[str, int]:
    """Replace the staging rows of a submission by the rows of its files; return rows loaded per part.

    Runs inside the caller's transaction: nothing is visible until the caller commits.
    """
    loaded: dict[str, int] = {}
    with conn.cursor() as cur:
        cur.execute("select source, profile from audit.submission where submission_id = %s", (submission_id,))
        source, profile = cur.fetchone()
        cur.execute("select position, file_id from audit.submission_file where submission_id = %s",
                    (submission_id,))
        files = dict(cur.fetchall())
        for prof in profile.get("bagian", []):
            entity = _entity(source, prof["entity"])
            file_id = files[prof["position"]]
            part = readers.Part(intake.lake_path(cur, settings.lake, file_id), prof.get("member"), prof["format"])
            mapping: dict[str, int] = prof["columns"]
            canon = [c.name for c in entity.columns if c.name in mapping]
            idx = [mapping[c] for c in canon]
            schema, table = entity.staging_table.split(".")
            cur.execute(sql.SQL("delete from {}.{} where submission_id = %s").format(
                sql.Identifier(schema), sql.Identifier(table)), (submission_id,))
            meter = progress.Meter(f"staging {prof['name']}", total=prof.get("rows"))
            started = time.monotonic()
            stream = _rows(part, prof, idx, canon, submission_id, file_id, meter)
            columns = sql.SQL(", ").join(
                sql.Identifier(c) for c in
                ["submission_id", "source_file_id", "source_member", "source_row", "numeric_cells", *canon]
            )
            copy = sql.SQL("copy {}.{} ({}) from stdin with (format csv)").format(
                sql.Identifier(schema), sql.Identifier(table), columns)
            cur.copy_expert(copy.as_string(conn), _CopySource(stream))
            meter.done(meter.count)
            loaded[prof["name"]] = meter.count
            log.info("staged %s rows of %s in %.1fs", meter.count, prof["name"], time.monotonic() - started)
    return loaded
