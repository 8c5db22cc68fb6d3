"""The SOP pages: upload (operators), approval (the product owner), status (everyone signed in).

The dashboard requests, the third SOP, have their pages in ``permintaan.py``. Served inside Airflow's API server
(``plugins/sop_plugin.py``), so the login is Airflow's own (FAB auth manager) and permissions are FAB permissions on
the resources of ``bansos360.access`` (``web.py``). An approval triggers the refresh DAG through Airflow's REST API
v2 with the approver's own token, so Airflow records who started the run.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import httpx
from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bansos360 import access, audit, config, db, inbox, intake, notify, quality_report, raw_gate, sources, upgrade_pause
from bansos360.sop import kata, permintaan
from bansos360.sop.guard import UploadLimit
from bansos360.sop.web import PREFIX, NotSignedIn, SignedDep, check_csrf, forbid, page

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"[^A-Za-z0-9._ ()-]+")

app = FastAPI(title="BANSOS 360 — SOP", docs_url=None, redoc_url=None, openapi_url=None)
app.add_middleware(UploadLimit)  # an oversized upload is refused before its body is read
app.include_router(permintaan.router, prefix="/permintaan")  # the third SOP: dashboard requests


@app.exception_handler(NotSignedIn)
async def _to_login(request: Request, exc: NotSignedIn) -> Response:
    if request.method != "GET":
        return Response("Harus masuk terlebih dahulu / sign in first", status_code=401)
    from airflow.api_fastapi.app import get_auth_manager

    return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), status_code=303)


@app.exception_handler(RequestValidationError)
async def _invalid_form(request: Request, exc: RequestValidationError) -> Response:
    """A form or an address the pages cannot read (a field missing, a number out of range): a bilingual 400."""
    fields = sorted({str(e.get("loc", ["", "?"])[-1]) for e in exc.errors()})
    return Response(f"Isian tidak lengkap atau tidak sah: {', '.join(fields)} / missing or invalid: "
                    f"{', '.join(fields)}", status_code=400, media_type="text/plain; charset=utf-8")


@app.get("/", response_class=HTMLResponse)
def menu(request: Request, who: SignedDep) -> HTMLResponse:
    """The menu page: links to what this user may do."""
    return page(request, "menu.html", who)


# --- upload ---------------------------------------------------------------------------------------------------

def _kinds() -> list[sources.SourceKind]:
    """What an operator may upload: every source kind but the region reference, programmes as registered now."""
    with db.connect(config.load()) as conn, conn.cursor() as cur:
        return [k for k in sources.source_kinds(cur).values() if k.kind != "ref_wilayah"]


@app.get("/unggah", response_class=HTMLResponse)
def upload_form(request: Request, who: SignedDep) -> HTMLResponse:
    """The upload page (operators)."""
    forbid(who.can_upload)
    return page(request, "unggah.html", who, kinds=_kinds(), error=None, **_limit())


def _limit() -> dict:
    """The upload page's size limit, shown before a file is chosen (the guard refuses a larger body, 413)."""
    limit_mb = config.load().max_upload_mb
    return {"batas_mb": limit_mb, "batas_byte": int(limit_mb * 2**20)}


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    base = NAME_RE.sub("_", base).strip(" .") or "berkas"
    return base[:120]


