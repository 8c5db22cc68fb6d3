"""ASGI middlewares of the SOP pages and of Airflow's API server.

``SecurityHeaders`` (a root middleware of the API server, plugins/sop_plugin.py): no page of Airflow, its login
or the SOP pages may be framed by another site (``X-Frame-Options: DENY``, CSP ``frame-ancestors 'none'``), and
no answer is sniffed as another type (``X-Content-Type-Options: nosniff``).

``UploadLimit`` (the SOP app): a request body larger than ``BANSOS360_MAX_UPLOAD_MB`` (``REQUEST_LIMIT_MB`` for the
dashboard request pages) is refused from its ``Content-Length`` before a byte of it is read or stored; a body without
a length is refused too.
"""

from __future__ import annotations

from bansos360 import config

REQUEST_LIMIT_MB = 6  # a dashboard request: its sketch (at most 5 MB, dashboard_request.SKETCH_LIMIT) and its text
HEADERS = [(b"x-frame-options", b"DENY"), (b"content-security-policy", b"frame-ancestors 'none'"),
           (b"x-content-type-options", b"nosniff")]


class SecurityHeaders:
    """Adds the anti-framing and no-sniff headers to every HTTP answer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in names or k == b"content-security-policy"]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return await self.app(scope, receive, send_with_headers)


class UploadLimit:
    """Refuses a POST body over the configured size (413) or without a length (411), before reading it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            # a dashboard request carries a sketch of at most 5 MB and some text: never a delivery's size
            request = "/permintaan" in scope["path"]
            limit_mb = REQUEST_LIMIT_MB if request else config.load().max_upload_mb
            length = dict(scope.get("headers", [])).get(b"content-length")
            if length is None:
                return await _answer(send, 411, "Ukuran unggahan harus diketahui (Content-Length) / the upload must "
                                                "declare its size (Content-Length)")
            if not length.isdigit() or int(length) > limit_mb * 1024 * 1024:
                setting = "" if request else " (BANSOS360_MAX_UPLOAD_MB)"
                return await _answer(send, 413, f"Berkas terlalu besar: batasnya {limit_mb:g} MB{setting} / the file "
                                                f"is too large: the limit is {limit_mb:g} MB")
        return await self.app(scope, receive, send)


async def _answer(send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
