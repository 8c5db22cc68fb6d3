"""What every SOP page shares: the signed-in user and what they may do, the form token, the templates.

The login is Airflow's own (FAB auth manager): a page reads the user from Airflow's session cookie or a bearer
token, and what they may do from their FAB permissions on the resources of ``bansos360.access``. Forms carry a
token tied to the signed-in session (CSRF).
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bansos360 import access, config, upgrade_pause
from bansos360.sop import kata

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters.update(kata.FILTERS)
PREFIX = "/sop"
COOKIE = "_token"


class Signed:
    """The signed-in user, their token, their roles and what they may do."""

    def __init__(self, user, token: str):
        from airflow.api_fastapi.app import get_auth_manager

        manager = get_auth_manager()
        self.user, self.token = user, token
        self.name = user.get_name()
        self.roles = {role.name for role in getattr(user, "roles", None) or []}

        def may(method: str, resource: str) -> bool:
            return manager.is_authorized_custom_view(method=method, resource_name=resource, user=user)

        self.can_read = may("GET", access.SUBMISSIONS)
        self.can_upload = may("POST", access.SUBMISSIONS)
        self.can_see_approvals = may("GET", access.APPROVALS)
        self.can_approve = may("POST", access.APPROVALS)
        self.can_read_requests = may("GET", access.REQUESTS)  # their own, or every one with can_move_requests
        self.can_file_request = may("POST", access.REQUESTS)
        self.can_move_requests = may("PUT", access.REQUESTS)

    @property
    def csrf(self) -> str:
        """The form token for this session."""
        return csrf_for(self.token)


def _secret() -> bytes:
    from airflow.configuration import conf

    return (conf.get("api", "secret_key", fallback="") or "bansos360").encode()


def csrf_for(token: str) -> str:
    """The form token tied to a session token (an HMAC under the API secret key)."""
    return hmac.new(_secret(), token.encode(), hashlib.sha256).hexdigest()[:40]


class NotSignedIn(Exception):
    """No valid session: pages redirect to the login, form posts are refused."""


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(COOKIE)


async def signed_in(request: Request) -> Signed:
    """The user of a request (bearer token or Airflow's session cookie), or ``NotSignedIn``."""
    from airflow.api_fastapi.app import get_auth_manager

    token = _token(request)
    if not token:
        raise NotSignedIn
    try:
        user = await get_auth_manager().get_user_from_token(token)
    except Exception:  # expired or forged token: same answer as none
        raise NotSignedIn from None
    return Signed(user, token)


SignedDep = Annotated[Signed, Depends(signed_in)]


def forbid(allowed: bool) -> None:
    """Refuse the request (403) unless ``allowed``."""
    if not allowed:
        raise HTTPException(403, "Tidak berwenang / not allowed")


def check_csrf(who: Signed, token: str) -> None:
    """Refuse a form post whose token is not this session's (403)."""
    if not hmac.compare_digest(token or "", who.csrf):
        raise HTTPException(403, "Token formulir tidak sah; muat ulang halaman / invalid form token; reload the page")


def page(request: Request, name: str, who: Signed, status_code: int = 200, **ctx) -> HTMLResponse:
    """A page of ``templates/``, with the user, the prefix and the upgrade notice every page shows."""
    return TEMPLATES.TemplateResponse(request, name, {"who": who, "prefix": PREFIX,
                                                      "jeda": upgrade_pause.notice(config.load()), **ctx},
                                      status_code=status_code)
