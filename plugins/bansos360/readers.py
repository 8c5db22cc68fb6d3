"""Reading delivered files as streams of rows: CSV and text, .xlsx, zips of CSVs.

CSV and text: any delimiter; UTF-8, UTF-16 (Excel's "Unicode text") or Windows-1252.

Nothing here holds a whole file in memory: rows are yielded one at a time, with the row number a person sees
in a spreadsheet (the header is a row too) and which cells were numeric spreadsheet cells.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

# The longest line (and so the longest cell) a delivered file may have, in characters. A DTKS or programme row is
# well under 10 KB; the bound keeps what one reader holds in memory to a few MB whatever a file holds (a 1 GB
# line in a 1 MB zip is refused as soon as it passes this, not after it was read whole).
LINE_LIMIT = 1 << 20
FIELD_LIMIT = LINE_LIMIT
RECORD_LIMIT = 4 * LINE_LIMIT
csv.field_size_limit(FIELD_LIMIT)

DELIMITERS = (",", ";", "|", "\t")
HEADER_SEARCH_ROWS = 10


class ReadError(Exception):
    """A file, or a member of it, cannot be read; carries the bilingual message parts."""

    def __init__(self, code: str, pesan: str, message: str, row_no: int | None = None):
        super().__init__(message)
        self.code, self.pesan, self.message, self.row_no = code, pesan, message, row_no


def too_long(row_no: int) -> ReadError:
    """The finding for a line or cell longer than ``LINE_LIMIT``, at ``row_no``."""
    return ReadError(
        "baris_terlalu_panjang",
        f"baris {row_no} lebih panjang dari {LINE_LIMIT:,} karakter; berkas ini bukan tabel yang dapat dibaca",
        f"row {row_no} is longer than {LINE_LIMIT:,} characters; this file is not a table that can be read",
        row_no,
    )


class _LineTooLong(Exception):
    pass


class _BoundedLines:
    """The lines of a text stream for the csv module, each read with at most ``LINE_LIMIT`` characters held.

    A longer line raises, and so does a record (quoted line ends join lines into one) of more than
    ``RECORD_LIMIT`` characters: the reader calls ``record_done`` after each record it takes.
    """

    def __init__(self, f: io.TextIOBase):
        self._f, self._held = f, 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self._f.readline(LINE_LIMIT + 1)
        if not line:
            raise StopIteration
        self._held += len(line)
        if len(line) > LINE_LIMIT or self._held > RECORD_LIMIT:
            raise _LineTooLong
        return line

    def record_done(self) -> None:
        self._held = 0


@dataclass(frozen=True)
class Part:
    """One tabular part of a delivered file: the file itself, or one member of a zip."""

    path: Path
    member: str | None
    fmt: str  # "csv", "xlsx", or one of CALAMINE_FORMATS


# Workbooks read by python-calamine (old Excel, Excel binary, OpenDocument): it loads a whole sheet before the first
# row, so a workbook is refused when what it would load is larger than this (its size for .xls; the declared size
# of its sheet data for the zipped ones). About 40,000 rows of a programme list; larger lists come as CSV or .xlsx.
CALAMINE_FORMATS = ("xls", "xlsb", "ods")
CALAMINE_LIMIT = 64 << 20
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def sniff_format(path: Path) -> str:
    """What a file is by its content.

    ``zip`` (an archive of CSVs), ``xlsx``, ``xls``, ``xlsb``, ``ods``, ``csv`` (UTF-16 text included), or
    ``empty``.
    """
    with open(path, "rb") as f:
        head = f.read(8192)
    if not head:
        return "empty"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                kind = zf.open("mimetype").read(len(_ODS_MIMETYPE) + 1) if "mimetype" in names else b""
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ReadError(
                "zip_rusak",
                "berkas zip rusak atau terpotong, tidak dapat dibuka",
                f"the zip archive is damaged or truncated and cannot be opened ({exc})",
            ) from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "content.xml" in names and kind == _ODS_MIMETYPE:
            return "ods"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # an OLE compound file: Excel 97-2003 (.xls)
        return "xls"
    if utf16(head):
        return "csv"  # Excel's "Unicode text" and other UTF-16 text: read like any CSV (detect_encoding)
    if b"\x00" in head:
        raise ReadError(
            "format_tidak_dikenal",
            "format berkas tidak dikenali (bukan CSV, .xlsx, atau zip)",
            "unrecognised file format (not CSV, .xlsx or zip)",
        )
    return "csv"


def utf16(head: bytes) -> str | None:
    """The UTF-16 codec of text that starts with ``head``, or None.

    Known by its byte order mark, or, without one, by the zero bytes that text in Latin letters has at every other
    position (odd ones little-endian, even ones big-endian).
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = len(head) // 2
    if pairs < 8:
        return None
    even, odd = head[0:2 * pairs:2].count(0), head[1:2 * pairs:2].count(0)
    if odd >= 0.9 * pairs and even == 0:
        return "utf-16-le"
    if even >= 0.9 * pairs and odd == 0:
        return "utf-16-be"
    return None


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
    """The text encoding of a CSV part.

    UTF-16 when the text starts as UTF-16 does (``utf16``); else UTF-8 (``utf-8-sig`` tolerates a BOM) when every
    byte decodes as UTF-8; else Windows-1252.
    """
    try:
        with open_binary(part) as f:
            wide = utf16(f.read(8192))
    except (EOFError, zipfile.BadZipFile) as exc:
        raise ReadError(
            "zip_rusak", "berkas zip terpotong atau rusak", f"the zip archive is truncated or damaged ({exc})"
        ) from exc
    if wide:
        return wide
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
    if part.fmt in CALAMINE_FORMATS:
        yield from _iter_calamine(part)
        return
    assert encoding and delimiter
    with open_text(part, encoding) as f:
        lines = _BoundedLines(f)
        reader = csv.reader(lines, delimiter=delimiter)
        row_no = 0
        try:
            for row_no, row in enumerate(reader, start=1):  # noqa: B007 - row_no is read after the loop
                lines.record_done()
                yield row_no, row, frozenset()
        except _LineTooLong:
            raise too_long(row_no + 1) from None
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


