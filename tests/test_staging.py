"""Staging: a plain CSV is parsed by PostgreSQL's COPY, anything else by the Python reader, and both stage the
same rows (cells, row numbers, lineage) — the raw gate's counts decide, never a guess."""

from __future__ import annotations

import dataclasses
import logging

import psycopg2
import pytest

from bansos360 import staging
from tests.conftest import query
from tests.helpers import submit

HEADER = "NAMA PENERIMA;NIK KTP;TAHAP;NO KEL;NM KEC;NM KEL;ALAMAT"
ROWS = [
    '"Iswanto; Hadi";3503081005405550;BST Tahap 3;3503080000100251;KEC. WATULIMO;SLAWE;"RT 04 RW 04"',  # quoted
    "SLAMET SANTOSO;3503080506659952;BST Tahap 3;3503080000039966;WATULIMO;DUKUH;RT 06 RW 01 DUKUH",
    ";;;;;;",  # a blank row: counted, not staged
    "Muhammad;;BST Tahap 3;;PANGGUL;Barang;",  # empty cells
    "SITI ÀISYAH;3503130407897304;BST Tahap 3;3503130000042732;DURENAN; NGADISUKO ;RT 03 RW 02",
    "TEGUH;3503116409573643;BST Tahap 3;3503119000033791;KECAMATAN TRENGGALEK;SUMBERGEDONG;RT 1",
]
TITLE = ["DAFTAR PENERIMA BST TAHAP 3;;;;;;", "KABUPATEN TRENGGALEK;;;;;;"]


def _stage_both_ways(s, monkeypatch, caplog, path) -> tuple[list[tuple], list[tuple], str]:
    """Submit a file, stage it the way staging.load chooses and then by the Python reader alone."""
    result = submit(s, path, "bst", label="BST Tahap 3")
    assert result["state"] == "diperiksa", result
    sid = result["submission_id"]
    select = "select * from staging.daftar_kpm where submission_id = %s order by source_row"
    with caplog.at_level(logging.INFO, logger="bansos360.staging"), psycopg2.connect(s.database_url) as conn:
        staging.load(conn, s, sid)
        conn.commit()
        chosen = query(s, select, (sid,))
        how = caplog.text
        monkeypatch.setattr(staging, "_copy_plain", lambda *a, **k: False)
        staging.load(conn, s, sid)
        conn.commit()
    return chosen, query(s, select, (sid,)), how


def test_plain_csv_is_copied_by_postgres_with_the_python_readers_rows(settings, tmp_path, monkeypatch, caplog):
    # title rows above the header, CRLF line ends, Windows-1252 text, quoted cells (one holding the delimiter),
    # a blank row, spaces kept inside cells
    path = tmp_path / "BNBA TL THP 3.csv"
    path.write_bytes("\r\n".join([*TITLE, HEADER, *ROWS]).encode("cp1252") + b"\r\n")
    by_copy, by_python, how = _stage_both_ways(settings, monkeypatch, caplog, path)
    assert "by PostgreSQL's CSV parser" in how
    assert by_copy == by_python
    assert [r[3] for r in by_copy] == [4, 5, 7, 8, 9]  # file row numbers; row 6 is the blank one
    assert len(by_copy) == len(ROWS) - 1
    assert any("SITI ÀISYAH" in r and " NGADISUKO " in r for r in by_copy)
    assert any("Iswanto; Hadi" in r and "RT 04 RW 04" in r for r in by_copy)


@pytest.mark.parametrize("variant", ["quoted", "short_row", "spaces_only_row"])
def test_other_csv_is_read_by_python_with_the_same_rows(settings, tmp_path, monkeypatch, caplog, variant):
    rows = list(ROWS)
    if variant == "quoted":
        # a quote inside an unquoted cell: PostgreSQL would read it as the start of a quoted part
        rows[1] = 'SLAMET "MAMAT" SANTOSO;3503080506659952;BST Tahap 3;3503080000039966;WATULIMO;DUKUH;RT 06'
    elif variant == "short_row":
        rows[1] = "SLAMET SANTOSO;3503080506659952;BST Tahap 3"
    else:
        rows[2] = " ; ;;;;;"
    path = tmp_path / "BNBA TL THP 3.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    by_copy, by_python, how = _stage_both_ways(settings, monkeypatch, caplog, path)
    assert "by the Python reader" in how and "by PostgreSQL's CSV parser" not in how
    assert by_copy == by_python
    assert len(by_copy) == len(rows) - 1
    if variant == "quoted":
        assert any('SLAMET "MAMAT" SANTOSO' in r for r in by_copy)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_empty_lines_keep_the_copy_path(settings, tmp_path, monkeypatch, caplog, newline):
    # empty lines right after the header, between rows, two in a row and at the end of the file
    lines = [HEADER, "", ROWS[0], ROWS[1], "", "", ROWS[3], ""]
    path = tmp_path / "BNBA TL THP 3.csv"
    path.write_bytes(newline.join(lines).encode("utf-8") + newline.encode())
    by_copy, by_python, how = _stage_both_ways(settings, monkeypatch, caplog, path)
    assert "by PostgreSQL's CSV parser" in how
    assert by_copy == by_python
    assert [r[3] for r in by_copy] == [3, 4, 7]  # file row numbers, the header being row 1


def test_init_takes_no_lock_on_staging_when_nothing_is_missing(settings):
    """`init` runs before most commands: with the staging tables as the contract wants them, it must not wait for
    a refresh that is reading or building from them (an `alter table … if not exists` would)."""
    from bansos360 import pipeline, sources

    reader = psycopg2.connect(settings.database_url)
    try:
        with reader.cursor() as cur:  # a build in progress: its transaction holds the staging tables
            for entity in sources.staging_entities():
                cur.execute(f"select count(*) from {entity.staging_table}")  # noqa: S608 - names from the contract
        options = "-c lock_timeout=2s"
        pipeline.init(dataclasses.replace(settings, database_url=settings.database_url + "?options="
                                          + options.replace(" ", "%20").replace("=", "%3D")))
    finally:
        reader.close()
    # a column the contract names and the table lacks is added by the next init
    with psycopg2.connect(settings.database_url) as conn, conn.cursor() as cur:  # its rows view and model go too
        cur.execute("alter table staging.usulan drop column nama cascade")
    pipeline.init(settings)
    assert query(settings, "select count(*) from information_schema.columns where table_schema = 'staging' "
                           "and table_name = 'usulan' and column_name = 'nama'") == [(1,)]
