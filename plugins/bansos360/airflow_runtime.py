"""Airflow on this machine: its configuration, its metadata database, its users, its processes.

``bansos360 airflow setup`` writes the configuration (environment variables, in ``$AIRFLOW_HOME/env``),
migrates Airflow's metadata database, and syncs the SOP roles and the users of a users file;
``bansos360 airflow start`` starts the api-server, scheduler, dag-processor and triggerer (LocalExecutor,
FAB auth manager) and waits until they report healthy; ``bansos360 airflow stop`` stops them;
``bansos360 airflow clean`` prunes Airflow's metadata and task logs older than a number of days.

With the embedded default, Airflow's metadata lives in a second database (``airflow``) of the embedded
server. A deployment (ops/ansible) writes the same variables from Ansible Vault and runs the four
processes as systemd services instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from bansos360 import config, db, processes

PROCESSES = ("api-server", "scheduler", "dag-processor", "triggerer")
METADATA_DATABASE = "airflow"


def home(settings) -> Path:
    """``AIRFLOW_HOME`` of this installation: ``$BANSOS360_HOME/airflow``."""
    return settings.home / "airflow"


def _port(settings) -> int:
    return urlsplit(settings.airflow_url).port or 8080


def _secrets(path: Path) -> dict[str, str]:
    """Keys generated once per installation, kept in a 0600 file (never committed)."""
    if path.exists():
        return json.loads(path.read_text())
    from cryptography.fernet import Fernet

    values = {"api_secret_key": secrets.token_urlsafe(32), "jwt_secret": secrets.token_urlsafe(32),
              "fernet_key": Fernet.generate_key().decode()}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(values, f)
    return values


def _metadata_url(warehouse_url: str) -> str:
    parts = urlsplit(warehouse_url)
    return urlunsplit(parts._replace(scheme="postgresql+psycopg2", path="/" + METADATA_DATABASE))


def environment(settings) -> dict[str, str]:
    """The environment every Airflow process of this installation runs with."""
    ahome = home(settings)
    warehouse_url = db.database_url(settings)  # embedded default: started here, once, not by Airflow
    # a deployment gives the three keys in the environment (from Ansible Vault); otherwise generated once
    given = {"fernet_key": os.environ.get("AIRFLOW__CORE__FERNET_KEY"),
             "api_secret_key": os.environ.get("AIRFLOW__API__SECRET_KEY"),
             "jwt_secret": os.environ.get("AIRFLOW__API_AUTH__JWT_SECRET")}
    keys = given if all(given.values()) else _secrets(ahome / "kunci.json")
    base = settings.airflow_url
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(ahome),
        "AIRFLOW__CORE__DAGS_FOLDER": str(config.REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(config.REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        # LocalExecutor forks this many workers at start; no DAG here runs more than two tasks at once
        "AIRFLOW__CORE__PARALLELISM": os.environ.get("BANSOS360_AIRFLOW_PARALLELISM") or "2",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
        "AIRFLOW__CORE__FERNET_KEY": keys["fernet_key"],
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
        or _metadata_url(warehouse_url),
        # behind nginx the browser's address differs from the one the processes use among themselves
        "AIRFLOW__API__BASE_URL": os.environ.get("BANSOS360_AIRFLOW_PUBLIC_URL") or base,
        "AIRFLOW__API__HOST": urlsplit(base).hostname or "127.0.0.1",
        "AIRFLOW__API__PORT": str(_port(settings)),
        "AIRFLOW__API__WORKERS": "1",  # the T40 has 8 GB for everything: one worker, measured in benchmarks
        "AIRFLOW__API__SECRET_KEY": keys["api_secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "60",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "BANSOS360_DATABASE_URL": warehouse_url,
        "BANSOS360_HOME": str(settings.home),
        "BANSOS360_LAKE": str(settings.lake),
        "BANSOS360_INBOX": str(settings.inbox),
        "BANSOS360_INBOX_SETTLE_SECONDS": str(settings.inbox_settle_seconds),
        "BANSOS360_BACKUP_DIR": str(settings.backup_dir),
        "BANSOS360_BACKUP_KEEP": str(settings.backup_keep),
        "BANSOS360_AIRFLOW_URL": base,
        "BANSOS360_AIRFLOW_PUBLIC_URL": settings.airflow_public_url if os.environ.get("BANSOS360_AIRFLOW_PUBLIC_URL")
        else base,
        # the notifications (notify.py): the installation's SMTP setting, as the settings hold it
        "BANSOS360_SMTP_HOST": settings.smtp_host,
        "BANSOS360_SMTP_PORT": str(settings.smtp_port),
        "BANSOS360_SMTP_TLS": settings.smtp_tls,
        "BANSOS360_SMTP_USER": settings.smtp_user,
        "BANSOS360_SMTP_PASSWORD": settings.smtp_password,
        "BANSOS360_SMTP_FROM": settings.smtp_from,
        "PYTHONPATH": os.pathsep.join(p for p in (str(config.REPO_ROOT / "plugins"), os.environ.get("PYTHONPATH"))
                                      if p),
    })
    return env


def _airflow(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "airflow"), *args], env=env, check=check,
                          capture_output=True, text=True)


def setup(settings, users_file: Path | None = None) -> dict:
    """Configuration, metadata database migration, SOP roles and users (idempotent)."""
    from bansos360 import pipeline

    pipeline.init(settings)
    env = environment(settings)
    if "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in os.environ:
        db.ensure_database(env["BANSOS360_DATABASE_URL"], METADATA_DATABASE)
    done = _airflow(env, "db", "migrate", check=False)
    if done.returncode:
        raise RuntimeError(f"airflow db migrate failed: {done.stderr[-2000:]}")
    code = ("import sys; from pathlib import Path; from bansos360 import access; "
            "print(','.join(access.apply(Path(sys.argv[1]) if sys.argv[1] else None)))")
    done = subprocess.run([sys.executable, "-c", code, str(users_file or "")], env=env, capture_output=True,
                          text=True)
    if done.returncode:
        raise RuntimeError(f"syncing roles and users failed: {done.stderr[-2000:]}")
    users = [u for u in done.stdout.strip().splitlines()[-1].split(",") if u] if done.stdout.strip() else []
    if users_file:
        from bansos360 import notify

        with db.connect(settings) as conn:
            notify.sync_recipients(conn, users_file)  # who is told of each submission (notify.py)
    return {"airflow_home": env["AIRFLOW_HOME"], "url": settings.airflow_url, "pengguna": users}


def run(settings, process: str) -> None:
    """Replace this process with one Airflow process in the foreground (a systemd unit's ``ExecStart``)."""
    if process not in PROCESSES:
        raise ValueError(f"not an Airflow process of this installation: {process}")
    airflow = str(Path(sys.executable).parent / "airflow")
    os.execve(airflow, [airflow, process], environment(settings))  # noqa: S606 - fixed argv, no shell


# Airflow's tables ``airflow db clean`` prunes: the run history and what hangs off it, never the DAGs' own rows
# (``dag``, ``dag_version``), which a DAG that has not run for a while still needs.
CLEANED_TABLES = ("dag_run", "task_instance", "task_instance_history", "task_reschedule", "xcom", "log", "job",
                  "import_error", "asset_event", "trigger", "callback", "deadline", "revoked_token")


def clean(settings, keep_days: int) -> dict:
    """Prune Airflow's run history and task logs older than ``keep_days`` days.

    The metadata by ``airflow db clean`` (the latest scheduled run of every DAG stays: the scheduler counts
    from it; older runs, triggered ones too, go), the task logs under
    ``$AIRFLOW_HOME/logs`` and the folders they leave empty; the processes' own logs at the top of that folder
    stay (the embedded default appends to them).
    """
    env = environment(settings)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=keep_days)
    done = _airflow(env, "db", "clean", "--clean-before-timestamp", before.isoformat(), "--tables",
                    ",".join(CLEANED_TABLES), "--skip-archive", "--yes", "--error-on-cleanup-failure", check=False)
    if done.returncode:
        raise RuntimeError(f"airflow db clean failed: {done.stderr[-2000:]}")
    logs, removed = home(settings) / "logs", 0
    for folder, _dirs, files in os.walk(logs, topdown=False):  # deepest first, so emptied folders go too
        here = Path(folder)
        for name in files if here != logs else ():
            path = here / name
            if path.stat().st_mtime < before.timestamp():
                path.unlink()
                removed += 1
        if here != logs and not any(here.iterdir()):
            here.rmdir()
    return {"sebelum/before": before.isoformat(timespec="seconds"), "log_dihapus/logs_removed": removed}


