"""Refresh is idempotent, a new delivery of a period replaces it and keeps history, and a failing gate
leaves the published warehouse as it was."""

from __future__ import annotations

import dataclasses
import json
import shutil

import psycopg2
import pytest

from bansos360 import audit, functions, intake, pipeline, staging, warehouse
from tests.conftest import query
from tests.helpers import approve_and_refresh, dtks_csv, dtks_rows, read_zip_member, submit, write_zip

MEI = "files/3503-MEI 2018.zip"


def snapshot(s) -> dict:
    return {
        t: query(s, f"select count(*), md5(string_agg(md5(x::text), '' order by md5(x::text))) "
                    f"from warehouse.{t} x")[0]
        for t in ("dtks_rumah_tangga", "dtks_individu", "ref_wilayah")
    }


def test_refresh_twice_changes_nothing(settings, lake):
    r = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, r["submission_id"]).state == "terbit"
    before = snapshot(settings)
    assert pipeline.refresh(settings) == []  # nothing approved is waiting
    outcomes = pipeline.refresh(settings, rebuild=True)  # re-process what is published
    assert {o.state for o in outcomes} == {"terbit"}
    assert snapshot(settings) == before
    riwayat = query(settings, "select count(*) from warehouse.dtks_individu_riwayat")[0][0]
    assert riwayat == before["dtks_individu"][0]  # a rerun replaced its rows, it did not append


def test_new_delivery_replaces_the_period_and_keeps_history(settings, lake, tmp_path):
    first = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, first["submission_id"]).state == "terbit"
    header, rows, _, _ = dtks_rows(read_zip_member(lake / MEI, "ART")[1])
    rt_name, rt = read_zip_member(lake / MEI, "RT")
    keep = rows[: len(rows) * 3 // 4]
    p = write_zip(tmp_path / "3503-MEI 2018 revisi.zip", {rt_name: rt, "3503_ART.csv": dtks_csv(header, keep)})
    second = submit(settings, p, "dtks")
    assert second["state"] == "diperiksa" and not second["is_held"]
    assert approve_and_refresh(settings, second["submission_id"]).state == "terbit"
    served = query(settings, "select submission_id, count(*) from warehouse.dtks_individu group by 1")
    assert [sid for sid, _ in served] == [second["submission_id"]]
    kept = dict(query(settings, "select submission_id, count(*) from warehouse.dtks_individu_riwayat group by 1"))
    assert set(kept) == {first["submission_id"], second["submission_id"]}  # the old delivery's history stays
    assert query(settings, "select submission_id from warehouse.publikasi where sumber = 'dtks'")[0][0] == \
        second["submission_id"]


def test_failed_gate_leaves_the_published_warehouse(settings, lake):
    first = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, first["submission_id"]).state == "terbit"
    before = snapshot(settings)
    strict = dataclasses.replace(settings, nik_valid_floor=0.9999)  # the synthetic period has ~1.5% invalid NIKs
    second = submit(strict, lake / "files/3503-JULI 2019.zip", "dtks", periode="2018-05")
    with psycopg2.connect(settings.database_url) as conn:
        intake.approve(conn, [second["submission_id"]], "kabid")
    out = pipeline.process(strict, second["submission_id"])
    assert out.state == "gagal"
    assert any("is_nik_valid" in f and "BANSOS360_NIK_VALID_FLOOR" in f for f in out.findings), out.findings
    assert snapshot(settings) == before
    state = query(settings, "select state from audit.submission where submission_id = %s",
                  (second["submission_id"],))[0][0]
    assert state == "gagal"


def test_refresh_refuses_what_is_not_approved(settings, lake):
    r = submit(settings, lake / MEI, "dtks")
    with pytest.raises(audit.StateError, match="disetujui"):
        pipeline.process(settings, r["submission_id"])
    assert query(settings, "select count(*) from warehouse.dtks_individu")[0][0] == 0


def test_history_of_states_is_recorded(settings, lake):
    r = submit(settings, lake / MEI, "dtks")
    approve_and_refresh(settings, r["submission_id"])
    with psycopg2.connect(settings.database_url) as conn, conn.cursor() as cur:
        status = audit.status(cur, r["submission_id"])[0]
    assert [h["ke"] for h in status["riwayat"]] == ["diterima", "diperiksa", "disetujui", "diproses", "terbit"]
    assert status["approved_by"] == "kabid" and status["submitted_by"] == "operator"