class NotPlain(Exception):
    """A CSV part that only the csv module reads as it should be read.

    It holds a quote, a lone carriage return, a NUL or an undecodable byte.
    """


def iter_plain_lines(part: Part, encoding: str) -> Iterator[tuple[int, str]]:
    """Yield ``(row_no, line)`` for every line of a CSV part that has no quote character at all.

    For such a part a record is a line and its cells are the line split at the delimiter, so whoever counts
    records, cells and blanks need not parse each row; the checks that make this true run on whole 1 MiB
    chunks. Raises NotPlain (after yielding some lines) as soon as the part turns out not to be one.
    """
    row_no, carry = 0, ""
    with open_binary(part) as raw:
        decoder = codecs.getincrementaldecoder(encoding)()
        while True:
            chunk = raw.read(1 << 20)
            try:
                text = carry + decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise NotPlain("undecodable byte") from exc
            if '"' in text or "\x00" in text:
                raise NotPlain("a quote or a NUL")
            if "\r" in text:
                if chunk and text.endswith("\r"):  # its \n may start the next chunk
                    text, carry = text[:-1], "\r"
                else:
                    carry = ""
                text = text.replace("\r\n", "\n")
                if "\r" in text:
                    raise NotPlain("a lone carriage return")
            else:
                carry = ""
            lines = text.split("\n")
            if chunk:
                carry = lines.pop() + carry
            elif lines[-1] == "":
                lines.pop()  # the file ends with a line end
            for line in lines:
                if len(line) > LINE_LIMIT:
                    raise too_long(row_no + 1)
                row_no += 1
                yield row_no, line
            if len(carry) > LINE_LIMIT:
                raise too_long(row_no + 1)
            if not chunk:
                return


def _iter_xlsx(part: Part) -> Iterator[tuple[int, list[str], frozenset[int]]]:
    _check_workbook_parts(part.path)
    handle = open(part.path, "rb")  # noqa: SIM115 - closed below; the lake file has no .xlsx suffix
    try:
        # read-only: the workbook, styles and shared strings are read now, the sheet's rows are not
        reader = _excel_reader(handle)
        reader.read()
        wb = reader.wb
    except ReadError:
        handle.close()
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        handle.close()
        raise ReadError(
            "xlsx_rusak", "berkas Excel rusak atau tidak dapat dibuka",
            f"the Excel workbook is damaged or cannot be opened ({type(exc).__name__}: {exc})",
        ) from exc
    try:
        yield from _SheetRows(wb, wb.worksheets[0])
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ReadError(
            "xlsx_rusak", "lembar kerja Excel rusak atau terpotong, tidak dapat dibaca sampai akhir",
            f"the Excel worksheet is damaged or truncated and cannot be read to its end ({exc})",
        ) from exc
    finally:
        wb.close()
        handle.close()


