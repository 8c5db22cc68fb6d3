"""The raw gate: checks that a delivery is what it claims before anyone may approve it.

Readable, format and encoding detected, required columns present, period declared or recognised, not the same
content as an earlier delivery of the same slot, row count plausible against the previous delivery of the same
kind. Its profile (per part: format, encoding, delimiter, header row, column mapping, rows) drives the staging
load. Every finding names the file, and where it applies the row and the column.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bansos360 import lake, progress, readers, rules, sources
from bansos360.audit import Finding, State

PERIODE_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")  # always fullmatch: "^…$" lets a trailing line end in
MONTHS = {
    "JANUARI": 1, "JAN": 1, "FEBRUARI": 2, "FEB": 2, "PEBRUARI": 2, "MARET": 3, "MAR": 3, "APRIL": 4, "APR": 4,
    "MEI": 5, "JUNI": 6, "JUN": 6, "JULI": 7, "JUL": 7, "AGUSTUS": 8, "AGU": 8, "AGT": 8, "AGS": 8,
    "SEPTEMBER": 9, "SEP": 9, "SEPT": 9, "OKTOBER": 10, "OKT": 10, "NOVEMBER": 11, "NOV": 11,
    "NOPEMBER": 11, "NOP": 11, "DESEMBER": 12, "DES": 12,
}
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
NAME_PERIODE_RE = re.compile(rf"(?<![A-Z])({_MONTH_ALT})(?![A-Z])[\s._-]*((?:19|20)\d\d)")

log = logging.getLogger(__name__)


def periode_from_name(name: str) -> str | None:
    """The DTKS period a file name states (``3503-MEI 2018.zip`` -> ``2018-05``), if any."""
    m = NAME_PERIODE_RE.search(name.upper())
    return f"{m.group(2)}-{MONTHS[m.group(1)]:02d}" if m else None


@dataclass
class PartRef:
    """A tabular part of a submission, located in the lake."""

    entity: sources.Entity
    position: int
    original_name: str
    part: readers.Part


def _fmt_error(name: str, err: readers.ReadError) -> Finding:
    return Finding("error", err.code, err.pesan, err.message, name, err.row_no)


def locate_parts(kind: sources.SourceKind, files: list[tuple[str, Path]]) -> tuple[list[PartRef], list[Finding]]:
    """Map the delivered files (original name, lake path) to the entities of the source kind."""
    findings: list[Finding] = []
    candidates: list[tuple[int, str, readers.Part]] = []  # (position, display name, part)
    for pos, (name, path) in enumerate(files):
        try:
            fmt = readers.sniff_format(path)
        except readers.ReadError as err:
            findings.append(_fmt_error(name, err))
            continue
        if fmt == "empty":
            findings.append(Finding("error", "berkas_kosong", "berkas kosong (0 byte)", "the file is empty (0 bytes)",
                                    name))
            continue
        suffix = Path(name).suffix.lower()
        if suffix == ".zip" and fmt != "zip":
            findings.append(Finding("error", "bukan_zip", "berkas bernama .zip tetapi bukan arsip zip",
                                    "the file is named .zip but is not a zip archive", name))
            continue
        if fmt == "zip":
            try:
                members = readers.zip_members(path)
            except Exception as exc:  # zipfile raises several kinds for damaged archives
                findings.append(Finding("error", "zip_rusak", "berkas zip rusak atau terpotong",
                                        f"the zip archive is damaged or truncated ({exc})", name))
                continue
            for m in members:
                mfmt = "xlsx" if m.lower().endswith(".xlsx") else "csv"
                candidates.append((pos, f"{name}:{m}", readers.Part(path, m, mfmt)))
            if not members:
                findings.append(Finding("error", "zip_kosong", "zip tidak berisi berkas",
                                        "the zip archive holds no files", name))
            continue
        if suffix == ".xlsx" and fmt == "csv":
            findings.append(Finding("warning", "format_tidak_sesuai_nama",
                                    "berkas bernama .xlsx tetapi isinya teks CSV; dibaca sebagai CSV",
                                    "the file is named .xlsx but holds CSV text; read as CSV", name))
        elif suffix == ".csv" and fmt == "xlsx":
            findings.append(Finding("warning", "format_tidak_sesuai_nama",
                                    "berkas bernama .csv tetapi isinya Excel (.xlsx); dibaca sebagai Excel",
                                    "the file is named .csv but is an Excel workbook; read as Excel", name))
        candidates.append((pos, name, readers.Part(path, None, fmt)))

    parts: list[PartRef] = []
    if findings and not candidates:
        return parts, findings
    if len(kind.entities) == 1:
        entity = kind.entities[0]
        if len(candidates) != 1:
            findings.append(Finding(
                "error", "jumlah_berkas",
                f"sumber {kind.kind} menerima tepat satu berkas tabel, diterima {len(candidates)}",
                f"source {kind.kind} takes exactly one table file, got {len(candidates)}",
                ", ".join(c[1] for c in candidates) or None,
            ))
            return parts, findings
        pos, name, part = candidates[0]
        return [PartRef(entity, pos, name, part)], findings

    for entity in kind.entities:
        tag = entity.member_tag or ""
        matches = [c for c in candidates if _has_tag(c[1], tag, [e.member_tag or "" for e in kind.entities])]
        if not matches:
            findings.append(Finding(
                "error", f"tanpa_berkas_{entity.name}",
                f"berkas {tag} tidak ditemukan (nama berkas harus memuat '{tag}', mis. 3503_{tag}.csv)",
                f"no {tag} file found (its name must contain '{tag}', e.g. 3503_{tag}.csv)",
                ", ".join(f for f, _ in files),
            ))
        elif len(matches) > 1:
            findings.append(Finding(
                "error", f"berkas_{entity.name}_ganda", f"lebih dari satu berkas {tag}: "
                + ", ".join(m[1] for m in matches), f"more than one {tag} file: " + ", ".join(m[1] for m in matches),
                ", ".join(f for f, _ in files),
            ))
        else:
            pos, name, part = matches[0]
            parts.append(PartRef(entity, pos, name, part))
    return parts, findings


def _has_tag(display_name: str, tag: str, all_tags: list[str]) -> bool:
    """Whether a file name carries a tag (RT, ART) as a token, and no longer tag that contains it."""
    stem = Path(display_name.split(":")[-1]).stem.upper()
    tokens = set(re.split(r"[^A-Z0-9]+", stem))
    longer = [t for t in all_tags if t != tag and tag in t]
    return tag in tokens and not any(t in tokens for t in longer)


def profile_part(ref: PartRef) -> tuple[dict, list[Finding]]:
    """Read a part once, whole: detect encoding and delimiter, find the header, map columns, count rows."""
    name, part, entity = ref.original_name, ref.part, ref.entity
    findings: list[Finding] = []
    prof: dict = {"entity": entity.name, "position": ref.position, "member": part.member, "format": part.fmt,
                  "name": name}
    try:
        if part.fmt == "csv":
            prof["encoding"] = readers.detect_encoding(part)
            prof["delimiter"] = readers.detect_delimiter(part, prof["encoding"])
        rows = readers.iter_rows(part, prof.get("encoding"), prof.get("delimiter"))
        head: list[tuple[int, list[str]]] = []
        head_numeric: dict[int, frozenset] = {}
        for row_no, cells, numeric in rows:
            head.append((row_no, cells))
            head_numeric[row_no] = numeric
            if len(head) >= readers.HEADER_SEARCH_ROWS:
                break
        header_row, mapping, unknown = _find_header(entity, head)
        if header_row is None:
            findings.append(Finding(
                "error", "header_tidak_ditemukan",
                f"baris judul kolom tidak ditemukan di {readers.HEADER_SEARCH_ROWS} baris pertama; kolom wajib: "
                + ", ".join(c.name.upper() for c in entity.required),
                f"no header row found in the first {readers.HEADER_SEARCH_ROWS} rows; required columns: "
                + ", ".join(c.name.upper() for c in entity.required),
                name,
            ))
            return prof, findings
        header_cells = next(cells for row_no, cells in head if row_no == header_row)
        header_width = len(header_cells)
        for canon, (i, a), (j, b) in _doubled_columns(entity, header_cells):
            findings.append(Finding(
                "error", "kolom_ganda",
                f"kolom {a} (kolom ke-{i}) dan {b} (kolom ke-{j}) sama-sama berarti {canon.upper()}; hapus atau "
                "ganti nama salah satunya, lalu kirim ulang",
                f"columns {a} (column {i}) and {b} (column {j}) both mean {canon.upper()}; remove or rename one of "
                "them and submit again", name, header_row, f"{a}, {b}",
            ))
        prof.update(header_row=header_row, columns=mapping, extra_columns=unknown, width=header_width)
        # "plain": every record has the header's width (or is an empty line), no cell holds a quote character,
        # and the lines down to the header are one record each; PostgreSQL's COPY then reads the cells read
        # here (staging.py)
        plain = part.fmt == "csv" and not any(
            "\n" in c or "\r" in c or '"' in c for row_no, cells in head if row_no <= header_row for c in cells)
        for col in entity.required:
            if col.name not in mapping:
                findings.append(Finding(
                    "error", "kolom_wajib_hilang", f"kolom wajib {col.name.upper()} tidak ada",
                    f"required column {col.name.upper()} is missing", name, header_row, col.name.upper(),
                ))
        for group in entity.one_of:
            if not any(g in mapping for g in group):
                names = " atau ".join(g.upper() for g in group)
                findings.append(Finding(
                    "error", "kolom_wajib_hilang", f"salah satu kolom {names} harus ada",
                    f"one of the columns {' or '.join(g.upper() for g in group)} must be present",
                    name, header_row, "/".join(g.upper() for g in group),
                ))
        missing = [c.name.upper() for c in entity.warned if c.name not in mapping]
        if missing:
            findings.append(Finding(
                "warning", "kolom_opsional_hilang",
                f"kolom opsional {', '.join(missing)} tidak ada; baris tetap dimuat, kolom itu kosong",
                f"optional column(s) {', '.join(missing)} missing; the rows are loaded with them empty",
                name, header_row, ", ".join(missing),
            ))
        width = max(mapping.values(), default=-1) + 1
        nik_col = next((i for c, i in mapping.items() if c.lower() == "nik"), None)

        def data_rows_read() -> Iterator[tuple[int, list[str], frozenset, bool]]:
            """Every row below the header; the last flag says whether a short row there is reported."""
            for row_no, cells in head:
                if row_no > header_row:
                    yield row_no, cells, head_numeric.get(row_no, frozenset()), False
            for row_no, cells, numeric in rows:
                yield row_no, cells, numeric, True

        meter = progress.Meter(f"pemeriksaan/check {name}")
        counted = None
        if part.fmt == "csv":
            counted = _count_lines(part, prof, header_row, header_width, width, nik_col, len(head), plain, meter)
        if counted is not None:
            rows.close()  # the csv reader of the first rows, and its file
            data_rows, blank_rows, nik_sah, short, plain = counted
        else:
            data_rows, blank_rows, nik_sah, short, plain = _count_rows(
                data_rows_read(), header_width, width, nik_col, plain, meter)
        meter.done(data_rows)
        prof.update(rows=data_rows, blank_rows=blank_rows, plain=plain)
        if nik_col is not None:
            prof["nik"] = {"diperiksa": data_rows, "sah": nik_sah}
        if short:
            findings.append(Finding(
                "warning", "baris_pendek", "baris dengan sel lebih sedikit dari judul kolom (sel kosong diisi "
                f"kosong), mis. baris {', '.join(map(str, short))}",
                f"rows with fewer cells than the header (missing cells read as empty), e.g. rows "
                f"{', '.join(map(str, short))}", name, short[0],
            ))
        if data_rows == 0:
            findings.append(Finding("error", "tanpa_baris_data", "berkas hanya berisi judul kolom, tanpa baris data",
                                    "the file holds a header but no data rows", name, header_row))
    except readers.ReadError as err:
        findings.append(_fmt_error(name, err))
    return prof, findings


def _count_rows(rows: Iterator[tuple[int, list[str], frozenset, bool]], header_width: int, width: int,
                nik_col: int | None, plain: bool, meter: progress.Meter) -> tuple[int, int, int, list[int], bool]:
    """Data rows, blank rows, valid NIKs, the first short rows and whether the part stays plain, row by row.

    One loop over every row of the file: it runs for each of the ~345,000 rows of a DTKS ART file.
    """
    data_rows = blank_rows = nik_sah = 0
    short: list[int] = []
    for row_no, cells, numeric, report_short in rows:
        if plain and ((cells and len(cells) != header_width) or '"' in "".join(cells)):  # empty lines are plain
            plain = False
        if readers.is_blank(cells):
            blank_rows += 1
            continue
        data_rows += 1
        if nik_col is not None:
            value = cells[nik_col] if nik_col < len(cells) else ""
            nik_sah += nik_col not in numeric and rules.is_nik_valid(rules.nomor_bersih(value))
        if report_short and len(cells) < width and len(short) < 5:
            short.append(row_no)
        meter.update(row_no)
    return data_rows, blank_rows, nik_sah, short, plain


def _count_lines(part: readers.Part, prof: dict, header_row: int, header_width: int, width: int,
                 nik_col: int | None, head_rows: int, plain: bool, meter: progress.Meter
                 ) -> tuple[int, int, int, list[int], bool] | None:
    """The counts of profile_part's row loop for a CSV part without any quote character, or None for another.

    Such a part's records are its lines and its cells the pieces between delimiters, so a line is counted
    without being parsed into cells, which is faster (docs/benchmarks.md). Any line that would need the csv module
    (readers.NotPlain) sends the whole part back to the row loop.
    """
    delim = prof["delimiter"]
    data_rows = blank_rows = nik_sah = 0
    short: list[int] = []
    try:
        for row_no, line in readers.iter_plain_lines(part, prof["encoding"]):
            if row_no <= header_row:
                continue
            cells = line.count(delim) + 1 if line else 0  # the csv module reads an empty line as no cell
            if plain and cells and cells != header_width:  # an empty line is plain (staging._AfterHeader)
                plain = False
            if not line.replace(delim, "").strip():  # every cell empty or white space
                blank_rows += 1
                continue
            data_rows += 1
            if nik_col is not None:
                value = line.split(delim, nik_col + 1)[nik_col] if nik_col < cells else ""
                nik_sah += rules.is_nik_valid(rules.nomor_bersih(value))
            if row_no > head_rows and cells < width and len(short) < 5:  # as the row loop reports them
                short.append(row_no)
            if not data_rows % 65536:
                meter.update(row_no)
    except readers.NotPlain as exc:
        log.info("%s is checked row by row (%s)", prof["name"], exc)
        return None
    return data_rows, blank_rows, nik_sah, short, plain


def _column_meant(entity: sources.Entity):
    """The function from a header cell to the column it means, or None.

    A cell spelled as a column's name or alias (ignoring case and surrounding spaces) means that column; otherwise
    the loose match of ``sources.header_key`` decides. The national DTKS ART layout has both ``HubKRT`` (the
    relation as text) and ``Hub_KRT`` (its code), which the loose match alone cannot tell apart.
    """
    exact = {n.strip().lower(): c.name for c in entity.columns for n in (c.name, *c.aliases)}
    loose = {k: c.name for c in entity.columns for k in c.keys}

    def meant(cell: str) -> str | None:
        return exact.get(cell.strip().lower()) or loose.get(sources.header_key(cell))

    return meant


def _find_header(entity: sources.Entity, head: list[tuple[int, list[str]]]
                 ) -> tuple[int | None, dict[str, int], list[str]]:
    """The row among the first ones that names the most known columns; its column mapping and unknowns."""
    meant = _column_meant(entity)
    best: tuple[int | None, dict[str, int], list[str]] = (None, {}, [])
    for row_no, cells in head:
        mapping: dict[str, int] = {}
        unknown: list[str] = []
        for i, cell in enumerate(cells):
            canon = meant(cell)
            if canon and canon not in mapping:
                mapping[canon] = i
            elif cell.strip() and not canon:
                unknown.append(cell.strip())
        if len(mapping) > len(best[1]):
            best = (row_no, mapping, unknown)
    return best


def _doubled_columns(entity: sources.Entity, cells: list[str]) -> list[tuple[str, tuple[int, str], tuple[int, str]]]:
    """Columns of a header row that name the same column as an earlier one, directly or through an alias.

    Each as (the column meant, (position, header text) of the first, of the second), positions counted from 1.
    """
    meant = _column_meant(entity)
    first: dict[str, tuple[int, str]] = {}
    doubled = []
    for i, cell in enumerate(cells, start=1):
        canon = meant(cell)
        if canon is None:
            continue
        if canon in first:
            doubled.append((canon, first[canon], (i, cell.strip())))
        else:
            first[canon] = (i, cell.strip())
    return doubled


def previous_rows(cur, source: str, entity: str, before_id: int) -> int | None:
    """Data rows of the same part in the previous accepted delivery of the same source kind."""
    cur.execute(
        "select profile from audit.submission where source = %s and submission_id < %s "
        "and state = any(%s) order by submission_id desc limit 1",
        (source, before_id, [State.DIPERIKSA, State.DISETUJUI, State.DIPROSES, State.TERBIT]),
    )
    row = cur.fetchone()
    if not row:
        return None
    for p in row[0].get("bagian", []):
        if p.get("entity") == entity:
            return p.get("rows")
    return None


def _names(names: list[str]) -> str:
    return ", ".join(names)


def check_declaration(kinds: dict[str, sources.SourceKind], source: str, names: list[str], periode: str | None,
                      label: str | None, as_of: str | None) -> tuple[str | None, str | None, str | None, list[Finding]]:
    """What the deliverer declared (source kind, period, label, as-of date), checked.

    The period and the label are completed from the file names where the rules allow it. Returns the period,
    label and date to record, and the findings.
    """
    findings: list[Finding] = []
    kind = kinds.get(source)
    if kind is None:
        findings.append(Finding(
            "error", "sumber_tidak_dikenal", f"jenis sumber '{source}' tidak dikenal; yang dikenal: "
            + ", ".join(sorted(kinds)), f"unknown source kind '{source}'; known: " + ", ".join(sorted(kinds)),
            _names(names),
        ))
    if periode is not None and not PERIODE_RE.fullmatch(periode):
        findings.append(Finding("error", "periode_salah_format",
                                f"periode '{periode}' tidak berformat YYYY-MM (mis. 2020-01)",
                                f"period '{periode}' is not in YYYY-MM form (e.g. 2020-01)", _names(names)))
        periode = None
    if as_of is not None:
        try:
            as_of = dt.date.fromisoformat(as_of).isoformat()
        except ValueError:
            findings.append(Finding("error", "tanggal_salah_format",
                                    f"tanggal --as-of '{as_of}' tidak berformat YYYY-MM-DD",
                                    f"--as-of date '{as_of}' is not a YYYY-MM-DD date", _names(names)))
            as_of = None
    if kind is not None and kind.needs_periode and not findings:
        named = {periode_from_name(n) for n in names} - {None}
        if periode is None and len(named) == 1:
            periode = named.pop()
            findings.append(Finding("info", "periode_dari_nama", f"periode {periode} dikenali dari nama berkas",
                                    f"period {periode} recognised from the file name", _names(names)))
        elif periode is None:
            findings.append(Finding("error", "periode_tidak_ada",
                                    "periode tidak dinyatakan (--periode YYYY-MM) dan tidak dikenali dari nama "
                                    "berkas", "period not declared (--periode YYYY-MM) and not recognised "
                                    "from the file name", _names(names)))
        elif named and named != {periode}:
            findings.append(Finding("warning", "periode_beda_nama",
                                    f"periode dinyatakan {periode}, nama berkas menyebut {', '.join(named)}",
                                    f"declared period {periode}, the file name says {', '.join(named)}",
                                    _names(names)))
    if kind is not None and kind.needs_label and not label:
        label = Path(names[0]).stem if names else None
        findings.append(Finding("warning", "label_dari_nama", f"label tidak dinyatakan; dipakai nama berkas "
                                f"'{label}'", f"no label declared; the file name '{label}' is used",
                                _names(names)))
    return periode, label, as_of, findings


def check_files(cur, settings, kind: sources.SourceKind, source: str, sid: int, slot: str,
                stored: list[tuple[str, int, str]]) -> tuple[list[Finding], list[dict] | None, bool]:
    """The files of a recorded submission (name, lake file id, SHA-256).

    Not the same content as an earlier delivery of the slot; each part located, read and profiled; its row count
    held against the previous delivery's. Returns the findings, the parts' profiles (None when the files were
    not read) and whether the submission is held (it shrank).
    """
    names = [n for n, _, _ in stored]
    dup = _same_content(cur, sid, source, slot, [d for _, _, d in stored])
    if dup:
        return [Finding(
            "error", "berkas_sama", f"isi berkas sama persis dengan pengajuan {dup} untuk sumber dan "
            "periode/label yang sama; tidak dimuat dua kali", f"identical content to submission {dup} for "
            "the same source and period/label; not loaded twice", _names(names),
        )], None, False
    parts, findings = locate_parts(kind, [(n, lake.lake_path(cur, settings.lake, fid)) for n, fid, _ in stored])
    profiles, held = [], False
    for ref in parts:
        prof, pf = profile_part(ref)
        findings += pf
        profiles.append(prof)
        prev = previous_rows(cur, source, ref.entity.name, sid)
        prof["rows_previous"] = prev
        if prev and prof.get("rows") is not None and prof["rows"] < prev * settings.shrink_warning_ratio:
            held = True
            findings.append(Finding(
                "warning", "baris_menyusut",
                f"jumlah baris {prof['rows']} jauh di bawah kiriman sebelumnya ({prev}); ditahan sampai "
                "disetujui satu per satu", f"{prof['rows']} rows, far below the previous delivery ({prev}); "
                "held until approved explicitly", ref.original_name,
            ))
    return findings, profiles, held


def _same_content(cur, sid: int, source: str, slot: str, digests: list[str]) -> int | None:
    cur.execute(
        "select s.submission_id from audit.submission s where s.source = %s and s.slot = %s "
        "and s.submission_id <> %s and s.state <> all(%s) and "
        "(select array_agg(f.sha256 order by f.sha256) from audit.submission_file sf join lake.file f "
        " using (file_id) where sf.submission_id = s.submission_id) = %s order by s.submission_id limit 1",
        (source, slot, sid, [State.DITOLAK, State.GAGAL], sorted(digests)),
    )
    row = cur.fetchone()
    return row[0] if row else None
