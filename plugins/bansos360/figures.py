"""``bansos360 figures``: the figures contract of docs/definitions.md, read only from the published marts.

With a kecamatan, every figure is restricted exactly as row-level security restricts a user holding only
that kecamatan: only rows whose ``kode_kec`` is that kecamatan are read.
"""

from __future__ import annotations

from psycopg2 import sql

from bansos360 import sources

SEGMENTS = "ABCDEFGHI"


def _where(kecamatan: str | None, extra: str = "") -> tuple[sql.Composable, dict]:
    parts = [extra] if extra else []
    if kecamatan is not None:
        parts.append("kode_kec = %(kec)s")
    clause = sql.SQL(" where " + " and ".join(parts)) if parts else sql.SQL("")
    return clause, {"kec": kecamatan}


def _rows(cur, query: str, kecamatan: str | None, extra: str = "") -> list[tuple]:
    where, params = _where(kecamatan, extra)
    cur.execute(sql.SQL(query).format(where=where), params)
    return cur.fetchall()


def figures(conn, kecamatan: str | None = None) -> dict:
    """Every figure of the contract, from the live ``marts`` schema."""
    with conn.cursor() as cur:
        cur.execute("select max(periode) from marts.mart_dtks_ringkasan")
        latest = cur.fetchone()[0]
        out: dict = {"periode_terakhir": latest}
        # every registered programme (warehouse.program), a new one as soon as it is registered
        programs = [p.kode for p in sources.programs(cur)]

        per_program = {
            p: dict(zip(("baris", "nik_unik", "nik_valid", "di_dtks", "kk_valid", "d12", "d34", "tanpa"), r[1:],
                        strict=True))
            for p in programs
            for r in [next((x for x in _rows(cur, """
                select program, count(*), count(distinct nik) filter (where is_nik_valid),
                       count(*) filter (where is_nik_valid), count(*) filter (where is_di_dtks),
                       count(*) filter (where is_kk_valid),
                       count(*) filter (where kelompok_desil = 'Desil 1-2'),
                       count(*) filter (where kelompok_desil = 'Desil 3-4'),
                       count(*) filter (where kelompok_desil = 'Di DTKS tanpa desil')
                from marts.mart_kpm {where} group by program""", kecamatan) if x[0] == p), (p,) + (0,) * 8)]
        }
        total = _rows(cur, "select count(*), count(distinct nik) filter (where is_nik_valid) "
                      "from marts.mart_kpm {where}", kecamatan)[0]
        per_kec = _rows(cur, """
            select kode_kec, count(*), count(distinct nik) filter (where is_nik_valid)
            from marts.mart_kpm {where} group by kode_kec order by kode_kec""", kecamatan, "kode_kec is not null")
        out["d1"] = {
            "per_program": {p: {"baris": v["baris"], "nik_unik": v["nik_unik"]} for p, v in per_program.items()},
            "semua": {"baris": total[0], "nik_unik": total[1]},
            "per_kecamatan": {k: {"baris": b, "nik_unik": n} for k, b, n in per_kec},
        }
        ganda = _rows(cur, "select count(distinct nik) from marts.mart_nik_ganda {where}", kecamatan)[0][0]
        out["d2"] = {
            "per_program": {
                p: {"nik_valid": v["nik_valid"], "nik_tidak_valid": v["baris"] - v["nik_valid"],
                    "di_dtks": v["di_dtks"], "tidak_di_dtks": v["baris"] - v["di_dtks"],
                    "kk_valid": v["kk_valid"], "kk_tidak_valid": v["baris"] - v["kk_valid"]}
                for p, v in per_program.items()
            },
            "nik_ganda": ganda,
        }
        out["d3"] = {"per_program": {
            p: {"desil_1_2": v["d12"], "desil_3_4": v["d34"], "dtks_tanpa_desil": v["tanpa"],
                "tidak_di_dtks": v["baris"] - v["di_dtks"]}
            for p, v in per_program.items()
        }}

        level = "tingkat = 'kabupaten'" if kecamatan is None else "tingkat = 'kecamatan'"
        d4 = _rows(cur, """
            select count(*) filter (where is_pkh and is_sembako),
                   count(*) filter (where is_pkh and not is_sembako),
                   count(*) filter (where is_pkh and not is_kis),
                   count(*) filter (where jumlah_program = 2 and not (is_pkh and is_sembako)),
                   count(*) filter (where jumlah_program >= 3),
                   count(*) filter (where (is_pkh or is_sembako) and is_kpe)
            from marts.mart_kpm_nik {where}""", kecamatan, level)[0]
        jumlah = dict(_rows(cur, "select jumlah_program, count(*) from marts.mart_kpm_nik {where} group by 1",
                            kecamatan, level))
        out["d4"] = {
            **dict(zip(("pkh_dan_sembako", "pkh_tanpa_sembako", "pkh_tanpa_kis", "dua_program_lain",
                        "tiga_program_atau_lebih", "pkh_atau_sembako_dan_kpe"), d4[:6], strict=True)),
            # 1 .. the number of registered programmes
            "jumlah_program": {str(n): jumlah.get(n, 0) for n in range(1, len(programs) + 1)},
        }

        out["d6"] = {
            r[0]: dict(zip(("rumah_tangga", "keluarga", "individu", "kks", "pbi", "kip", "pkh", "bpnt"),
                           map(int, r[1:]), strict=True))
            for r in _rows(cur, """
                select periode, sum(rumah_tangga), sum(keluarga), sum(individu), sum(kks), sum(pbi), sum(kip),
                       sum(pkh), sum(bpnt)
                from marts.mart_dtks_ringkasan {where} group by periode order by periode""", kecamatan)
        }
        cur.execute("select distinct periode from marts.mart_perubahan_desil order by 1")
        d7 = {p: dict.fromkeys(("naik", "turun", "stagnan", "tanpa_desil", "baru", "graduasi"), 0)
              for (p,) in cur.fetchall()}
        for periode, status, n in _rows(cur, """
                select periode, status, count(*) from marts.mart_perubahan_desil {where} group by 1, 2""",
                                        kecamatan):
            d7[periode][status] = n
        out["d7"] = d7

        d8_keys = ("rt_usulan", "rt_ditetapkan", "keluarga_usulan", "keluarga_ditetapkan", "individu_usulan",
                   "individu_ditetapkan", "eksklusi", "inklusi")
        level = "tingkat = 'kabupaten'" if kecamatan is None else "tingkat = 'kecamatan'"
        out["d8"] = {
            r[0]: dict(zip(d8_keys, r[1:], strict=True))
            for r in _rows(cur, "select periode, " + ", ".join(d8_keys)  # noqa: S608 - fixed column names
                           + " from marts.mart_usulan_ringkasan {where} order by periode", kecamatan, level)
        }

        d11 = dict.fromkeys(SEGMENTS, 0)
        for segmen, n in _rows(cur, "select segmen, count(*) from marts.mart_segmen_rumah_tangga {where} group by 1",
                               kecamatan):
            d11[segmen] = n
        out["d11"] = d11

        t = _rows(cur, """
            select count(*), count(*) filter (where jenis_kelamin = 'L'), count(*) filter (where jenis_kelamin = 'P'),
                   count(*) filter (where is_di_dtks), count(*) filter (where is_menerima_bansos)
            from marts.mart_disabilitas {where}""", kecamatan)[0]
        jenis = _rows(cur, """
            select jenis_disabilitas, count(*) from marts.mart_disabilitas {where} group by 1 order by 1""",
                      kecamatan)
        umur = dict.fromkeys(("0-4", "5-17", "18-59", "60+"), 0)
        for g, n in _rows(cur, "select kelompok_umur, count(*) from marts.mart_disabilitas {where} group by 1",
                          kecamatan):
            umur[g] = n
        out["d12"] = {"total": t[0], "laki_laki": t[1], "perempuan": t[2],
                      "per_jenis": {j: n for j, n in jenis if j is not None}, "per_kelompok_umur": umur,
                      "di_dtks": t[3], "menerima_bansos": t[4]}
        cur.execute("select distinct periode from marts.mart_dtsen_keluarga order by 1")
        updates = [r[0] for r in cur.fetchall()]
        if updates:  # DTSEN: only once an update is published
            out["d13"] = _d13(cur, kecamatan, updates[-1], sources.programs(cur))
            out["d14"] = _d14(cur, kecamatan, updates)
    return out


