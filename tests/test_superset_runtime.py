"""Superset runs for real from `.venv-superset` (built from requirements/superset.lock): `superset db upgrade`
and `superset init` on PostgreSQL, gunicorn, the admin of the users file."""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path

import httpx
import psycopg2
import pytest

from bansos360 import config, superset_runtime
from tests.helpers import new_database

USERS = Path(__file__).resolve().parents[1] / "ops" / "demo" / "pengguna.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.superset
def test_superset_starts_and_the_admin_signs_in(pg_home, tmp_path, monkeypatch):
    url = new_database(pg_home, "superset_runtime")
    monkeypatch.setenv("SUPERSET_METADATA_URL", url.replace("postgresql://", "postgresql+psycopg2://"))
    s = dataclasses.replace(config.load(), database_url=url, home=tmp_path,
                            superset_url=f"http://127.0.0.1:{_free_port()}")
    assert superset_runtime.setup(s, USERS)["admin"] == ["kominfo"]
    with psycopg2.connect(url) as conn, conn.cursor() as cur:  # the lock file's set migrated the metadata
        cur.execute("select count(*) from alembic_version")
        assert cur.fetchone()[0] == 1
        cur.execute("select count(*) from information_schema.tables where table_name in ('dashboards', 'slices')")
        assert cur.fetchone()[0] == 2
    assert (tmp_path / "superset" / "kunci.json").stat().st_mode & 0o077 == 0
    try:
        superset_runtime.start(s)
        assert httpx.get(f"{s.superset_url}/health").text.strip() == "OK"
        password = next(u["password"] for u in json.loads(USERS.read_text()) if u["username"] == "kominfo")
        login = httpx.post(f"{s.superset_url}/api/v1/security/login",
                           json={"username": "kominfo", "password": password, "provider": "db"})
        assert login.status_code == 200 and login.json()["access_token"]
        wrong = httpx.post(f"{s.superset_url}/api/v1/security/login",
                           json={"username": "kominfo", "password": "salah", "provider": "db"})
        assert wrong.status_code == 401
    finally:
        assert superset_runtime.stop(s)
    assert superset_runtime.running(s) is None
