"""DTSEN updates through intake, staging and the warehouse (issue 23): families, desils, places, findings."""

from __future__ import annotations

import dataclasses

import psycopg2

from bansos360 import audit, figures, pipeline, registry
from bansos360.figures import D13_GROUPS
from tests.conftest import query
from tests.helpers import codes, submit
from tests.test_definitions import NIK_A, NIK_B, NIK_C, _deliver, live

NIK_D, NIK_E, NIK_F, NIK_G, NIK_H = (f"35030141078000{n:02d}" for n in (11, 12, 13, 14, 15))
HEADER = "ID_KELUARGA;NO_KK;NIK;NAMA;HUB_KEL;JK;TGL_LAHIR;DESIL_NASIONAL;KODE_DESA;KECAMATAN;DESA;ALAMAT"
# One update, a row per person (the file's row number in the comment; the header is row 1):
ROWS = [
    f"K1;3503010101200001;{NIK_A};ANI;KEPALA KELUARGA;P;1980-07-01;3;3503012001;;;RT 01",      # 2 ten-digit code
    f"K1;3503010101200001;{NIK_B};BUDI;3;1;1975-03-12;3;3503012001;;;RT 01",                  # 3
    f"K2;3503010101200002;{NIK_C};CITRA;1;2;1990-05-15;0;35.03.01.2002;;;RT 02",              # 4 desil 0, dotted
    f"K3;3503010101200003;{NIK_D};DODI;1;L;1985-01-01;11;;Kec. Panggul;Depok;RT 03",          # 5 desil 11, names
    f"K4;3503010101200004;{NIK_E};EKA;3;P;1970-01-01;7;3503012003;;;RT 04",                   # 6 not the head
    f"K4;3503010101200004;{NIK_F};FANI;1;P;1972-01-01;5;3503012003;;;RT 04",                  # 7 head, desils differ
    f"K5;3503010101200005;{NIK_B};BUDI;1;L;1975-03-12;2;3503012004;;;RT 05",                  # 8 NIK_B again
    f"K6;3503010101200006;{NIK_G};GITA;1;P;1999-09-09;1;;PANGGUL;DESA ANTAH;RT 06",            # 9 unknown desa
    f"K6;3503010101200006;{NIK_G};GITA;1;P;1999-09-09;1;;PANGGUL;DESA ANTAH;RT 06",            # 10 exact duplicate
    f"K7;3503010101200007;{NIK_H};HANA;1;P;2000-02-02;;3503012001;;;RT 07",                   # 11 no desil
]


def _update(s, tmp_path, periode: str, rows: list[str], name: str = "DTSEN Trenggalek.csv") -> int:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return _deliver(s, path, "dtsen", periode=periode)


def test_a_dtsen_update_is_read_into_families_with_their_desil_and_place(settings, tmp_path):
    s = settings
    sid = _update(s, tmp_path, "2025-05", ROWS)
    outcomes = pipeline.refresh(s)
    assert [(o.submission_id, o.state) for o in outcomes] == [(sid, "terbit")]
    assert query(s, "select count(*), count(distinct nik) from warehouse.dtsen_individu") == [(9, 8)]
    families = query(s, "select id_keluarga, desil, kode_kec, kode_desa, jumlah_baris, source_row "
                        "from warehouse.dtsen_keluarga_lokasi order by id_keluarga")
    assert families == [
        ("K1", 3, "35.03.01", "35.03.01.2001", 2, 2),
        ("K2", None, "35.03.01", "35.03.01.2002", 1, 4),
        ("K3", None, "35.03.01", "35.03.01.2005", 1, 5),
        ("K4", 5, "35.03.01", "35.03.01.2003", 2, 7),   # the lowest desil; placed by its head's row
        ("K5", 2, "35.03.01", "35.03.01.2004", 1, 8),
        ("K6", 1, "35.03.01", None, 1, 9),               # the kecamatan matched, the desa did not
        ("K7", None, "35.03.01", "35.03.01.2001", 1, 11),
    ]
    assert query(s, "select jenis_kelamin, count(*) from warehouse.dtsen_individu group by 1 order by 1") == [
        ("L", 3), ("P", 6)]
    assert query(s, "select nik from warehouse.dtsen_individu where is_kepala_keluarga order by source_row") == [
        (NIK_A,), (NIK_C,), (NIK_D,), (NIK_F,), (NIK_B,), (NIK_G,), (NIK_H,)]
    with psycopg2.connect(s.database_url) as conn, conn.cursor() as cur:
        found = {(t["kode"], t["baris"], t["kolom"]): t for t in audit.status(cur, sid)[0]["temuan"]}
    # desil 0, 11 and blank: a warning naming the file, the first row and the column, not a refusal
    warning = found[("desil_tidak_dikenal", 4, "DESIL")]
    assert warning["tingkat"] == "warning" and warning["berkas"] == "DTSEN Trenggalek.csv"
    assert "baris 4, 5, 11" in warning["pesan"] and "rows 4, 5, 11" in warning["message"]
    assert found[("desil_keluarga_berbeda", 7, "DESIL")]["tingkat"] == "warning"
    assert "baris 3, 8" in found[("nik_di_beberapa_keluarga", 3, "NIK")]["pesan"]
    assert "1 baris duplikat persis dibuang (dtsen_individu)" in found[("duplikat_dibuang", None, None)]["pesan"]


