"""Who may read what, enforced by PostgreSQL itself (docs/privacy.md).

Every dashboard reader reaches the warehouse database as the PostgreSQL role of its access class, never as a
shared role (Superset's ``DB_CONNECTION_MUTATOR`` picks it per request, ops/superset/superset_config.py):

| class | role | reads |
|---|---|---|
| analyst | ``bansos360_analis`` | every mart, by-name-by-address included |
| reader | ``bansos360_pembaca`` | masked and aggregate marts; personal columns withheld column by column |
| kecamatan | ``bansos360_kec_35_03_xx`` (one per kecamatan) | as the reader, only rows of its ``kode_kec`` (RLS) |
| verval | ``bansos360_verval_35_03_xx`` (one per kecamatan) | as kecamatan, and the daftar verval of its ``kode_kec`` |
| guest | ``bansos360_publik`` | the public village aggregates (no count under 5) only |
| nobody | ``bansos360_tanpa_akses`` | nothing: the connection of a request no class matched |

Each mart model in ``sql/marts/models.yml`` says who reads it (``akses: analis | verval | pembaca | publik``) and which
of its columns a reader may not select (``pribadi``). The grants and row-level-security policies are made on
``marts_next`` after each build, so the swap publishes them with the tables, and on the live marts by ``init``.
Every mart table has row-level security enabled: a role without a policy on it reads no row, whatever it was
granted. The owner (the pipeline) is exempt as the tables' owner; the public views read as their owner.

``init`` also takes ``EXECUTE`` away from ``PUBLIC`` on every built-in function that runs SQL given as text or
reads server files or large objects (``QUERY_FUNCTIONS``): with one, a crafted chart column would run a query
of its own, which no outer ``WHERE`` filters.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable

from psycopg2 import sql

log = logging.getLogger(__name__)

ANALIS = "bansos360_analis"
PEMBACA = "bansos360_pembaca"
PUBLIK = "bansos360_publik"
TANPA_AKSES = "bansos360_tanpa_akses"
KECAMATAN_PREFIX = "bansos360_kec_"
VERVAL_PREFIX = "bansos360_verval_"
# the mart levels of models.yml and the class roles that read each, besides the roles limited to one kecamatan:
# kecamatan roles read the pembaca marts, verval roles the pembaca and the verval marts, each its kode_kec's rows
LEVELS = {"analis": (ANALIS,), "verval": (ANALIS,), "pembaca": (ANALIS, PEMBACA), "publik": (ANALIS, PEMBACA, PUBLIK)}

# Functions that run SQL given to them as text, or read server files or large objects; `harden` revokes
# EXECUTE from PUBLIC on every overload of each, in any schema (docs/privacy.md says how the list was found).
QUERY_FUNCTIONS = (
    # tsearch: ts_stat(text[, text]) and ts_rewrite(tsquery, text) run the query in their text argument
    "ts_stat", "ts_rewrite",
    # SQL/XML: each runs the query or reads the table, cursor, schema or database it is given
    "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema",
    "cursor_to_xml", "cursor_to_xmlschema",
    "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema",
    "schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema",
    "database_to_xml", "database_to_xmlschema", "database_to_xml_and_xmlschema",
    # server files and directories (most already revoked by default; revoked again whatever the version)
    "pg_read_file", "pg_read_binary_file", "pg_read_file_old", "pg_stat_file", "pg_ls_dir", "pg_ls_logdir",
    "pg_ls_waldir", "pg_ls_tmpdir", "pg_ls_archive_statusdir", "pg_ls_logicalsnapdir", "pg_ls_logicalmapdir",
    "pg_ls_replslotdir", "pg_ls_summariesdir", "pg_current_logfile",
    # large objects: read, and write (a SELECT could store data)
    "lo_import", "lo_export", "lo_get", "lo_put", "lo_open", "lo_close", "loread", "lowrite", "lo_lseek",
    "lo_lseek64", "lo_tell", "lo_tell64", "lo_truncate", "lo_truncate64", "lo_creat", "lo_create",
    "lo_unlink", "lo_from_bytea",
    # extensions that run text as SQL, where installed (tablefunc, xml2, dblink)
    "crosstab", "crosstab2", "crosstab3", "crosstab4", "connectby", "xpath_table",
    "dblink", "dblink_exec", "dblink_open", "dblink_fetch", "dblink_send_query", "dblink_get_result",
    "dblink_connect", "dblink_connect_u",
)
# a class role's statements end after this long, and it holds at most this many connections at once (a crafted
# or flooding request cannot hold the server). The guests' are small: anyone on the internet can be a guest, and
# the Dinas's own dashboards must keep their connections and Superset's threads. A village chart's query is a
# small fraction of a second (docs/benchmarks.md, the village queries), even read cold from the T40's SATA disk,
# so 1 s leaves room for that and no more. Applied on every `init` and `superset sync`, so an upgraded server
# gets them too.
STATEMENT_TIMEOUT = "60s"
CONNECTION_LIMIT = 20
GUEST_STATEMENT_TIMEOUT = "1s"
GUEST_CONNECTION_LIMIT = 6


def limits(role: str) -> tuple[str, int]:
    """A class role's statement timeout and connection limit."""
    if role == PUBLIK:
        return GUEST_STATEMENT_TIMEOUT, GUEST_CONNECTION_LIMIT
    return STATEMENT_TIMEOUT, CONNECTION_LIMIT