def _calamine_size(part: Part) -> int:
    """What python-calamine would load of a workbook: the file (.xls), or its declared sheet data (zipped)."""
    if part.fmt == "xls":
        return part.path.stat().st_size
    with zipfile.ZipFile(part.path) as zf:
        return sum(i.file_size for i in zf.infolist()
                   if i.filename == "content.xml" or i.filename.startswith(("xl/worksheets/", "xl/sharedStrings")))


def _iter_calamine(part: Part) -> Iterator[tuple[int, list[str], frozenset[int]]]:
    """The first sheet of an .xls, .xlsb or .ods workbook, read by python-calamine, as ``iter_rows`` gives rows."""
    from python_calamine import CalamineWorkbook

    names = {"xls": "Excel lama (.xls)", "xlsb": "Excel biner (.xlsb)", "ods": "OpenDocument (.ods)",
             "xlsx": "Excel (.xlsx)"}  # .xlsx only in bench_xlsx, which measures this path against _iter_xlsx
    try:
        size = _calamine_size(part)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ReadError(f"{part.fmt}_rusak", f"berkas {names[part.fmt]} rusak atau tidak dapat dibuka",
                        f"the {names[part.fmt]} workbook is damaged or cannot be opened ({exc})") from exc
    if size > CALAMINE_LIMIT:
        raise ReadError(
            f"{part.fmt}_terlalu_besar",
            f"berkas {names[part.fmt]} ini memuat {size:,} bita data lembar kerja, lebih dari "
            f"{CALAMINE_LIMIT >> 20} MB; simpan sebagai CSV atau .xlsx",
            f"this {names[part.fmt]} workbook holds {size:,} bytes of sheet data, more than "
            f"{CALAMINE_LIMIT >> 20} MB; save it as CSV or .xlsx")
    try:
        with open(part.path, "rb") as handle:
            workbook = CalamineWorkbook.from_filelike(handle)
            sheet = workbook.get_sheet_by_index(0)
            rows = sheet.iter_rows()  # from the sheet's first row; columns from its first used one
            lead = [""] * (sheet.start[1] if sheet.start else 0)
            for row_no, values in enumerate(rows, start=1):
                if row_no > MAX_ROWS:
                    raise _beyond_sheet(row_no)
                cells, numeric = list(lead), set()
                for i, value in enumerate(values, start=len(lead)):
                    text, is_num = _cell_text(value)
                    if len(text) > LINE_LIMIT:
                        raise too_long(row_no)
                    cells.append(text)
                    if is_num:
                        numeric.add(i)
                yield row_no, cells, frozenset(numeric)
    except ReadError:
        raise
    except Exception as exc:  # python-calamine raises its own kinds for a damaged workbook
        raise ReadError(f"{part.fmt}_rusak", f"berkas {names[part.fmt]} rusak atau tidak dapat dibaca",
                        f"the {names[part.fmt]} workbook is damaged or cannot be read ({type(exc).__name__}: "
                        f"{exc})") from exc


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "  # expat: namespace, then a space, then name
# The parts of a workbook that openpyxl reads whole (workbook, styles, theme, relations...) are small; one over
# this is refused before it is read. The sheet and the shared strings are streamed with bounds of their own.
WORKBOOK_PART_LIMIT = 32 << 20
# The shared strings are held in memory while the sheet is read: each string's characters plus about 64 bytes of
# Python's own count against this (a workbook of about a million short texts fits; a larger list comes as CSV).
SHARED_STRINGS_BUDGET = 128 << 20
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # a worksheet's own limits (Excel 2007 and later)


def _workbook_too_large(what: str, english: str) -> ReadError:
    return ReadError(
        "xlsx_terlalu_besar",
        f"berkas Excel ini {what}; simpan sebagai CSV (atau bagi menjadi beberapa berkas)",
        f"this Excel workbook {english}; save it as CSV (or split it into several files)",
    )


