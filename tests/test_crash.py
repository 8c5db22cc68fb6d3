"""Crash safety: `bansos360 refresh` killed with SIGKILL at each named point (docs/design.md) — after staging,
after the warehouse, in the middle of the mart build, after the mart gate, between the two renames of the swap,
after the swap before the states — and PostgreSQL stopped with `-m immediate` in the middle of a build. After
each, the next refresh converges to the generator's ground truth, and a reader polling the marts the whole time
never sees a mix of an old and a new build."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg2
import pytest

from bansos360 import config, db, embedded, figures, intake, pipeline
from tests.conftest import submit_manifest

BIN = Path(sys.executable).parent / "bansos360"
# counted in one statement: each masked mart has as many rows as the by-name mart it masks, in the same build
PAIRS = ("select (select count(*) from marts.mart_kpm), (select count(*) from marts.kpm_tersamar), "
         "(select count(*) from marts.mart_disabilitas), (select count(*) from marts.disabilitas_tersamar), "
         "(select count(distinct periode) from marts.mart_dtks_individu), "
         "(select count(distinct periode) from marts.mart_dtks_ringkasan)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: it is stopped as by a power cut, which no other test should meet."""
    home = tmp_path_factory.mktemp("pg_crash")
    url = embedded.start(home)
    yield home, url
    embedded.stop(home)


def _prepared(url: str, name: str, lake: Path, work: Path) -> tuple[config.Settings, tuple]:
    """A new database with the first half of the lake published and the rest approved, waiting for a refresh."""
    _admin(url, f"create database {name}")
    s = dataclasses.replace(config.load(), database_url=url.rsplit("/", 1)[0] + f"/{name}", lake=work / "lake",
                            home=work)
    pipeline.init(s)
    ids = [r["submission_id"] for r in submit_manifest(s, lake)]
    with _connect(s.database_url) as conn:
        intake.approve(conn, ids[: len(ids) // 2], "kabid")
        conn.commit()
    assert all(o.state == "terbit" for o in pipeline.refresh(s))
    with _connect(s.database_url) as conn:
        intake.approve(conn, [], "kabid", all_checked=True)
        conn.commit()
        with conn.cursor() as cur:
            cur.execute(PAIRS)
            return s, cur.fetchone()


@pytest.fixture(scope="module")
def base(server, lake, tmp_path_factory):
    """The prepared database the SIGKILL tests copy (a template copy is not crash-recovered safely: below)."""
    return _prepared(server[1], "crash_base", lake, tmp_path_factory.mktemp("crash"))


def _connect(url: str, **kw):
    """A connection closed at the end of the block (a template database may have none open)."""
    return contextlib.closing(psycopg2.connect(url, **kw))


def _admin(url: str, statement: str) -> None:
    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(statement)
    conn.close()


def _copy(base, name: str) -> config.Settings:
    s, _ = base
    # the engines Great Expectations' gate opened keep connections to the base: a template may have none
    _admin(s.database_url, "select pg_terminate_backend(pid) from pg_stat_activity "
                           "where datname = 'crash_base' and pid <> pg_backend_pid()")
    _admin(s.database_url, f"create database {name} template crash_base")
    return dataclasses.replace(s, database_url=s.database_url.rsplit("/", 1)[0] + f"/{name}")


class Reader(threading.Thread):
    """Reads the marts' paired counts again and again until stopped; keeps every distinct answer."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.seen, self.stop = url, set(), threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with _connect(self.url, connect_timeout=2) as conn, conn.cursor() as cur:
                    while not self.stop.is_set():
                        cur.execute(PAIRS)
                        self.seen.add(cur.fetchone())
                        conn.rollback()
            except psycopg2.Error:
                time.sleep(0.1)  # the server is down, or the marts are being swapped: read again


def _refresh(s: config.Settings, **env) -> subprocess.Popen:
    return subprocess.Popen([str(BIN), "refresh"], env={
        **os.environ, "BANSOS360_DATABASE_URL": s.database_url, "BANSOS360_HOME": str(s.home),
        "BANSOS360_LAKE": str(s.lake), **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _converges(s: config.Settings, truth: dict) -> tuple:
    outcomes = pipeline.refresh(s)
    assert all(o.state == "terbit" for o in outcomes), [o.findings for o in outcomes if o.state != "terbit"]
    with _connect(s.database_url) as conn:
        assert figures.compare(truth, figures.figures(conn)) == []
        with conn.cursor() as cur:
            cur.execute("select count(*) from audit.submission where state not in ('terbit', 'ditolak')")
            assert cur.fetchone()[0] == 0
            cur.execute(PAIRS)
            return cur.fetchone()


def _consistent(seen: set, allowed: set) -> None:
    for counts in seen:
        kpm, kpm_masked, register, register_masked, periods, periods_summary = counts
        assert kpm == kpm_masked and register == register_masked and periods == periods_summary, counts
    assert seen <= allowed, (seen, allowed)


@pytest.mark.parametrize("point", ["load_staging", "build_warehouse", "mart_sebagian", "gate_marts", "tukar",
                                   "terbit"])
def test_a_refresh_killed_at_any_point_converges_and_readers_never_see_a_mix(base, lake, point):
    s = _copy(base, f"crash_{point}")
    truth = json.loads((lake / "ground_truth.json").read_text())
    reader = Reader(s.database_url)
    reader.start()
    try:
        killed = _refresh(s, **{db.CRASH_AT: point})
        killed.wait(timeout=600)
        assert killed.returncode == -9, killed.stderr.read()[-2000:]
        with _connect(s.database_url) as conn, conn.cursor() as cur:
            cur.execute("select count(*) from audit.submission where state = 'diproses'")
            assert cur.fetchone()[0] > 0 or point == "terbit"  # the batch was cut short
        after = _converges(s, truth)
        time.sleep(0.5)
    finally:
        reader.stop.set()
        reader.join(timeout=30)
    _consistent(reader.seen, {base[1], after})
    assert base[1] in reader.seen


def test_postgresql_stopped_immediately_mid_build_converges(server, lake, tmp_path):
    """On a database of its own: in a copy made by CREATE DATABASE … TEMPLATE, a sequence's pre-logged values are
    the template's WAL, so after a crash the copy's identity columns may hand out numbers again (seen here)."""
    home, url = server
    s, before = _prepared(url, "crash_immediate", lake, tmp_path)
    truth = json.loads((lake / "ground_truth.json").read_text())
    running = _refresh(s)
    deadline = time.monotonic() + 300
    while True:  # until the warehouse of the batch is being built
        with _connect(s.database_url) as conn, conn.cursor() as cur:
            cur.execute("select count(*) from audit.submission where state = 'diproses'")
            if cur.fetchone()[0] > 0:
                break
        assert time.monotonic() < deadline and running.poll() is None
        time.sleep(0.2)
    time.sleep(1.0)
    embedded.stop(home, mode="immediate")
    running.wait(timeout=120)
    assert running.returncode != 0  # it lost its server
    embedded.start(home, port=int(s.database_url.rsplit(":", 1)[1].split("/")[0]))
    reader = Reader(s.database_url)
    reader.start()
    try:
        after = _converges(s, truth)
    finally:
        reader.stop.set()
        reader.join(timeout=30)
    _consistent(reader.seen, {before, after})