def test_each_delivery_is_a_partition_and_a_changed_model_is_rebuilt(settings, lake):
    r = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, r["submission_id"]).state == "terbit"
    partitions = "select c.relname from pg_inherits as i join pg_class as c on c.oid = i.inhrelid " \
                 "where i.inhparent = 'warehouse.dtks_individu_riwayat'::regclass"
    assert query(settings, partitions) == [(f"dtks_individu_riwayat_{r['submission_id']}",)]
    # built rows leave staging: the typed rows are in the partition, a rebuild stages the lake file again
    assert query(settings, "select (select count(*) from staging.dtks_art) + (select count(*) from staging.dtks_rt)"
                 ) == [(0,)]
    before = snapshot(settings)
    # the region reference model changes: its history table is recreated, dropping by cascade the views on it
    query(settings, "update warehouse.model_version set sha256 = 'lama' where name = 'ref_wilayah' returning 1")
    with psycopg2.connect(settings.database_url) as conn:
        warehouse.init(conn, settings.sql_dir)
    assert query(settings, "select to_regclass('warehouse.wilayah_kunci') is not null, "
                           "(select relkind from pg_class where oid = 'warehouse.ref_wilayah_riwayat'::regclass), "
                           "(select count(*) from warehouse.ref_wilayah)") == [(True, "p", 0)]
    # the next refresh builds the published reference again by itself (nothing else was waiting)
    outcomes = pipeline.refresh(settings)
    assert [o.state for o in outcomes] == ["terbit"]
    assert query(settings, "select source from audit.submission where submission_id = %s",
                 (outcomes[0].submission_id,)) == [("ref_wilayah",)]
    assert snapshot(settings) == before


def test_a_changed_function_rebuilds_the_histories_that_use_it_and_no_other(settings, lake, tmp_path):
    r = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, r["submission_id"]).state == "terbit"
    before = snapshot(settings)
    reference = query(settings, "select submission_id from warehouse.publikasi where sumber = 'ref_wilayah'")[0][0]
    # a new version of the identity-number rules: DTKS reads them (through its staging views), the reference not
    changed = tmp_path / "sql"
    shutil.copytree(settings.sql_dir, changed)
    family = changed / "functions" / "nomor.sql"
    family.write_text(family.read_text() + "\n-- versi baru / a new version\n")
    outcomes = pipeline.refresh(dataclasses.replace(settings, sql_dir=changed))
    assert [(o.submission_id, o.state) for o in outcomes] == [(r["submission_id"], "terbit")]
    assert reference != r["submission_id"]
    assert query(settings, "select sha256 from warehouse.function_version where name = 'nomor'") == [
        (functions.Family("nomor", family).sha256,)]
    assert snapshot(settings) == before
    # nothing changed since: nothing is rebuilt
    assert pipeline.refresh(dataclasses.replace(settings, sql_dir=changed)) == []
    # a database whose functions an earlier release's migrations made records no versions: they are applied and
    # recorded, and nothing is rebuilt
    query(settings, "delete from warehouse.function_version returning 1")
    assert pipeline.refresh(settings) == []
    assert query(settings, "select count(*) from warehouse.function_version") == [
        (len(functions.families(settings.sql_dir)),)]


def test_a_changed_typing_rebuilds_the_histories_that_read_it_and_no_other(settings, lake, monkeypatch):
    r = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, r["submission_id"]).state == "terbit"
    before = snapshot(settings)
    # a new version of how a two-digit BPS code is typed: only the DTKS files have such columns (KDPROP, KDKAB)
    expression, name = staging.TYPINGS["bps2"][0]
    monkeypatch.setitem(staging.TYPINGS, "bps2", ((expression.replace("{cell}", "({cell})"), name),))
    outcomes = pipeline.refresh(settings)
    assert [(o.submission_id, o.state) for o in outcomes] == [(r["submission_id"], "terbit")]
    assert snapshot(settings) == before
    assert pipeline.refresh(settings) == []


def test_every_function_is_defined_once_in_its_family_file(settings):
    """The file a reader opens is the rule the database runs: every util function comes from sql/functions,
    with the body written there."""
    defined = {fn: f for f in functions.families(settings.sql_dir) for fn in f.defines}
    assert sum(len(f.defines) for f in functions.families(settings.sql_dir)) == len(defined)  # no name twice
    running = query(settings, "select p.proname, p.prosrc from pg_proc as p "
                              "where p.pronamespace = 'util'::regnamespace")
    assert {name for name, _ in running} == set(defined)
    for name, body in running:
        assert body in defined[name].text, name
    assert not any("create function" in p.read_text().lower() or "create or replace function" in p.read_text().lower()
                   for p in (settings.sql_dir / "migrations").glob("*.sql"))


def test_a_failed_rebuild_leaves_the_deliveries_published(settings, lake, tmp_path):
    r = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, r["submission_id"]).state == "terbit"
    before = snapshot(settings)
    published = query(settings, "select sumber, slot, submission_id from warehouse.publikasi order by 1")
    strict = tmp_path / "expectations"
    shutil.copytree(settings.expectations_dir, strict)
    suite = json.loads((strict / "marts" / "rekonsiliasi.json").read_text())
    suite["expectations"][0]["kwargs"]["value_set"] = [12345]  # a reconciliation that cannot pass
    (strict / "marts" / "rekonsiliasi.json").write_text(json.dumps(suite))
    outcomes = pipeline.refresh(dataclasses.replace(settings, expectations_dir=strict), rebuild=True)
    assert {o.state for o in outcomes} == {"gagal"}
    assert query(settings, "select sumber, slot, submission_id from warehouse.publikasi order by 1") == published
    assert snapshot(settings) == before