def _check_workbook_parts(path: Path) -> None:
    """Refuse a workbook whose parts that are read whole are larger than ``WORKBOOK_PART_LIMIT``.

    The size is the one the zip declares: zipfile never gives more than it (and fails on a lie by the CRC).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                streamed = info.filename.startswith("xl/worksheets/") or info.filename == "xl/sharedStrings.xml"
                if not streamed and info.file_size > WORKBOOK_PART_LIMIT:
                    raise _workbook_too_large(
                        f"memuat bagian {info.filename} sebesar {info.file_size:,} bita",
                        f"holds a part {info.filename} of {info.file_size:,} bytes")
    except zipfile.BadZipFile as exc:
        raise ReadError("xlsx_rusak", "berkas Excel rusak atau tidak dapat dibuka",
                        f"the Excel workbook is damaged or cannot be opened ({exc})") from exc


def _read_shared_strings(src) -> list[str]:
    """The shared strings of a workbook, as openpyxl's ``read_string_table`` gives them, read by expat.

    openpyxl builds each string whole; this refuses a string longer than ``LINE_LIMIT`` as soon as it passes it,
    and a table larger than ``SHARED_STRINGS_BUDGET``.
    """
    strings: list[str] = []
    current: list[str] = []
    held = used = 0
    in_text = in_phonetic = False

    def start(name: str, attrs: dict) -> None:
        nonlocal in_text, in_phonetic, current, held
        tag = _TAGS.get(name)
        if tag == "si":
            current, held = [], 0
        elif tag == "t" and not in_phonetic:
            in_text = True
        elif tag == "rPh":
            in_phonetic = True

    def end(name: str) -> None:
        nonlocal in_text, in_phonetic, used
        tag = _TAGS.get(name)
        if tag == "si":
            text = "".join(current).replace("x005F_", "")
            used += len(text) + 64
            if used > SHARED_STRINGS_BUDGET:
                raise _workbook_too_large(
                    f"memuat teks bersama (shared strings) lebih dari {SHARED_STRINGS_BUDGET >> 20} MB",
                    f"holds more than {SHARED_STRINGS_BUDGET >> 20} MB of shared strings")
            strings.append(text)
        elif tag == "t":
            in_text = False
        elif tag == "rPh":
            in_phonetic = False

    def chars(data: str) -> None:
        nonlocal held
        if in_text:
            held += len(data)
            if held > LINE_LIMIT:
                raise ReadError(
                    "sel_terlalu_panjang",
                    f"sebuah teks di berkas Excel (teks bersama ke-{len(strings) + 1}) lebih panjang dari "
                    f"{LINE_LIMIT:,} karakter",
                    f"a text of the Excel workbook (shared string {len(strings) + 1}) is longer than "
                    f"{LINE_LIMIT:,} characters")
            current.append(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    while True:
        chunk = src.read(1 << 16)
        parser.Parse(chunk, not chunk)
        if not chunk:
            return strings


def _excel_reader(handle):
    """The workbook reader of openpyxl (read-only, values only), its shared strings read within bounds."""
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader

    class BoundedExcelReader(ExcelReader):
        """openpyxl's reader with the shared strings read by ``_read_shared_strings``."""

        def read_strings(self) -> None:
            ct = self.package.find(SHARED_STRINGS)
            if ct is not None:
                with self.archive.open(ct.PartName[1:]) as src:
                    self.shared_strings = _read_shared_strings(src)

    return BoundedExcelReader(handle, read_only=True, data_only=True)


