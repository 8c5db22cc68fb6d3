"""The command line contract: JSON answers, exit codes, and the embedded default started and stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).with_name("bansos360")


def run(*args, env=None, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, timeout=600)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_submit_approve_refresh_status(settings, lake):
    env = {**os.environ, "BANSOS360_DATABASE_URL": settings.database_url, "BANSOS360_LAKE": str(settings.lake)}
    sub = json.loads(run("submit", str(lake / "files/BNBA KPE 20K.xlsx"), "--source", "kpe", "--by", "operator",
                         "--label", "KPE 2020", "--as-of", "2020-09-01", env=env).stdout)
    assert sub["state"] == "diperiksa" and isinstance(sub["submission_id"], int)
    bad = run("submit", str(lake / "files/BNBA KPE 20K.xlsx"), "--source", "kpe", "--by", "operator",
              "--periode", "09-2020", env=env, check=False)
    assert bad.returncode == 1 and json.loads(bad.stdout)["state"] == "ditolak"
    approved = json.loads(run("approve", str(sub["submission_id"]), "--by", "kabid", env=env).stdout)
    assert approved == [{"submission_id": sub["submission_id"], "state": "disetujui"}]
    refreshed = json.loads(run("refresh", env=env).stdout)
    assert [o["state"] for o in refreshed] == ["terbit"]
    status = json.loads(run("status", str(sub["submission_id"]), "--json", env=env).stdout)
    assert status["state"] == "terbit" and status["profile"]["bagian"][0]["rows"] > 0
    text = run("status", env=env).stdout
    assert "kpe" in text and "terbit" in text and "ditolak" in text


def test_embedded_default_starts_and_stops(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "BANSOS360_DATABASE_URL"}
    env["BANSOS360_HOME"] = str(tmp_path / "home")
    url = run("db", "start", env=env).stdout.strip()
    assert url.startswith("postgresql://postgres@127.0.0.1:")
    run("init", env=env)
    assert (tmp_path / "home" / "pgdata" / "postmaster.pid").exists()
    assert (tmp_path / "home" / "lake").is_dir()
    assert "berhenti/stopped" in run("db", "stop", env=env).stdout
    assert not (tmp_path / "home" / "pgdata" / "postmaster.pid").exists()
