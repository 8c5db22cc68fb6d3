"""The Superset environment built from its lock file starts: `superset db upgrade` on PostgreSQL succeeds."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg2
import pytest

from tests.conftest import _new_database

ROOT = Path(__file__).resolve().parents[1]
SUPERSET = ROOT / ".venv-superset" / "bin" / "superset"


@pytest.mark.superset
def test_superset_db_upgrade_from_the_lock_file(pg_home):
    assert SUPERSET.exists(), "make setup builds .venv-superset from requirements/superset.lock"
    url = _new_database(pg_home, "superset_meta")
    env = {**os.environ, "SUPERSET_CONFIG_PATH": str(ROOT / "ops/superset/superset_config.py"),
           "SUPERSET_SECRET_KEY": "test-only-" + "k" * 32, "SUPERSET_METADATA_URL": url}
    done = subprocess.run([str(SUPERSET), "db", "upgrade"], capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from alembic_version")
        assert cur.fetchone()[0] == 1
        cur.execute("select count(*) from information_schema.tables where table_name in ('dashboards', 'slices')")
        assert cur.fetchone()[0] == 2
