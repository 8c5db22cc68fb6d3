"""The third SOP's pages: a dashboard request filed, reviewed, designed, built and published (docs/requests.md).

- ``/sop/permintaan/baru`` (requesters): the request form, with an optional sketch;
- ``/sop/permintaan``: the open requests by state and age (the product owner's weekly review) and the finished ones;
- ``/sop/permintaan/{id}``: one request, its history, its dashboard once published, and the steps this user may take.

A requester sees their own requests only; the product owner, the analyst and the engineer (``can_edit`` on the
resource) see every one. Whether a step may be taken is decided by ``dashboard_request`` from the user's FAB roles,
the request's state and its requester: the page only offers what that allows. Each move is mailed (``notify``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bansos360 import config, db, notify, sources, upgrade_pause
from bansos360 import dashboard_request as flow
from bansos360.sop.web import PREFIX, Signed, SignedDep, check_csrf, forbid, page

log = logging.getLogger(__name__)
router = APIRouter()
RequestId = Annotated[int, Path(ge=1, le=2**63 - 1)]  # a bigint: anything else is no request
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}
# what a page says after a post redirected to it, by code: an address never carries words of its own onto the page
PESAN = {"tersimpan": "Permintaan tersimpan / request filed",
         "tercatat": "Langkah tercatat / step recorded"}


def _kinds() -> dict[str, str]:
    """The data a request may name: every source kind of the registry (as registered now) but the region reference."""
    with db.connect(config.load()) as conn, conn.cursor() as cur:
        return {k.kind: k.title for k in sources.source_kinds(cur).values() if k.kind != "ref_wilayah"}


def _form(request: Request, who: Signed, status_code: int = 200, error: str | None = None,
          isian: dict | None = None) -> HTMLResponse:
    return page(request, "permintaan_baru.html", who, status_code=status_code, kinds=_kinds(), error=error,
                isian=isian or {}, frekuensi=flow.FREQUENCIES, akses=flow.ACCESS, data_baru=flow.DATA_BARU,
                batas_mb=flow.SKETCH_LIMIT >> 20)


@router.get("/baru", response_class=HTMLResponse)
def request_form(request: Request, who: SignedDep) -> HTMLResponse:
    """The request form (requesters)."""
    forbid(who.can_file_request)
    return _form(request, who)


@router.post("")
def file_request(request: Request, who: SignedDep, csrf: Annotated[str, Form()],
                 instansi: Annotated[str, Form()] = "", pertanyaan: Annotated[str, Form()] = "",
                 pengguna: Annotated[str, Form()] = "", data: Annotated[list[str] | None, Form()] = None,
                 data_baru: Annotated[str, Form()] = "", frekuensi: Annotated[str, Form()] = "",
                 akses: Annotated[str, Form()] = "", per_kecamatan: Annotated[str, Form()] = "",
                 sketsa: Annotated[UploadFile | None, File()] = None) -> Response:
    """Record a request (``diajukan``), its sketch kept outside the lake; the product owners are mailed."""
    forbid(who.can_file_request)
    check_csrf(who, csrf)
    settings = config.load()
    isian = {"instansi": instansi, "pertanyaan": pertanyaan, "pengguna": pengguna, "data": data or [],
             "data_baru": data_baru, "frekuensi": frekuensi, "akses": akses, "per_kecamatan": bool(per_kecamatan)}
    if paused := upgrade_pause.notice(settings):
        return _form(request, who, 503, paused, isian)
    try:
        content = sketsa.file.read(flow.SKETCH_LIMIT + 1) if sketsa is not None and sketsa.filename else None
        stored = None
        if content is not None:  # checked before the request is recorded, kept only with it
            stored = (hashlib.sha256(content).hexdigest(), sketsa.filename[-200:], flow.sketch_type(content))
        with db.connect(settings) as conn, conn.cursor() as cur:
            request_id = flow.file_request(
                cur, pemohon=who.name, instansi=instansi, pertanyaan=pertanyaan, pengguna=pengguna,
                data_diminta=data or [], kinds=set(_kinds()), frekuensi=frekuensi, akses=akses,
                per_kecamatan=bool(per_kecamatan), data_baru=data_baru, sketsa=stored)
            if content is not None:
                flow.store_sketch(settings.home, content)
            conn.commit()
    except flow.RequestError as exc:
        return _form(request, who, 400, str(exc), isian)
    log.info("dashboard request %s filed by %s", request_id, who.name)
    notify.flush(settings)
    return RedirectResponse(f"{PREFIX}/permintaan/{request_id}?pesan=tersimpan", status_code=303)


@router.get("", response_class=HTMLResponse)
def request_list(request: Request, who: SignedDep) -> HTMLResponse:
    """Open requests by state, oldest first with their days in that state; then the finished ones, newest first."""
    forbid(who.can_read_requests)
    with db.connect(config.load()) as conn, conn.cursor() as cur:
        rows = flow.listing(cur, None if who.can_move_requests else who.name)
    groups = [(state, [r for r in rows if r["keadaan"] == state]) for state in flow.OPEN]
    finished = sorted((r for r in rows if r["keadaan"] not in flow.OPEN), key=lambda r: r["sejak"], reverse=True)
    return page(request, "permintaan.html", who, groups=groups, finished=finished)


def _visible(who: Signed, request_id: int) -> dict:
    """One request, if this user may see it (theirs, or every one for those who move requests); else 404."""
    forbid(who.can_read_requests)
    with db.connect(config.load()) as conn, conn.cursor() as cur:
        found = flow.listing(cur, request_id=request_id)
        if found and (who.can_move_requests or found[0]["pemohon"] == who.name):
            return {**found[0], "riwayat": flow.history(cur, request_id)}
    raise HTTPException(404, "Permintaan tidak ada / no such request")


def _status(request: Request, who: Signed, request_id: int, status_code: int = 200, pesan: str = "",
            error: str | None = None) -> HTMLResponse:
    req = _visible(who, request_id)
    steps = flow.steps_for(req["keadaan"], req["pemohon"], who.name, who.roles)
    dashboards = (sorted(flow.published_dashboards().items(), key=lambda d: d[1])
                  if any(s.ke == flow.Keadaan.TERBIT for s in steps) else [])
    return page(request, "permintaan_satu.html", who, status_code=status_code, req=req, steps=steps,
                dashboards=dashboards, kinds=_kinds(), pesan=pesan, error=error,
                dasbor=flow.dashboard_url(config.load().superset_public_url, req["dasbor_uuid"]))


@router.get("/{request_id}", response_class=HTMLResponse)
def request_status(request: Request, request_id: RequestId, who: SignedDep, pesan: str = "") -> HTMLResponse:
    """One request: what was asked, where it stands, its history, its dashboard, and the steps offered."""
    return _status(request, who, request_id, pesan=PESAN.get(pesan, ""))


@router.post("/{request_id}")
def take_step(request: Request, request_id: RequestId, who: SignedDep, csrf: Annotated[str, Form()],
              langkah: Annotated[str, Form()], catatan: Annotated[str, Form()] = "",
              dasbor: Annotated[str, Form()] = "") -> Response:
    """Take one step on a request, as ``dashboard_request`` allows this user; recorded, then mailed."""
    req = _visible(who, request_id)
    check_csrf(who, csrf)
    forbid(who.can_move_requests or req["pemohon"] == who.name)  # the flow decides the step; this is a second wall
    settings = config.load()
    if paused := upgrade_pause.notice(settings):
        return _status(request, who, request_id, 503, error=paused)
    try:
        with db.connect(settings) as conn, conn.cursor() as cur:
            state = flow.take(cur, request_id, langkah, user=who.name, roles=who.roles, catatan=catatan,
                              dasbor_uuid=dasbor or None)
            conn.commit()
    except flow.RequestError as exc:
        return _status(request, who, request_id, 400, error=str(exc))
    log.info("dashboard request %s: %s by %s, now %s", request_id, langkah, who.name, state.value)
    notify.flush(settings)
    return RedirectResponse(f"{PREFIX}/permintaan/{request_id}?pesan=tercatat", status_code=303)


@router.get("/{request_id}/sketsa")
def sketch(request_id: RequestId, who: SignedDep) -> Response:
    """A request's sketch, to those who may see the request (an image shown, a PDF downloaded)."""
    req = _visible(who, request_id)
    digest = str(req["sketsa_sha256"] or "")
    path = config.load().home / "permintaan" / digest
    if not re.fullmatch(r"[0-9a-f]{64}", digest) or not path.is_file():
        raise HTTPException(404, "Sketsa tidak ada / no sketch")
    disposition = "inline" if req["sketsa_jenis"].startswith("image/") else "attachment"
    name = f"sketsa-{request_id}.{EXTENSIONS.get(req['sketsa_jenis'], 'bin')}"
    return Response(path.read_bytes(), media_type=req["sketsa_jenis"],
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"',
                             "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
                             "Cache-Control": "private, no-store"})
