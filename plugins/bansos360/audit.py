"""Submissions, their state machine, and findings: the audit trail of every delivery."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from psycopg2.extras import Json


class State(enum.StrEnum):
    """The states of a submission (docs/design.md); the values are what ``audit.submission.state`` holds."""

    DITERIMA = "diterima"  # received, stored in the lake
    DIPERIKSA = "diperiksa"  # the raw gate passed: waiting for the product owner
    DITOLAK = "ditolak"  # refused, by the raw gate or by the product owner (final)
    DISETUJUI = "disetujui"  # approved: waiting to be processed
    DIPROSES = "diproses"  # being processed (or published in the warehouse, its marts not yet live)
    TERBIT = "terbit"  # published: its rows are in the live marts
    GAGAL = "gagal"  # a step failed; what was published before is untouched


#: Allowed transitions of a submission.
TRANSITIONS = {
    State.DITERIMA: {State.DIPERIKSA, State.DITOLAK},
    State.DIPERIKSA: {State.DISETUJUI, State.DITOLAK},
    State.DISETUJUI: {State.DIPROSES},
    # diproses again: a run interrupted midway is run again
    State.DIPROSES: {State.TERBIT, State.GAGAL, State.DIPROSES},
    State.GAGAL: {State.DIPROSES},
    State.TERBIT: {State.DIPROSES},
    State.DITOLAK: set(),
}


class StateError(Exception):
    """A submission is not in a state that allows the requested step."""


@dataclass
class Finding:
    """One message about a delivery, in Bahasa Indonesia with English beside it."""

    level: str  # error | warning | info
    code: str
    pesan: str
    message: str
    file_name: str | None = None
    row_no: int | None = None
    column_name: str | None = None

    def text(self) -> str:
        """One line naming the file, the row and the column where they apply."""
        where = []
        if self.file_name:
            where.append(f"berkas/file {self.file_name}")
        if self.row_no is not None:
            where.append(f"baris/row {self.row_no}")
        if self.column_name:
            where.append(f"kolom/column {self.column_name}")
        place = f" [{', '.join(where)}]" if where else ""
        label = {"error": "GALAT/ERROR", "warning": "PERINGATAN/WARNING", "info": "INFO"}[self.level]
        return f"{label}{place}: {self.pesan} / {self.message}"


def add_findings(cur, submission_id: int, stage: str, findings: list[Finding]) -> None:
    """Record findings of one stage."""
    for f in findings:
        cur.execute(
            "insert into audit.finding (submission_id, stage, level, code, file_name, row_no, column_name, "
            "pesan, message) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (submission_id, stage, f.level, f.code, f.file_name, f.row_no, f.column_name, f.pesan, f.message),
        )


def set_state(cur, submission_id: int, to_state: str, by: str, note: str | None = None) -> None:
    """Move a submission to a new state, checking the transition and recording it."""
    cur.execute("select state from audit.submission where submission_id = %s for update", (submission_id,))
    row = cur.fetchone()
    if row is None:
        raise StateError(f"pengajuan {submission_id} tidak ada / there is no submission {submission_id}")
    current = row[0]
    if to_state not in TRANSITIONS.get(current, set()):
        raise StateError(
            f"pengajuan {submission_id} berstatus {current}, tidak dapat menjadi {to_state} / "
            f"submission {submission_id} is {current} and cannot become {to_state}"
        )
    cur.execute("update audit.submission set state = %s where submission_id = %s", (to_state, submission_id))
    cur.execute(
        "insert into audit.state_change (submission_id, from_state, to_state, changed_by, note) "
        "values (%s, %s, %s, %s, %s)",
        (submission_id, current, to_state, by, note),
    )


def record_created(cur, submission_id: int, by: str) -> None:
    """Record the first state, ``diterima``, of a new submission."""
    cur.execute(
        "insert into audit.state_change (submission_id, from_state, to_state, changed_by) "
        "values (%s, null, %s, %s)",
        (submission_id, State.DITERIMA, by),
    )


def update_profile(cur, submission_id: int, patch: dict) -> None:
    """Merge keys into the submission's profile (row counts, formats, timings)."""
    cur.execute(
        "update audit.submission set profile = profile || %s where submission_id = %s",
        (Json(patch), submission_id),
    )


def status(cur, submission_id: int | None = None) -> list[dict]:
    """Submissions with their history, profile and findings (one, or all in submission order)."""
    cur.execute(
        "select submission_id, source, periode, label, as_of, slot, state, is_held, submitted_by, submitted_at, "
        "approved_by, approved_at, profile from audit.submission "
        "where %(id)s::bigint is null or submission_id = %(id)s order by submission_id",
        {"id": submission_id},
    )
    cols = [d[0] for d in cur.description]
    subs = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    for s in subs:
        sid = s["submission_id"]
        cur.execute(
            "select from_state, to_state, changed_by, changed_at, note from audit.state_change "
            "where submission_id = %s order by state_change_id",
            (sid,),
        )
        s["riwayat"] = [
            {"dari": a, "ke": b, "oleh": c, "pada": d.isoformat(), "catatan": e} for a, b, c, d, e in cur.fetchall()
        ]
        cur.execute(
            "select stage, level, code, file_name, row_no, column_name, pesan, message from audit.finding "
            "where submission_id = %s order by finding_id",
            (sid,),
        )
        s["temuan"] = [
            {"tahap": a, "tingkat": b, "kode": c, "berkas": d, "baris": e, "kolom": f, "pesan": g, "message": h}
            for a, b, c, d, e, f, g, h in cur.fetchall()
        ]
        cur.execute(
            "select original_name, f.sha256, f.size_bytes from audit.submission_file sf "
            "join lake.file f using (file_id) where submission_id = %s order by position",
            (sid,),
        )
        s["berkas"] = [{"nama": a, "sha256": b, "ukuran_byte": c} for a, b, c in cur.fetchall()]
        for key in ("as_of", "submitted_at", "approved_at"):
            if s[key] is not None:
                s[key] = s[key].isoformat()
    return json.loads(json.dumps(subs, default=str))
