"""Every bad delivery gets a clear answer (file, row, column; Indonesian with English beside it), stays in
the lake, and changes nothing published."""

from __future__ import annotations

import psycopg2
import pytest

from bansos360 import intake
from bansos360.lake import sha256_of
from tests.conftest import query
from tests.helpers import approve_and_refresh, codes, dtks_csv, dtks_rows, read_zip_member, submit, write_zip

OKT = "files/3503 (DTKS OKT 2020).zip"
MEI = "files/3503-MEI 2018.zip"


def published(s) -> list[tuple]:
    return query(s, "select sumber, slot, submission_id from warehouse.publikasi order by 1, 2")


def in_lake(s, path) -> bool:
    digest = sha256_of(path)
    stored = s.lake / "raw" / digest[:2] / digest
    return stored.exists() and stored.read_bytes() == path.read_bytes()


@pytest.fixture
def dtks_member(lake):
    """Header and rows of the smallest synthetic ART file, for building bad variants."""
    return dtks_rows(read_zip_member(lake / MEI, "ART")[1])


def rejected(s, path, source, *, code, names=None, **kw) -> dict:
    before = published(s)
    result = submit(s, path, source, names=names, **kw)
    assert result["state"] == "ditolak", result
    text = codes(result)
    assert code in query(s, "select string_agg(code, ' ') from audit.finding where submission_id = %s",
                         (result["submission_id"],))[0][0]
    assert "/" in text and "GALAT/ERROR" in text  # Indonesian / English
    assert in_lake(s, path)
    assert published(s) == before
    return result


def test_not_a_zip(settings, tmp_path):
    p = tmp_path / "3503-MEI 2018.zip"
    p.write_text("ini bukan zip\n")
    r = rejected(settings, p, "dtks", code="bukan_zip")
    assert "3503-MEI 2018.zip" in codes(r)


