"""No delivered file makes the pipeline hold more than a bounded line or cell (docs/inputs.md, "Limits"): a 1 GB
line in a 1 MB zip, and a workbook whose shared strings hold a 1 GB text, are refused with a finding that names
the file (and the row, where there is one), while the submitting process stays under 300 MB of memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import psycopg2
import pytest

BIN = Path(sys.executable).with_name("bansos360")
PEAK_LIMIT_KIB = 300 * 1024
HUGE = 1 << 30  # one gigabyte of text
CHUNK = b"A" * (1 << 20)


# runs one command and prints its peak resident memory (KiB): the wrapper's only child, so RUSAGE_CHILDREN is its
PEAK = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(done.returncode)")


def _submit_peak(s, path: Path, source: str, *args: str) -> tuple[dict, int]:
    """``bansos360 submit`` in its own process: its JSON answer and its peak resident memory in KiB."""
    env = {**os.environ, "BANSOS360_DATABASE_URL": s.database_url, "BANSOS360_LAKE": str(s.lake)}
    done = subprocess.run([sys.executable, "-c", PEAK, str(BIN), "submit", str(path), "--source", source, "--by",
                           "operator", *args], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return json.loads(done.stdout), int(done.stderr.strip().splitlines()[-1])


def _stream_member(zf: zipfile.ZipFile, name: str, head: bytes, size: int, tail: bytes) -> None:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as f:
        f.write(head)
        for _ in range(size // len(CHUNK)):
            f.write(CHUNK)
        f.write(tail)


def test_a_one_gigabyte_line_is_refused_within_bounded_memory(settings, tmp_path):
    path = tmp_path / "BNBA KPE 2020.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        _stream_member(zf, "kpe.csv", b"NIK,NAMA,", HUGE, b"\n")
    assert path.stat().st_size < 8 << 20
    result, peak = _submit_peak(settings, path, "kpe", "--label", "KPE 2020")
    text = "\n".join(result["temuan"])
    assert result["state"] == "ditolak", text
    assert "baris/row 1" in text and "kpe.csv" in text and "lebih panjang" in text and "longer than" in text, text
    assert peak < PEAK_LIMIT_KIB, f"peak {peak} KiB"
    with psycopg2.connect(settings.database_url) as conn, conn.cursor() as cur:
        cur.execute("select code, row_no from audit.finding where submission_id = %s and level = 'error'",
                    (result["submission_id"],))
        assert ("baris_terlalu_panjang", 1) in cur.fetchall()


MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHARED = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


@pytest.mark.parametrize("where", ["shared strings", "sheet cell"])
def test_a_workbook_with_a_one_gigabyte_text_is_refused_within_bounded_memory(settings, tmp_path, where):
    """The text in the shared-strings part (read before any row) or in a cell of the sheet (row 2)."""
    small = tmp_path / "kecil.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["NIK", "NAMA", "ALAMAT"])
    wb.save(small)
    path = tmp_path / "BNBA KPE 2020.xlsx"
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml" and where == "shared strings":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                                    + SHARED + b'" /></Types>')
            if info.filename == "xl/worksheets/sheet1.xml" and where == "sheet cell":
                head, tail = data.split(b"</row>", 1)
                _stream_member(zf, info.filename, head + b'</row><row r="2"><c r="A2" t="inlineStr"><is><t>', HUGE,
                               b"</t></is></c></row>" + tail)
                continue
            zf.writestr(info, data)
        if where == "shared strings":
            _stream_member(zf, "xl/sharedStrings.xml", b'<?xml version="1.0" encoding="UTF-8"?><sst ' + MAIN
                           + b' count="1" uniqueCount="1"><si><t>', HUGE, b"</t></si></sst>")
    assert path.stat().st_size < 8 << 20
    result, peak = _submit_peak(settings, path, "kpe", "--label", "KPE 2020")
    text = "\n".join(result["temuan"])
    assert result["state"] == "ditolak", text
    assert "BNBA KPE 2020.xlsx" in text and "lebih panjang" in text and "longer than" in text, text
    assert where == "shared strings" or "baris/row 2" in text, text
    assert peak < PEAK_LIMIT_KIB, f"peak {peak} KiB"