def _pidfile(ahome: Path, name: str) -> Path:
    return ahome / "run" / f"{name}.pid"


def running(settings) -> dict[str, int]:
    """The Airflow processes this installation started that are still alive."""
    ahome = home(settings)
    alive = {}
    for name in PROCESSES:
        f = _pidfile(ahome, name)
        if f.exists() and processes.alive(int(f.read_text())):
            alive[name] = int(f.read_text())
    return alive


def start(settings, timeout: float = 240.0) -> dict:
    """Start the four processes (those not running yet) and wait until Airflow reports them healthy."""
    env = environment(settings)
    ahome = home(settings)
    (ahome / "run").mkdir(parents=True, exist_ok=True)
    (ahome / "logs").mkdir(parents=True, exist_ok=True)
    alive = running(settings)
    for name in PROCESSES:
        if name in alive:
            continue
        log = (ahome / "logs" / f"{name}.log").open("ab")
        proc = subprocess.Popen([str(Path(sys.executable).parent / "airflow"), name], env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        _pidfile(ahome, name).write_text(str(proc.pid))
    return wait_healthy(settings, timeout)


def health(settings) -> dict | None:
    """Airflow's health answer, or None when the API server does not answer."""
    try:
        answer = httpx.get(f"{settings.airflow_url}/api/v2/monitor/health", timeout=5)
    except httpx.HTTPError:
        return None
    return answer.json() if answer.status_code == 200 else None


def wait_healthy(settings, timeout: float) -> dict:
    """Wait until metadatabase, scheduler, triggerer and dag-processor are healthy."""
    deadline = time.monotonic() + timeout
    parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
    while True:
        h = health(settings)
        if h and all((h.get(p) or {}).get("status") == "healthy" for p in parts):
            return {"url": settings.airflow_url, "proses": running(settings)}
        dead = [n for n in PROCESSES if n not in running(settings)]
        if dead or time.monotonic() > deadline:
            logs = home(settings) / "logs"
            raise RuntimeError(f"Airflow is not healthy (stopped: {dead}; health: {h}); see {logs}/*.log")
        time.sleep(2)


def stop(settings, timeout: float = 30.0) -> list[str]:
    """Stop the processes started by ``start`` (their whole process groups: workers and task runners too)."""
    ahome = home(settings)
    started = running(settings)
    processes.end_groups(list(started.values()), timeout)
    for name in PROCESSES:
        _pidfile(ahome, name).unlink(missing_ok=True)
    return list(started)
