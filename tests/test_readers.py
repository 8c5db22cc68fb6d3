"""Reading files as delivered: delimiters, encodings, title rows, numeric Excel cells, period names."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter

from bansos360 import intake, readers, sources


def part(path, fmt="csv"):
    return readers.Part(path, None, fmt)


@pytest.mark.parametrize("delim", [",", ";", "|", "\t"])
def test_delimiter_detected(tmp_path, delim):
    p = tmp_path / "x.csv"
    p.write_text(delim.join(["NIK", "NAMA", "ALAMAT"]) + "\n" + delim.join(["1", "SITI, NUR", "RT 1"]) + "\n")
    assert readers.detect_delimiter(part(p), "utf-8-sig") == delim


def test_windows_1252_detected_and_read(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("NAMA;ALAMAT\nSITI;Dsn. Krajan – Gg. Mawar\n".encode("cp1252"))
    assert readers.detect_encoding(part(p)) == "cp1252"
    rows = list(readers.iter_rows(part(p), "cp1252", ";"))
    assert rows[1][1] == ["SITI", "Dsn. Krajan – Gg. Mawar"]


def test_bom_is_not_part_of_the_header(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("\ufeffNIK,NAMA\n1,A\n".encode())
    enc = readers.detect_encoding(part(p))
    assert next(readers.iter_rows(part(p), enc, ","))[1] == ["NIK", "NAMA"]


def test_xlsx_title_rows_and_numeric_cells(tmp_path):
    p = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet()
    ws.merge_range(0, 0, 0, 2, "DAFTAR PENERIMA")
    ws.write_row(2, 0, ["NIK_KTP", "NAMA_PENERIMA", "TGL"])
    ws.write_number(3, 0, 3503014107800000)
    ws.write_string(3, 1, "SITI")
    ws.write_datetime(3, 2, dt.datetime(1980, 7, 1), wb.add_format({"num_format": "dd/mm/yyyy"}))
    wb.close()
    rows = list(readers.iter_rows(part(p, "xlsx")))
    header_row, mapping, _ = intake._find_header(sources.KPM_LIST, [(n, c) for n, c, _ in rows[:10]])
    assert header_row == 3 and mapping["nik"] == 0 and mapping["nama"] == 1
    row_no, cells, numeric = rows[3]
    assert row_no == 4 and cells[:3] == ["3503014107800000", "SITI", "1980-07-01"] and numeric == {0}


@pytest.mark.parametrize(("name", "periode"), [
    ("3503-MEI 2018.zip", "2018-05"), ("3503-JULI 2019.zip", "2019-07"), ("3503-OKTOBER 2019.zip", "2019-10"),
    ("3503 (DTKS JAN 2020).zip", "2020-01"), ("dtks okt 2020.zip", "2020-10"), ("3503_RT.csv", None),
    ("Program Sembako Tahap 8 Agustus 2020.xlsx", "2020-08"),
])
def test_period_recognised_in_names(name, periode):
    assert intake.periode_from_name(name) == periode


def test_header_keys_ignore_case_and_punctuation():
    assert sources.header_key("NIK KTP") == sources.header_key("nik-ktp") == sources.header_key("NIK_KTP")
