"""Intake, the submission workflow.

A delivery is stored in the lake (bansos360.lake), recorded as a submission and checked by the raw gate
(bansos360.raw_gate); the product owner approves or rejects it (SOP). Its states are audit.State.
"""

from __future__ import annotations

from pathlib import Path

from bansos360 import audit, lake, quality_report, raw_gate, sources
from bansos360.audit import Finding, State


def submit(conn, settings, paths: list[Path], source: str, by: str, periode: str | None = None,
           label: str | None = None, as_of: str | None = None, original_names: list[str] | None = None) -> dict:
    """Register one delivery: store its files, record it, run the raw gate; return id, state and findings.

    ``original_names`` are the names the files had for the person who delivered them (an upload's file name);
    they are recorded as text only and never used as a path.
    """
    with conn.cursor() as cur:
        kinds = sources.source_kinds(cur)
    kind = kinds.get(source)
    names = list(original_names) if original_names else [p.name for p in paths]
    with conn.cursor() as cur:
        stored = [(name, *lake.store_in_lake(cur, settings.lake, p)) for name, p in zip(names, paths, strict=True)]
        periode, label, as_of, findings = raw_gate.check_declaration(kinds, source, names, periode, label, as_of)
        slot = kind.slot(periode, label) if kind else ""
        cur.execute(
            "insert into audit.submission (source, periode, label, as_of, slot, submitted_by) "
            "values (%s, %s, %s, %s, %s, %s) returning submission_id",
            (source, periode, label, as_of, slot, by),
        )
        sid = cur.fetchone()[0]
        audit.record_created(cur, sid, by)
        for pos, (name, file_id, _) in enumerate(stored):
            cur.execute(
                "insert into audit.submission_file (submission_id, file_id, original_name, position) "
                "values (%s, %s, %s, %s)",
                (sid, file_id, name, pos),
            )
        conn.commit()

        held, profiles = False, None
        if kind is not None and not any(f.level == "error" for f in findings):
            more, profiles, held = raw_gate.check_files(cur, settings, kind, source, sid, slot, stored)
            findings += more
            if profiles is not None:
                audit.update_profile(cur, sid, {"bagian": profiles})
        state = State.DITOLAK if any(f.level == "error" for f in findings) else State.DIPERIKSA
        audit.add_findings(cur, sid, "gerbang_mentah", findings)
        cur.execute("update audit.submission set is_held = %s, periode = %s where submission_id = %s",
                    (held, periode, sid))
        audit.set_state(cur, sid, state, "gerbang_mentah")
    conn.commit()
    quality_report.write_raw(settings, sid, profiles, findings)
    return {"submission_id": sid, "state": state, "is_held": held, "periode": periode, "label": label,
            "temuan": [f.text() for f in findings]}


def approve(conn, ids: list[int], by: str, all_checked: bool = False, note: str | None = None) -> list[dict]:
    """Record the SOP approval of checked submissions; held ones need to be named explicitly."""
    results = []
    with conn.cursor() as cur:
        if all_checked:
            cur.execute("select submission_id from audit.submission where state = %s and not is_held "
                        "order by submission_id", (State.DIPERIKSA,))
            ids = list(ids) + [r[0] for r in cur.fetchall() if r[0] not in ids]
        for sid in ids:
            try:
                audit.set_state(cur, sid, State.DISETUJUI, by, note)
                cur.execute("update audit.submission set approved_by = %s, approved_at = now() "
                            "where submission_id = %s", (by, sid))
                conn.commit()
                results.append({"submission_id": sid, "state": State.DISETUJUI})
            except audit.StateError as exc:
                conn.rollback()
                results.append({"submission_id": sid, "error": str(exc)})
    return results



def reject(conn, submission_id: int, by: str, note: str) -> dict:
    """The product owner's refusal of a checked submission (SOP): it is ``ditolak`` with the note as reason."""
    with conn.cursor() as cur:
        try:
            cur.execute("select state from audit.submission where submission_id = %s for update", (submission_id,))
            row = cur.fetchone()
            if row is None or row[0] != State.DIPERIKSA:
                raise audit.StateError(
                    f"pengajuan {submission_id} tidak menunggu persetujuan / submission {submission_id} is not "
                    "waiting for approval")
            audit.add_findings(cur, submission_id, "persetujuan", [Finding(
                "error", "ditolak_pemilik_produk", f"ditolak oleh {by}: {note}", f"rejected by {by}: {note}")])
            audit.set_state(cur, submission_id, State.DITOLAK, by, note)
        except audit.StateError as exc:
            conn.rollback()
            return {"submission_id": submission_id, "error": str(exc)}
    conn.commit()
    return {"submission_id": submission_id, "state": State.DITOLAK}
