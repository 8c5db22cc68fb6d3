"""Files as a Dinas office saves them (issue 25): Excel's "Unicode text" and other UTF-16 text, and a header that
names one column twice. Each file stays in the lake as it came."""

from __future__ import annotations

import codecs

import psycopg2

from bansos360 import audit
from tests.conftest import query
from tests.helpers import approve_and_refresh, codes, submit
from tests.test_bad_input import in_lake, rejected

# A programme list as the tests write it, with a name outside Windows-1252 (Ş) so that only UTF-16 reads it
ROWS = [["NIK", "NAMA", "NOKK", "KECAMATAN", "DESA", "ALAMAT"],
        ["3503014107800001", "DEWI ŞARTIKA", "3503010101010001", "PULE", "PULE", "RT 1 RW 2"],
        ["3503015208850002", "SRI WAHYUNI", "3503010101010002", "PULE", "PULE", "RT 3"],
        ["3503011203900003", "AHMAD FAUZI", "3503010101010003", "PULE", "PULE", "RT 4"]]


def _parts(s, submission_id: int) -> list[tuple]:
    """Encoding, delimiter and data rows the raw gate found in each part of a submission."""
    with psycopg2.connect(s.database_url) as conn, conn.cursor() as cur:
        profile = audit.status(cur, submission_id)[0]["profile"]
    return [(b["encoding"], b["delimiter"], b["rows"]) for b in profile["bagian"]]


def _published_names(s) -> list[tuple]:
    return query(s, "select nik, nama, alamat from warehouse.penerima_bansos order by source_row")


def test_excels_unicode_text_is_read_like_any_csv(settings, tmp_path):
    """Excel's Save As "Unicode text": UTF-16 little-endian with a byte order mark, tab-separated, CRLF."""
    p = tmp_path / "Daftar PKH.txt"
    p.write_bytes(codecs.BOM_UTF16_LE + "\r\n".join("\t".join(r) for r in ROWS).encode("utf-16-le") + b"\r\0\n\0")
    result = submit(settings, p, "pkh", label="PKH 2024")
    assert result["state"] == "diperiksa", result
    assert _parts(settings, result["submission_id"]) == [("utf-16", "\t", 3)]
    assert approve_and_refresh(settings, result["submission_id"]).state == "terbit"
    assert _published_names(settings) == [(r[0], r[1], r[5]) for r in ROWS[1:]]
    assert in_lake(settings, p)


def test_utf16_without_a_byte_order_mark_and_with_semicolons_is_read(settings, tmp_path):
    for codec in ("utf-16-le", "utf-16-be"):
        p = tmp_path / f"kpe-{codec}.csv"
        p.write_bytes("\n".join(";".join(r) for r in ROWS).encode(codec))
        result = submit(settings, p, "kpe", label=f"KPE {codec}")
        assert result["state"] == "diperiksa", result
        assert _parts(settings, result["submission_id"]) == [(codec, ";", 3)]
        assert in_lake(settings, p)


def test_a_header_that_names_a_column_twice_is_refused_naming_both(settings, tmp_path):
    """Directly (NIK twice) and through an alias (NIK and NIK_KTP both mean NIK): refused, both columns named, the
    file kept; nothing is loaded from either."""
    twice = tmp_path / "pkh-nik-dua-kali.csv"
    twice.write_text("NIK;NAMA;NIK;KECAMATAN;DESA\n3503014107800001;SITI;3503015208850002;PULE;PULE\n")
    r = rejected(settings, twice, "pkh", code="kolom_ganda", label="ganda")
    text = codes(r)
    assert "kolom NIK (kolom ke-1) dan NIK (kolom ke-3) sama-sama berarti NIK" in text, text
    assert "columns NIK (column 1) and NIK (column 3) both mean NIK" in text, text
    alias = tmp_path / "pkh-alias.csv"
    alias.write_text("No;NIK KTP;Nama Penerima;NIK;Kecamatan;Desa\n1;3503014107800001;SITI;3503015208850002;PULE;"
                     "PULE\n")
    r = rejected(settings, alias, "pkh", code="kolom_ganda", label="alias")
    text = codes(r)
    assert "kolom NIK KTP (kolom ke-2) dan NIK (kolom ke-4) sama-sama berarti NIK" in text, text
    assert "baris/row 1, kolom/column NIK KTP, NIK" in text, text
    assert query(settings, "select count(*) from warehouse.penerima_bansos")[0][0] == 0


