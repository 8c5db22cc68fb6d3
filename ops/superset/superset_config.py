"""Superset configuration for BANSOS 360. Every secret and address comes from the environment."""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_METADATA_URL"]
BABEL_DEFAULT_LOCALE = "id"
LANGUAGES = {"id": {"flag": "id", "name": "Bahasa Indonesia"}, "en": {"flag": "us", "name": "English"}}
FEATURE_FLAGS = {"EMBEDDED_SUPERSET": True, "DASHBOARD_RBAC": True}
# The server may sit on an intranet: no external map tiles or services.
MAPBOX_API_KEY = ""
WTF_CSRF_ENABLED = True
