"""Marts are published all at once or not at all: a failed build or gate leaves the live marts and the
warehouse as they were, and readers see either the old or the new marts, never a mix."""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading

import psycopg2
import pytest

from bansos360 import figures, gate, intake, marts, pipeline
from tests.conftest import query
from tests.helpers import approve_and_refresh, submit
from tests.test_definitions import NIK_A, NIK_B, PANGGUL, deliver_dtks, deliver_list, household, live, person

MEI, JULI = "files/3503-MEI 2018.zip", "files/3503-JULI 2019.zip"


def live_figures(s) -> dict:
    with psycopg2.connect(s.database_url) as conn:
        return figures.figures(conn)


def approve(s, sid):
    with psycopg2.connect(s.database_url) as conn:
        intake.approve(conn, [sid], "kabid")


def test_first_publication_makes_marts(settings, lake):
    r = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, r["submission_id"]).state == "terbit"
    fig = live_figures(settings)
    assert list(fig["d6"]) == ["2018-05"] and fig["d6"]["2018-05"]["individu"] > 0
    assert query(settings, "select count(*) from pg_namespace where nspname = 'marts_next'")[0][0] == 0


def test_failed_mart_gate_leaves_the_live_marts(settings, lake, tmp_path):
    first = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, first["submission_id"]).state == "terbit"
    before = live_figures(settings)
    strict = tmp_path / "expectations"
    shutil.copytree(settings.expectations_dir, strict)
    suite = json.loads((strict / "marts" / "rekonsiliasi.json").read_text())
    suite["expectations"][0]["kwargs"]["value_set"] = [12345]  # a reconciliation that cannot pass
    (strict / "marts" / "rekonsiliasi.json").write_text(json.dumps(suite))
    s2 = dataclasses.replace(settings, expectations_dir=strict)
    second = submit(s2, lake / JULI, "dtks")
    approve(s2, second["submission_id"])
    out = pipeline.process(s2, second["submission_id"])
    assert out.state == "gagal"
    assert any("rekonsiliasi" in f or "reconcile" in f for f in out.findings), out.findings
    assert live_figures(settings) == before  # the marts readers use did not change
    assert query(settings, "select count(*) from warehouse.publikasi where slot = '2019-07'")[0][0] == 0
    assert query(settings, "select count(*) from warehouse.dtks_individu where periode = '2019-07'")[0][0] == 0
    state = query(settings, "select state from audit.submission where submission_id = %s",
                  (second["submission_id"],))[0][0]
    assert state == "gagal"


def test_failed_mart_build_leaves_the_live_marts(settings, lake, tmp_path):
    first = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, first["submission_id"]).state == "terbit"
    before = live_figures(settings)
    broken = tmp_path / "sql"
    shutil.copytree(settings.sql_dir, broken)
    # the build adds the names of the place columns (models.yml: nama_tempat), so the broken model has both
    (broken / "marts" / "mart_disabilitas.sql").write_text("select (1 / 0)::text as kode_kec, null::text as kode_desa")
    s2 = dataclasses.replace(settings, sql_dir=broken)
    second = submit(s2, lake / JULI, "dtks")
    approve(s2, second["submission_id"])
    out = pipeline.process(s2, second["submission_id"])
    assert out.state == "gagal" and any("DivisionByZero" in f for f in out.findings), out.findings
    assert live_figures(settings) == before


def test_readers_see_old_or_new_never_a_mix(settings, lake):
    first = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, first["submission_id"]).state == "terbit"
    probe = ("select (select count(*) from marts.mart_dtks_individu), "
             "(select sum(individu) from marts.mart_dtks_ringkasan)")
    old = query(settings, probe)[0]
    second = submit(settings, lake / JULI, "dtks")
    approve(settings, second["submission_id"])
    out = pipeline.process_warehouse(settings, second["submission_id"])
    assert out.state == "diproses"
    with psycopg2.connect(settings.database_url) as conn:
        marts.build(conn, settings)
    # marts_next holds the new state, marts still serves the old one
    assert query(settings, probe)[0] == old
    seen, stop = set(), threading.Event()

    def read():
        with psycopg2.connect(settings.database_url) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                while not stop.is_set():
                    cur.execute(probe)
                    seen.add(cur.fetchone())

    reader = threading.Thread(target=read)
    reader.start()
    with psycopg2.connect(settings.database_url) as conn:
        marts.swap(conn)
    stop.set()
    reader.join()
    new = query(settings, probe)[0]
    assert new != old and new[0] == new[1]
    assert seen <= {old, new}, seen


def test_a_repeated_key_stops_publication_nulls_counting_as_equal(settings, tmp_path):
    """The mart gate checks every key declared in models.yml. mart_kpm_nik's kabupaten rows have no kode_kec
    (key: tingkat, kode_kec, nik): a build that repeats one of them is stopped, and the live marts stay."""
    s = settings
    deliver_dtks(s, tmp_path, "2020-01", [household("350301000100000001", "ANI", PANGGUL, 5)],
                 [person("350301000100000001", 1, NIK_A, "ANI", PANGGUL)])
    deliver_list(s, tmp_path, "PKH", [[NIK_A, "ANI", "3503010000000001", "PANGGUL", "BESUKI", "RT 1"]])
    before = live(s)
    broken = tmp_path / "sql"
    shutil.copytree(s.sql_dir, broken)
    model = broken / "marts" / "mart_kpm_nik.sql"
    model.write_text(model.read_text().rstrip() + "\nunion all\nselect * from final where tingkat = 'kabupaten'\n")
    s2 = dataclasses.replace(s, sql_dir=broken)
    (out,) = [pipeline.process(s2, sid) for sid in [deliver_list(s2, tmp_path, "SEMBAKO", [
        [NIK_B, "BUDI", "3503010000000002", "PANGGUL", "BESUKI", "RT 2"]])]]
    assert out.state == "gagal", out.findings
    assert any("tingkat, kode_kec, nik" in f and "mart_kpm_nik" in f for f in out.findings), out.findings
    with psycopg2.connect(s.database_url) as conn:
        assert figures.figures(conn) == before


@pytest.mark.parametrize(("rows", "shared"), [
    ("(null, 'a'), (null, 'a')", 1),              # NULLs are equal: a shared key
    ("('x', 'a'), ('x', 'a'), ('x', 'b')", 1),
    ("(null, 'a'), (null, 'b'), ('x', 'a')", 0),
])
def test_the_key_check_counts_nulls_as_equal(settings, tmp_path, rows, shared):
    query_ = f"select * from (values {rows}) as t(kode_kec, nik)"  # noqa: S608 - fixed test values
    result = gate.validate(settings.database_url, tmp_path, "marts", "uji", query_, {}, ("kode_kec", "nik"))
    assert result.success == (shared == 0)
    assert [f.pesan for f in result.findings] == (
        [f"kunci (kode_kec, nik) dipakai lebih dari satu baris (jumlah kunci ganda) — {shared}"] if shared else [])