D13_GROUPS = ("desil_1_4", "desil_5", "desil_6_10", "tanpa_desil", "tidak_di_dtsen")


def _d13(cur, kecamatan: str | None, latest: str, programs) -> dict:
    """Dashboard 13 over the latest update and the current KPM (docs/definitions.md, "DTSEN")."""
    per_program = {p.kode: dict.fromkeys(D13_GROUPS, 0) for p in programs}
    for program, group, n in _rows(cur, """
            select program, kelompok_dtsen, count(*) from marts.mart_dtsen_kpm {where} group by 1, 2""", kecamatan):
        per_program[program][group] = n
    inklusi = {p.kode: 0 for p in programs if p.desil_maks is not None}
    for program, n in _rows(cur, """
            select program, count(distinct nik) from marts.mart_daftar_verval {where} group by 1""",
                            kecamatan, "alasan = 'inklusi'"):
        inklusi[program] = n
    keluarga, individu = _rows(cur, """
        select count(distinct id_keluarga), count(distinct nik) filter (where is_nik_valid)
        from marts.mart_daftar_verval {where}""", kecamatan, "alasan = 'eksklusi'")[0]
    return {"periode_dtsen": latest, "per_program": per_program, "inklusi": inklusi,
            "eksklusi": {"keluarga": keluarga, "individu": individu}}


def _d14(cur, kecamatan: str | None, updates: list[str]) -> dict:
    """Dashboard 14 per update (docs/definitions.md, "DTSEN"); the first has no change keys."""
    out = {u: {"keluarga": 0, "individu": 0, "per_desil": {str(d): 0 for d in range(1, 11)}} for u in updates}
    for u in updates[1:]:
        out[u].update(dict.fromkeys(("naik", "turun", "stagnan", "baru", "keluar"), 0))
    for periode, desil, n in _rows(cur, """
            select periode, desil, count(*) from marts.mart_dtsen_keluarga {where} group by 1, 2""", kecamatan):
        out[periode]["keluarga"] += n
        if desil is not None:
            out[periode]["per_desil"][str(desil)] = n
    for periode, n in _rows(cur, """
            select periode, count(distinct nik) from marts.mart_dtsen_nik {where} group by 1""", kecamatan):
        out[periode]["individu"] = n
    for periode, status, n in _rows(cur, """
            select periode, status, count(*) from marts.mart_dtsen_perubahan {where} group by 1, 2""", kecamatan):
        if status != "tanpa_desil":
            out[periode][status] = n
    return out


def compare(expected, actual, path: str = "") -> list[str]:
    """Every figure that differs, as 'path: expected X, actual Y'."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        diffs = []
        for key in sorted(set(expected) | set(actual)):
            diffs += compare(expected.get(key), actual.get(key), f"{path}.{key}" if path else key)
        return diffs
    return [] if expected == actual else [f"{path}: diharapkan/expected {expected}, aktual/actual {actual}"]