class _SheetRows:
    """The rows of a worksheet read by expat, as ``(row_no, cells, numeric_cell_indexes)``, blank rows included.

    openpyxl's read-only sheet builds a dict and an element per cell; this reads the same XML with expat
    callbacks and turns each value into text the way ``_cell_text`` does for openpyxl's values (its own date,
    number and shared-string conversions are reused), faster (docs/benchmarks.md). Like openpyxl, rows missing
    from the XML come out empty and a row is as wide as the sheet's recorded dimension; unlike it, a cell outside
    a too-small recorded dimension is kept, not dropped. ``tests/test_readers.py`` compares both readers.
    """

    def __init__(self, wb, ws):
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self._from_excel, self._from_iso = from_excel, from_ISO8601
        self._archive, self._path = wb._archive, ws._worksheet_path  # openpyxl 3.1 read-only internals
        self._strings, self._epoch = ws._shared_strings, wb.epoch
        self._dates, self._timedeltas = wb._date_formats, wb._timedelta_formats
        self._width, self._last_row = min(ws.max_column or 0, MAX_COLUMNS), min(ws.max_row or 0, MAX_ROWS)

    def __iter__(self) -> Iterator[tuple[int, list[str], frozenset[int]]]:
        done: list[tuple[int, list[str], frozenset[int]]] = []
        row_no, cells, numeric = 0, [], set()
        col, kind, style, text, in_value, in_phonetic, held = 0, "n", 0, [], False, False, 0

        def start(name: str, attrs: dict) -> None:
            nonlocal row_no, cells, numeric, col, kind, style, text, in_value, in_phonetic, held
            tag = _TAGS.get(name)
            if tag == "c":
                ref = attrs.get("r")
                col = (_column(ref) if ref else 0) or col + 1
                if col > MAX_COLUMNS:
                    raise _beyond_sheet(row_no)
                kind, style, text = attrs.get("t", "n"), int(attrs.get("s") or 0), []
                held = 0
            elif tag == "v" or (tag == "t" and not in_phonetic):
                in_value = True
            elif tag == "rPh":
                in_phonetic = True
            elif tag == "row":
                ref = attrs.get("r")
                row_no = int(float(ref)) if ref else row_no + 1
                if row_no > MAX_ROWS:
                    raise _beyond_sheet(row_no)
                cells, numeric, col = [], set(), 0

        def end(name: str) -> None:
            nonlocal in_value, in_phonetic
            tag = _TAGS.get(name)
            if tag == "c":
                if kind == "inlineStr":  # most text cells: the text as it is
                    if not text:
                        return
                    cell, is_num = "".join(text), False
                else:
                    value = self._value(kind, style, "".join(text) if text else None)
                    if value is None:
                        return
                    cell, is_num = _cell_text(value)
                if len(cells) < col:
                    cells.extend([""] * (col - len(cells)))
                cells[col - 1] = cell
                if is_num:
                    numeric.add(col - 1)
            elif tag == "v" or tag == "t":
                in_value = False
            elif tag == "rPh":
                in_phonetic = False
            elif tag == "row":
                done.append((row_no, cells, frozenset(numeric)))

        def chars(data: str) -> None:
            nonlocal held
            if in_value:
                held += len(data)
                if held > LINE_LIMIT:
                    raise too_long(row_no)
                text.append(data)

        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
        counter = 1
        with self._archive.open(self._path) as src:
            while True:
                chunk = src.read(1 << 16)
                parser.Parse(chunk, not chunk)
                for n, row, nums in done:
                    while counter < n:  # rows missing from the XML
                        yield counter, [""] * self._width, frozenset()
                        counter += 1
                    if n == counter:
                        if len(row) < self._width:
                            row.extend([""] * (self._width - len(row)))
                        yield n, row, nums
                        counter += 1
                done.clear()
                if not chunk:
                    break
        while counter <= self._last_row:
            yield counter, [""] * self._width, frozenset()
            counter += 1

    def _value(self, kind: str, style: int, raw: str | None) -> object:
        """A cell's value as openpyxl's read-only reader gives it (``WorkSheetParser.parse_cell``)."""
        if not raw:
            return None
        if kind == "n":
            number = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
            if style in self._dates:
                try:
                    return self._from_excel(number, self._epoch, timedelta=style in self._timedeltas)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self._strings[int(raw)]
        if kind == "b":
            return bool(int(raw))
        if kind == "d":
            return self._from_iso(raw)
        return raw  # "str" (a formula's text), "e" (an error such as #N/A)


_TAGS = {_MAIN + tag: tag for tag in ("row", "c", "v", "t", "rPh", "si")}
_COLUMNS: dict[str, int] = {}


def _beyond_sheet(row_no: int) -> ReadError:
    return ReadError(
        "xlsx_rusak", f"lembar kerja Excel menyebut sel di luar batas lembar kerja (baris {row_no})",
        f"the Excel worksheet names a cell beyond a worksheet's limits (row {row_no})", row_no)


def _column(ref: str) -> int:
    """The 1-based column of a cell reference such as ``AB12``."""
    letters = ref.rstrip("0123456789")
    n = _COLUMNS.get(letters)
    if n is None:
        n = 0
        if len(letters) > 3:
            return MAX_COLUMNS + 1  # beyond XFD, the last column: refused by the caller
        for ch in letters.upper():
            if not "A" <= ch <= "Z":
                return 0  # not a cell reference: the caller takes the next column
            n = n * 26 + ord(ch) - 64
        if len(letters) <= 3:  # XFD is the last column
            _COLUMNS[letters] = n
    return n


def is_blank(cells: list[str]) -> bool:
    """A row with no content in any cell."""
    # a loop, not any() over a generator: it runs for every row, and most rows stop at their first cell
    for c in cells:  # noqa: SIM110
        if c and not c.isspace():
            return False
    return True
