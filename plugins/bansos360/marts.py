"""The marts: SQL models in ``sql/marts`` (see models.yml) built into ``marts_next``, gated, swapped in.

Publication is atomic: ``marts_next`` is built and checked while ``marts`` keeps serving; the swap renames
the schemas in one transaction. A failed build or gate leaves ``marts`` exactly as it was.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import psycopg2
import yaml
from psycopg2 import sql

from bansos360 import db, db_access, gate, sources
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
    key: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def select(self) -> str:
        """The model's SQL; with ``nama_tempat: true`` in models.yml, its rows with their places' official names."""
        model = self.path.read_text().strip().rstrip(";")
        return WITH_PLACE_NAMES.format(model=model) if self.meta.get("nama_tempat") else model


# The official names of a mart's places (docs/definitions.md, "Places"), added to every mart that declares
# `nama_tempat: true`: the kecamatan's by kode_kec and the desa's by kode_desa from warehouse.nama_wilayah, and
# 'Tidak cocok' where the mart has no code (a row that matched no place). The mart's own columns come first.
WITH_PLACE_NAMES = """select
    mart.*,
    coalesce(kecamatan.nama_kec, 'Tidak cocok') as nama_kec,
    coalesce(desa.nama_desa, 'Tidak cocok') as nama_desa