def test_a_later_update_of_the_same_month_replaces_it_and_a_refused_one_changes_nothing(settings, tmp_path):
    s = settings
    _update(s, tmp_path, "2025-05", ROWS)
    _update(s, tmp_path, "2025-08", ROWS[:2], name="DTSEN 2025-08.csv")
    pipeline.refresh(s)
    assert query(s, "select periode, count(*) from warehouse.dtsen_keluarga group by 1 order by 1") == [
        ("2025-05", 7), ("2025-08", 1)]
    again = _update(s, tmp_path, "2025-05", ROWS[2:4], name="DTSEN 2025-05 ulang.csv")
    assert [(o.submission_id, o.state) for o in pipeline.refresh(s)] == [(again, "terbit")]
    assert query(s, "select periode, count(*) from warehouse.dtsen_keluarga group by 1 order by 1") == [
        ("2025-05", 2), ("2025-08", 1)]
    # no desil column: refused at submission, the published updates stay as they were
    bad = tmp_path / "tanpa desil.csv"
    bad.write_text("ID_KELUARGA;NIK;KODE_DESA\nK9;3503014107800001;3503012001\n")
    answer = submit(s, bad, "dtsen", periode="2025-11")
    assert answer["state"] == "ditolak" and "DESIL" in codes(answer).upper()
    assert query(s, "select periode, count(*) from warehouse.dtsen_keluarga group by 1 order by 1") == [
        ("2025-05", 2), ("2025-08", 1)]


NIK_W, NIK_X, NIK_Y, NIK_Z = (f"35030141078000{n:02d}" for n in (21, 22, 23, 24))
# The next update: K1 goes up (3 -> 5), K2 gets a desil, K4 goes down (5 -> 4), K5 stays (2), K3, K6 and K7
# leave, K8 (Pule), K9 and K10 are new. NIK_B is in K1 (desil 5) and K5 (desil 2): its desil is 2.
ROWS_AUG = [
    f"K1;3503010101200001;{NIK_A};ANI;1;P;1980-07-01;5;3503012001;;;RT 01",
    f"K1;3503010101200001;{NIK_B};BUDI;3;L;1975-03-12;5;3503012001;;;RT 01",
    f"K2;3503010101200002;{NIK_C};CITRA;1;P;1990-05-15;2;35.03.01.2002;;;RT 02",
    f"K4;3503010101200004;{NIK_E};EKA;3;P;1970-01-01;4;3503012003;;;RT 04",
    f"K4;3503010101200004;{NIK_F};FANI;1;P;1972-01-01;4;3503012003;;;RT 04",
    f"K5;3503010101200005;{NIK_B};BUDI;1;L;1975-03-12;2;3503012004;;;RT 05",
    f"K8;3503030101200008;{NIK_X};XENA;1;P;1995-01-01;1;;PULE;SIDOMULYO;RT 08",
    f"K9;3503010101200009;{NIK_Y};YUDI;1;L;1960-01-01;8;3503012001;;;RT 09",
    f"K10;3503010101200010;{NIK_W};WATI;1;P;1965-01-01;4;3503012001;;;RT 10",
]


def _list(s, tmp_path, program: str, label: str, as_of: str, rows: list[tuple[str, str, str, str]]) -> int:
    path = tmp_path / f"{label}.csv"
    path.write_text("NIK,NAMA,KECAMATAN,DESA\n" + "".join(",".join(r) + "\n" for r in rows))
    return _deliver(s, path, program.lower(), label=label, as_of=as_of)


def _verval_lake(s, tmp_path) -> None:
    _update(s, tmp_path, "2025-05", ROWS)
    _update(s, tmp_path, "2025-08", ROWS_AUG, name="DTSEN 2025-08.csv")
    _list(s, tmp_path, "PKH", "PKH 2020", "2020-01-01", [(NIK_E, "EKA", "PANGGUL", "BESUKI")])  # not current
    _list(s, tmp_path, "PKH", "PKH 2025", "2025-06-01", [
        (NIK_A, "ANI", "PANGGUL", "BESUKI"), (NIK_Y, "YUDI", "PANGGUL", "BESUKI"), (NIK_X, "XENA", "PULE", "SIDOMULYO"),
        (NIK_Z, "ZAENAL", "PANGGUL", "BESUKI"), ("123", "TANPA NIK", "PANGGUL", "BESUKI"),
        (NIK_W, "WATI", "PANGGUL", "BESUKI")])
    _list(s, tmp_path, "SEMBAKO", "SEMBAKO 2025", "2025-07-01", [
        (NIK_C, "CITRA", "PANGGUL", "TERBIS"), (NIK_B, "BUDI", "PANGGUL", "WONOCOYO")])