def test_truncated_zip(settings, lake, tmp_path):
    data = (lake / MEI).read_bytes()
    p = tmp_path / "3503-MEI 2018.zip"
    p.write_bytes(data[: len(data) // 2])
    rejected(settings, p, "dtks", code="zip_rusak")


def test_zip_without_art(settings, lake, tmp_path):
    name, data = read_zip_member(lake / MEI, "RT")
    p = write_zip(tmp_path / "3503-MEI 2018.zip", {name: data})
    r = rejected(settings, p, "dtks", code="tanpa_berkas_art")
    assert "ART" in codes(r)


def test_zip_without_rt(settings, lake, tmp_path):
    name, data = read_zip_member(lake / MEI, "ART")
    p = write_zip(tmp_path / "3503-MEI 2018.zip", {name: data})
    rejected(settings, p, "dtks", code="tanpa_berkas_rt")


def test_zero_byte_file(settings, tmp_path):
    p = tmp_path / "kosong.csv"
    p.write_bytes(b"")
    r = rejected(settings, p, "pkh", code="berkas_kosong", label="x")
    assert "kosong.csv" in codes(r)


def test_header_only_file(settings, tmp_path):
    p = tmp_path / "pkh.csv"
    p.write_text("NIK,NAMA,NOKK,KECAMATAN,DESA,ALAMAT\n")
    r = rejected(settings, p, "pkh", code="tanpa_baris_data", label="x")
    assert "baris/row 1" in codes(r)


def test_missing_required_column(settings, tmp_path):
    p = tmp_path / "pkh.csv"
    p.write_text("NAMA,NOKK,KECAMATAN,DESA,ALAMAT\n SITI,3503010101010001,PULE,PULE,RT 1\n")
    r = rejected(settings, p, "pkh", code="kolom_wajib_hilang", label="x")
    assert "[berkas/file pkh.csv, baris/row 1, kolom/column NIK]" in codes(r)


def test_a_list_that_cannot_be_placed_is_refused(settings, tmp_path):
    # neither the kecamatan name nor the Kemendagri desa code: nothing could place its rows
    p = tmp_path / "pkh.csv"
    p.write_text("NIK;NAMA;DESA\n3503014107800001;SITI;PULE\n")
    r = rejected(settings, p, "pkh", code="kolom_wajib_hilang", label="x")
    assert "kolom/column KECAMATAN/KODE_DESA" in codes(r) and "KECAMATAN atau KODE_DESA" in codes(r)


def test_a_list_without_kk_or_address_is_loaded_with_a_warning(settings, tmp_path):
    p = tmp_path / "kpe.csv"
    p.write_text("DAFTAR KPE;;;;\nNo;NIK;Nama KPM;Kecamatan;Desa/Kelurahan\n1;3503014107800001;SITI;PULE;PULE\n",
                 encoding="cp1252")
    result = submit(settings, p, "kpe", label="KPE 2020")
    assert result["state"] == "diperiksa", result
    warning = next(t for t in result["temuan"] if "opsional" in t)
    assert warning.startswith("PERINGATAN/WARNING [berkas/file kpe.csv, baris/row 2, kolom/column NOKK, ALAMAT]")
    assert approve_and_refresh(settings, result["submission_id"]).state == "terbit"
    assert query(settings, "select program, kode_desa, nokk, alamat from warehouse.penerima_bansos_lokasi") == [
        ("KPE", "35.03.03.2006", None, None)]


def test_unknown_source_kind(settings, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n")
    rejected(settings, p, "blt_dd", code="sumber_tidak_dikenal")


def test_malformed_periode(settings, lake):
    rejected(settings, lake / MEI, "dtks", code="periode_salah_format", periode="2018-5")


def test_a_periode_with_a_line_end_is_malformed(settings, lake):
    """``^…$`` lets a trailing line end through; every value that becomes part of a path is matched whole."""
    rejected(settings, lake / MEI, "dtks", code="periode_salah_format", periode="2018-05\n")


def test_an_inbox_folder_with_a_line_end_is_no_date(tmp_path):
    from bansos360 import inbox

    inbox_dir = tmp_path / "inbox"
    (inbox_dir / "disabilitas" / "2020-09-01\n").mkdir(parents=True)
    (inbox_dir / "disabilitas" / "2020-09-01").mkdir(parents=True)
    for folder in ("2020-09-01\n", "2020-09-01"):
        (inbox_dir / "disabilitas" / folder / "a.csv").write_text("x\n")
    as_of = {f: inbox.declared(inbox_dir, inbox_dir / "disabilitas" / f / "a.csv").as_of
             for f in ("2020-09-01\n", "2020-09-01")}
    assert as_of == {"2020-09-01": "2020-09-01", "2020-09-01\n": None}


def test_periode_disagrees_with_name_is_a_warning(settings, lake):
    r = submit(settings, lake / MEI, "dtks", periode="2019-07")
    assert r["state"] == "diperiksa" and r["periode"] == "2019-07"
    assert "periode_beda_nama" in query(settings, "select string_agg(code, ' ') from audit.finding")[0][0]
    assert "2018-05" in codes(r) and "PERINGATAN/WARNING" in codes(r)


def test_periode_recognised_from_name(settings, lake):
    r = submit(settings, lake / "files/3503 (DTKS JAN 2020).zip", "dtks")
    assert r["state"] == "diperiksa" and r["periode"] == "2020-01"


def test_xlsx_that_is_really_csv(settings, tmp_path):
    p = tmp_path / "tmp.bin"
    p.write_text("NIK;NAMA;NOKK;KECAMATAN;DESA;ALAMAT\n3503014107800001;SITI;3503010101010001;PULE;PULE;RT 1\n")
    r = submit(settings, p, "pkh", names=["Daftar PKH.xlsx"], label="uji")
    assert r["state"] == "diperiksa", r
    assert "format_tidak_sesuai_nama" in query(settings, "select string_agg(code, ' ') from audit.finding")[0][0]
    out = approve_and_refresh(settings, r["submission_id"])
    assert out.state == "terbit", out.findings
    assert query(settings, "select count(*) from warehouse.penerima_bansos")[0][0] == 1


def test_same_key_different_content_names_the_rows(settings, lake, tmp_path, dtks_member):
    header, rows, _, _ = dtks_member
    rt_name, rt = read_zip_member(lake / MEI, "RT")
    good = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, good["submission_id"]).state == "terbit"
    before = published(settings)
    i_nama = [h.lower() for h in header].index("nama")
    clash = list(rows[5])
    clash[i_nama] = clash[i_nama] + " X"  # same IDARTBDT, different content
    bad_rows = rows[:10] + [clash] + rows[10:]
    p = write_zip(tmp_path / "3503-MEI 2018 (perbaikan).zip", {rt_name: rt, "3503_ART.csv": dtks_csv(header, bad_rows)})
    r = submit(settings, p, "dtks", periode="2018-05")
    assert r["state"] == "diperiksa", r
    out = approve_and_refresh(settings, r["submission_id"])
    assert out.state == "gagal"
    text = "\n".join(out.findings)
    # header is row 1: the clashing rows are file rows 7 (rows[5]) and 12 (inserted after 10 rows)
    assert "baris 7, 12" in text and "rows 7, 12" in text and "IDARTBDT" in text, text
    assert published(settings) == before
    assert in_lake(settings, p)


@pytest.mark.parametrize("odd", ["../x.csv", "a\"b'c.csv", "  spasi di nama .csv", "x" * 300 + ".csv",
                                 "/etc/passwd", "..\\..\\win.csv"])
def test_odd_file_names_are_stored_safely(settings, tmp_path, odd):
    p = tmp_path / "upload.bin"
    p.write_text("NIK,NAMA,NOKK,KECAMATAN,DESA,ALAMAT\n3503014107800001,SITI,3503010101010001,PULE,PULE,RT 1\n")
    r = submit(settings, p, "pkh", names=[odd], label="uji")
    assert r["state"] == "diperiksa", r
    assert query(settings, "select original_name from audit.submission_file where submission_id = %s",
                 (r["submission_id"],))[0][0] == odd
    stored = [q for q in settings.lake.rglob("*") if q.is_file()]
    assert stored and all(q.resolve().is_relative_to(settings.lake.resolve()) for q in stored)
    assert not (tmp_path / "x.csv").exists() and in_lake(settings, p)


def test_same_file_twice_loads_once(settings, lake):
    first = submit(settings, lake / MEI, "dtks")
    assert approve_and_refresh(settings, first["submission_id"]).state == "terbit"
    rows = query(settings, "select count(*) from warehouse.dtks_individu")[0][0]
    rejected(settings, lake / MEI, "dtks", code="berkas_sama")
    assert query(settings, "select count(*) from warehouse.dtks_individu")[0][0] == rows
    assert query(settings, "select count(*) from lake.file where sha256 = %s",
                 (sha256_of(lake / MEI),))[0][0] == 1


def test_shrunk_period_is_held(settings, lake, tmp_path, dtks_member):
    header, rows, _, _ = dtks_member
    full = submit(settings, lake / MEI, "dtks")
    assert full["state"] == "diperiksa"
    rt_name, rt = read_zip_member(lake / MEI, "RT")
    half = write_zip(tmp_path / "3503-JULI 2019.zip", {rt_name: rt, "3503_ART.csv": dtks_csv(header, rows[:100])})
    r = submit(settings, half, "dtks")
    assert r["state"] == "diperiksa" and r["is_held"], r
    assert "baris_menyusut" in query(settings, "select string_agg(code, ' ') from audit.finding")[0][0]
    with psycopg2.connect(settings.database_url) as conn:
        approved = intake.approve(conn, [], "kabid", all_checked=True)
    assert [a["submission_id"] for a in approved] == [full["submission_id"]]  # the held one waits
