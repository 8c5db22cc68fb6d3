"""Python mirrors of two SQL rules (``util.nomor_bersih``, ``util.is_nik_valid`` in sql/functions/nomor.sql).

The warehouse applies the SQL; the raw gate uses these to show the product owner the share of well-formed
NIKs before a file is approved. ``tests/test_rules.py`` checks both give the same answer on the same values.
"""

from __future__ import annotations

import re

_CLEAN = re.compile(r"[' \t\n\r\f\v.\-]")


def nomor_bersih(raw: str | None) -> str | None:
    """Strip quotes, spaces, dots and dashes; empty becomes None."""
    if raw is None:
        return None
    if raw.isascii() and raw.isdigit():
        return raw  # nothing to strip (most values)
    return _CLEAN.sub("", raw) or None


# The whole rule as one pattern: province code, 4 digits, day 01-31 or 41-71, month 01-12, 2 digits, serial not
# 0000. It runs for every row of a delivery in the raw gate.
_NIK = re.compile(r"(1[1-9]|21|3[1-6]|5[1-3]|6[1-5]|7[1-6]|8[12]|9[1-6])[0-9]{4}"
                  r"(0[1-9]|[12][0-9]|3[01]|4[1-9]|[56][0-9]|7[01])(0[1-9]|1[0-2])[0-9]{2}(?!0000)[0-9]{4}")


def is_nik_valid(nik: str | None) -> bool:
    """A cleaned NIK is valid: 16 digits, a province code, day 01-31 or 41-71, month 01-12, serial not 0000."""
    return nik is not None and _NIK.fullmatch(nik) is not None
