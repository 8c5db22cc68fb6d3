"""Reading files as delivered: delimiters, encodings, title rows, numeric Excel cells, period names."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter

from bansos360 import raw_gate, readers, sources


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
    header_row, mapping, _ = raw_gate._find_header(sources.KPM_LIST, [(n, c) for n, c, _ in rows[:10]])
    assert header_row == 3 and mapping["nik"] == 0 and mapping["nama"] == 1
    row_no, cells, numeric = rows[3]
    assert row_no == 4 and cells[:3] == ["3503014107800000", "SITI", "1980-07-01"] and numeric == {0}


@pytest.mark.parametrize(("name", "periode"), [
    ("3503-MEI 2018.zip", "2018-05"), ("3503-JULI 2019.zip", "2019-07"), ("3503-OKTOBER 2019.zip", "2019-10"),
    ("3503 (DTKS JAN 2020).zip", "2020-01"), ("dtks okt 2020.zip", "2020-10"), ("3503_RT.csv", None),
    ("Program Sembako Tahap 8 Agustus 2020.xlsx", "2020-08"),
])
def test_period_recognised_in_names(name, periode):
    assert raw_gate.periode_from_name(name) == periode


def test_header_keys_ignore_case_and_punctuation():
    assert sources.header_key("NIK KTP") == sources.header_key("nik-ktp") == sources.header_key("NIK_KTP")


def _openpyxl_rows(path):
    """What openpyxl's own read-only reader gives, through the same text conversion (the reference)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for row_no, values in enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1):
            texts = [readers._cell_text(v) for v in values]
            yield row_no, [t for t, _ in texts], frozenset(i for i, (_, num) in enumerate(texts) if num)
    finally:
        wb.close()


def test_xlsx_reader_reads_what_openpyxl_reads(tmp_path):
    """Shared and inline strings, rich text, numbers, dates, times, booleans, errors, formulas' cached values,
    rows and cells missing from the XML: the expat reader gives openpyxl's values, cell for cell."""
    import openpyxl
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    shared = tmp_path / "shared.xlsx"  # openpyxl writes shared strings
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["C1"] = "JUDUL & <DAFTAR>", "  spasi  "
    ws.append([])
    ws["A4"], ws["B4"], ws["C4"], ws["D4"] = "NIK", 3503014107800001, 12.5, 3.5e15
    ws["A5"], ws["B5"], ws["C5"] = dt.date(1980, 7, 1), dt.datetime(2020, 1, 2, 3, 4, 5), dt.time(6, 30)
    ws["D5"], ws["E5"], ws["F5"] = True, "#N/A", 0.1
    ws["A7"] = CellRichText("RT ", TextBlock(InlineFont(b=True), "07"), " RW 04")
    ws["AB7"] = "jauh"
    ws["C5"].number_format = "h:mm"
    wb.save(shared)

    inline = tmp_path / "inline.xlsx"  # xlsxwriter's constant memory mode writes inline strings
    xw = xlsxwriter.Workbook(str(inline), {"constant_memory": True})
    sheet = xw.add_worksheet()
    date = xw.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, ["NIK_KTP", "NAMA", "TGL", "JUMLAH", "RUMUS"])
    sheet.write_number(1, 0, 3503014107800000)
    sheet.write_string(1, 1, "Siti \u00c9 \"Nur\"")
    sheet.write_datetime(1, 2, dt.datetime(1999, 12, 31), date)
    sheet.write_number(1, 3, 42)
    sheet.write_formula(1, 4, "=D2*2", None, 84)
    sheet.write_boolean(3, 1, False)
    sheet.write_number(3, 2, 1, date)
    xw.close()

    table = tmp_path / "table.xlsx"  # xlsxwriter's default mode writes a shared-strings table, rich runs too
    xw = xlsxwriter.Workbook(str(table))
    sheet, bold = xw.add_worksheet(), xw.add_format({"bold": True})
    sheet.write_row(0, 0, ["NIK", "NAMA", "ALAMAT"])
    sheet.write_row(1, 0, ["3503014107800001", "SITI & <AMINAH>", "RT 01"])
    sheet.write_rich_string(2, 2, "RT ", bold, "07", " RW 04")
    sheet.write_row(3, 0, ["3503014107800001", "SITI & <AMINAH>", "  spasi  "])
    xw.close()

    for path in (shared, inline, table):
        expected = list(_openpyxl_rows(path))
        assert len(expected) >= 4
        assert list(readers.iter_rows(part(path, "xlsx"))) == expected, path.name


