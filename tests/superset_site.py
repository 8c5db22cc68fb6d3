"""A real Superset for the tests: set up from `.venv-superset`, its metadata in PostgreSQL, started, and synced
with superset_assets/ onto the published marts of a loaded warehouse, with users of every role."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import socket
from pathlib import Path

import psycopg2

from bansos360 import superset_access, superset_runtime, superset_sync
from tests.helpers import new_database

KEC = superset_access.kecamatan()
ADMIN = ("kominfo", "uji-kominfo")
ANALIS = ("analis", "uji-analis")
PEMBACA = ("pembaca", "uji-pembaca")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kec_user(kode: str) -> tuple[str, str]:
    return f"kec{kode[-2:]}", f"uji-kec-{kode[-2:]}"


def verval_user(kode: str) -> tuple[str, str]:
    return f"verval{kode[-2:]}", f"uji-verval-{kode[-2:]}"


# the Verval Kecamatan users: the first holds its kecamatan's Kecamatan role too (so reaches the warehouse as the
# verval class), the second the Verval Kecamatan role only
VERVAL = ("35.03.05", "35.03.01")


SITE = f"http://127.0.0.1:{free_port()}"  # the example village site (ops/desa), on the allow-list
# the guest-token limits of the test sites: small, over a short window, so a test can reach them and wait them out
TOKEN_LIMITS = {"BANSOS360_TOKEN_LIMIT_WINDOW": "6", "BANSOS360_TOKEN_LIMIT_CLIENT": "20",
                "BANSOS360_TOKEN_LIMIT_DESA": "8"}


def users_file(path: Path) -> Path:
    spec = superset_access.access_spec()
    users = [
        {"username": ADMIN[0], "nama": "Admin Uji", "email": "admin@uji.invalid", "password": ADMIN[1],
         "superset": ["Admin"]},
        {"username": ANALIS[0], "nama": "Analis Uji", "email": "analis@uji.invalid", "password": ANALIS[1],
         "superset": ["Dinsos Analis"]},
        {"username": PEMBACA[0], "nama": "Pembaca Uji", "email": "pembaca@uji.invalid", "password": PEMBACA[1],
         "superset": ["Dinsos Pembaca"]},
    ]
    for kode, nama in KEC:
        name, password = kec_user(kode)
        users.append({"username": name, "nama": f"Staf {nama}", "email": f"{name}@uji.invalid",
                      "password": password,
                      "superset": [spec["kecamatan_role"]["name"].format(kode_kec=kode, nama_kec=nama)]})
    names = dict(KEC)
    for n, kode in enumerate(VERVAL):
        name, password = verval_user(kode)
        roles = [spec["verval_role"]["name"].format(kode_kec=kode, nama_kec=names[kode])]
        if n == 0:
            roles.append(spec["kecamatan_role"]["name"].format(kode_kec=kode, nama_kec=names[kode]))
        users.append({"username": name, "nama": f"Verval {names[kode]}", "email": f"{name}@uji.invalid",
                      "password": password, "superset": roles})
    path.write_text(json.dumps(users))
    return path


@contextlib.contextmanager
def running_site(loaded, server_home: Path, home: Path, bin_dir: Path | None = None):
    """Superset set up, started and synced on the published marts of ``loaded`` (metadata on the same server)."""
    meta = new_database(server_home, "superset_meta", bin_dir=bin_dir)
    old = {k: os.environ.get(k) for k in ["SUPERSET_METADATA_URL", *TOKEN_LIMITS]}
    url = f"http://127.0.0.1:{free_port()}"
    s = dataclasses.replace(loaded, home=home, superset_url=url, superset_public_url=url, embed_sites=(SITE,))
    users = users_file(home / "pengguna.json")
    try:
        os.environ.update(TOKEN_LIMITS, SUPERSET_METADATA_URL=meta.replace("postgresql://", "postgresql+psycopg2://"))
        try:
            assert superset_runtime.setup(s, users)["admin"] == [ADMIN[0]]
            with psycopg2.connect(meta) as conn, conn.cursor() as cur:  # the lock file's set migrated the metadata
                cur.execute("select count(*) from information_schema.tables "
                            "where table_name in ('dashboards', 'slices')")
                assert cur.fetchone()[0] == 2
            assert (home / "superset" / "kunci.json").stat().st_mode & 0o077 == 0
            superset_runtime.start(s)
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        first = superset_sync.sync(s, users)
        yield {"settings": s, "users": users, "sync": first, "meta": meta}
    finally:
        superset_runtime.stop(s)