def kecamatan_role(kode_kec: str) -> str:
    """The PostgreSQL role of a kecamatan: ``35.03.05`` -> ``bansos360_kec_35_03_05``."""
    return KECAMATAN_PREFIX + kode_kec.replace(".", "_")


def verval_role(kode_kec: str) -> str:
    """The PostgreSQL role of a kecamatan's field checkers: ``35.03.05`` -> ``bansos360_verval_35_03_05``."""
    return VERVAL_PREFIX + kode_kec.replace(".", "_")


def class_roles(kecamatan: Iterable[str]) -> list[str]:
    """Every role of an access class, the kecamatan and verval roles included."""
    kecamatan = list(kecamatan)
    return [ANALIS, PEMBACA, PUBLIK, TANPA_AKSES, *(kecamatan_role(k) for k in kecamatan),
            *(verval_role(k) for k in kecamatan)]


def password(secret: str, role: str) -> str:
    """A role's password, derived from the installation's secret (Superset derives the same one)."""
    return hmac.new(secret.encode(), role.encode(), hashlib.sha256).hexdigest()


def kecamatan_codes(cur) -> list[str]:
    """The kecamatan of the published region reference (the shipped one until another is published)."""
    cur.execute("select distinct kode_kec from warehouse.ref_wilayah where kode_kec is not null order by 1")
    return [r[0] for r in cur.fetchall()]


def ensure_roles(conn, secret: str | None = None, only_new: bool = False) -> list[str]:
    """Create the class roles that are missing (LOGIN, no right but CONNECT); with ``secret``, set passwords.

    A role created without a secret has no password (it logs in only where the server trusts local
    connections, as the embedded one does); ``bansos360 superset sync`` gives every role its password. With
    ``only_new``, only the roles created now get theirs (a mart build, which on a server knows the secret too:
    a kecamatan that a first refresh brings gets a role Superset can log in as before the next deploy).
    """
    database = sql.Identifier(conn.info.dbname)
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(360361)")  # an init and a mart build may meet here
        roles = class_roles(kecamatan_codes(cur))
        cur.execute("select r.rolname, r.rolconnlimit, s.setconfig from pg_roles as r "
                    "left join pg_db_role_setting as s on s.setrole = r.oid and s.setdatabase = 0 "
                    "where r.rolname = any(%s)", (roles,))
        present = {name: (limit, config or []) for name, limit, config in cur.fetchall()}
        for role in roles:
            ident = sql.Identifier(role)
            if role not in present:
                cur.execute(sql.SQL("create role {} login nosuperuser nocreatedb nocreaterole noinherit "
                                    "nobypassrls").format(ident))
            timeout, connections = limits(role)
            limit, config = present.get(role, (None, []))
            if limit != connections:
                cur.execute(sql.SQL("alter role {} connection limit {}").format(ident, sql.Literal(connections)))
            if f"statement_timeout={timeout}" not in config:
                cur.execute(sql.SQL("alter role {} set statement_timeout = {}").format(ident, sql.Literal(timeout)))
            if secret and (role not in present or not only_new):
                cur.execute(sql.SQL("alter role {} password %s").format(ident), (password(secret, role),))
            cur.execute(sql.SQL("grant connect on database {} to {}").format(database, ident))
        # nobody else connects, makes temporary tables or creates objects in schema public
        cur.execute(sql.SQL("revoke connect, temporary on database {} from public").format(database))
        cur.execute("revoke create on schema public from public")
        # earlier releases let Superset's one role use the masking functions; no class role needs a schema
        # other than the marts
        cur.execute("select nspname from pg_namespace where nspname = any(%s)",
                    (["util", "lake", "staging", "warehouse", "audit", "gerbang"],))
        for (schema,) in cur.fetchall():
            cur.execute(sql.SQL("revoke all on schema {} from {}").format(
                sql.Identifier(schema), sql.SQL(", ").join(map(sql.Identifier, roles))))
    conn.commit()
    return roles


