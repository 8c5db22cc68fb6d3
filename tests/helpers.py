"""Helpers for building deliveries in tests."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import psycopg2

from bansos360 import embedded, intake, pipeline


def new_database(pg_home: Path, name: str, bin_dir: Path | None = None) -> str:
    """A fresh, empty database on the session's embedded server (or the server of ``bin_dir``); its URL."""
    server_url = embedded.start(pg_home, bin_dir=bin_dir)
    admin = psycopg2.connect(server_url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"drop database if exists {name} with (force)")
        cur.execute(f"create database {name}")
        cur.execute(f"revoke connect, temporary on database {name} from public")  # as db.ensure_database does
    admin.close()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def submit(s, path: Path, source: str, names: list[str] | None = None, **kw) -> dict:
    """Submit one file as an operator; return the intake answer."""
    conn = psycopg2.connect(s.database_url)
    try:
        return intake.submit(conn, s, [path], source, "operator", original_names=names, **kw)
    finally:
        conn.close()


def approve_and_refresh(s, submission_id: int) -> pipeline.Outcome:
    """Approve one submission as the product owner and process it."""
    with psycopg2.connect(s.database_url) as conn:
        result = intake.approve(conn, [submission_id], "kabid")
        assert "error" not in result[0], result
    return pipeline.process(s, submission_id)


def codes(result: dict) -> str:
    """All finding lines of an intake answer, one string, for assertions on codes and wording."""
    return "\n".join(result["temuan"])


def read_zip_member(path: Path, tag: str) -> tuple[str, bytes]:
    """The (name, bytes) of the member of a DTKS zip whose name carries a tag (RT or ART)."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            stem = Path(name).stem.upper()
            if stem.endswith("_" + tag):
                return name, zf.read(name)
    raise KeyError(tag)


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    """A zip holding the given members."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def dtks_rows(data: bytes) -> tuple[list[str], list[list[str]], str, str]:
    """Header, rows, encoding and delimiter of a synthetic DTKS CSV member."""
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    delim = max((",", ";", "|"), key=lambda d: text.splitlines()[0].count(d))
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delim) if r]
    return rows[0], rows[1:], enc, delim


def dtks_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """A plain UTF-8, comma-separated CSV."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode()
