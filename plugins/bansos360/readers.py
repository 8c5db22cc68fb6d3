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
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

FIELD_LIMIT = 10_000_000
csv.field_size_limit(FIELD_LIMIT)

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


class NotPlain(Exception):
    """A CSV part that only the csv module reads as it should be read.

    It holds a quote, a lone carriage return, a NUL, an undecodable byte or a very long line.
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
            if len(carry) > FIELD_LIMIT:
                raise NotPlain("a very long line")
            for line in lines:
                row_no += 1
                yield row_no, line
            if not chunk:
                return


def _iter_xlsx(part: Part) -> Iterator[tuple[int, list[str], frozenset[int]]]:
    import openpyxl

    handle = open(part.path, "rb")  # noqa: SIM115 - closed below; the lake file has no .xlsx suffix
    try:
        # read-only: the workbook, styles and shared strings are read now, the sheet's rows are not
        wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
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


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "  # expat: namespace, then a space, then name


class _SheetRows:
    """The rows of a worksheet read by expat, as ``(row_no, cells, numeric_cell_indexes)``, blank rows included.

    openpyxl's read-only sheet builds a dict and an element per cell; this reads the same XML with expat
    callbacks and turns each value into text the way ``_cell_text`` does for openpyxl's values (its own date,
    number and shared-string conversions are reused): the four .xlsx lists of the scale-1 lake in 4.2 s
    instead of 11.0 s. Like openpyxl, rows missing from the XML come out empty and a row is as wide as the
    sheet's recorded dimension; unlike it, a cell outside a too-small recorded dimension is kept, not dropped.
    ``tests/test_readers.py`` compares both readers.
    """

    def __init__(self, wb, ws):
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self._from_excel, self._from_iso = from_excel, from_ISO8601
        self._archive, self._path = wb._archive, ws._worksheet_path  # openpyxl 3.1 read-only internals
        self._strings, self._epoch = ws._shared_strings, wb.epoch
        self._dates, self._timedeltas = wb._date_formats, wb._timedelta_formats
        self._width, self._last_row = ws.max_column or 0, ws.max_row or 0

    def __iter__(self) -> Iterator[tuple[int, list[str], frozenset[int]]]:
        done: list[tuple[int, list[str], frozenset[int]]] = []
        row_no, cells, numeric = 0, [], set()
        col, kind, style, text, in_value, in_phonetic = 0, "n", 0, [], False, False

        def start(name: str, attrs: dict) -> None:
            nonlocal row_no, cells, numeric, col, kind, style, text, in_value, in_phonetic
            tag = _TAGS.get(name)
            if tag == "c":
                ref = attrs.get("r")
                col = (_column(ref) if ref else 0) or col + 1
                kind, style, text = attrs.get("t", "n"), int(attrs.get("s") or 0), []
            elif tag == "v" or (tag == "t" and not in_phonetic):
                in_value = True
            elif tag == "rPh":
                in_phonetic = True
            elif tag == "row":
                ref = attrs.get("r")
                row_no = int(float(ref)) if ref else row_no + 1
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
            if in_value:
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


_TAGS = {_MAIN + tag: tag for tag in ("row", "c", "v", "t", "rPh")}
_COLUMNS: dict[str, int] = {}


def _column(ref: str) -> int:
    """The 1-based column of a cell reference such as ``AB12``."""
    letters = ref.rstrip("0123456789")
    n = _COLUMNS.get(letters)
    if n is None:
        n = 0
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
