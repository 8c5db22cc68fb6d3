"""Two small endpoints BANSOS 360 adds to Superset (a Flask blueprint of superset_config.py's BLUEPRINTS).

``GET /bansos360/token-tamu?embed=<embedded uuid>&desa=<kode_desa>``
    Mints a short-lived guest token for one embedded (village) dashboard, with a row-level-security clause for
    that one desa. Only for a page whose ``Origin`` is in the dashboard's allowed domains (set by
    ``bansos360 superset sync`` from ``BANSOS360_EMBED_SITES``); the answer carries CORS headers for that
    origin only. The embedded dashboards read aggregate-only views (no name, NIK or No. KK; small cells
    suppressed), and the token is valid for GUEST_TOKEN_JWT_EXP_SECONDS.

``GET /bansos360/ubin/<z>/<x>/<y>.png``
    A blank map tile: the deck.gl maps draw the GeoJSON boundaries on it, with no external tile service.
"""

from __future__ import annotations

import base64
import re

from flask import Blueprint, jsonify, request

blueprint = Blueprint("bansos360", __name__, url_prefix="/bansos360")

KODE_DESA = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
# a 1x1 PNG, light grey (#f4f4f4), stretched over every tile
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP48uULAAW8At0b1v2OAAAAAElFTkSuQmCC")


def _refuse(status: int, pesan: str, message: str):
    return jsonify({"pesan": pesan, "message": message}), status


@blueprint.route("/token-tamu", methods=["GET"])
def guest_token():
    """A guest token for one desa of one embedded dashboard, for an allow-listed village site."""
    from superset import security_manager  # noqa: PLC0415 - only inside the app
    from superset.daos.dashboard import EmbeddedDashboardDAO  # noqa: PLC0415

    origin = (request.headers.get("Origin") or "").rstrip("/")
    desa = request.args.get("desa", "")
    embed = request.args.get("embed", "")
    if not KODE_DESA.match(desa):
        return _refuse(400, "kode desa tidak sah", "invalid kode_desa")
    try:
        embedded = EmbeddedDashboardDAO.find_by_id(embed)
    except Exception:  # noqa: BLE001 - a malformed uuid is just an unknown dashboard
        embedded = None
    if embedded is None:
        return _refuse(404, "dasbor sematan tidak dikenal", "unknown embedded dashboard")
    allowed = [d.rstrip("/") for d in embedded.allowed_domains]
    if not origin or origin not in allowed:
        return _refuse(403, "situs ini tidak diizinkan menyematkan dasbor", "this site may not embed the dashboard")
    token = security_manager.create_guest_access_token(
        user={"username": f"tamu-{desa}", "first_name": "Tamu", "last_name": desa},
        resources=[{"type": "dashboard", "id": str(embedded.uuid)}],
        rls=[{"clause": f"kode_desa = '{desa}'"}],
    )
    response = jsonify({"token": token.decode() if isinstance(token, bytes) else token})
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Vary"] = "Origin"
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/ubin/<int:z>/<int:x>/<int:y>.png", methods=["GET"])
def blank_tile(z: int, x: int, y: int):
    """The blank base-map tile."""
    return BLANK_TILE, 200, {"Content-Type": "image/png", "Cache-Control": "public, max-age=86400"}
