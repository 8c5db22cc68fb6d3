"""Superset configuration for BANSOS 360. Every secret and address comes from the environment.

Set by ``bansos360 superset`` (plugins/bansos360/superset_runtime.py): ``SUPERSET_SECRET_KEY``,
``SUPERSET_GUEST_TOKEN_SECRET`` (both generated once into ``$BANSOS360_HOME/superset/kunci.json``),
``SUPERSET_METADATA_URL``, ``BANSOS360_EMBED_SITES`` (the village sites allowed to frame the embeds),
``BANSOS360_DB_ROLE_SECRET`` and ``BANSOS360_DB_ROLES`` (which PostgreSQL role each Superset role reads as).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bansos360_security  # noqa: E402
from bansos360_embed import blueprint as embed_blueprint  # noqa: E402
from bansos360_export import blueprint as export_blueprint  # noqa: E402
from superset.security import SupersetSecurityManager  # noqa: E402

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_METADATA_URL"]
BABEL_DEFAULT_LOCALE = "id"
LANGUAGES = {"id": {"flag": "id", "name": "Bahasa Indonesia"}, "en": {"flag": "us", "name": "English"}}
APP_NAME = "BANSOS 360"
# Numbers and dates as Indonesian readers write them: 1.630 is one thousand six hundred and thirty, 2,5 is two and
# a half; short month names in Bahasa Indonesia (docs/superset.md, "Reading conventions").
D3_FORMAT = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp ", ""]}
D3_TIME_FORMAT = {
    "dateTime": "%A, %e %B %Y %H.%M.%S", "date": "%d/%m/%Y", "time": "%H.%M.%S", "periods": ["", ""],
    "days": ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
    "shortDays": ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
    "months": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
               "November", "Desember"],
    "shortMonths": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
}
FEATURE_FLAGS = {"EMBEDDED_SUPERSET": True, "DASHBOARD_RBAC": True}
WTF_CSRF_ENABLED = True
# Behind nginx (a deployment, ops/ansible): the client's address (the guest-token limits count per client)
# and the https scheme come from nginx's X-Forwarded-* headers. nginx marks the cookies Secure for browsers
# (proxy_cookie_flags); the sync's own calls on localhost are plain http and must get them back.
ENABLE_PROXY_FIX = os.environ.get("BANSOS360_BEHIND_PROXY") == "1"
PROXY_FIX_CONFIG = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 0}
# A dashboard answers from the warehouse, not from a stale cache, after every publication.
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}

# The server may sit on an intranet: no external map tiles or services. The deck.gl maps draw the
# GeoJSON boundaries on a blank tile that Superset itself serves (bansos360_embed.py).
MAPBOX_API_KEY = ""
PUBLIC_URL = os.environ.get("BANSOS360_SUPERSET_PUBLIC_URL", "http://127.0.0.1:8088").rstrip("/")
DECKGL_BASE_MAP = [[f"tile://{PUBLIC_URL}/bansos360/ubin/{{z}}/{{x}}/{{y}}.png", "Polos (tanpa peta dasar)"]]

# Row-level security and embedding. Guest tokens are short-lived; the secret is generated per installation.
GUEST_ROLE_NAME = "Tamu Desa"
GUEST_TOKEN_JWT_SECRET = os.environ["SUPERSET_GUEST_TOKEN_SECRET"]
GUEST_TOKEN_JWT_EXP_SECONDS = int(os.environ.get("BANSOS360_GUEST_TOKEN_SECONDS", "300"))
EMBED_SITES = [s.strip().rstrip("/") for s in os.environ.get("BANSOS360_EMBED_SITES", "").split(",") if s.strip()]

# Talisman stays on; only the village sites of the allow-list may frame Superset (never '*').
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'"],
        "script-src": ["'self'", "'strict-dynamic'"],
        "frame-ancestors": ["'self'", *EMBED_SITES],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "frame_options": None,  # frame-ancestors above is the rule; X-Frame-Options cannot name several sites
    "force_https": False,
    "session_cookie_secure": False,
}
TALISMAN_DEV_CONFIG = TALISMAN_CONFIG

BLUEPRINTS = [embed_blueprint, export_blueprint]

# Least privilege in the database (docs/privacy.md). Superset stores one connection to the warehouse, as
# `bansos360_tanpa_akses`, which reads nothing; every engine Superset opens for a request is switched here to
# the PostgreSQL role of the request's user (bansos360_security.database_role): the Dinsos analysts' and
# Admin's, the readers', one per kecamatan (row-level-security policies limit it to its kode_kec), or the
# guests' (public village aggregates only). PostgreSQL enforces what each role reads, whatever SQL a request
# carries; Superset's own RLS clauses, the custom-SQL rule and the hidden SQL text are second barriers.
def DB_CONNECTION_MUTATOR(uri, params, username, security_manager, source):  # noqa: N802 - Superset's name
    """Connect as the request user's class role, with its password derived from the installation's secret."""
    role = bansos360_security.database_role(security_manager)
    return uri.set(username=role, password=bansos360_security.password(role)), params


CUSTOM_SECURITY_MANAGER = bansos360_security.make_security_manager(SupersetSecurityManager)


def FLASK_APP_MUTATOR(app):  # noqa: N802 - Superset's name
    """Answers to users who are not analysts carry no generated SQL and no database message."""
    app.after_request(bansos360_security.hide_sql_and_errors)


# The village sites get CORS from the token endpoint only; Superset's default CORS for map tile servers is off
# (the tiles are served locally).
ENABLE_CORS = False
