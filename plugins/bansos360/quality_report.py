"""Quality reports: one HTML page per gate run of a submission, stored beside it (issue 25).

``BANSOS360_HOME/laporan-mutu/<submission>/<gate>.html``, for the raw gate (``gerbang_mentah``: each part's rows,
its well-formed NIKs and columns, and the findings), the warehouse gate (``gerbang_gudang``) and the mart gate
(``gerbang_mart``): each Great Expectations expectation with its column, its outcome and its counts. A report holds
counts and column names only, never a value (Great Expectations runs with ``partial_unexpected_count: 0``, and an
observed value is shown only when it is a small number), so it may be opened by whoever may read the submission.
The SOP page of a submission links its reports (``/sop/status/<id>/laporan/<gate>``), and a failed refresh task
logs the link. A report of a gate that runs again replaces the earlier one.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import jinja2

from bansos360.audit import Finding
from bansos360.sop import kata

log = logging.getLogger(__name__)

FOLDER = "laporan-mutu"
#: The gates that write a report, in the order a submission meets them, with their title on the pages.
GATES = {"gerbang_mentah": "Pemeriksaan berkas (gerbang mentah)",
         "gerbang_gudang": "Pemeriksaan gudang data (gerbang gudang)",
         "gerbang_mart": "Pemeriksaan dasbor (gerbang mart)"}
_TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "sop" / "templates"),
                                autoescape=True)
_TEMPLATES.filters.update(kata.FILTERS)


def path(settings, submission_id: int, gate: str) -> Path | None:
    """Where the report of one gate of a submission is (whether written or not); None for an unknown gate."""
    if gate not in GATES:
        return None
    return settings.home / FOLDER / str(int(submission_id)) / f"{gate}.html"


def listing(settings, submission_id: int) -> list[dict]:
    """The reports written for a submission, in gate order: name and title."""
    return [{"nama": g, "judul": title} for g, title in GATES.items()
            if (p := path(settings, submission_id, g)) is not None and p.exists()]


def _write(settings, submission_id: int, gate: str, **page) -> Path | None:
    """Render and store one report; a report that cannot be written is logged, never the gate's failure."""
    target = path(settings, submission_id, gate)
    html = _TEMPLATES.get_template("laporan_mutu.html").render(
        pengajuan=int(submission_id), judul=GATES[gate], dibuat=dt.datetime.now(dt.UTC), **page)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_text(html, encoding="utf-8")
        partial.replace(target)  # a reader sees the old report or the new one
    except OSError:
        log.exception("the quality report of submission %s (%s) could not be written", submission_id, gate)
        return None
    return target


def _findings(findings: list[Finding]) -> list[dict]:
    return [{"tingkat": f.level, "kode": f.code, "pesan": f.pesan, "message": f.message, "berkas": f.file_name,
             "baris": f.row_no, "kolom": f.column_name} for f in findings]


def write_raw(settings, submission_id: int, parts: list[dict] | None, findings: list[Finding]) -> Path | None:
    """The raw gate's report: each part's counts and columns, and the findings."""
    rows = [{"bagian": p.get("name"), "format": p.get("format"), "baris": p.get("rows"),
             "baris_kosong": p.get("blank_rows"), "nik_sah": (p.get("nik") or {}).get("sah"),
             "nik_diperiksa": (p.get("nik") or {}).get("diperiksa"),
             "kolom": sorted(p.get("columns") or {}), "kolom_lain": p.get("extra_columns") or []}
            for p in parts or []]
    return _write(settings, submission_id, "gerbang_mentah", bagian=rows, hasil=[], temuan=_findings(findings),
                  lolos=not any(f.level == "error" for f in findings))


def write(settings, submission_id: int, gate: str, results: list, findings: list[Finding]) -> Path | None:
    """A Great Expectations gate's report: every suite's expectations with their counts, and the findings."""
    suites = [{"suite": r.suite, "lolos": r.success, "pemeriksaan": r.checks} for r in results]
    return _write(settings, submission_id, gate, bagian=[], hasil=suites, temuan=_findings(findings),
                  lolos=not any(f.level == "error" for f in findings))


def no_values(html: str) -> bool:
    """Whether a report holds no 16-digit number (a NIK or a KK number)."""
    return re.search(r"(?<!\d)\d{16}(?!\d)", html) is None
