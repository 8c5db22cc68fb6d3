"""One test per definition edge of docs/definitions.md, on tiny hand-made deliveries whose figures are worked out
by hand here: a NIK in two households of one period, a desil missing in one period, a household that returns
after graduating, a list row whose kecamatan matches but whose desa does not."""

from __future__ import annotations

import psycopg2

from bansos360 import figures, intake, pipeline
from tests.helpers import dtks_csv, write_zip

RT_HEADER = ["IDBDT", "KDPROP", "KDKAB", "KDKEC", "KDDESA", "Alamat", "Nama_KRT", "Jumlah_ART", "Jumlah_Keluarga",
             "Percentile"]
ART_HEADER = ["IDBDT", "IDARTBDT", "KDPROP", "KDKAB", "KDKEC", "KDDESA", "Nama", "JnsKel", "TmpLahir", "TglLahir",
              "NIK", "NoKK", "Hub_KRT", "NUK", "Hubkel", "Sta_kawin", "Jenis_cacat", "Penyakit_kronis",
              "Partisipasi_sekolah", "Ijazah_tertinggi", "Lapangan_usaha", "Status_pekerjaan", "Ada_kks", "Ada_pbi",
              "Ada_kip", "Ada_pkh", "Ada_BPNT"]
# BPS codes of the shipped crosswalk: Panggul (010) desa 001 = 35.03.01.2001 Besuki; Pule (060) desa 001
PANGGUL, PULE = ("010", "001"), ("060", "001")
NIK_A, NIK_B, NIK_C = "3503014107800001", "3503011203750002", "3503015505900003"


def person(idbdt, n, nik, name, place, pbi=2, nuk=1):
    kec, desa = place
    return [idbdt, f"{idbdt}{n:02d}", "35", "03", kec, desa, name, "1", "TRENGGALEK", "1980-07-01", nik,
            f"350301000000{int(idbdt[-4:]):04d}", "1" if n == 1 else "3", str(nuk), "1", "2", "0", "0", "2", "3",
            "1", "1", "2", str(pbi), "2", "2", "2"]


def household(idbdt, name, place, percentile):
    kec, desa = place
    return [idbdt, "35", "03", kec, desa, "RT 01", name, "1", "1", "" if percentile is None else str(percentile)]


def deliver_dtks(s, tmp_path, periode, households, persons):
    p = write_zip(tmp_path / f"dtks {periode}.zip", {"3503_RT.csv": dtks_csv(RT_HEADER, households),
                                                     "3503_ART.csv": dtks_csv(ART_HEADER, persons)})
    return _deliver(s, p, "dtks", periode=periode)


def deliver_list(s, tmp_path, program, rows):
    p = tmp_path / f"{program}.csv"
    p.write_text("NIK,NAMA,NOKK,KECAMATAN,DESA,ALAMAT\n" + "".join(",".join(r) + "\n" for r in rows))
    return _deliver(s, p, program.lower(), label=f"uji {program}")


def _deliver(s, path, source, **kw):
    with psycopg2.connect(s.database_url) as conn:
        r = intake.submit(conn, s, [path], source, "operator", **kw)
        assert r["state"] == "diperiksa", r
        intake.approve(conn, [r["submission_id"]], "kabid")
    return r["submission_id"]


def live(s, kecamatan=None):
    outcomes = pipeline.refresh(s)
    assert all(o.state == "terbit" for o in outcomes), [o.findings for o in outcomes]
    with psycopg2.connect(s.database_url) as conn:
        return figures.figures(conn, kecamatan)


def test_nik_in_two_households_takes_lowest_desil_and_any_flag(settings, tmp_path):
    s = settings
    # NIK_A is in household 1 (desil 3, no KIS) and household 2 (desil 1, KIS) of the same period
    deliver_dtks(s, tmp_path, "2020-01", [household("350301000100000001", "ANI", PANGGUL, 25),
                                          household("350301000100000002", "BUDI", PANGGUL, 5)],
                 [person("350301000100000001", 1, NIK_A, "ANI", PANGGUL, pbi=2),
                  person("350301000100000002", 1, NIK_A, "ANI", PANGGUL, pbi=1)])
    deliver_list(s, tmp_path, "PKH", [[NIK_A, "ANI", "3503010000000001", "PANGGUL", "BESUKI", "RT 1"]])
    fig = live(s)
    assert fig["d3"]["per_program"]["PKH"] == {"desil_1_2": 1, "desil_3_4": 0, "dtks_tanpa_desil": 0,
                                               "tidak_di_dtks": 0}
    assert fig["d4"]["pkh_tanpa_kis"] == 0  # KIS holds because one of its records has it
    assert fig["d6"]["2020-01"]["rumah_tangga"] == 2 and fig["d6"]["2020-01"]["individu"] == 2
    assert fig["d2"]["nik_ganda"] == 0  # one NIK, one normalised name