def _xls(path, rows: list[list[str]], title: str | None = None) -> None:
    """An Excel 97-2003 workbook (.xls), every cell text, with a title row above the header when given."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Daftar KPM")
    start = 0
    if title:
        sheet.write(0, 0, title)
        start = 2
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            sheet.write(start + i, j, value)
    book.save(str(path))


def _ods(path, rows: list[list[str]]) -> None:
    """An OpenDocument spreadsheet (.ods) as LibreOffice writes one: the mimetype first and stored, then the
    manifest and the content."""
    import zipfile
    from xml.sax.saxutils import escape

    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = "".join("<table:table-row>" + "".join(
        f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>' for v in row)
        + "</table:table-row>" for row in rows)
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Daftar">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


def test_an_old_excel_workbook_and_an_opendocument_sheet_are_read(settings, tmp_path):
    """.xls (with a title row above the header, as offices make them) and .ods, read by python-calamine: the same
    rows are published as from any other format, with the row numbers a person sees in the sheet."""
    xls = tmp_path / "Daftar PKH 2024.xls"
    _xls(xls, ROWS, title="DAFTAR KPM PKH KABUPATEN TRENGGALEK")
    result = submit(settings, xls, "pkh", label="PKH 2024")
    assert result["state"] == "diperiksa", result
    with psycopg2.connect(settings.database_url) as conn, conn.cursor() as cur:
        part = audit.status(cur, result["submission_id"])[0]["profile"]["bagian"][0]
    assert (part["format"], part["header_row"], part["rows"]) == ("xls", 3, 3)
    assert approve_and_refresh(settings, result["submission_id"]).state == "terbit"
    assert _published_names(settings) == [(r[0], r[1], r[5]) for r in ROWS[1:]]
    assert query(settings, "select source_row from warehouse.penerima_bansos order by 1") == [(4,), (5,), (6,)]
    assert in_lake(settings, xls)

    ods = tmp_path / "Daftar KPE.ods"
    _ods(ods, ROWS)
    result = submit(settings, ods, "kpe", label="KPE 2024")
    assert result["state"] == "diperiksa", result
    assert approve_and_refresh(settings, result["submission_id"]).state == "terbit"
    assert query(settings, "select nik, nama from warehouse.penerima_bansos where program = 'KPE' order by "
                           "source_row") == [(r[0], r[1]) for r in ROWS[1:]]
    assert in_lake(settings, ods)


def test_a_workbook_too_large_to_load_whole_or_damaged_is_refused(settings, tmp_path, monkeypatch):
    """python-calamine loads a whole sheet: a workbook larger than readers.CALAMINE_LIMIT is refused before it is
    read, with the size and what to do; a damaged one is refused by name; both stay in the lake."""
    from bansos360 import readers

    xls = tmp_path / "besar.xls"
    _xls(xls, ROWS)
    monkeypatch.setattr(readers, "CALAMINE_LIMIT", xls.stat().st_size - 1)
    r = rejected(settings, xls, "pkh", code="xls_terlalu_besar", label="besar")
    assert "simpan sebagai CSV atau .xlsx" in codes(r) and "save it as CSV or .xlsx" in codes(r)
    monkeypatch.undo()
    broken = tmp_path / "rusak.xls"
    broken.write_bytes(xls.read_bytes()[:1024])
    r = rejected(settings, broken, "pkh", code="xls_rusak", label="rusak")
    assert "rusak.xls" in codes(r)
