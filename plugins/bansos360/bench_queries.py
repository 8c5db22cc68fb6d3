"""The queries the dashboards send, timed against the published marts (part of ``make bench``).

Each chart query is the aggregate behind one chart, filtered by one kecamatan as row-level security filters a
kecamatan user's queries; the 360 look-ups fetch one person or one household by NIK or IDBDT.
"""

from __future__ import annotations

import statistics
import time

import psycopg2

KEC = "35.03.05"

#: dashboard -> chart -> SQL (%(kec)s is the kecamatan of the row-level security rule)
CHART_QUERIES: dict[str, dict[str, str]] = {
    "1 overview KPM": {
        "per program": "select program, count(*), count(distinct nik) filter (where is_nik_valid) "
                       "from marts.mart_kpm where kode_kec = %(kec)s group by program",
        "per desa (peta)": "select kode_desa, count(*) from marts.mart_kpm where kode_kec = %(kec)s group by 1",
        "jenis kelamin x umur": "select jenis_kelamin, kelompok_umur, count(*) from marts.mart_kpm "
                                "where kode_kec = %(kec)s and is_di_dtks group by 1, 2",
    },
    "2 NIK/KK": {
        "validitas": "select program, count(*) filter (where is_nik_valid), count(*) filter (where is_di_dtks), "
                     "count(*) filter (where is_kk_valid) from marts.mart_kpm where kode_kec = %(kec)s group by 1",
        "NIK ganda": "select count(distinct nik) from marts.mart_nik_ganda where kode_kec = %(kec)s",
    },
    "3 desil": {
        "kelompok desil": "select program, kelompok_desil, count(*) from marts.mart_kpm "
                          "where kode_kec = %(kec)s group by 1, 2",
    },
    "4 banyaknya bantuan": {
        "kombinasi": "select count(*) filter (where is_pkh and is_sembako), "
                     "count(*) filter (where jumlah_program >= 3), "
                     "count(*) filter (where (is_pkh or is_sembako) and is_kpe) from marts.mart_kpm_nik "
                     "where tingkat = 'kecamatan' and kode_kec = %(kec)s",
        "jumlah program": "select jumlah_program, count(*) from marts.mart_kpm_nik "
                          "where tingkat = 'kecamatan' and kode_kec = %(kec)s group by 1",
    },
    "5 detail KPM": {
        "tabel (halaman 1)": "select * from marts.mart_kpm where kode_kec = %(kec)s order by nama_normal limit 100",
        "cari nama": "select * from marts.mart_kpm where kode_kec = %(kec)s and nama_normal like 'SITI%%' limit 100",
    },
    "6 DTKS per periode": {
        "per periode": "select periode, sum(rumah_tangga), sum(keluarga), sum(individu), sum(pkh) "
                       "from marts.mart_dtks_ringkasan where kode_kec = %(kec)s group by 1",
        "per desa (peta)": "select kode_desa, sum(individu) from marts.mart_dtks_ringkasan "
                           "where kode_kec = %(kec)s and periode = '2020-10' group by 1",
    },
    "7 perubahan desil": {
        "status per periode": "select periode, status, count(*) from marts.mart_perubahan_desil "
                              "where kode_kec = %(kec)s group by 1, 2",
    },
    "8 usulan vs penetapan": {
        "konversi": "select periode, rt_usulan, rt_ditetapkan, individu_usulan, individu_ditetapkan, eksklusi, "
                    "inklusi from marts.mart_usulan_ringkasan where tingkat = 'kecamatan' and kode_kec = %(kec)s",
        "per desa (peta)": "select kode_desa, individu_usulan, individu_ditetapkan from marts.mart_usulan_ringkasan "
                           "where tingkat = 'desa' and kode_kec = %(kec)s",
    },
    "11 segmentasi": {
        "segmen": "select segmen, count(*) from marts.mart_segmen_rumah_tangga where kode_kec = %(kec)s group by 1",
        "segmen x desil": "select segmen, desil, count(*) from marts.mart_segmen_rumah_tangga "
                          "where kode_kec = %(kec)s group by 1, 2",
    },
    "12 disabilitas": {
        "jenis x kelamin": "select jenis_disabilitas, jenis_kelamin, count(*) from marts.mart_disabilitas "
                           "where kode_kec = %(kec)s group by 1, 2",
        "di DTKS / menerima": "select count(*) filter (where is_di_dtks), count(*) filter (where is_menerima_bansos) "
                              "from marts.mart_disabilitas where kode_kec = %(kec)s",
    },
    "13 ketepatan sasaran DTSEN": {
        "per program (kabupaten, analis)": "select periode_dtsen, program, sum(desil_1_4), sum(desil_5), "
                                           "sum(desil_6_10), sum(tanpa_desil), sum(tidak_di_dtsen), max(desil_maks), "
                                           "sum(inklusi) from marts.mart_verval_ringkasan "
                                           "where tingkat = 'kabupaten' and program is not null group by 1, 2",
        "per program (kecamatan)": "select periode_dtsen, program, sum(desil_1_4), sum(desil_6_10), sum(inklusi) "
                                   "from marts.mart_verval_ringkasan where tingkat = 'kecamatan' "
                                   "and kode_kec = %(kec)s and program is not null group by 1, 2",
        "eksklusi (kabupaten)": "select sum(eksklusi_keluarga), sum(eksklusi_individu) from "
                                "marts.mart_verval_ringkasan where tingkat = 'kabupaten' and program is null",
        "per desa (peta)": "select kode_desa, sum(inklusi), sum(eksklusi_keluarga) from marts.mart_verval_ringkasan "
                           "where tingkat = 'desa' and kode_kec = %(kec)s group by 1",
        "daftar verval (halaman 1, analis)": "select alasan, program, desil, nama, nik, nokk, nama_desa, nama_kec, "
                                             "alamat, id_keluarga from marts.mart_daftar_verval limit 25",
        "daftar verval (jumlah baris, analis)": "select count(*) from marts.mart_daftar_verval",
        "daftar verval (kecamatan, Verval)": "select alasan, program, desil, nama, nik from marts.mart_daftar_verval "
                                             "where kode_kec = %(kec)s limit 25",
    },
    "14 DTSEN per pemutakhiran": {
        "per pemutakhiran (kabupaten)": "select periode, sum(keluarga), sum(individu), sum(desil_1), sum(desil_10), "
                                        "sum(naik), sum(keluar) from marts.mart_dtsen_ringkasan "
                                        "where tingkat = 'kabupaten' group by 1",
        "per desa (peta)": "select kode_desa, sum(keluarga) from marts.mart_dtsen_ringkasan where tingkat = 'desa' "
                           "and kode_kec = %(kec)s and periode = (select max(periode) from "
                           "marts.mart_dtsen_ringkasan) group by 1",
    },
}

