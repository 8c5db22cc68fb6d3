"""``bansos360 superset desa``: the example village page (``ops/desa``).

Served on the first site allowed to embed, it shows the village dashboard of one desa as a village's own site
would.
"""

from __future__ import annotations

import functools
import http.server
from pathlib import Path
from urllib.parse import urlsplit

from bansos360 import config
from bansos360.superset_access import access_spec, kecamatan
from bansos360.superset_sync import Api, admin_login

VILLAGE_PAGE = config.REPO_ROOT / "ops" / "desa"
DEMO_USERS = config.REPO_ROOT / "ops" / "demo" / "pengguna.json"


def serve(settings, users_file: Path | None, desa: str | None = None) -> None:
    """Serve ``ops/desa`` on the first allow-listed site and print its address (until interrupted)."""
    if not settings.embed_sites:
        raise config.SettingError("BANSOS360_EMBED_SITES kosong: tidak ada situs yang boleh menyematkan dasbor / "
                                  "is empty: no site may embed; set it to the village page's origin, e.g. "
                                  f"{config.DEMO_VILLAGE_SITE}")
    site = urlsplit(settings.embed_sites[0])
    api = Api.login(settings.superset_url, *admin_login(settings, users_file))
    embed = api.call("GET", f"/api/v1/dashboard/{next(iter(access_spec()['embeds']))}/embedded")["result"]["uuid"]
    desa = desa or next(iter(sorted({k for k, _ in kecamatan()})))[:8] + ".2001"
    print(f"{settings.embed_sites[0]}/index.html?superset={settings.superset_public_url}&embed={embed}&desa={desa}",
          flush=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(VILLAGE_PAGE))
    http.server.ThreadingHTTPServer((site.hostname, site.port or 80), handler).serve_forever()