@app.post("/unggah")
def upload(request: Request, who: SignedDep, berkas: Annotated[UploadFile, File()],
           sumber: Annotated[str, Form()], csrf: Annotated[str, Form()],
           periode: Annotated[str, Form()] = "", label: Annotated[str, Form()] = "",
           per_tanggal: Annotated[str, Form()] = "") -> Response:
    """Put an uploaded file in the inbox (the intake DAG registers it and runs the raw gate)."""
    forbid(who.can_upload)
    check_csrf(who, csrf)
    # nothing goes into the inbox while an upgrade migrates the databases
    if paused := upgrade_pause.notice(config.load()):
        return page(request, "unggah.html", who, status_code=503, kinds=_kinds(), error=paused, **_limit())
    kind = next((k for k in _kinds() if k.kind == sumber), None)
    error = None
    if kind is None:
        error = "Jenis sumber tidak dikenal / unknown source kind"
    elif kind.needs_periode and periode and not raw_gate.PERIODE_RE.fullmatch(periode):
        error = f"Periode '{periode}' harus berbentuk YYYY-MM / the period must be YYYY-MM"
    elif (kind.needs_label or label) and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._ ()-]{0,59}", label or ""):
        error = ("Label daftar wajib untuk daftar KPM (huruf, angka, spasi, . _ - ( )) / a list label is required "
                 "for KPM lists (letters, digits, spaces, . _ - ( ))")
    elif per_tanggal and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", per_tanggal):
        error = "Tanggal harus berbentuk YYYY-MM-DD / the date must be YYYY-MM-DD"
    if error:
        return page(request, "unggah.html", who, status_code=400, kinds=_kinds(), error=error, **_limit())
    settings = config.load()
    segment = periode if kind.needs_periode else label if kind.needs_label else per_tanggal
    folder = settings.inbox / kind.kind / segment if segment else settings.inbox / kind.kind
    declared = {"periode": periode or None, "label": label or None, "as_of": per_tanggal or None}
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    original = berkas.filename or "berkas"
    target = folder / f"{stamp}-{secrets.token_hex(3)}-{_safe_name(original)}"
    partial = folder / f".{target.name}.part"
    with partial.open("wb") as out:
        while chunk := berkas.file.read(1 << 20):
            out.write(chunk)
    partial.rename(target)  # the watcher ignores the .part name: it sees only the complete file
    with db.connect(settings) as conn:
        delivery = replace(inbox.declared(settings.inbox, target), source=kind.kind, **declared)
        row_id = inbox.record_upload(conn, delivery, who.name, original)
    log.info("upload by %s into the inbox: %s", who.name, target.relative_to(settings.inbox))
    return RedirectResponse(f"{PREFIX}/unggah/{row_id}", status_code=303)


@app.get("/unggah/{row_id}", response_class=HTMLResponse)
def upload_result(request: Request, row_id: int, who: SignedDep) -> HTMLResponse:
    """One upload: waiting for the raw gate, then its answer."""
    forbid(who.can_read)
    with db.connect(config.load()) as conn, conn.cursor() as cur:
        cur.execute("select relative_path, original_name, uploaded_by, uploaded_at, submission_id "
                    "from audit.kotak_masuk where kotak_masuk_id = %s", (row_id,))
        row = cur.fetchone()
        if row is None:
            raise HTTPException(404, "Unggahan tidak ada / no such upload")
        sub = audit.status(cur, row[4])[0] if row[4] else None
    return page(request, "unggah_hasil.html", who, upload=dict(zip(
        ("path", "original_name", "by", "at", "submission_id"), row, strict=True)), sub=sub)


# --- approval -------------------------------------------------------------------------------------------------

def _nik_share(sub: dict) -> str:
    checked = sum(p.get("nik", {}).get("diperiksa", 0) for p in sub["profile"].get("bagian", []))
    valid = sum(p.get("nik", {}).get("sah", 0) for p in sub["profile"].get("bagian", []))
    return kata.persen(valid / checked) if checked else "—"


@app.get("/persetujuan", response_class=HTMLResponse)
def approvals(request: Request, who: SignedDep, pesan: str = "") -> HTMLResponse:
    """The approval page: checked submissions with their profiles (product owner)."""
    forbid(who.can_see_approvals)
    with db.connect(config.load()) as conn, conn.cursor() as cur:
        subs = [s for s in audit.status(cur) if s["state"] == audit.State.DIPERIKSA]
    for s in subs:
        s["nik_sah"] = _nik_share(s)
    return page(request, "persetujuan.html", who, subs=subs, pesan=pesan)


def trigger_refresh(settings, token: str, submission_id: int, by: str, note: str) -> str:
    """Start the refresh DAG for a submission through Airflow's REST API v2, as the approver."""
    run_id = f"persetujuan__{submission_id}__{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}"
    link = f"[Pengajuan {submission_id}]({PREFIX}/status/{submission_id})"  # the run's note links back
    body = {"dag_run_id": run_id, "logical_date": None, "conf": {"submission_id": submission_id},
            "note": (f"{link} disetujui oleh {by}: {note}" if note else f"{link} disetujui oleh {by}")[:1000]}
    answer = httpx.post(f"{settings.airflow_url}/api/v2/dags/{access.REFRESH_DAG}/dagRuns", json=body,
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)
    if answer.status_code >= 300:
        raise RuntimeError(f"Airflow menjawab / answered {answer.status_code}: {answer.text[:300]}")
    return answer.json()["dag_run_id"]


