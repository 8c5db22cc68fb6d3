"""PostgreSQL itself refuses every dashboard class anything beyond its rights (docs/privacy.md), on the embedded
server and on Debian's PostgreSQL 15 with libxml (the Kominfo server's): each class role connects directly and
tries what a crafted chart request could carry."""

from __future__ import annotations

import dataclasses
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

from bansos360 import config, db_access, marts, pipeline
from tests.conftest import query

KEC = "35.03.05"
OTHER_KEC = "35.03.01"
CLASS_ROLES = {
    "analis": db_access.ANALIS,
    "pembaca": db_access.PEMBACA,
    "kecamatan": db_access.kecamatan_role(KEC),
    "verval": db_access.verval_role(KEC),
    "publik": db_access.PUBLIK,
    "tanpa_akses": db_access.TANPA_AKSES,
}
# what each class may read, by the models.yml level of a mart
READS = {"analis": {"analis", "verval", "pembaca", "publik"}, "pembaca": {"pembaca", "publik"},
         "kecamatan": {"pembaca"}, "verval": {"pembaca", "verval"}, "publik": {"publik"}, "tanpa_akses": set()}


@pytest.fixture(params=["embedded", "debian15"], scope="module")
def warehouse(request):
    """The published synthetic lake on one of the two servers."""
    return request.getfixturevalue("loaded" if request.param == "embedded" else "loaded15")


def _as(s, role: str):
    u = urlsplit(s.database_url)
    conn = psycopg2.connect(urlunsplit(u._replace(netloc=f"{role}@{u.hostname}:{u.port}")))
    conn.autocommit = True
    return conn


def run_as(s, role: str, statement: str, params=None):
    """("ok", rows) or ("refused", SQLSTATE) of one statement run as ``role``."""
    conn = _as(s, role)
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            return "ok", cur.fetchall() if cur.description else []
    except psycopg2.Error as exc:
        return "refused", exc.pgcode
    finally:
        conn.close()


def test_every_class_reads_exactly_the_marts_of_its_level(warehouse):
    for m in marts.models(warehouse.sql_dir):
        level = m.meta["akses"]
        for cls, role in CLASS_ROLES.items():
            got = run_as(warehouse, role, f"select count(*) from marts.{m.name}")
            allowed = level in READS[cls]
            assert (got[0] == "ok") == allowed, (cls, m.name, got)
            if allowed:
                continue
            assert got == ("refused", "42501"), (cls, m.name, got)  # insufficient_privilege, not a mere error


def test_personal_columns_are_withheld_from_readers_column_by_column(warehouse):
    withheld = [(m.name, c) for m in marts.models(warehouse.sql_dir) for c in m.meta.get("pribadi", ())]
    assert ("mart_kpm_nik", "nik") in withheld
    for table, column in withheld:
        for cls in ("pembaca", "kecamatan", "verval"):
            assert run_as(warehouse, CLASS_ROLES[cls], f"select {column} from marts.{table} limit 1") == \
                ("refused", "42501"), (cls, table, column)
            # nor through a whole-row reference or a star
            assert run_as(warehouse, CLASS_ROLES[cls], f"select t::text from marts.{table} as t limit 1")[0] == \
                "refused"
        assert run_as(warehouse, db_access.ANALIS, f"select {column} from marts.{table} limit 1")[0] == "ok"


