"""The pause of an upgrade: while a deploy migrates the databases, nothing new is written into them.

``bansos360 pause begin`` refuses while a refresh runs (the refresh lock is held, or an Airflow DAG run is
running) and otherwise writes the pause (``keadaan/pemeliharaan.json`` in BANSOS360_HOME). While it lasts the upload and
approval pages, the command line's ``submit``, ``approve`` and ``refresh``, the refresh's tasks and the intake
refuse with a message; on a server the deploy also stops Airflow's scheduler, triggerer and DAG processor, so
that no DAG run starts. Files dropped in the SFTP inbox meanwhile wait there: the inbox is outside the
databases, and the watcher registers them after the deploy.
``bansos360 pause end`` lifts it (docs/deploy.md, "Upgrading").
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import psycopg2

from bansos360 import audit, db

FLAG = Path("keadaan") / "pemeliharaan.json"  # a folder the service user writes (BANSOS360_HOME is root's)
REFRESH_LOCK = 360362  # held by every refresh (bansos360.pipeline.exclusive)


class Paused(audit.StateError):
    """The system is paused for an upgrade: nothing new may be written."""


class Busy(Exception):
    """A refresh runs: an upgrade must wait for it."""


def paused(settings) -> dict | None:
    """The pause in force (its release and start), or None."""
    try:
        return json.loads((settings.home / FLAG).read_text())
    except FileNotFoundError:
        return None


def message(pause: dict) -> str:
    """What a refused writer is told."""
    return (f"Sistem sedang diperbarui ke rilis {pause.get('rilis') or '?'} sejak {pause.get('sejak', '?')[:16]} "
            "UTC; coba lagi setelah pembaruan selesai / the system is being upgraded; try again when the upgrade "
            "is done")


def notice(settings) -> str | None:
    """What a writer is told while an upgrade runs, or None."""
    pause = paused(settings)
    return message(pause) if pause is not None else None


def refuse_if_paused(settings) -> None:
    """Raise ``Paused`` while an upgrade runs."""
    if told := notice(settings):
        raise Paused(told)


def must_wait(reasons: list[str]) -> str:
    """What a deploy that must wait says (the preflight reads it from ``bansos360 pause status``)."""
    return ("Pembaruan ditunda: tunggu sampai selesai, lalu jalankan lagi / the upgrade must wait until this ends, "
            "then run it again: " + "; ".join(reasons))


def _airflow_runs(settings) -> list[str]:
    """Why Airflow keeps an upgrade waiting: its DAG runs running now (none where its database was never made)."""
    from bansos360 import airflow_runtime

    url = airflow_runtime.environment(settings)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    try:
        with psycopg2.connect(url.replace("+psycopg2", "", 1)) as conn, conn.cursor() as cur:
            cur.execute("select dag_id || ' ' || run_id from dag_run where state = 'running' order by 1")
            return [f"DAG run sedang berjalan / a DAG run is running: {r[0]}" for r in cur.fetchall()]
    except psycopg2.errors.UndefinedTable:
        return []
    except psycopg2.OperationalError as exc:
        if "does not exist" in str(exc):  # the command line alone, without Airflow
            return []
        # unknown is not idle: the upgrade waits
        return [f"basis data Airflow tidak terbaca / Airflow's database cannot be read: {str(exc).strip()[:200]}"]


def busy(settings) -> list[str]:
    """Why an upgrade must wait now: a refresh holding its lock, DAG runs running (empty: it need not)."""
    reasons = []
    with db.connect(settings) as conn, conn.cursor() as cur:
        cur.execute("select pg_try_advisory_lock(%s)", (REFRESH_LOCK,))
        if cur.fetchone()[0]:
            cur.execute("select pg_advisory_unlock(%s)", (REFRESH_LOCK,))
        else:
            reasons.append("penyegaran sedang berjalan / a refresh is running (bansos360 refresh)")
    reasons += _airflow_runs(settings)
    return reasons


def begin(settings, release: str) -> dict:
    """Pause for an upgrade to ``release``, or raise ``Busy`` naming what runs.

    Beginning again is allowed: a deploy that stopped halfway is run again.
    """
    reasons = busy(settings)
    if reasons:
        raise Busy(must_wait(reasons))
    pause = {"rilis": release, "sejak": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    flag = settings.home / FLAG
    flag.parent.mkdir(exist_ok=True)
    partial = flag.with_name(f".{flag.name}.part")
    partial.write_text(json.dumps(pause))
    os.replace(partial, flag)
    return pause


def end(settings) -> bool:
    """Lift the pause; whether there was one."""
    try:
        (settings.home / FLAG).unlink()
    except FileNotFoundError:
        return False
    return True
