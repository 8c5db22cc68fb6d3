"""Place names are data: a spelling that matches nothing is listed for analysts, and a published desa_alias
delivery moves those rows to their place at the next refresh, reloading no other delivery (issue 14)."""

from __future__ import annotations

import json

import psycopg2

from bansos360 import intake, pipeline
from tests.conftest import query
from tests.helpers import submit
from tests.test_definitions import NIK_A, NIK_B, NIK_C, PANGGUL, _deliver, deliver_dtks, household, live, person

NIK_D = "3503014408850004"


def _tidak_cocok(s) -> list[tuple]:
    return query(s, "select sumber, status, nama_kec, ejaan_kecamatan, ejaan_desa, jumlah_baris "
                    "from marts.mart_wilayah_tidak_cocok order by ejaan_kecamatan, ejaan_desa")


def _aliases(s, tmp_path, label: str, lines: list[str]) -> int:
    p = tmp_path / f"{label}.csv"
    p.write_text("KODE_WILAYAH;EJAAN;KETERANGAN\n" + "\n".join(lines) + "\n")
    return _deliver(s, p, "desa_alias", label=label)


def test_a_new_spelling_relocates_the_published_rows_without_reloading_them(settings, tmp_path):
    s = settings
    deliver_dtks(s, tmp_path, "2020-01", [household("350301000100000001", "ANI", PANGGUL, 5)],
                 [person("350301000100000001", 1, NIK_A, "ANI", PANGGUL)])
    lst = tmp_path / "pkh.csv"
    lst.write_text("NIK,NAMA,KECAMATAN,DESA\n"
                   f"{NIK_A},ANI,PANGGUL,BESUKKI\n"          # desa misspelt: in Panggul, no desa
                   f"{NIK_B},BUDI,PANGGUL,Ds. Besukki\n"     # the same spelling with a prefix
                   f"{NIK_C},CITRA,PANGGUQZ,BESUKI\n"        # kecamatan misspelt: placed nowhere
                   f"{NIK_D},DEWI,KEC. PANGGUL,BESUKI\n")    # matches
    list_id = _deliver(s, lst, "pkh", label="uji PKH")
    before = live(s)
    assert before["d1"]["semua"]["baris"] == 4
    assert before["d1"]["per_kecamatan"] == {"35.03.01": {"baris": 3, "nik_unik": 3}}
    assert _tidak_cocok(s) == [("PKH", "desa_tidak_cocok", "Panggul", "PANGGUL", "BESUKKI", 1),
                               ("PKH", "desa_tidak_cocok", "Panggul", "PANGGUL", "Ds. Besukki", 1),
                               ("PKH", "kecamatan_tidak_cocok", None, "PANGGUQZ", "BESUKI", 1)]
    # filters offer one "Tidak cocok", not every spelling
    assert query(s, "select distinct nama_kec from marts.mart_kpm order by 1") == [("Panggul",), ("Tidak cocok",)]
    assert query(s, "select count(*) from marts.mart_kpm where nama_desa = 'Tidak cocok'") == [(3,)]
    history = query(s, "select count(*) from audit.state_change where submission_id = %s", (list_id,))

    # an analyst sends the two spellings: Besukki is Besuki (35.03.01.2001), Pangguqz is Panggul (35.03.01)
    _aliases(s, tmp_path, "ejaan 2026-11", ["35.03.01.2001;Besukki;daftar PKH uji", "350301;Pangguqz;"])
    after = live(s)
    assert after["d1"]["per_kecamatan"] == {"35.03.01": {"baris": 4, "nik_unik": 4}}
    assert query(s, "select nama, kode_desa from marts.mart_kpm order by nama") == [
        ("ANI", "35.03.01.2001"), ("BUDI", "35.03.01.2001"), ("CITRA", "35.03.01.2001"), ("DEWI", "35.03.01.2001")]
    assert _tidak_cocok(s) == []
    # the list was not processed again: re-located when read, its partition and history untouched
    assert query(s, "select count(*) from audit.state_change where submission_id = %s", (list_id,)) == history

    # a second delivery cannot move an official name: the reference wins
    _aliases(s, tmp_path, "ejaan salah", ["35.03.01.2002;Besuki;"])
    assert live(s)["d1"]["per_kecamatan"] == {"35.03.01": {"baris": 4, "nik_unik": 4}}
    assert query(s, "select count(*) from marts.mart_kpm where kode_desa = '35.03.01.2001'") == [(4,)]


def test_a_spelling_for_an_unknown_code_names_the_file_row_and_column(settings, tmp_path):
    p = tmp_path / "ejaan.csv"
    p.write_text("KODE_WILAYAH,EJAAN\n35.03.01.2001,Besukki\n35.03.99.9999,Entah\n35.03.01.2002,Besukki\n"
                 "35.3.12,Salah\n35.03.01.2003,\n")
    result = submit(settings, p, "desa_alias", label="uji")
    assert result["state"] == "diperiksa", result
    with psycopg2.connect(settings.database_url) as conn:
        intake.approve(conn, [result["submission_id"]], "kabid")
    out = pipeline.process(settings, result["submission_id"])
    assert out.state == "gagal"
    text = "\n".join(out.findings)
    # an unknown code, a code of the wrong length and an empty spelling: each named, none dropped in silence
    assert "[berkas/file ejaan.csv, baris/row 3, kolom/column KODE_WILAYAH]" in text and "/ the region code" in text
    assert "baris 3, 5, 6" in text and "rows 3, 5, 6" in text
    assert "[berkas/file ejaan.csv, baris/row 2, kolom/column TINGKAT/LINGKUP/KUNCI]" in text  # Besukki twice


def test_filters_group_every_unmatched_spelling_under_one_value(loaded):
    names = {r[0] for r in query(loaded, "select distinct nama_kec from marts.mart_kpm")}
    official = {r[0] for r in query(loaded, "select distinct nama_kec from warehouse.ref_wilayah")}
    assert names == official | {"Tidak cocok"} and len(official) == 14


def test_the_unmatched_spellings_are_counted_as_the_generator_planted_them(loaded, lake):
    planted = json.loads((lake / "warehouse_truth.json").read_text())
    got: dict[tuple[str, str], int] = {}
    for sumber, status, n in query(loaded, "select sumber, status, sum(jumlah_baris)::int "
                                           "from marts.mart_wilayah_tidak_cocok group by 1, 2"):
        got[(sumber, status)] = n
    expected = {}
    for sumber, d in [*planted["daftar"].items(), ("DISABILITAS", planted["disabilitas"])]:
        expected[(sumber, "kecamatan_tidak_cocok")] = d["kecamatan_tidak_cocok"]
        expected[(sumber, "desa_tidak_cocok")] = d["desa_tidak_cocok"] - d["kecamatan_tidak_cocok"]
    assert got == {k: v for k, v in expected.items() if v}
    assert got[("BLT-DD", "kecamatan_tidak_cocok")] > 0  # a desa code the reference does not know