def harden(conn) -> list[str]:
    """Take ``EXECUTE`` on every function of ``QUERY_FUNCTIONS`` away from PUBLIC; return those revoked.

    Also takes ``USAGE`` on PL/pgSQL away from PUBLIC (no ``DO`` block, no new function, from a class role;
    the warehouse's own functions are the owner's) and grants it to the database's owner when that is not a
    superuser (a server: the pipeline's role runs the migrations, a superuser runs this first).

    And it keeps the class roles in the warehouse database: ``CONNECT`` and ``TEMPORARY`` on every other
    database of the server (``postgres``, ``template1``, Airflow's, Superset's, other warehouses) are taken from
    PUBLIC, so a role reaches only the databases granted to it by name; each database's owner keeps its own, and
    the warehouse's owner gets ``CONNECT`` on ``postgres`` (the nightly restore check connects there).

    Only a superuser may; otherwise this checks that it was done, and raises if any function is still
    executable by every role or any other database still open to every role.
    """
    with conn.cursor() as cur:
        cur.execute("""
            select p.oid::regprocedure::text
            from pg_proc as p
            where p.proname = any(%s)
              and (p.proacl is null
                   or exists (select 1 from aclexplode(p.proacl) as a
                              where a.grantee = 0 and a.privilege_type = 'EXECUTE'))
            order by 1
        """, (list(QUERY_FUNCTIONS),))
        executable = [r[0] for r in cur.fetchall()]
        # databases that every role may connect to or make temporary tables in (a NULL acl is the default:
        # CONNECT and TEMPORARY for PUBLIC); those that take no connection at all (template0) are left
        cur.execute("""
            select d.datname
            from pg_database as d
            where d.datallowconn and d.datname <> current_database()
              and (d.datacl is null
                   or exists (select 1 from aclexplode(d.datacl) as a
                              where a.grantee = 0 and a.privilege_type in ('CONNECT', 'TEMPORARY')))
            order by 1
        """)
        open_databases = [r[0] for r in cur.fetchall()]
        cur.execute("select lanacl is null or exists (select 1 from aclexplode(lanacl) as a where a.grantee = 0) "
                    "from pg_language where lanname = 'plpgsql'")
        language_open = cur.fetchone()[0]
        cur.execute("select rolsuper from pg_roles where rolname = current_user")
        superuser = cur.fetchone()[0]
        if (executable or language_open or open_databases) and not superuser:
            raise PermissionError(
                "fungsi berikut (atau PL/pgSQL, atau basis data lain) masih terbuka untuk semua peran; jalankan "
                "`bansos360 db harden` sebagai superuser / these functions (or PL/pgSQL, or other databases) are "
                "still open to every role; run `bansos360 db harden` as a superuser: "
                f"{', '.join(executable + open_databases) or 'plpgsql'}")
        for database in open_databases:
            cur.execute(sql.SQL("revoke connect, temporary on database {} from public").format(
                sql.Identifier(database)))
        for signature in executable:  # trusted text: pg_proc's own regprocedure output
            cur.execute(f"revoke execute on function {signature} from public")  # noqa: S608
        if language_open:
            cur.execute("revoke usage on language plpgsql from public")
        if superuser:  # the database's owner (on a server: the pipeline's role) keeps PL/pgSQL for the migrations
            cur.execute("select pg_get_userbyid(datdba), (select rolsuper from pg_roles where oid = datdba) "
                        "from pg_database where datname = current_database()")
            owner, owner_is_superuser = cur.fetchone()
            if not owner_is_superuser:
                cur.execute(sql.SQL("grant usage on language plpgsql to {}").format(sql.Identifier(owner)))
                cur.execute(sql.SQL("grant connect on database postgres to {}").format(sql.Identifier(owner)))
    conn.commit()
    if executable or open_databases:
        log.info("revoked EXECUTE from PUBLIC on %d functions, CONNECT on %d databases", len(executable),
                 len(open_databases))
    return executable + [f"database {d}" for d in open_databases]


def mart_readers(kecamatan: list[str]) -> list[str]:
    """Every class role that reads some mart: the analyst, the reader, the guest, the kecamatan and verval roles."""
    return [ANALIS, PEMBACA, PUBLIK, *(kecamatan_role(k) for k in kecamatan), *(verval_role(k) for k in kecamatan)]


def grant_usage(cur, schema: str) -> None:
    """``USAGE`` on a marts schema for every class role that reads marts (the live marts only)."""
    cur.execute(sql.SQL("grant usage on schema {} to {}").format(
        sql.Identifier(schema), sql.SQL(", ").join(map(sql.Identifier, mart_readers(kecamatan_codes(cur))))))


