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
    cur.execute("select kode, sumber, nama, pemilik, desil_maks, bawaan, terdaftar_pada, terdaftar_oleh "
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


def program_set(cur, kode: str, desil_maks: str, by: str) -> dict:
    """Set a programme's highest DTSEN desil (``1``-``10``, or ``none`` for no limit), in the caller's transaction.

    Recorded in ``audit.registri_perubahan`` with the value before and after. The marts read the registry: the
    next refresh rebuilds them, also when no submission is waiting (``marts.stale``).
    """
    text = desil_maks.strip().lower()
    if text in ("none", "tidak", "-"):
        value = None
    elif text.isdigit() and 1 <= int(text) <= 10:
        value = int(text)
    else:
        raise RegistryError(f"--desil-maks '{desil_maks}' harus 1 sampai 10 atau 'none' (tanpa batas) / "
                            f"--desil-maks '{desil_maks}' must be 1 to 10 or 'none' (no limit)")
    if not by.strip():
        raise RegistryError("--by wajib diisi / --by is required")
    cur.execute("select desil_maks from warehouse.program where kode = %s for update", (kode,))
    row = cur.fetchone()
    if row is None:
        raise RegistryError(f"program {kode} tidak terdaftar / programme {kode} is not registered")
    cur.execute("update warehouse.program set desil_maks = %s where kode = %s", (value, kode))
    change = {"desil_maks": {"sebelum": row[0], "sesudah": value}}
    cur.execute("insert into audit.registri_perubahan (registri, kunci, tindakan, isi, oleh) "
                "values ('program', %s, 'ubah', %s, %s)", (kode, Json(change), by))
    return {"kode": kode, **change}
