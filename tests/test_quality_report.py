"""Quality reports (issue 25): every gate run of a submission leaves an HTML page beside it, with counts and column
names only; a failed gate's page names what failed and how many rows."""

from __future__ import annotations

import dataclasses
import re

import psycopg2

from bansos360 import intake, pipeline, quality_report, sources
from tests.helpers import approve_and_refresh, dtks_rows, read_zip_member, submit

MEI = "files/3503-MEI 2018.zip"
JULI = "files/3503-JULI 2019.zip"


def _niks_and_names(path) -> set[str]:
    """Every NIK and name the ART file of a DTKS zip holds: none may appear in a report."""
    header, rows, _, _ = dtks_rows(read_zip_member(path, "ART")[1])
    keys = [sources.header_key(h) for h in header]  # the periods spell their headers differently
    nik, nama = keys.index("nik"), keys.index("nama")
    return {r[i].strip() for r in rows for i in (nik, nama) if len(r) > i and len(r[i].strip()) >= 6}


def _report(settings, sid: int, gate: str) -> str:
    return quality_report.path(settings, sid, gate).read_text(encoding="utf-8")


def test_every_gate_run_of_a_published_submission_has_its_report(settings, lake):
    sid = submit(settings, lake / MEI, "dtks")["submission_id"]
    assert approve_and_refresh(settings, sid).state == "terbit"
    assert [r["nama"] for r in quality_report.listing(settings, sid)] == [
        "gerbang_mentah", "gerbang_gudang", "gerbang_mart"]
    private = _niks_and_names(lake / MEI)
    assert len(private) > 100
    for gate in quality_report.GATES:
        html = _report(settings, sid, gate)
        assert 'data-lolos="1"' in html, gate
        assert quality_report.no_values(html), gate
        assert not any(value in html for value in private), gate
    raw = _report(settings, sid, "gerbang_mentah")
    assert re.search(r"\b\d{1,3}(\.\d{3})+\b", raw) and "NIK" in raw  # rows counted, columns named
    warehouse = _report(settings, sid, "gerbang_gudang")
    assert "dtks_individu" in warehouse and 'data-jenis="expect_column_values_to_not_be_null"' in warehouse


def test_a_failed_gate_report_names_the_expectation_its_column_and_counts(settings, lake):
    first = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, first["submission_id"]).state == "terbit"
    strict = dataclasses.replace(settings, nik_valid_floor=0.9999)  # the synthetic period has ~1.5% invalid NIKs
    second = submit(strict, lake / JULI, "dtks", periode="2018-05")["submission_id"]
    with psycopg2.connect(settings.database_url) as conn:
        intake.approve(conn, [second], "kabid")
    assert pipeline.process(strict, second).state == "gagal"
    html = _report(settings, second, "gerbang_gudang")
    assert 'data-lolos="0"' in html
    rows = [re.match(r'([a-z_]+)">.*?<td data-label="Kolom">([^<]*)</td><td data-label="Hasil"><span class="(\w+)"',
                     chunk, re.S) for chunk in html.split('<tr data-jenis="')[1:]]
    failed = [(r.group(1), r.group(2)) for r in rows if r and r.group(3) == "gagal"]
    assert ("expect_column_values_to_be_in_set", "is_nik_valid") in failed, failed  # mostly: the floor
    assert "BANSOS360_NIK_VALID_FLOOR" in html
    assert quality_report.no_values(html) and not any(v in html for v in _niks_and_names(lake / JULI))
    assert not quality_report.path(settings, second, "gerbang_mart").exists()  # the run stopped before the marts
