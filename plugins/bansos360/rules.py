"""Python mirrors of two SQL rules (``util.nomor_bersih``, ``util.is_nik_valid`` in sql/migrations/003_util.sql).

The warehouse applies the SQL; the raw gate uses these to show the product owner the share of well-formed
NIKs before a file is approved. ``tests/test_rules.py`` checks both give the same answer on the same values.
"""

from __future__ import annotations

import re

_CLEAN = re.compile(r"[' \t\n\r\f\v.\-]")
_SIXTEEN = re.compile(r"^[0-9]{16}$")


def nomor_bersih(raw: str | None) -> str | None:
    """Strip quotes, spaces, dots and dashes; empty becomes None."""
    if raw is None:
        return None
    return _CLEAN.sub("", raw) or None


def is_kode_provinsi(two_digits: int) -> bool:
    """Whether two digits are an Indonesian province code."""
    return (11 <= two_digits <= 19 or two_digits == 21 or 31 <= two_digits <= 36 or 51 <= two_digits <= 53
            or 61 <= two_digits <= 65 or 71 <= two_digits <= 76 or 81 <= two_digits <= 82 or 91 <= two_digits <= 96)


def is_nik_valid(nik: str | None) -> bool:
    """A cleaned NIK is valid: 16 digits, a province code, day 01-31 or 41-71, month 01-12, serial not 0000."""
    if nik is None or not _SIXTEEN.match(nik):
        return False
    day, month = int(nik[6:8]), int(nik[8:10])
    return (is_kode_provinsi(int(nik[:2])) and (1 <= day <= 31 or 41 <= day <= 71) and 1 <= month <= 12
            and nik[-4:] != "0000")
