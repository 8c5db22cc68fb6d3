"""Registries the Dinas manages on the server, without a release: the programme registry (``bansos360 program``).

A programme is a row of ``warehouse.program``; registering one makes its source kind exist at once (the upload
page, the inbox, ``bansos360 submit``), and its first published list brings it into every per-programme figure
and chart. Every change is recorded in ``audit.registri_perubahan``.
"""

from __future__ import annotations

import re

from psycopg2.extras import Json

from bansos360 import sources

KODE_RE = re.compile(r"[A-Z][A-Z0-9-]{1,19}")
SUMBER_RE = re.compile(r"[a-z][a-z0-9_]{1,29}")


class RegistryError(ValueError):
    """A registry change that cannot be made; the text is bilingual."""


def program_list(cur) -> list[dict]:
    """Every registered programme, in registration order."""
    cur.execute("select kode, sumber, nama, pemilik, bawaan, terdaftar_pada, terdaftar_oleh "
                "from warehouse.program order by urutan")
    cols = [d.name for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def program_add(cur, kode: str, sumber: str, nama: str, pemilik: str, by: str) -> dict:
    """Register a programme (in the caller's transaction); refuse a malformed or taken code or source name."""
    kode, sumber, nama, pemilik = kode.strip(), sumber.strip(), " ".join(nama.split()), " ".join(pemilik.split())
    if not KODE_RE.fullmatch(kode):
        raise RegistryError(f"kode program '{kode}' harus 2-20 huruf besar, angka atau '-', diawali huruf (mis. "
                            f"BLT-DD) / programme code '{kode}' must be 2-20 capitals, digits or '-', starting with "
                            "a letter (e.g. BLT-DD)")
    if not SUMBER_RE.fullmatch(sumber):
        raise RegistryError(f"nama sumber '{sumber}' harus 2-30 huruf kecil, angka atau '_', diawali huruf (mis. "
                            f"blt_dd) / source name '{sumber}' must be 2-30 lower-case letters, digits or '_', "
                            "starting with a letter (e.g. blt_dd)")
    if sumber in sources.RESERVED_KINDS:
        raise RegistryError(f"nama sumber '{sumber}' sudah dipakai jenis sumber lain / source name '{sumber}' is "
                            "another source kind")
    if kode in sources.RESERVED_CODES:
        raise RegistryError(f"kode '{kode}' dicadangkan (sumber data lain) / code '{kode}' is reserved (another "
                            "data source)")
    if not nama or not pemilik or not by.strip():
        raise RegistryError("nama program, pemilik dan --by wajib diisi / the programme's name, owner and --by "
                            "are required")
    cur.execute("lock table warehouse.program in share row exclusive mode")  # two engineers at once: one waits
    cur.execute("select kode, sumber from warehouse.program where kode = %s or sumber = %s", (kode, sumber))
    taken = cur.fetchone()
    if taken:
        raise RegistryError(f"program {taken[0]} (sumber {taken[1]}) sudah terdaftar / programme {taken[0]} "
                            f"(source {taken[1]}) is already registered")
    cur.execute("insert into warehouse.program (kode, sumber, nama, pemilik, terdaftar_oleh) "
                "values (%s, %s, %s, %s, %s)", (kode, sumber, nama, pemilik, by))
    row = {"kode": kode, "sumber": sumber, "nama": nama, "pemilik": pemilik}
    cur.execute("insert into audit.registri_perubahan (registri, kunci, tindakan, isi, oleh) "
                "values ('program', %s, 'tambah', %s, %s)", (kode, Json(row), by))
    return row