def _zero(*keys: str) -> dict:
    return dict.fromkeys(keys, 0)


def test_dashboards_13_and_14_count_the_verval_and_the_updates(settings, tmp_path):
    s = dataclasses.replace(settings, nik_valid_floor=0.5)  # one PKH row of six has an invalid NIK
    _verval_lake(s, tmp_path)
    got = live(s)
    none = _zero(*D13_GROUPS)
    assert got["d13"] == {
        "periode_dtsen": "2025-08",
        "per_program": {"PKH": {**none, "desil_1_4": 2, "desil_5": 1, "desil_6_10": 1, "tidak_di_dtsen": 2},
                        "SEMBAKO": {**none, "desil_1_4": 2}, "BST": none, "KPE": none},
        "inklusi": {"PKH": 2, "SEMBAKO": 0},              # NIK_A (5) and NIK_Y (8) above PKH's 4
        "eksklusi": {"keluarga": 1, "individu": 2},       # K4: NIK_E was on the 2020 PKH list only
    }
    desil = {str(d): 0 for d in range(1, 11)}
    assert got["d14"] == {
        "2025-05": {"keluarga": 7, "individu": 8, "per_desil": {**desil, "1": 1, "2": 1, "3": 1, "5": 1}},
        "2025-08": {"keluarga": 7, "individu": 8, "per_desil": {**desil, "1": 1, "2": 2, "4": 2, "5": 1, "8": 1},
                    "naik": 1, "turun": 1, "stagnan": 1, "baru": 3, "keluar": 3},
    }
    panggul, pule = live(s, "35.03.01"), live(s, "35.03.03")
    assert panggul["d13"]["per_program"]["PKH"] == {**none, "desil_1_4": 1, "desil_5": 1, "desil_6_10": 1,
                                                     "tidak_di_dtsen": 2}
    assert panggul["d13"]["inklusi"] == {"PKH": 2, "SEMBAKO": 0}
    assert panggul["d13"]["eksklusi"] == {"keluarga": 1, "individu": 2}
    assert pule["d13"]["per_program"]["PKH"] == {**none, "desil_1_4": 1}
    assert pule["d13"]["inklusi"] == {"PKH": 0, "SEMBAKO": 0} and pule["d13"]["eksklusi"] == _zero(
        "keluarga", "individu")
    assert panggul["d14"]["2025-08"] == {"keluarga": 6, "individu": 7,
                                         "per_desil": {**desil, "2": 2, "4": 2, "5": 1, "8": 1},
                                         "naik": 1, "turun": 1, "stagnan": 1, "baru": 2, "keluar": 3}
    assert pule["d14"] == {"2025-05": {"keluarga": 0, "individu": 0, "per_desil": desil},
                           "2025-08": {"keluarga": 1, "individu": 1, "per_desil": {**desil, "1": 1},
                                       **_zero("naik", "turun", "stagnan", "keluar"), "baru": 1}}
    verval = query(s, "select alasan, program, id_keluarga, nik, nama, nama_desa from marts.mart_daftar_verval "
                      "order by alasan, program, nik")
    assert verval == [("eksklusi", None, "K4", NIK_E, "EKA", "Karangtengah"),
                      ("eksklusi", None, "K4", NIK_F, "FANI", "Karangtengah"),
                      ("inklusi", "PKH", None, NIK_A, "ANI", "Besuki"),
                      ("inklusi", "PKH", None, NIK_Y, "YUDI", "Besuki")]


def test_a_lower_programme_limit_moves_dashboard_13_at_the_next_refresh(settings, tmp_path):
    s = dataclasses.replace(settings, nik_valid_floor=0.5)
    _verval_lake(s, tmp_path)
    assert live(s)["d13"]["inklusi"] == {"PKH": 2, "SEMBAKO": 0}
    with psycopg2.connect(s.database_url) as conn, conn.cursor() as cur:
        registry.program_set(cur, "PKH", "3", "kominfo")
    # nothing waits: the refresh builds the marts again because the registry changed
    assert pipeline.refresh(s) == []
    with psycopg2.connect(s.database_url) as conn:
        after = figures.figures(conn)
    assert after["d13"]["inklusi"] == {"PKH": 3, "SEMBAKO": 0}   # NIK_W's desil 4 is now above the limit
    assert query(s, "select nik from marts.mart_daftar_verval where alasan = 'inklusi' and desil = 4") == [(NIK_W,)]