@app.post("/persetujuan/{submission_id}")
def decide(submission_id: int, who: SignedDep, keputusan: Annotated[str, Form()], csrf: Annotated[str, Form()],
           catatan: Annotated[str, Form()] = "") -> Response:
    """Approve (and start the refresh DAG) or reject one submission."""
    forbid(who.can_approve)
    check_csrf(who, csrf)
    if paused := upgrade_pause.notice(config.load()):
        return RedirectResponse(f"{PREFIX}/persetujuan?pesan={quote(paused)}", status_code=303)
    settings = config.load()
    note = catatan.strip()[:500]
    with db.connect(settings) as conn:
        if keputusan == "setujui":
            result = intake.approve(conn, [submission_id], who.name, note=note or None)[0]
        elif keputusan == "tolak":
            result = intake.reject(conn, submission_id, who.name, note or "ditolak pemilik produk")
        else:
            raise HTTPException(400, "Keputusan tidak dikenal / unknown decision")
    if "error" in result:
        message = result["error"]
    elif keputusan == "tolak":
        notify.flush(settings)  # the uploader hears of it
        message = f"Pengajuan {submission_id} ditolak / rejected"
    else:
        try:
            run_id = trigger_refresh(settings, who.token, submission_id, who.name, note)
            with db.connect(settings) as conn, conn.cursor() as cur:
                audit.update_profile(cur, submission_id, {"dag_run": run_id})
                conn.commit()
            message = (f"Pengajuan {submission_id} disetujui; pemrosesan dimulai ({run_id}) / approved; "
                       "processing started")
        except Exception as exc:  # approval stands; the engineer can start the run from Airflow
            log.exception("could not trigger the refresh DAG for submission %s", submission_id)
            message = (f"Pengajuan {submission_id} disetujui, tetapi DAG refresh tidak dapat dimulai: {exc} / "
                       "approved, but the refresh DAG could not be started; tell the Kominfo engineer")
    return RedirectResponse(f"{PREFIX}/persetujuan?pesan={quote(message)}", status_code=303)


# --- status ---------------------------------------------------------------------------------------------------

@app.get("/status", response_class=HTMLResponse)
def status_list(request: Request, who: SignedDep) -> HTMLResponse:
    """Every submission, newest first."""
    forbid(who.can_read)
    with db.connect(config.load()) as conn, conn.cursor() as cur:
        subs = list(reversed(audit.status(cur)))
    return page(request, "status.html", who, subs=subs, keadaan_semua=list(kata.KEADAAN))


@app.get("/status/{submission_id}", response_class=HTMLResponse)
def status_one(request: Request, submission_id: int, who: SignedDep) -> HTMLResponse:
    """One submission: files, profile, history and quality report."""
    forbid(who.can_read)
    with db.connect(config.load()) as conn, conn.cursor() as cur:
        subs = audit.status(cur, submission_id)
    if not subs:
        raise HTTPException(404, "Pengajuan tidak ada / no such submission")
    sub = subs[0]
    sub["nik_sah"] = _nik_share(sub)
    return page(request, "status_satu.html", who, sub=sub, dasbor=_dashboards_fed(sub["source"]),
                 airflow_run=airflow_run_url, laporan=quality_report.listing(config.load(), submission_id))


@app.get("/status/{submission_id}/laporan/{gate}", response_class=HTMLResponse)
def quality_report_page(submission_id: int, gate: str, who: SignedDep) -> Response:
    """One gate's quality report of a submission (counts and column names only)."""
    forbid(who.can_read)
    report = quality_report.path(config.load(), submission_id, gate)
    if report is None or not report.exists():
        raise HTTPException(404, "Laporan mutu tidak ada / no such quality report")
    return HTMLResponse(report.read_text(encoding="utf-8"))


def airflow_run_url(run_id: str) -> str:
    """The refresh DAG's run in Airflow's UI (on the same site as these pages)."""
    return f"/dags/{quote(access.REFRESH_DAG, safe='')}/runs/{quote(run_id, safe='')}"


def _dashboards_fed(source: str) -> list[dict]:
    """The dashboards a submission of this source kind feeds once published, linked on the public Superset site."""
    from bansos360 import lineage
    from bansos360.superset_access import access_spec

    settings = config.load()
    with db.connect(settings) as conn, conn.cursor() as cur:
        kind = sources.source_kinds(cur).get(source)
    if kind is None:
        return []
    reading = lineage.dashboards_reading(settings.sql_dir)
    embeds = set(access_spec()["embeds"])
    boards = dict.fromkeys(b for e in kind.entities for b in reading.get(e.staging_table, []) if b[0] not in embeds)
    def number(board: tuple[str, str]) -> tuple[int, str]:  # "2. …" before "10. …"
        lead = re.match(r"\d+", board[1])
        return (int(lead.group()) if lead else 1000, board[1])

    return [{"judul": title, "url": f"{settings.superset_public_url}/superset/dashboard/{slug}/"}
            for slug, title in sorted(boards, key=number)]