@pytest.mark.parametrize("cls", ["kecamatan", "verval"])
def test_a_kecamatan_role_reads_its_own_rows_and_no_other_whatever_the_query(warehouse, cls):
    """A kecamatan role its kecamatan's rows of the reader's marts; a verval role those and of the daftar verval."""
    levels = READS[cls]
    tables = [m.name for m in marts.models(warehouse.sql_dir) if m.meta["akses"] in levels]
    assert ("mart_daftar_verval" in tables) == (cls == "verval")
    for kode in (KEC, OTHER_KEC):
        role = (db_access.kecamatan_role if cls == "kecamatan" else db_access.verval_role)(kode)
        seen = 0
        for table in tables:
            own = query(warehouse, f"select count(*) from marts.{table} where kode_kec = %s", (kode,))[0][0]  # noqa: S608
            assert run_as(warehouse, role, f"select count(*) from marts.{table}") == ("ok", [(own,)]), (kode, table)
            assert own > 0 or table != "mart_daftar_verval", kode  # the test lake has candidates in both
            for tricky in (f"select count(*) from marts.{table} where kode_kec <> '{kode}' or true",  # noqa: S608
                           f"select count(*) from marts.{table} where kode_kec is null or kode_kec is not null",
                           f"select count(*) from (select kode_kec from marts.{table} union all "
                           f"select kode_kec from marts.{table}) as u where kode_kec is distinct from '{kode}'"):
                status, rows = run_as(warehouse, role, tricky)
                assert status == "ok" and rows[0][0] in (own, 0), (kode, table, tricky, rows)
                if "distinct" in tricky:
                    assert rows == [(0,)]
            seen += own
        assert seen > 0  # the test lake has rows in both kecamatan


QUERY_FROM_TEXT = [
    "select ts_stat('select to_tsvector(nik) from marts.mart_kpm')",
    "select ts_stat('select to_tsvector(nik) from marts.mart_kpm', 'ab')",
    "select ts_rewrite('a'::tsquery, 'select to_tsquery(nik), to_tsquery(nik) from marts.mart_kpm')",
    "select query_to_xml('select nik, nama from marts.mart_kpm', true, true, '')",
    "select query_to_xml_and_xmlschema('select nik from marts.mart_kpm', true, true, '')",
    "select query_to_xmlschema('select nik from marts.mart_kpm', true, true, '')",
    "select table_to_xml('marts.kpm_tersamar'::regclass, true, true, '')",
    "select table_to_xmlschema('marts.mart_kpm'::regclass, true, true, '')",
    "select schema_to_xml('marts', true, true, '')",
    "select database_to_xml(true, true, '')",
    "select cursor_to_xml('c', 1, true, true, '')",
    "select pg_read_file('/etc/passwd')",
    "select pg_read_binary_file('/etc/passwd')",
    "select pg_ls_dir('.')",
    "select pg_stat_file('postgresql.conf')",
    "select lo_from_bytea(0, 'x')",
    "select lo_import('/etc/passwd')",
    "select lo_get(1)",
    "select lo_creat(-1)",
    "do $$ begin perform 1; end $$",
]
ESCAPES = [
    "set role postgres",
    "select set_config('role', 'postgres', false)",
    "set role bansos360_analis",
    "select set_config('role', 'bansos360_analis', false), count(*) from marts.mart_kpm",
    "set session authorization postgres",
    "create temporary table curian (nik text)",
    "create table public.curian (nik text)",
    "select count(*) from lake.submission_file",
    "select count(*) from warehouse.ref_wilayah",
    "select count(*) from staging.kpm",
    "select count(*) from audit.submission",
    "copy (select 1) to '/tmp/bansos360-curian'",
    "select util.samarkan_nomor('3503050101900001')",
    "create function public.baca() returns int language sql as 'select 1'",
    "alter table marts.kpm_tersamar disable row level security",
    "select set_config('row_security', 'off', false); select count(*) from marts.kpm_tersamar",
]


@pytest.mark.parametrize("cls", ["analis", "pembaca", "kecamatan", "publik", "tanpa_akses"])
def test_functions_that_run_text_as_sql_and_every_escape_are_refused(warehouse, cls):
    """The analyst too: an analyst's dashboard cannot run a query from text, read files or leave the marts."""
    role = CLASS_ROLES[cls]
    for statement in QUERY_FROM_TEXT + ESCAPES:
        if cls == "analis" and "bansos360_analis" in statement:
            continue  # becoming itself
        status, detail = run_as(warehouse, role, statement)
        assert status == "refused", (cls, statement, detail)
        # refused for want of a right, not by accident of syntax (row_security=off on an RLS table: 42501 too)
        assert detail in ("42501", "3F000", "42P01") or statement.startswith(("set role", "set session")), \
            (cls, statement, detail)