#: the village page's charts (embed-desa), as the guest role reads them: the public views of one desa, the most
#: populous of the kecamatan (%(desa)s); they set the guests' statement timeout (db_access.limits)
VILLAGE_QUERIES: dict[str, str] = {
    "penerima per program": "select program, sum(penerima) from marts.publik_kpm_desa "
                            "where kode_desa = %(desa)s group by 1 order by 2 desc",
    "DTKS per periode": "select periode, sum(rumah_tangga), sum(individu) from marts.publik_dtks_desa "
                        "where kode_desa = %(desa)s group by 1 order by 1",
    "disabilitas per kategori": "select dimensi, kategori, sum(jumlah) from marts.publik_disabilitas_desa "
                                "where kode_desa = %(desa)s group by 1, 2 order by 3 desc",
    "DTSEN per kelompok desil": "select kelompok_desil, sum(keluarga) from marts.publik_dtsen_desa "
                                "where kode_desa = %(desa)s group by 1 order by 1",
    "semua baris desa, tiga tampilan": "select count(*) from (select kode_desa from marts.publik_kpm_desa "
                                       "where kode_desa = %(desa)s union all select kode_desa from "
                                       "marts.publik_dtks_desa where kode_desa = %(desa)s union all select "
                                       "kode_desa from marts.publik_disabilitas_desa where kode_desa = %(desa)s) as x",
}

