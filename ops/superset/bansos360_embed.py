"""Two small endpoints BANSOS 360 adds to Superset (a Flask blueprint of superset_config.py's BLUEPRINTS).

``GET /bansos360/token-tamu?embed=<embedded uuid>&desa=<kode_desa>``
    Mints a short-lived guest token for one embedded (village) dashboard, with a row-level-security clause for
    that one desa. Only for a page whose ``Origin`` is in the dashboard's allowed domains (set by
    ``bansos360 superset sync`` from ``BANSOS360_EMBED_SITES``); the answer carries CORS headers for that
    origin only. The embedded dashboards read aggregate-only views (no name, NIK or No. KK; no count under 5,
    none derivable by subtraction), and the token is valid for GUEST_TOKEN_JWT_EXP_SECONDS. Tokens are
    rate-limited per client address and per desa (``BANSOS360_TOKEN_LIMIT_CLIENT`` and ``_DESA`` tokens per
    ``_WINDOW`` seconds, counted in each Superset worker process; nginx in front limits again). The ``Origin``
    check is not authentication: a script sends any ``Origin``. What a guest reads is decided by PostgreSQL
    (docs/privacy.md).

``GET /bansos360/ubin/<z>/<x>/<y>.png``
    A blank map tile: the deck.gl maps draw the GeoJSON boundaries on it, with no external tile service.
"""

from __future__ import annotations

import base64
import os
import re
import threading
import time
from collections import defaultdict, deque

from flask import Blueprint, jsonify, request

blueprint = Blueprint("bansos360", __name__, url_prefix="/bansos360")

KODE_DESA = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
# a 1x1 PNG, light grey (#f4f4f4), stretched over every tile
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP48uULAAW8At0b1v2OAAAAAElFTkSuQmCC")


def _refuse(status: int, pesan: str, message: str):
    return jsonify({"pesan": pesan, "message": message}), status


class RateLimit:
    """At most ``limit`` events per key in any ``window`` seconds, in this process."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._events: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count an event for ``key`` unless its limit is reached; whether it was allowed."""
        now = time.monotonic()
        with self._lock:
            for k in [k for k, e in self._events.items() if not e or e[-1] <= now - self.window]:
                del self._events[k]  # keys quiet for a whole window are forgotten
            events = self._events[key]
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True


WINDOW = float(os.environ.get("BANSOS360_TOKEN_LIMIT_WINDOW", "60"))
PER_CLIENT = RateLimit(int(os.environ.get("BANSOS360_TOKEN_LIMIT_CLIENT", "30")), WINDOW)
PER_DESA = RateLimit(int(os.environ.get("BANSOS360_TOKEN_LIMIT_DESA", "120")), WINDOW)


def _too_many(what: str, which: str):
    response, status = _refuse(429, f"terlalu banyak permintaan token dari {what} ini, coba lagi nanti",
                               f"too many token requests for this {which}, try again later")
    response.headers["Retry-After"] = str(int(WINDOW))
    return response, status


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
    if not PER_CLIENT.allow(request.remote_addr or "-"):
        return _too_many("alamat", "client")
    if not PER_DESA.allow(desa):
        return _too_many("desa", "desa")
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