def test_the_server_has_libxml_where_the_xml_functions_matter(warehouse):
    """On Debian's 15 the SQL/XML functions exist and work for the owner: their refusal above is the revoke."""
    version = query(warehouse, "show server_version_num")[0][0]
    if int(version) // 10000 == 15:
        assert query(warehouse, "select query_to_xml('select 1 as a', true, true, '')::text")[0][0].strip()


def test_no_function_of_the_list_is_executable_by_public(warehouse):
    rows = query(warehouse, "select p.oid::regprocedure::text from pg_proc as p where p.proname = any(%s) "
                            "and has_function_privilege(%s, p.oid, 'execute')",
                 (list(db_access.QUERY_FUNCTIONS), db_access.TANPA_AKSES))
    assert rows == []
    assert query(warehouse, "select count(*) from pg_proc where proname = any(%s)",
                 (list(db_access.QUERY_FUNCTIONS),))[0][0] >= 50  # the list names real functions


def test_statistics_do_not_leak_rows_a_role_cannot_read(warehouse):
    """pg_stats shows most common values; a class role sees none of a table it may not read in full."""
    for cls in ("pembaca", "kecamatan", "publik"):
        status, rows = run_as(warehouse, CLASS_ROLES[cls],
                              "select tablename, attname from pg_stats where schemaname = 'marts'")
        assert status == "ok"
        assert rows == [], (cls, rows[:5])  # every mart table has row-level security: no statistics at all


def test_a_republish_keeps_the_grants_and_the_policies(settings):
    s, peta = settings, "select count(*), count(distinct kode_kec) from marts.peta_wilayah"
    before = run_as(s, db_access.kecamatan_role(KEC), peta)
    assert before[0] == "ok" and before[1][0][1] == 1
    assert all(o.state == "terbit" for o in pipeline.refresh(dataclasses.replace(s), rebuild=True))
    after = run_as(s, db_access.kecamatan_role(KEC), peta)
    assert after == before
    assert run_as(s, db_access.PEMBACA, "select count(*) from marts.mart_kpm") == ("refused", "42501")
    assert run_as(s, db_access.PUBLIK, "select count(*) from marts.peta_wilayah") == ("refused", "42501")


def test_superset_derives_the_passwords_sync_sets(monkeypatch):
    """Two environments, one rule: ops/superset's copy of the password derivation equals db_access's."""
    import importlib.util
    from pathlib import Path

    monkeypatch.setenv("BANSOS360_DB_ROLE_SECRET", "rahasia-uji")
    path = Path(__file__).resolve().parents[1] / "ops" / "superset" / "bansos360_security.py"
    spec = importlib.util.spec_from_file_location("bansos360_security_uji", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for role in (db_access.ANALIS, db_access.kecamatan_role(KEC), db_access.TANPA_AKSES):
        assert module.password(role) == db_access.password("rahasia-uji", role)
    assert module.password(db_access.ANALIS) != module.password(db_access.PEMBACA)


# --- the class roles stay in the warehouse database (issue 21) -------------------------------------------------

def _server_url(s, database: str, role: str = "postgres") -> str:
    u = urlsplit(s.database_url)
    return urlunsplit(u._replace(netloc=f"{role}@{u.hostname}:{u.port}", path=f"/{database}"))


def _connects(s, database: str, role: str) -> bool:
    """Whether ``role`` gets a session in ``database``, with the password Superset would give it."""
    u = urlsplit(_server_url(s, database, role))
    try:
        psycopg2.connect(host=u.hostname, port=u.port, user=role, dbname=database,
                         password=db_access.password("rahasia-uji", role), connect_timeout=10).close()
    except psycopg2.OperationalError:
        return False
    return True


def test_class_roles_reach_no_database_but_the_warehouse(warehouse):
    """postgres, template1, Airflow's and Superset's databases (by their deployed names) and a database made later
    by hand, once the warehouse is hardened: every class role is refused, and reaches its own warehouse."""
    admin = psycopg2.connect(_server_url(warehouse, "postgres"))
    admin.autocommit = True
    made_by_hand = "lain_di_server"
    with admin.cursor() as cur:
        for name in ("airflow", "superset", made_by_hand):
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f"create database {name}")  # as Ansible or a person would, PUBLIC may connect
    admin.close()
    with psycopg2.connect(warehouse.database_url) as conn:
        db_access.harden(conn)  # as every init does (on a server: `bansos360 db harden` as postgres, each deploy)
    others = ("postgres", "template1", "airflow", "superset", made_by_hand)
    reached = [(role, db) for role in CLASS_ROLES.values() for db in others if _connects(warehouse, db, role)]
    assert reached == []
    warehouse_db = urlsplit(warehouse.database_url).path.lstrip("/")
    assert all(_connects(warehouse, warehouse_db, role) for role in CLASS_ROLES.values())
    # and PostgreSQL's own grants say so, whatever pg_hba allows
    rows = query(warehouse, "select d.datname, r from pg_database as d, unnest(%s::text[]) as r "
                            "where d.datallowconn and d.datname = any(%s) and has_database_privilege(r, d.oid, "
                            "'connect')", (list(CLASS_ROLES.values()), list(others)))
    assert rows == []


