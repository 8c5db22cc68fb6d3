"""Reading delivered files as streams of rows: CSV (any delimiter, UTF-8 or Windows-1252), .xlsx, zips of CSVs.

Nothing here holds a whole file in memory: rows are yielded one at a time, with the row number a person sees
in a spreadsheet (the header is a row too) and which cells were numeric spreadsheet cells.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

csv.field_size_limit(10_000_000)

DELIMITERS = (",", ";", "|", "\t")
HEADER_SEARCH_ROWS = 10


class ReadError(Exception):
    """A file, or a member of it, cannot be read; carries the bilingual message parts."""

    def __init__(self, code: str, pesan: str, message: str, row_no: int | None = None):
        super().__init__(message)
        self.code, self.pesan, self.message, self.row_no = code, pesan, message, row_no


@dataclass(frozen=True)
class Part:
    """One tabular part of a delivered file: the file itself, or one member of a zip."""

    path: Path
    member: str | None
    fmt: str  # "csv" or "xlsx"


def sniff_format(path: Path) -> str:
    """What a file is by its content: ``zip`` (an archive of CSVs), ``xlsx``, ``csv``, or ``empty``."""
    with open(path, "rb") as f:
        head = f.read(8192)
    if not head:
        return "empty"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile as exc:
            raise ReadError(
                "zip_rusak",
                "berkas zip rusak atau terpotong, tidak dapat dibuka",
                f"the zip archive is damaged or truncated and cannot be opened ({exc})",
            ) from exc
        return "xlsx" if "xl/workbook.xml" in names else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(
            "format_xls",
            "format Excel lama (.xls) tidak didukung; simpan ulang sebagai .xlsx atau CSV",
            "old Excel format (.xls) is not supported; save it again as .xlsx or CSV",
        )
    if b"\x00" in head:
        raise ReadError(
            "format_tidak_dikenal",
            "format berkas tidak dikenali (bukan CSV, .xlsx, atau zip)",
            "unrecognised file format (not CSV, .xlsx or zip)",
        )
    return "csv"


def zip_members(path: Path) -> list[str]:
    """The file members of a zip, without folders and macOS resource forks."""
    with zipfile.ZipFile(path) as zf:
        return [
            i.filename
            for i in zf.infolist()
            if not i.is_dir() and not i.filename.startswith("__MACOSX") and not Path(i.filename).name.startswith(".")
        ]


@contextmanager
def open_binary(part: Part) -> Iterator[io.BufferedIOBase]:
    """The raw bytes of a part, streamed (a zip member is decompressed on the fly)."""
    if part.member is None:
        with open(part.path, "rb") as f:
            yield f
    else:
        try:
            with zipfile.ZipFile(part.path) as zf, zf.open(part.member) as f:
                yield f
        except zipfile.BadZipFile as exc:
            raise ReadError(
                "zip_rusak",
                f"anggota zip {part.member} rusak atau terpotong",
                f"zip member {part.member} is damaged or truncated ({exc})",
            ) from exc


def detect_encoding(part: Part) -> str:
    """UTF-8 (``utf-8-sig`` tolerates a BOM) when every byte decodes as UTF-8, else Windows-1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open_binary(part) as f:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    except (EOFError, zipfile.BadZipFile) as exc:
        raise ReadError(
            "zip_rusak", "berkas zip terpotong atau rusak", f"the zip archive is truncated or damaged ({exc})"
        ) from exc
    return "utf-8-sig"


@contextmanager
def open_text(part: Part, encoding: str) -> Iterator[io.TextIOBase]:
    """The text of a CSV part in the given encoding, with universal newlines handled by the csv module."""
    with open_binary(part) as raw:
        yield io.TextIOWrapper(raw, encoding=encoding, newline="")


def detect_delimiter(part: Part, encoding: str) -> str:
    """The delimiter that splits the first lines into the most, and most consistent, fields."""
    with open_text(part, encoding) as f:
        sample = f.read(65536)
    lines = [line for line in sample.splitlines()[:40] if line.strip()]
    if len(sample) == 65536 and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut
    best, best_score = ",", (0, 0)
    for d in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        if not counts:
            continue
        widest = max(counts)
        score = (widest, sum(1 for c in counts if c == widest))
        if widest > 1 and score > best_score:
            best, best_score = d, score
    return best


def _cell_text(value: object) -> tuple[str, bool]:
    """A spreadsheet cell as text, and whether it was a numeric cell."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("1" if value else "0"), False
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value)), True
        return repr(value).upper() if "e" in repr(value) else repr(value), True
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), False
    if isinstance(value, dt.date):
        return value.isoformat(), False
    return str(value), False


def iter_rows(part: Part, encoding: str | None = None, delimiter: str | None = None
              ) -> Iterator[tuple[int, list[str], frozenset[int]]]:
    """Yield ``(row_no, cells, numeric_cell_indexes)`` for every row, blank rows included."""
    if part.fmt == "xlsx":
        yield from _iter_xlsx(part)
        return
    assert encoding and delimiter
    with open_text(part, encoding) as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            for row_no, row in enumerate(reader, start=1):
                yield row_no, row, frozenset()
        except UnicodeDecodeError as exc:
            raise ReadError(
                "encoding", "berkas tidak dapat dibaca dengan pengodean yang terdeteksi",
                f"the file cannot be decoded with the detected encoding ({exc})",
            ) from exc
        except csv.Error as exc:
            raise ReadError(
                "csv_rusak", f"CSV tidak dapat diurai pada baris {reader.line_num}",
                f"the CSV cannot be parsed at line {reader.line_num} ({exc})", reader.line_num,
            ) from exc


def _iter_xlsx(part: Part) -> Iterator[tuple[int, list[str], frozenset[int]]]:
    import openpyxl

    handle = open(part.path, "rb")  # noqa: SIM115 - closed below; the lake file has no .xlsx suffix
    try:
        wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        handle.close()
        raise ReadError(
            "xlsx_rusak", "berkas Excel rusak atau tidak dapat dibuka",
            f"the Excel workbook is damaged or cannot be opened ({type(exc).__name__}: {exc})",
        ) from exc
    try:
        ws = wb.worksheets[0]
        for row_no, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells, numeric = [], set()
            for i, v in enumerate(values):
                text, is_num = _cell_text(v)
                cells.append(text)
                if is_num:
                    numeric.add(i)
            yield row_no, cells, frozenset(numeric)
    finally:
        wb.close()
        handle.close()


def is_blank(cells: list[str]) -> bool:
    """A row with no content in any cell."""
    # a loop, not any() over a generator: it runs for every row, and most rows stop at their first cell
    for c in cells:  # noqa: SIM110
        if c and not c.isspace():
            return False
    return True
