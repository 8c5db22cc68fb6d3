"""Superset on this machine: its metadata database, its admin, its process (gunicorn from ``.venv-superset``).

The pipeline never imports Superset (SQLAlchemy 1.4 vs 2): it runs Superset's own commands from the Superset
environment and talks to the server over its REST API. ``bansos360 superset setup`` migrates the metadata
database (``superset`` on the same PostgreSQL server), runs ``superset init`` and creates the admins of a users
file (entries with ``"superset": ["Admin"]``); ``start`` runs gunicorn on ``BANSOS360_SUPERSET_URL`` and waits for
``/health``; ``stop`` stops it.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from bansos360 import config, db, processes, superset_access

VENV = config.REPO_ROOT / ".venv-superset"
CONFIG = config.REPO_ROOT / "ops" / "superset" / "superset_config.py"
METADATA_DATABASE = "superset"


def home(settings) -> Path:
    """Superset's folder of this installation: ``$BANSOS360_HOME/superset``, or ``BANSOS360_SUPERSET_HOME``.

    On a server Superset runs as a system user of its own, and the sync (as the pipeline's user) keeps its
    record in a folder of its own: each sets ``BANSOS360_SUPERSET_HOME`` (docs/deploy.md).
    """
    return Path(os.environ.get("BANSOS360_SUPERSET_HOME") or settings.home / "superset")


def secret(settings, name: str) -> str:
    """A secret of this installation, generated once into ``$BANSOS360_HOME/superset/kunci.json`` (mode 0600)."""
    path = home(settings) / "kunci.json"
    keys = json.loads(path.read_text()) if path.exists() else {}
    if name not in keys:
        keys[name] = secrets.token_urlsafe(42)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(keys, f)
    return keys[name]


def db_role_secret(settings) -> str:
    """The secret the class roles' passwords derive from (db_access.password); Superset derives the same."""
    return os.environ.get("BANSOS360_DB_ROLE_SECRET") or secret(settings, "peran_basis_data")


def environment(settings) -> dict[str, str]:
    """The environment of Superset's commands and server (the secret key generated once, mode 0600)."""
    warehouse = urlsplit(db.database_url(settings))
    metadata = os.environ.get("SUPERSET_METADATA_URL") or urlunsplit(
        warehouse._replace(scheme="postgresql+psycopg2", path="/" + METADATA_DATABASE))
    return {**os.environ, "SUPERSET_CONFIG_PATH": str(CONFIG), "SUPERSET_METADATA_URL": metadata,
            "SUPERSET_SECRET_KEY": os.environ.get("SUPERSET_SECRET_KEY") or secret(settings, "secret_key"),
            "SUPERSET_GUEST_TOKEN_SECRET": (os.environ.get("SUPERSET_GUEST_TOKEN_SECRET")
                                            or secret(settings, "guest_token_secret")),
            "BANSOS360_EMBED_SITES": ",".join(settings.embed_sites),
            # who reaches the warehouse as which PostgreSQL role (superset_config.DB_CONNECTION_MUTATOR)
            "BANSOS360_DB_ROLE_SECRET": db_role_secret(settings),
            "BANSOS360_DB_ROLES": json.dumps(superset_access.database_roles(superset_access.access_spec())),
            "BANSOS360_SUPERSET_PUBLIC_URL": settings.superset_public_url,
            "SUPERSET_HOME": str(home(settings)), "FLASK_APP": "superset"}


def _superset(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([str(VENV / "bin" / "superset"), *args], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"superset {' '.join(args[:2])} failed: {(done.stderr or done.stdout)[-2000:]}")
    return done


def setup(settings, users_file: Path | None = None) -> dict:
    """Metadata migration, roles and permissions (``superset init``), the admins of the users file."""
    if "SUPERSET_METADATA_URL" not in os.environ:
        db.ensure_database(db.database_url(settings), METADATA_DATABASE)
    env = environment(settings)
    _superset(env, "db", "upgrade")
    _superset(env, "init")
    admins = []
    for entry in json.loads(Path(users_file).read_text()) if users_file else []:
        if "Admin" not in entry.get("superset", []):
            continue
        password = os.environ.get(entry["password_env"], "") if "password_env" in entry else entry.get("password")
        first, _, last = entry.get("nama", entry["username"]).partition(" ")
        # the password goes through the prompt (stdin), never on a command line other users can read
        done = subprocess.run([str(VENV / "bin" / "superset"), "fab", "create-admin", "--username",
                               entry["username"], "--firstname", first, "--lastname", last or "-", "--email",
                               entry["email"]], env=env, input=f"{password}\n{password}\n", capture_output=True,
                              text=True)
        if done.returncode:
            raise RuntimeError(f"creating Superset admin {entry['username']} failed: {done.stderr[-1000:]}")
        admins.append(entry["username"])
    return {"superset_home": str(home(settings)), "url": settings.superset_url, "admin": admins}


def _pidfile(settings) -> Path:
    return home(settings) / "superset.pid"


def running(settings) -> int | None:
    """The gunicorn master's pid, if it runs."""
    f = _pidfile(settings)
    if not f.exists():
        return None
    pid = int(f.read_text())
    return pid if processes.alive(pid) else None


def healthy(settings) -> bool:
    """Whether Superset's ``/health`` answers OK."""
    try:
        return httpx.get(f"{settings.superset_url}/health", timeout=5).text.strip() == "OK"
    except httpx.HTTPError:
        return False


def _gunicorn(settings) -> list[str]:
    """The command line of gunicorn: ``BANSOS360_SUPERSET_WORKERS`` workers (2) of 4 threads each."""
    address = urlsplit(settings.superset_url)
    return [str(VENV / "bin" / "gunicorn"), "--workers", os.environ.get("BANSOS360_SUPERSET_WORKERS") or "2",
            "--worker-class", "gthread", "--threads", "4", "--timeout", "120", "--keep-alive", "10",
            "--no-control-socket", "--bind", f"{address.hostname}:{address.port or 8088}",
            "superset.app:create_app()"]


def serve(settings) -> None:
    """Replace this process with gunicorn in the foreground (the systemd unit's ``ExecStart``)."""
    command = _gunicorn(settings)
    os.execve(command[0], command, environment(settings))  # noqa: S606 - fixed argv, no shell


def start(settings, timeout: float = 180.0) -> dict:
    """Start gunicorn (2 workers, threads) unless it runs; wait until ``/health`` answers OK."""
    if running(settings) is None:
        env = environment(settings)
        log = (home(settings) / "superset.log").open("ab")
        proc = subprocess.Popen(
            _gunicorn(settings),
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        _pidfile(settings).write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while not healthy(settings):
        if running(settings) is None or time.monotonic() > deadline:
            raise RuntimeError(f"Superset did not start; see {home(settings) / 'superset.log'}")
        time.sleep(2)
    return {"url": settings.superset_url, "pid": running(settings)}


def stop(settings, timeout: float = 30.0) -> bool:
    """Stop gunicorn and its workers; whether it was running."""
    pid = running(settings)
    if pid is None:
        return False
    processes.end_groups([pid], timeout)
    _pidfile(settings).unlink(missing_ok=True)
    return True