def test_damaged_xlsx_sheet_is_a_read_error(tmp_path):
    import zipfile

    good = tmp_path / "good.xlsx"
    xw = xlsxwriter.Workbook(str(good))
    xw.add_worksheet().write_row(0, 0, ["NIK", "NAMA"])
    xw.close()
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # the sheet's XML stops halfway
            dst.writestr(item, data)
    with pytest.raises(readers.ReadError) as err:
        list(readers.iter_rows(part(bad, "xlsx")))
    assert err.value.code == "xlsx_rusak" and "rusak" in err.value.pesan and "damaged" in err.value.message


def _profiles(path, monkeypatch):
    """The raw gate's profile of a CSV list read line by line (when it can be) and row by row (the reference)."""
    ref = raw_gate.PartRef(sources.KPM_LIST, 0, path.name, part(path))
    fast = raw_gate.profile_part(ref)
    used_lines = []
    real = raw_gate._count_lines
    monkeypatch.setattr(raw_gate, "_count_lines", lambda *a: used_lines.append(real(*a) is not None))
    slow = raw_gate.profile_part(ref)
    monkeypatch.undo()
    return fast, slow, used_lines[0]


HEADER = ["NIK_KTP", "NAMA_PENERIMA", "NOKK_DTKS", "NMKEC", "NMKEL", "ALAMAT"]


@pytest.mark.parametrize(("encoding", "delim", "newline"), [("cp1252", ";", "\r\n"), ("utf-8", ",", "\n"),
                                                            ("utf-8", "\t", "\r\n")])
def test_raw_gate_counts_lines_as_it_counts_rows(tmp_path, monkeypatch, encoding, delim, newline):
    """Title rows, blank and white-space rows (a no-break space too), short and long rows, good and bad NIKs,
    a NIK missing from a short row, no line end after the last row: the same profile by lines as by rows."""
    rows = [["DAFTAR KPM"], [], HEADER, ["3503014107800001", "SITI", "3503010000000001", "PANGGUL", "BESUKI", "RT 1"],
            ["  ", " ", "\t"], ["3503014107800000", "NUR"], []]
    for i in range(40):
        nik = f"35030141078{i:05d}" if i % 3 else f"3503.0141 0780-{i:04d}"
        rows.append([nik, f"NAMA {i}", "3503010000000002", "KARANGAN", "Ds. Sumber", "Dsn. Krajan – Gg. Mawar"])
    rows += [["\u00a0", "", "", "", "", ""], ["1E+15", "X", "", "", "", "", "LEBIH"], ["3503014107800002"],
             ["", "", ""]]
    text = newline.join(delim.join(r) for r in rows)  # no line end after the last row
    path = tmp_path / "daftar.csv"
    path.write_bytes(text.encode(encoding))
    fast, slow, used_lines = _profiles(path, monkeypatch)
    assert used_lines
    assert fast == slow
    prof, findings = fast
    # rows 4, 6, the 40 (8-47), 49 and 50; blank 5, 7, 48 and 51; the long row 49 makes the part not plain
    assert prof["rows"] == 44 and prof["blank_rows"] == 4 and prof["plain"] is False
    # valid: row 4, the 40 but the one whose serial is 0000, row 50 (row 6's serial is 0000, 49 is corrupted)
    assert prof["nik"] == {"diperiksa": 44, "sah": 1 + 39 + 1}
    # short rows are reported below the first 10 rows only: row 50, not row 6
    assert [f.code for f in findings] == ["baris_pendek"] and findings[0].row_no == 50


@pytest.mark.parametrize("body", ['3503014107800001,"SITI, NUR",1,A,B,C\n', "3503014107800001,SITI,1,A,B,C\r",
                                  "3503014107800001,SI\x00TI,1,A,B,C\n"])
def test_raw_gate_reads_rows_when_lines_are_not_records(tmp_path, monkeypatch, body):
    """A quote, a lone carriage return or a NUL: the raw gate reads the part row by row, with the same result."""
    path = tmp_path / "daftar.csv"
    rows = "3503014107800002,A,1,A,B,C\n" * 12 + body + "3503014107800003,B,1,A,B,C\n"
    path.write_text(",".join(HEADER) + "\n" + rows, newline="")
    fast, slow, used_lines = _profiles(path, monkeypatch)
    assert not used_lines
    assert fast == slow