def test_a_guest_statement_is_cancelled_at_the_guest_timeout_and_init_sets_it_on_an_old_database(warehouse):
    """A database made by an earlier release gave the guests 60 s and 20 connections: init brings them down."""
    with psycopg2.connect(warehouse.database_url) as conn, conn.cursor() as cur:
        cur.execute(f"alter role {db_access.PUBLIK} set statement_timeout = '60s'")
        cur.execute(f"alter role {db_access.PUBLIK} connection limit 20")
    assert run_as(warehouse, db_access.PUBLIK, "show statement_timeout") == ("ok", [("1min",)])
    pipeline.init(warehouse)
    timeout, limit = db_access.limits(db_access.PUBLIK)
    assert query(warehouse, "select rolconnlimit from pg_roles where rolname = %s", (db_access.PUBLIK,)) == \
        [(limit,)]
    assert limit < 20
    started = time.monotonic()
    assert run_as(warehouse, db_access.PUBLIK, "select pg_sleep(20)") == ("refused", "57014")  # query_canceled
    took = time.monotonic() - started
    assert took < 10, took
    assert run_as(warehouse, db_access.PUBLIK, "show statement_timeout") == ("ok", [(timeout,)])
    # the Dinas's own classes keep the longer limit
    assert run_as(warehouse, db_access.PEMBACA, "show statement_timeout") == ("ok", [("1min",)])


@pytest.fixture(params=["embedded", "debian15"])
def fresh(request, tmp_path):
    """A fresh database with the shipped reference published, on one of the two servers."""
    if request.param == "embedded":
        return request.getfixturevalue("settings")
    from tests.conftest import PG15_BIN
    from tests.helpers import new_database

    url = new_database(request.getfixturevalue("pg15_home"), "segar15", bin_dir=PG15_BIN)
    s = dataclasses.replace(config.load(), database_url=url, lake=tmp_path / "lake", home=tmp_path)
    assert [o.state for o in pipeline.refresh(s)] == ["terbit"]
    return s


def test_no_class_role_reaches_the_marts_before_the_gate(fresh):
    """Between the build and the swap the new marts have their grants, but no class role reaches the schema."""
    settings = fresh
    with psycopg2.connect(settings.database_url) as conn:
        marts.build(conn, settings)
        for role in (db_access.PUBLIK, db_access.PEMBACA, db_access.kecamatan_role(KEC), db_access.ANALIS):
            assert run_as(settings, role, "select count(*) from marts_next.publik_kpm_desa") == \
                ("refused", "42501"), role
            assert run_as(settings, role, "select count(*) from marts_next.peta_wilayah")[0] == "refused", role
        marts.swap(conn)
    assert run_as(settings, db_access.PUBLIK, "select count(*) from marts.publik_kpm_desa")[0] == "ok"
    assert run_as(settings, db_access.kecamatan_role(KEC), "select count(*) from marts.peta_wilayah")[0] == "ok"
