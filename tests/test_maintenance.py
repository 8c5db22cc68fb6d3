"""Nightly care against a real PostgreSQL: a registry change published, backup with retention, the restore test,
the lake re-check."""

from __future__ import annotations

import dataclasses
import json
import os

import psycopg2
import pytest

from bansos360 import maintenance, marts, pipeline, registry
from tests.helpers import approve_and_refresh, submit


@pytest.fixture
def with_data(settings, lake, tmp_path):
    s = dataclasses.replace(settings, backup_dir=tmp_path / "cadangan", backup_keep=2)
    result = submit(s, lake / "files" / "BNBA BST Tahap 3.xlsx", "bst", label="BST Tahap 3")
    assert approve_and_refresh(s, result["submission_id"]).state == "terbit"
    return s


def test_the_nightly_run_publishes_marts_that_a_registry_change_made_stale(with_data):
    """No submission waits; a programme limit changed: the maintenance DAG's first task builds, gates and publishes
    the marts once, and the next night does nothing."""
    def published() -> tuple[int, bool]:
        with psycopg2.connect(with_data.database_url) as conn, conn.cursor() as cur:
            cur.execute("select oid from pg_namespace where nspname = 'marts'")
            return cur.fetchone()[0], marts.stale(conn)

    def limits() -> list[tuple]:
        with psycopg2.connect(with_data.database_url) as conn, conn.cursor() as cur:
            cur.execute("select distinct desil_maks from marts.mart_dtsen_kpm where program = 'BST'")
            return cur.fetchall()

    built, stale = published()
    assert not stale and pipeline.rebuild_stale_marts(with_data) is False and published()[0] == built
    assert limits() == [(None,)]  # BST's current list, no limit as shipped
    with psycopg2.connect(with_data.database_url) as conn, conn.cursor() as cur:
        registry.program_set(cur, "BST", "3", "kominfo")
    assert published() == (built, True)
    assert pipeline.rebuild_stale_marts(with_data) is True
    rebuilt, stale = published()
    assert rebuilt != built and not stale
    assert limits() == [(3,)]  # the published marts read the new limit
    assert pipeline.rebuild_stale_marts(with_data) is False and published()[0] == rebuilt


def test_backup_restores_to_the_same_counts(with_data):
    path = maintenance.backup(with_data)
    result = maintenance.verify_restore(with_data, path)
    assert result["berbeda"] == []
    assert result["tabel"] > 10 and result["baris"] > 100
    with psycopg2.connect(with_data.database_url) as conn, conn.cursor() as cur:
        cur.execute("select datname from pg_database where datname like '%uji_pemulihan'")
        assert cur.fetchall() == []  # the scratch database is gone


def test_restore_test_judges_the_dump_by_its_own_snapshot_and_sees_a_difference(with_data):
    """A row written after the dump (the access report's hourly timer, an approval) is no difference: the restore
    is compared with the counts taken in the dump's snapshot. A dump that holds fewer rows than were counted is."""
    path = maintenance.backup(with_data)
    with psycopg2.connect(with_data.database_url) as conn, conn.cursor() as cur:
        cur.execute("insert into audit.state_change (submission_id, from_state, to_state, changed_by) "
                    "select submission_id, state, state, 'uji' from audit.submission limit 1")
    result = maintenance.verify_restore(with_data, path)
    assert result["berbeda"] == [] and result["dibandingkan_dengan"] == "snapshot cadangan"
    counted = path.with_name(path.name + ".counts.json")
    counts = json.loads(counted.read_text())
    counts["audit.state_change"] += 1  # as if the dump had lost a row
    counted.write_text(json.dumps(counts))
    result = maintenance.verify_restore(with_data, path)
    assert result["berbeda"] and result["berbeda"][0].startswith("audit.state_change")
    counted.unlink()  # a dump of an older release: compared with the live database, which has the new row
    result = maintenance.verify_restore(with_data, path)
    assert result["dibandingkan_dengan"] == "gudang hidup"
    assert result["berbeda"] and result["berbeda"][0].startswith("audit.state_change")


def test_backup_retention_keeps_the_newest(with_data):
    made = []
    for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        with_data.backup_dir.mkdir(parents=True, exist_ok=True)
        old = with_data.backup_dir / f"{maintenance.PREFIX}{stamp}.dump"
        old.write_bytes(b"old")
        made.append(old)
    for old in made:
        old.with_name(old.name + ".counts.json").write_text("{}")
    newest = maintenance.backup(with_data)
    kept = sorted(p.name for p in with_data.backup_dir.glob("*.dump"))
    assert kept == [made[-1].name, newest.name]
    assert sorted(p.name for p in with_data.backup_dir.glob("*.counts.json")) == [f"{n}.counts.json" for n in kept]


def test_lake_check_finds_a_changed_and_a_missing_file(with_data):
    assert maintenance.check_lake(with_data)["rusak"] == []
    files = sorted((with_data.lake / "raw").rglob("*"))
    files = [f for f in files if f.is_file()]
    assert len(files) >= 2
    os.chmod(files[0], 0o644)
    files[0].write_bytes(files[0].read_bytes() + b"x")
    files[1].unlink()
    broken = maintenance.check_lake(with_data)["rusak"]
    assert len(broken) == 2
    assert any("berubah" in b for b in broken) and any("hilang" in b for b in broken)


def test_the_restore_database_is_closed_to_every_role_before_the_dump_is_restored(with_data, monkeypatch):
    """While the backup is restored into it, no role but its owner may connect or make temporary tables."""
    seen = []
    counts = maintenance._counts

    def checking(url):
        if "uji_pemulihan" in url:
            with psycopg2.connect(with_data.database_url) as conn, conn.cursor() as cur:
                cur.execute("select datacl::text[], has_database_privilege('bansos360_publik', oid, 'connect'), "
                            "has_database_privilege('bansos360_publik', oid, 'temporary') "
                            "from pg_database where datname like '%uji_pemulihan'")
                seen.append(cur.fetchone())
        return counts(url)

    monkeypatch.setattr(maintenance, "_counts", checking)
    maintenance.verify_restore(with_data, maintenance.backup(with_data))
    assert len(seen) == 1
    acl, connect, temporary = seen[0]
    assert acl is not None and not any(entry.startswith("=") for entry in acl), acl  # "=Tc/..." is PUBLIC's
    assert (connect, temporary) == (False, False)
