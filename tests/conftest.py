"""Fixtures: one real embedded PostgreSQL per test session, a fresh database per test that needs one, and
small synthetic lakes written by the generator (whose own knowledge gives the expected figures)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
from pathlib import Path

import psycopg2
import pytest

from bansos360 import config, embedded, intake, pipeline, registry
from bansos360.synth import generate
from tests.helpers import new_database

SCALE = float(os.environ.get("BANSOS360_TEST_SCALE", "0.02"))
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_home(tmp_path_factory) -> Path:
    """The embedded server's home, started once for the session and stopped at its end."""
    home = tmp_path_factory.mktemp("pg")
    embedded.start(home)
    yield home
    embedded.stop(home)


# Debian 12's PostgreSQL 15, the version the Kominfo server runs (.ci/run installs it)
PG15_BIN = Path(os.environ.get("BANSOS360_TEST_PG15_BIN", "/usr/lib/postgresql/15/bin"))


@pytest.fixture(scope="session")
def pg15_home(tmp_path_factory) -> Path:
    """A second server, Debian's PostgreSQL 15 (with libxml), started once for the session."""
    assert (PG15_BIN / "postgres").exists(), f"Debian PostgreSQL 15 missing at {PG15_BIN} (apt install postgresql-15)"
    home = tmp_path_factory.mktemp("pg15")
    embedded.start(home, bin_dir=PG15_BIN)
    yield home
    embedded.stop(home, bin_dir=PG15_BIN)


def load_lake(url: str, home: Path, lake: Path) -> config.Settings:
    """The whole synthetic lake submitted, approved and refreshed into the database at ``url``."""
    s = dataclasses.replace(config.load(), database_url=url, lake=home / "lake", home=home)
    pipeline.init(s)
    submit_manifest(s, lake)
    with psycopg2.connect(url) as conn:
        intake.approve(conn, [], "kabid", all_checked=True)
    outcomes = pipeline.refresh(s)
    assert all(o.state == "terbit" for o in outcomes), [o.findings for o in outcomes if o.state != "terbit"]
    return s


@pytest.fixture(scope="session")
def loaded15(pg15_home, lake, tmp_path_factory) -> config.Settings:
    """The synthetic lake published on Debian's PostgreSQL 15 (read-only for tests)."""
    return load_lake(new_database(pg15_home, "loaded_lake", bin_dir=PG15_BIN), tmp_path_factory.mktemp("loaded15"),
                     lake)


@pytest.fixture(scope="session")
def site(loaded, pg_home, tmp_path_factory):
    """Superset on the published marts of the embedded server (tests/superset_site.py), once per session."""
    from tests.superset_site import running_site

    with running_site(loaded, pg_home, tmp_path_factory.mktemp("superset")) as started:
        yield started


@pytest.fixture(scope="session")
def site15(loaded15, pg15_home, tmp_path_factory):
    """Superset on the published marts of Debian's PostgreSQL 15, its metadata there too."""
    from tests.superset_site import running_site

    with running_site(loaded15, pg15_home, tmp_path_factory.mktemp("superset15"), bin_dir=PG15_BIN) as started:
        yield started


def _new_database(pg_home: Path, name: str) -> str:
    return new_database(pg_home, name)


@pytest.fixture
def settings(pg_home, tmp_path) -> config.Settings:
    """Settings pointing at a fresh database and a fresh lake, initialised, the shipped reference published."""
    url = _new_database(pg_home, f"t{os.getpid()}_{next(_counter)}")
    s = dataclasses.replace(config.load(), database_url=url, lake=tmp_path / "lake", home=tmp_path)
    assert [o.state for o in pipeline.refresh(s)] == ["terbit"]
    return s


#: A fifth programme, registered as data before its list is submitted (issue 14): every test of the session
#: lake then proves that a registered programme reaches the figures and the charts with no code edited.
BLT_DD = {"kode": "BLT-DD", "sumber": "blt_dd", "nama": "Bantuan Langsung Tunai Dana Desa",
          "pemilik": "Pemerintah Desa"}


@pytest.fixture(scope="session")
def lake(tmp_path_factory) -> Path:
    """A small synthetic lake (scale BANSOS360_TEST_SCALE, default 0.02) with BLT-DD, written once per session."""
    out = tmp_path_factory.mktemp("synth")
    generate(out, seed=2020, scale=SCALE, extra_programs=(BLT_DD,))
    return out


@pytest.fixture(scope="session")
def loaded(pg_home, lake, tmp_path_factory) -> config.Settings:
    """A database holding the whole synthetic lake, submitted, approved and refreshed (read-only for tests)."""
    return load_lake(_new_database(pg_home, "loaded_lake"), tmp_path_factory.mktemp("loaded"), lake)


def submit_manifest(s: config.Settings, lake: Path) -> list[dict]:
    """Submit every delivery of a synthetic lake, as an operator would."""
    results = []
    conn = psycopg2.connect(s.database_url)
    try:
        for e in json.loads((lake / "manifest.json").read_text()):
            if "program_baru" in e:
                register_program(conn, e["program_baru"])
            results.append(intake.submit(conn, s, [lake / e["file"]], e["source"], "operator", e.get("periode"),
                                         e.get("label"), e.get("as_of")))
    finally:
        conn.close()
    return results


def register_program(conn, program: dict) -> None:
    """Register a programme as the Kominfo engineer does (``bansos360 program add``), unless it is registered."""
    with conn.cursor() as cur:
        if program["kode"] not in [p["kode"] for p in registry.program_list(cur)]:
            registry.program_add(cur, **program, by="kominfo")
    conn.commit()


def query(s: config.Settings, sql: str, params=None) -> list[tuple]:
    """Rows of a query on the test database."""
    with psycopg2.connect(s.database_url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()
