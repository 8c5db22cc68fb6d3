"""Connections, the embedded default and schema migrations."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

from bansos360 import config, embedded

log = logging.getLogger(__name__)

CRASH_AT = "BANSOS360_CRASH_AT"  # crash tests only (tests/test_crash.py): where the process kills itself


def crash_point(name: str) -> None:
    """A point where the crash tests stop the process with SIGKILL, as a power cut would; nothing otherwise."""
    if os.environ.get(CRASH_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def database_url(settings: config.Settings | None = None) -> str:
    """The warehouse database URL: the configured server, or the embedded one (started if needed)."""
    settings = settings or config.load()
    if settings.database_url:
        return settings.database_url
    return embedded.start(settings.home, settings.embedded_port)


@contextlib.contextmanager
def connect(settings: config.Settings | None = None) -> Iterator[psycopg2.extensions.connection]:
    """A connection to the warehouse database, closed on exit (commit is the caller's)."""
    conn = psycopg2.connect(database_url(settings), application_name="bansos360")
    try:
        yield conn
    finally:
        conn.close()


def migrate(conn: psycopg2.extensions.connection, sql_dir: Path) -> list[str]:
    """Apply the SQL files of ``sql/migrations`` not applied yet, in name order; return their names."""
    applied: list[str] = []
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(360360)")
        cur.execute("create schema if not exists audit")
        cur.execute(
            "create table if not exists audit.schema_migration "
            "(name text primary key, applied_at timestamptz not null default now())"
        )
        cur.execute("select name from audit.schema_migration")
        done = {row[0] for row in cur.fetchall()}
        for path in sorted((sql_dir / "migrations").glob("*.sql")):
            if path.name in done:
                continue
            log.info("applying migration %s", path.name)
            cur.execute(path.read_text())
            cur.execute("insert into audit.schema_migration (name) values (%s)", (path.name,))
            applied.append(path.name)
    conn.commit()
    return applied


def versions(cur, table: str) -> dict[str, str]:
    """The versions (SHA-256 by name) that ``warehouse.<table>`` records of what is in the database.

    ``model_version``: the warehouse models and the staging rows views; ``function_version``: the function families.
    """
    cur.execute(sql.SQL("select name, sha256 from {}").format(sql.Identifier("warehouse", table)))
    return dict(cur.fetchall())


def record_version(cur, table: str, name: str, sha256: str) -> None:
    """Record in ``warehouse.<table>`` the version of what was just created under ``name``."""
    cur.execute(sql.SQL("insert into {} (name, sha256) values (%s, %s) on conflict (name) do update "
                        "set sha256 = excluded.sha256, applied_at = now()").format(
        sql.Identifier("warehouse", table)), (name, sha256))


def ensure_database(server_url: str, name: str) -> None:
    """Create database ``name`` on the server of ``server_url`` unless it exists (Airflow's, Superset's).

    A new database takes no connection from roles it is not granted to: the class roles live in the warehouse
    database only (db_access.harden does the same for databases made otherwise).
    """
    from urllib.parse import urlsplit, urlunsplit

    conn = psycopg2.connect(urlunsplit(urlsplit(server_url)._replace(path="/postgres")))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
                cur.execute(sql.SQL("revoke connect, temporary on database {} from public").format(
                    sql.Identifier(name)))
    finally:
        conn.close()
