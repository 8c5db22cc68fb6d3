"""The SOP pages' words and formats (issue 25): Indonesian numbers, WIB times, a line for every state and an
action for every finding."""

from __future__ import annotations

import datetime as dt

from bansos360 import audit
from bansos360.sop import kata


def test_numbers_are_written_the_indonesian_way():
    assert kata.angka(37635) == "37.635"
    assert kata.angka(3189981) == "3.189.981"
    assert kata.angka(0) == "0"
    assert kata.angka(12.5, 1) == "12,5"
    assert kata.angka(None) == "—" and kata.angka("") == "—" and kata.persen(None) == "—"

    class Undefined:  # what a page passes for a field a profile does not have
        pass

    assert kata.angka(Undefined()) == "—" and kata.ukuran(Undefined()) == "—"
    assert kata.persen(0.9734) == "97,3 %"
    assert kata.ukuran(812) == "812 byte"
    assert kata.ukuran(15_938_355) == "15,2 MB"


def test_times_are_shown_in_wib():
    assert kata.waktu("2026-12-04T16:41:46+00:00") == "4 Des 2026 23.41 WIB"
    assert kata.waktu("2026-12-04T16:41:46") == "4 Des 2026 23.41 WIB"  # the database's naive UTC
    assert kata.waktu(dt.datetime(2026, 12, 31, 17, 5, tzinfo=dt.UTC)) == "1 Jan 2027 00.05 WIB"
    assert kata.waktu(None) == "—"


def test_every_state_has_a_name_and_a_line_and_every_finding_an_action():
    assert set(kata.KEADAAN) == {s.value for s in audit.State}
    assert all(name and line.endswith(".") for name, line in kata.KEADAAN.values())
    for stage in kata.TAHAP:
        for level in kata.TINGKAT:
            assert kata.tindakan({"kode": "tidak_dikenal", "tahap": stage, "tingkat": level})
    assert kata.tindakan({"kode": "kolom_ganda", "tahap": "gerbang_mentah", "tingkat": "error"}).startswith("Hapus")
