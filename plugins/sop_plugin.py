"""Airflow plugin: the SOP pages of BANSOS 360 (upload, approval, status) under ``/sop`` of the API server."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from bansos360.sop.app import app
from bansos360.sop.guard import SecurityHeaders


class Bansos360SopPlugin(AirflowPlugin):
    """Mounts the SOP pages and links them from Airflow's navigation."""

    name = "bansos360_sop"
    fastapi_apps = [{"app": app, "url_prefix": "/sop", "name": "SOP BANSOS 360"}]
    external_views = [{"name": "SOP BANSOS 360", "href": "/sop/", "destination": "nav", "url_route": None}]
    # no page of the API server (Airflow, its login, the SOP pages) may be framed by another site
    fastapi_root_middlewares = [{"middleware": SecurityHeaders, "name": "Header keamanan BANSOS 360"}]