def grant_marts(cur, schema: str, models, kecamatan: list[str]) -> None:
    """Grants and row-level-security policies of one marts schema (``marts_next`` before the swap).

    Schema rights are not made here: no class role gets ``USAGE`` on ``marts_next`` (a new schema at every
    build), so nothing there is readable before the gate passed. The grants on its tables and views travel with
    them when the swap renames the schema to ``marts``, and the swap grants ``USAGE`` (``grant_usage``) in the
    same transaction.
    """
    limited = {"pembaca": [kecamatan_role, verval_role], "verval": [verval_role]}
    everyone = mart_readers(kecamatan)
    cur.execute("select rolname from pg_roles where rolname = any(%s)", (everyone,))
    if {r[0] for r in cur.fetchall()} != set(everyone):
        raise RuntimeError(f"peran basis data belum dibuat (bansos360 init) / the class roles are missing: {everyone}")
    schema_id = sql.Identifier(schema)
    # every table first: an autovacuum that has just started on a fresh table is cancelled now, before this
    # transaction changes the tables' catalog rows. Once it has, the vacuum's own update of the table's pg_class
    # row waits for this transaction (PostgreSQL 18) while `enable row level security` waits for the vacuum: a
    # deadlock, which a scale-1.0 bench met once.
    cur.execute("select c.oid::regclass::text from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
                "where n.nspname = %s and c.relkind = 'r' order by 1", (schema,))
    tables = [r[0] for r in cur.fetchall()]
    if tables:  # regclass text: each name quoted as needed by PostgreSQL itself
        cur.execute(f"lock table {', '.join(tables)} in access exclusive mode")  # noqa: S608
    cur.execute(sql.SQL("revoke all on all tables in schema {} from {}").format(
        schema_id, sql.SQL(", ").join(map(sql.Identifier, everyone))))
    for m in models:
        level = m.meta["akses"]
        if level not in LEVELS:
            raise ValueError(f"mart {m.name}: akses must be one of {sorted(LEVELS)}, not {level!r}")
        target = sql.SQL(".").join([schema_id, sql.Identifier(m.name)])
        readers = list(LEVELS[level]) + [role(k) for role in limited.get(level, []) for k in kecamatan]
        withheld = set(m.meta.get("pribadi", ()))
        cur.execute("select c.relkind from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
                    "where n.nspname = %s and c.relname = %s", (schema, m.name))
        kind = cur.fetchone()
        if kind is None or kind[0] != {"table": "r", "view": "v"}[m.materialized]:
            # live marts of an earlier release, before the next publication rebuilds them: not readable
            log.warning("mart %s.%s is missing or of another kind; no reader gets it until the next build",
                        schema, m.name)
            continue
        cur.execute("select column_name from information_schema.columns where table_schema = %s "
                    "and table_name = %s order by ordinal_position", (schema, m.name))
        columns = [r[0] for r in cur.fetchall()]
        if withheld - set(columns):
            raise ValueError(f"mart {m.name}: pribadi names columns it lacks: {sorted(withheld - set(columns))}")
        if level in limited and "kode_kec" not in columns:
            raise ValueError(f"mart {m.name}: kecamatan roles read it, so it needs a kode_kec column")
        if level in limited and m.materialized != "table":
            raise ValueError(f"mart {m.name}: a mart readers see is a table (row-level security does not reach "
                             "through a view)")
        for role in readers:
            if role == ANALIS or not withheld:
                cur.execute(sql.SQL("grant select on {} to {}").format(target, sql.Identifier(role)))
            else:
                cur.execute(sql.SQL("grant select ({}) on {} to {}").format(
                    sql.SQL(", ").join(sql.Identifier(c) for c in columns if c not in withheld), target,
                    sql.Identifier(role)))
        if m.materialized != "table":
            continue
        cur.execute(sql.SQL("alter table {} enable row level security").format(target))
        cur.execute("select policyname from pg_policies where schemaname = %s and tablename = %s", (schema, m.name))
        for (policy,) in cur.fetchall():
            cur.execute(sql.SQL("drop policy {} on {}").format(sql.Identifier(policy), target))
        unrestricted = [r for r in readers if not r.startswith((KECAMATAN_PREFIX, VERVAL_PREFIX))]
        cur.execute(sql.SQL("create policy semua on {} for select to {} using (true)").format(
            target, sql.SQL(", ").join(map(sql.Identifier, unrestricted))))
        for kode in kecamatan if level in limited else ():
            cur.execute(sql.SQL("create policy {} on {} for select to {} using (kode_kec = {})").format(
                sql.Identifier(f"kecamatan_{kode}"), target,
                sql.SQL(", ").join(sql.Identifier(role(kode)) for role in limited[level]), sql.Literal(kode)))