from (
{model}
) as mart
left join warehouse.nama_wilayah as kecamatan on mart.kode_kec = kecamatan.kode_wilayah
left join warehouse.nama_wilayah as desa on mart.kode_desa = desa.kode_wilayah"""


@cache
def models(sql_dir: Path) -> tuple[MartModel, ...]:
    """The mart models in build order."""
    spec = yaml.safe_load((sql_dir / "marts" / "models.yml").read_text())
    return tuple(
        MartModel(m["name"], m["materialized"], sql_dir / "marts" / f"{m['name']}.sql",
                  tuple(tuple(i) for i in m.get("indexes", ())), tuple(m.get("key", ())), m)
        for m in spec["models"]
    )


def dependencies(model: MartModel) -> set[str]:
    """The marts a model reads (its ``marts_next.<name>`` references)."""
    return set(re.findall(rf"\b{NEXT}\.(\w+)", model.select)) - {model.name}


def build(conn, settings) -> dict[str, float]:
    """Build every mart into ``marts_next`` (dropped and recreated); return seconds per mart.

    Models run as soon as the marts they read are built, on ``settings.mart_workers`` connections at once
    (models.yml order breaks ties). ``marts_next`` is a scratch schema no reader sees: a failure leaves it
    half-built and unpublished, and the next build drops it.
    """
    with conn.cursor() as cur:
        cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(NEXT)))
        cur.execute("select nspname from pg_namespace where nspname like %s", (f"{OLD}\\_%",))
        for (aside,) in cur.fetchall():  # marts set aside by an earlier swap while readers held them
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(aside)))
        cur.execute(sql.SQL("create schema {}").format(sql.Identifier(NEXT)))
        # what the marts are built from besides the warehouse, read before the models read it (``stale``)
        cur.execute(sql.SQL("comment on schema {} is {}").format(
            sql.Identifier(NEXT), sql.Literal(_built_from(cur))))
    conn.commit()
    # a kecamatan of a newly published region reference gets its role, and its password where the secret is known
    db_access.ensure_roles(conn, os.environ.get("BANSOS360_DB_ROLE_SECRET"), only_new=True)
    todo = list(models(settings.sql_dir))
    needs = {m.name: dependencies(m) for m in todo}
    unknown = {d for ds in needs.values() for d in ds} - set(needs)
    if unknown:
        raise ValueError(f"mart models read marts that do not exist: {sorted(unknown)}")
    seconds: dict[str, float] = {}
    idle: queue.SimpleQueue = queue.SimpleQueue()
    url = db.database_url(settings)
    workers = [psycopg2.connect(url, application_name="bansos360")
               for _ in range(min(settings.mart_workers, len(todo)))]
    try:
        for w in workers:
            _prepare(w, settings)
            idle.put(w)
        with ThreadPoolExecutor(max_workers=len(workers)) as pool:
            running: dict = {}
            while todo or running:
                for m in [m for m in todo if needs[m.name] <= seconds.keys()][:len(workers) - len(running)]:
                    todo.remove(m)
                    running[pool.submit(_build_one, idle, m)] = m
                if not running:
                    raise ValueError(f"mart models wait on each other: {[m.name for m in todo]}")
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    m = running.pop(future)
                    seconds[m.name] = future.result()  # a failed model raises here; the rest is abandoned
                    db.crash_point("mart_sebagian")
    finally:
        for w in workers:
            w.close()
    grant(conn, settings, NEXT)  # the swap publishes the grants and policies with the tables
    return seconds


def grant(conn, settings, schema: str = LIVE, unless_granted: bool = False) -> None:
    """Grants and row-level-security policies of a marts schema for the access classes (db_access).

    ``unless_granted``: leave a schema that has policies already (``init`` at every refresh: the policies take
    a short exclusive lock on each table, which dashboard readers would wait for); it is for the live marts of
    a release from before the policies.
    """
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_namespace where nspname = %s", (schema,))
        if cur.fetchone():
            cur.execute("select 1 from pg_policies where schemaname = %s limit 1", (schema,))
            if not (unless_granted and cur.fetchone()):
                db_access.grant_marts(cur, schema, models(settings.sql_dir), db_access.kecamatan_codes(cur))
                if schema == LIVE:  # marts_next gets USAGE only at the swap, once its gate passed
                    db_access.grant_usage(cur, schema)
    conn.commit()


def _prepare(conn, settings) -> None:
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("set work_mem = '256MB'")
        for name, value in (("frekuensi_tinggi", settings.frekuensi_tinggi),
                            ("frekuensi_sedang", settings.frekuensi_sedang),
                            ("recency_sedang_periode", settings.recency_sedang_periode)):
            cur.execute("select set_config(%s, %s, false)", (f"bansos360.{name}", str(value)))


def _build_one(idle: queue.SimpleQueue, m: MartModel) -> float:
    """Build one mart (table, indexes, statistics) on an idle worker connection; its seconds."""
    started = time.monotonic()
    conn = idle.get()
    try:
        target = sql.SQL(".").join([sql.Identifier(NEXT), sql.Identifier(m.name)])
        with conn.cursor() as cur:
            if m.materialized == "view":
                cur.execute(sql.SQL("create view {} as ").format(target) + sql.SQL(m.select))
            else:
                cur.execute(sql.SQL("create table {} as ").format(target) + sql.SQL(m.select))
                for cols in m.indexes:
                    cur.execute(sql.SQL("create index on {} ({})").format(
                        target, sql.SQL(", ").join(sql.Identifier(c) for c in cols)))
                cur.execute(sql.SQL("analyze {}").format(target))
    finally:
        idle.put(conn)
    return round(time.monotonic() - started, 3)


def run_gate(url: str, settings, results: list | None = None) -> list[Finding]:
    """The mart gate: each mart's suite, and the reconciliation with the warehouse, all in PostgreSQL.

    Each suite's result is appended to ``results`` (for the quality report).
    """
    findings: list[Finding] = []
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        params = {"jumlah_program_terdaftar": len(sources.programs(cur))}
    for m in models(settings.sql_dir):
        # trusted parts only: a model name from models.yml
        query = f'select * from {NEXT}."{m.name}"'  # noqa: S608
        result = gate.validate(url, settings.expectations_dir, "marts", m.name, query, params, m.key)
        if result is not None:
            findings += result.findings
            if results is not None:
                results.append(result)
    reconcile = (settings.expectations_dir / "marts" / "rekonsiliasi.sql").read_text().strip().rstrip(";")
    query = f"select * from ({reconcile}) as rekonsiliasi"  # noqa: S608 - a file of the repository
    result = gate.validate(url, settings.expectations_dir, "marts", "rekonsiliasi", query, {})
    if result is not None and results is not None:
        results.append(result)
    if result is not None and not result.success:
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute(query + " where selisih <> 0")
            failed = "; ".join(f"{cek}: {selisih:+d}" for cek, selisih in cur.fetchall())
        findings.append(Finding("error", "rekonsiliasi", f"mart tidak cocok dengan gudang data: {failed}",
                                f"the marts do not reconcile with the warehouse: {failed}", "marts_next"))
    return findings


def swap(conn, attempts: int = 3) -> None:
    """Make ``marts_next`` the live ``marts`` in one transaction; readers see the old or the new, never a mix.

    PostgreSQL looks a statement's tables up one after another, so a query over several marts that began
    before the renames committed could find some old and some new (seen in tests/test_crash.py). The swap
    therefore first takes an exclusive lock on every live mart: queries already reading them finish on the old
    marts, and queries that come while it waits look their tables up again once the renames committed, all new.
    It waits at most 10 s a try; after ``attempts`` tries (a connection keeps a mart open in a transaction) it
    renames without the lock, as before, and says so in the log: publication is never held up for good. The old
    schema is dropped afterwards, in its own transaction.
    """
    _drop_old(conn)
    for attempt in range(1, attempts + 2):
        locking = attempt <= attempts
        try:
            with conn.cursor() as cur:
                cur.execute("set local lock_timeout = '10s'")
                cur.execute("select c.oid::regclass::text from pg_class as c "
                            "join pg_namespace as n on n.oid = c.relnamespace "
                            "where n.nspname = %s and c.relkind in ('r', 'p') order by c.oid", (LIVE,))
                live = [r[0] for r in cur.fetchall()]
                if live and locking:  # trusted text: regclass output of the live marts
                    cur.execute(f"lock table {', '.join(live)} in access exclusive mode")  # noqa: S608
                if published(conn):
                    cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(LIVE),
                                                                               sql.Identifier(OLD)))
                db.crash_point("tukar")
                cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(NEXT), sql.Identifier(LIVE)))
                db_access.grant_usage(cur, LIVE)  # marts_next was unreachable; the gated marts are readable
            conn.commit()
            break
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.DeadlockDetected):
            conn.rollback()
            log.warning("marts busy; swap tried again (%d of %d)%s", attempt, attempts,
                        "; renaming without the lock next" if attempt == attempts else "")
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


# Besides the warehouse, the marts read the programme registry (warehouse.program: its codes, names and desil
# limits), which the Dinas changes without a delivery (bansos360 program). Its digest is the comment of the
# marts schema, so the live marts say which state of it they were built from.
_REGISTRY_DIGEST = ("select md5(coalesce(string_agg(row(kode, sumber, nama, pemilik, desil_maks)::text, ',' "
                    "order by kode), '')) from warehouse.program")


def _built_from(cur) -> str:
    cur.execute(_REGISTRY_DIGEST)
    return f"registri_program:{cur.fetchone()[0]}"


def stale(conn) -> bool:
    """Whether the live marts were built from another state of the programme registry than today's.

    The refresh then rebuilds them even with no delivery waiting. Live marts of a release before this check
    carry no digest and count as stale once.
    """
    with conn.cursor() as cur:
        cur.execute("select obj_description(oid, 'pg_namespace') from pg_namespace where nspname = %s", (LIVE,))
        row = cur.fetchone()
        return row is not None and row[0] != _built_from(cur)


def published(conn) -> bool:
    """Whether live marts exist."""
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_namespace where nspname = %s", (LIVE,))
        return cur.fetchone() is not None