LOOKUPS = {
    "9 individu 360 (NIK)": "select * from marts.mart_dtks_individu where nik = %(key)s order by periode",
    "10 rumah tangga 360 (IDBDT)": "select * from marts.mart_dtks_rumah_tangga where idbdt = %(key)s order by periode",
    "10 anggota rumah tangga (IDBDT)": "select * from marts.mart_dtks_individu where idbdt = %(key)s "
                                       "order by periode, idartbdt",
}


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def _timed(cur, query: str, params: list[dict]) -> tuple[float, float]:
    """p50/p95 (ms) of a query run once with each of ``params``."""
    samples = []
    for p in params:
        t = time.perf_counter()
        cur.execute(query, p)
        cur.fetchall()
        samples.append((time.perf_counter() - t) * 1000)
    return _percentiles(samples)


def run(url: str, repeat: int = 20) -> dict:
    """p50/p95 (ms) of every chart query for one kecamatan, and of the 360 look-ups over sampled keys."""
    out: dict = {"kecamatan": KEC, "repeat": repeat, "charts": {}, "lookups": {}}
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        for dashboard, charts in CHART_QUERIES.items():
            for chart, query in charts.items():
                out["charts"][f"{dashboard}: {chart}"] = _timed(cur, query, [{"kec": KEC}] * repeat)
        cur.execute("select nik from marts.mart_dtks_nik order by md5(nik) limit %s", (repeat * 5,))
        niks = [r[0] for r in cur.fetchall()]
        cur.execute("select idbdt from marts.mart_segmen_rumah_tangga order by md5(idbdt) limit %s", (repeat * 5,))
        idbdts = [r[0] for r in cur.fetchall()]
        for name, query in LOOKUPS.items():
            out["lookups"][name] = _timed(cur, query, [{"key": k} for k in (niks if "NIK" in name else idbdts)])
        cur.execute("select kode_desa from marts.mart_kpm where kode_kec = %s group by 1 order by count(*) desc "
                    "limit 1", (KEC,))
        desa = cur.fetchone()[0]
        out["desa"], out["village"] = desa, {}
        cur.execute("set role bansos360_publik")  # its grants; the views read as their owner
        for name, query in VILLAGE_QUERIES.items():
            out["village"][name] = _timed(cur, query, [{"desa": desa}] * repeat)
        cur.execute("reset role")
    return out


def report(r: dict) -> str:
    """The markdown table of a run."""
    lines = [f"| chart query, kecamatan {r['kecamatan']} ({r['repeat']} runs each) | p50 ms | p95 ms |",
             "|---|---|---|"]
    lines += [f"| {k} | {p50:.1f} | {p95:.1f} |" for k, (p50, p95) in r["charts"].items()]
    lines += ["", "| 360 look-up (one key per run) | p50 ms | p95 ms |", "|---|---|---|"]
    lines += [f"| {k} | {p50:.1f} | {p95:.1f} |" for k, (p50, p95) in r["lookups"].items()]
    if r.get("village"):
        lines += ["", f"| village page, as `bansos360_publik`, desa {r['desa']} ({r['repeat']} runs each) | p50 ms | "
                  "p95 ms |", "|---|---|---|"]
        lines += [f"| {k} | {p50:.1f} | {p95:.1f} |" for k, (p50, p95) in r["village"].items()]
    worst_chart = max(p95 for _, p95 in r["charts"].values())
    worst_lookup = max(p95 for _, p95 in r["lookups"].values())
    lines += ["", f"Worst chart p95: {worst_chart:.1f} ms (target ≤ 100 ms at scale 1.0); worst look-up p95: "
              f"{worst_lookup:.1f} ms (target ≤ 20 ms)."]
    return "\n".join(lines)
