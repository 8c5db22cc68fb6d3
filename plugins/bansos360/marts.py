"""The marts: SQL models in ``sql/marts`` (see models.yml) built into ``marts_next``, gated, swapped in.

Publication is atomic: ``marts_next`` is built and checked while ``marts`` keeps serving; the swap renames
the schemas in one transaction. A failed build or gate leaves ``marts`` exactly as it was.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import psycopg2
import yaml
from psycopg2 import sql

from bansos360 import gate
from bansos360.audit import Finding

log = logging.getLogger(__name__)

NEXT, LIVE, OLD = "marts_next", "marts", "marts_lama"


@dataclass(frozen=True)
class MartModel:
    """One mart model file and its description."""

    name: str
    materialized: str
    path: Path
    indexes: tuple[tuple[str, ...], ...] = ()
    meta: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def select(self) -> str:
        return self.path.read_text().strip().rstrip(";")


@cache
def models(sql_dir: Path) -> tuple[MartModel, ...]:
    """The mart models in build order."""
    spec = yaml.safe_load((sql_dir / "marts" / "models.yml").read_text())
    return tuple(
        MartModel(m["name"], m["materialized"], sql_dir / "marts" / f"{m['name']}.sql",
                  tuple(tuple(i) for i in m.get("indexes", ())), m)
        for m in spec["models"]
    )


def build(conn, settings) -> dict[str, float]:
    """Build every mart into ``marts_next`` (dropped and recreated); return seconds per mart."""
    seconds: dict[str, float] = {}
    with conn.cursor() as cur:
        cur.execute("set local work_mem = '256MB'")
        for name, value in (("frekuensi_tinggi", settings.frekuensi_tinggi),
                            ("frekuensi_sedang", settings.frekuensi_sedang),
                            ("recency_sedang_periode", settings.recency_sedang_periode)):
            cur.execute("select set_config(%s, %s, true)", (f"bansos360.{name}", str(value)))
        cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(NEXT)))
        cur.execute("select nspname from pg_namespace where nspname like %s", (f"{OLD}\\_%",))
        for (aside,) in cur.fetchall():  # marts set aside by an earlier swap while readers held them
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(aside)))
        cur.execute(sql.SQL("create schema {}").format(sql.Identifier(NEXT)))
        for m in models(settings.sql_dir):
            started = time.monotonic()
            target = sql.SQL(".").join([sql.Identifier(NEXT), sql.Identifier(m.name)])
            if m.materialized == "view":
                cur.execute(sql.SQL("create view {} as ").format(target) + sql.SQL(m.select))
            else:
                cur.execute(sql.SQL("create table {} as ").format(target) + sql.SQL(m.select))
                for cols in m.indexes:
                    cur.execute(sql.SQL("create index on {} ({})").format(
                        target, sql.SQL(", ").join(sql.Identifier(c) for c in cols)))
                cur.execute(sql.SQL("analyze {}").format(target))
            seconds[m.name] = round(time.monotonic() - started, 3)
    conn.commit()
    return seconds


def run_gate(url: str, settings) -> list[Finding]:
    """The mart gate: each mart's suite, and the reconciliation with the warehouse, all in PostgreSQL."""
    findings: list[Finding] = []
    for m in models(settings.sql_dir):
        # trusted parts only: a model name from models.yml
        query = f'select * from {NEXT}."{m.name}"'  # noqa: S608
        result = gate.validate(url, settings.expectations_dir, "marts", m.name, query, {})
        if result is not None:
            findings += result.findings
    reconcile = (settings.expectations_dir / "marts" / "rekonsiliasi.sql").read_text().strip().rstrip(";")
    query = f"select * from ({reconcile}) as rekonsiliasi"  # noqa: S608 - a file of the repository
    result = gate.validate(url, settings.expectations_dir, "marts", "rekonsiliasi", query, {})
    if result is not None and not result.success:
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute(query + " where selisih <> 0")
            failed = "; ".join(f"{cek}: {selisih:+d}" for cek, selisih in cur.fetchall())
        findings.append(Finding("error", "rekonsiliasi", f"mart tidak cocok dengan gudang data: {failed}",
                                f"the marts do not reconcile with the warehouse: {failed}", "marts_next"))
    return findings


def swap(conn) -> None:
    """Make ``marts_next`` the live ``marts`` in one transaction; readers see the old or the new, never a mix.

    The renames take no lock on the tables, so a long dashboard query does not hold the swap up; the old
    schema is dropped afterwards, in its own transaction (it waits, a bounded time, for readers still in it).
    """
    _drop_old(conn)
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_namespace where nspname = %s", (LIVE,))
        if cur.fetchone():
            cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(LIVE), sql.Identifier(OLD)))
        cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(NEXT), sql.Identifier(LIVE)))
    conn.commit()
    _drop_old(conn)


def _drop_old(conn) -> None:
    """Drop the previous marts; if readers hold it too long, set it aside under a unique name instead."""
    try:
        with conn.cursor() as cur:
            cur.execute("set local lock_timeout = '30s'")
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(OLD)))
        conn.commit()
    except psycopg2.errors.LockNotAvailable:
        conn.rollback()
        log.warning("previous marts still in use; set aside to be dropped by a later build")
        with conn.cursor() as cur:
            cur.execute("select to_char(clock_timestamp(), 'YYYYMMDDHH24MISS')")
            aside = f"{OLD}_{cur.fetchone()[0]}"
            cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(OLD), sql.Identifier(aside)))
        conn.commit()


def published(conn) -> bool:
    """Whether live marts exist."""
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_namespace where nspname = %s", (LIVE,))
        return cur.fetchone() is not None