def test_desil_missing_in_one_period_is_tanpa_desil(settings, tmp_path):
    s = settings
    deliver_dtks(s, tmp_path, "2019-10", [household("350301000100000001", "ANI", PANGGUL, 15),
                                          household("350301000100000002", "BUDI", PANGGUL, 15)],
                 [person("350301000100000001", 1, NIK_A, "ANI", PANGGUL),
                  person("350301000100000002", 1, NIK_B, "BUDI", PANGGUL)])
    deliver_dtks(s, tmp_path, "2020-01", [household("350301000100000001", "ANI", PANGGUL, None),
                                          household("350301000100000002", "BUDI", PANGGUL, 35)],
                 [person("350301000100000001", 1, NIK_A, "ANI", PANGGUL),
                  person("350301000100000002", 1, NIK_B, "BUDI", PANGGUL)])
    fig = live(s)
    assert fig["d7"]["2020-01"] == {"naik": 1, "turun": 0, "stagnan": 0, "tanpa_desil": 1, "baru": 0,
                                    "graduasi": 0}


def test_household_returning_after_graduating(settings, tmp_path):
    s = settings
    h1, h2 = "350301000100000001", "350301000100000002"
    deliver_dtks(s, tmp_path, "2019-07", [household(h1, "ANI", PANGGUL, 5), household(h2, "BUDI", PANGGUL, 5)],
                 [person(h1, 1, NIK_A, "ANI", PANGGUL), person(h2, 1, NIK_B, "BUDI", PANGGUL)])
    deliver_dtks(s, tmp_path, "2019-10", [household(h2, "BUDI", PANGGUL, 5)],
                 [person(h2, 1, NIK_B, "BUDI", PANGGUL)])
    deliver_dtks(s, tmp_path, "2020-01", [household(h1, "ANI", PANGGUL, 5), household(h2, "BUDI", PANGGUL, 5)],
                 [person(h1, 1, NIK_A, "ANI", PANGGUL), person(h2, 1, NIK_B, "BUDI", PANGGUL)])
    fig = live(s)
    assert fig["d7"]["2019-10"]["graduasi"] == 1 and fig["d7"]["2019-10"]["stagnan"] == 1
    assert fig["d7"]["2020-01"]["baru"] == 1 and fig["d7"]["2020-01"]["stagnan"] == 1
    # h1: present in L (Tinggi recency), 2 of 3 periods (Sedang frequency) -> B; h2: 3 periods -> B too
    assert fig["d11"]["B"] == 2 and sum(fig["d11"].values()) == 2


def test_list_row_whose_kecamatan_matches_but_not_its_desa(settings, tmp_path):
    s = settings
    deliver_dtks(s, tmp_path, "2020-01", [household("350301000100000001", "ANI", PANGGUL, 5)],
                 [person("350301000100000001", 1, NIK_A, "ANI", PANGGUL)])
    deliver_list(s, tmp_path, "SEMBAKO", [
        [NIK_A, "ANI", "3503010000000001", "KEC. PANGGUL", "DESA TIDAKADA", "RT 1"],  # kecamatan only
        [NIK_B, "BUDI", "3503010000000002", "PANGGULQZ", "BESUKI", "RT 2"],  # neither matches
        [NIK_C, "CITRA", "3503010000000003", "Pule", "Ds. Joho", "RT 3"],  # both (another desa)
    ])
    fig = live(s)
    assert fig["d1"]["semua"]["baris"] == 3  # every row counts in the totals
    assert fig["d1"]["per_kecamatan"] == {"35.03.01": {"baris": 1, "nik_unik": 1},
                                          "35.03.03": {"baris": 1, "nik_unik": 1}}
    panggul = live(s, "35.03.01")
    assert panggul["d1"]["semua"] == {"baris": 1, "nik_unik": 1}  # a Panggul user sees the kecamatan-only row
    with psycopg2.connect(s.database_url) as conn, conn.cursor() as cur:
        cur.execute("select status_lokasi, kode_kec, kode_desa from marts.mart_kpm order by nama")
        assert cur.fetchall() == [("desa_tidak_cocok", "35.03.01", None), ("tidak_diketahui", None, None),
                                  ("cocok", "35.03.03", "35.03.03.2003")]


def test_a_nik_ganda_listed_in_two_desa_of_one_kecamatan_is_published_once_per_desa(settings, tmp_path):
    """A person moved between two lists: PKH in Besuki as ANI, SEMBAKO in Terbis (both Panggul) as ANIK. One NIK
    ganda for the kabupaten and for Panggul; the NIK ganda mart holds a row per desa (a scale-1.0 bench once found
    two such rows sharing the key (nik, kode_kec), and the mart gate stopped every publication)."""
    s = settings
    deliver_list(s, tmp_path, "PKH", [[NIK_A, "ANI", "3503010000000001", "PANGGUL", "BESUKI", "RT 1"]])
    deliver_list(s, tmp_path, "SEMBAKO", [[NIK_A, "ANIK", "3503010000000001", "PANGGUL", "TERBIS", "RT 2"]])
    assert live(s)["d2"]["nik_ganda"] == 1
    assert live(s, "35.03.01")["d2"]["nik_ganda"] == 1
    with psycopg2.connect(s.database_url) as conn, conn.cursor() as cur:
        cur.execute("select kode_kec, kode_desa from marts.mart_nik_ganda order by kode_desa")
        assert cur.fetchall() == [("35.03.01", "35.03.01.2001"), ("35.03.01", "35.03.01.2002")]
        cur.execute("select count(*) from marts.nik_ganda_tersamar")
        assert cur.fetchone() == (2,)
