"""The raw gate's Python NIK rule gives the warehouse's SQL answer on the same values."""

from __future__ import annotations

import random

import psycopg2

from bansos360 import rules


def _values() -> list[str | None]:
    rnd = random.Random(7)
    values: list[str | None] = [None, "", " ", "3503010101010001", "3503014101900000", "3503017201900001",
                                "3503013201900001", "35.03.01.0101010001", "'3503010101010001", "3503010101010001 ",
                                "3,50301E+15", "3503010101010001\t", "350301010101000１", "9703010101010001",
                                "2103010101010001", "3503010013010001", "3503-0101-0101-0001"]
    for _ in range(3000):
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.choice([15, 16, 16, 16, 17])))
        if rnd.random() < 0.5:  # plausible province and birth date, to reach the later conditions
            digits = rnd.choice(["35", "11", "21", "81", "96", "97", "20"]) + digits[2:6] + \
                f"{rnd.randint(0, 75):02d}{rnd.randint(0, 13):02d}" + digits[10:]
        if rnd.random() < 0.2:
            digits = digits[:-4] + "0000"
        if rnd.random() < 0.2:
            cut = rnd.randint(0, len(digits))
            digits = digits[:cut] + rnd.choice([" ", ".", "-", "'", "x"]) + digits[cut:]
        values.append(digits)
    return values


def test_nik_rule_matches_sql(settings):
    values = _values()
    with psycopg2.connect(settings.database_url) as conn, conn.cursor() as cur:
        cur.execute("select v, util.nomor_bersih(v), util.is_nik_valid(util.nomor_bersih(v)) "
                    "from unnest(%s::text[]) v", (values,))
        rows = cur.fetchall()
    mismatches = [(v, clean, valid, rules.nomor_bersih(v), rules.is_nik_valid(rules.nomor_bersih(v)))
                  for v, clean, valid in rows
                  if rules.nomor_bersih(v) != clean or rules.is_nik_valid(rules.nomor_bersih(v)) != valid]
    assert sum(valid for _, _, valid in rows) > 200, "the sample must hold valid NIKs too"
    assert mismatches == []
