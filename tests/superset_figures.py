"""The figures contract (docs/definitions.md) as a Superset user receives it: from the chart data API of the synced
charts, read through that user's row-level security. Tests compare it with ``bansos360 figures``."""

from __future__ import annotations

from collections import defaultdict

# the charts whose data make up the contract, by their asset file name (= stable key)
CHARTS = ("d1_program", "d1_baris", "d1_nik", "d1_kecamatan", "d2_program", "d2_nik_ganda", "d3_program",
          "d4_kombinasi", "d4_jumlah_program", "d6_periode", "d7_status", "d8_periode", "d11_segmen", "d12_angka",
          "d12_jenis", "d12_umur", "d13_program", "d13_eksklusi", "d14_pemutakhiran", "d14_desil")

#: The keys of the figures contract these charts make.
KEYS = ("periode_terakhir", "d1", "d2", "d3", "d4", "d6", "d7", "d8", "d11", "d12", "d13", "d14")
D13_LABELS = {"desil_1_4": "Desil 1-4", "desil_5": "Desil 5", "desil_6_10": "Desil 6-10", "tanpa_desil": "Tanpa desil",
              "tidak_di_dtsen": "Tidak di DTSEN"}
D14_CHANGES = {"naik": "Naik", "turun": "Turun", "stagnan": "Stagnan", "baru": "Baru", "keluar": "Keluar"}


def _one(rows: list[dict], label: str) -> int:
    return int(rows[0][label]) if rows and rows[0][label] is not None else 0


def from_charts(data: dict[str, list[dict]], programs: list[str], limited: list[str]) -> dict:
    """Build the figures dict from the rows of the contract's charts (chart key -> its data rows).

    ``programs`` are the registered programme codes: one the charts do not show counts 0 here; ``limited`` those
    with a desil limit (dashboard 13 counts inclusion candidates for these).
    """
    prog = {r["program"]: r for r in data["d1_program"]}
    d2 = {r["program"]: r for r in data["d2_program"]}
    d3 = {r["program"]: r for r in data["d3_program"]}
    periods = sorted(r["periode"] for r in data["d6_periode"])

    def p(rows, key, label):
        return int(rows[key][label]) if key in rows else 0

    out: dict = {"periode_terakhir": periods[-1] if periods else None}
    out["d1"] = {
        "per_program": {k: {"baris": p(prog, k, "Baris KPM"), "nik_unik": p(prog, k, "NIK unik")} for k in programs},
        "semua": {"baris": _one(data["d1_baris"], "Baris KPM"), "nik_unik": _one(data["d1_nik"], "NIK unik")},
        "per_kecamatan": {r["kode_kec"]: {"baris": int(r["Baris KPM"]), "nik_unik": int(r["NIK unik"])}
                          for r in data["d1_kecamatan"] if r["kode_kec"] is not None},
    }
    out["d2"] = {"per_program": {k: {
        "nik_valid": p(d2, k, "NIK valid"), "nik_tidak_valid": p(d2, k, "NIK tidak valid"),
        "di_dtks": p(d2, k, "Di DTKS"), "tidak_di_dtks": p(d2, k, "Tidak di DTKS"),
        "kk_valid": p(d2, k, "KK valid"), "kk_tidak_valid": p(d2, k, "KK tidak valid")} for k in programs},
        "nik_ganda": _one(data["d2_nik_ganda"], "NIK ganda")}
    out["d3"] = {"per_program": {k: {
        "desil_1_2": p(d3, k, "Desil 1-2"), "desil_3_4": p(d3, k, "Desil 3-4"),
        "dtks_tanpa_desil": p(d3, k, "Di DTKS tanpa desil"), "tidak_di_dtks": p(d3, k, "Tidak di DTKS")}
        for k in programs}}
    k4 = data["d4_kombinasi"][0] if data["d4_kombinasi"] else defaultdict(int)
    jumlah = {str(int(r["jumlah_program"])): int(r["NIK"]) for r in data["d4_jumlah_program"]}
    out["d4"] = {
        "pkh_dan_sembako": int(k4["PKH dan SEMBAKO"] or 0), "pkh_tanpa_sembako": int(k4["PKH tanpa SEMBAKO"] or 0),
        "pkh_tanpa_kis": int(k4["PKH tanpa KIS"] or 0), "dua_program_lain": int(k4["Dua program lain"] or 0),
        "tiga_program_atau_lebih": int(k4["Tiga program atau lebih"] or 0),
        "pkh_atau_sembako_dan_kpe": int(k4["PKH/SEMBAKO dan KPE"] or 0),
        "jumlah_program": {str(i): jumlah.get(str(i), 0) for i in range(1, len(programs) + 1)},
    }
    d6_labels = {"rumah_tangga": "Rumah tangga", "keluarga": "Keluarga", "individu": "Individu", "kks": "KKS",
                 "pbi": "PBI (KIS)", "kip": "KIP", "pkh": "PKH", "bpnt": "BPNT"}
    out["d6"] = {r["periode"]: {k: int(r[v]) for k, v in d6_labels.items()} for r in data["d6_periode"]}
    d7_labels = {"naik": "Naik", "turun": "Turun", "stagnan": "Stagnan", "tanpa_desil": "Tanpa desil",
                 "baru": "Baru", "graduasi": "Graduasi"}
    out["d7"] = {r["periode"]: {k: int(r[v]) for k, v in d7_labels.items()} for r in data["d7_status"]}
    d8_labels = {"rt_usulan": "RT usulan", "rt_ditetapkan": "RT ditetapkan", "keluarga_usulan": "Keluarga usulan",
                 "keluarga_ditetapkan": "Keluarga ditetapkan", "individu_usulan": "Individu usulan",
                 "individu_ditetapkan": "Individu ditetapkan", "eksklusi": "Eksklusi", "inklusi": "Inklusi"}
    out["d8"] = {r["periode"]: {k: int(r[v]) for k, v in d8_labels.items()} for r in data["d8_periode"]}
    segmen = {r["segmen"]: int(r["Rumah tangga"]) for r in data["d11_segmen"]}
    out["d11"] = {s: segmen.get(s, 0) for s in "ABCDEFGHI"}
    angka = {r["jenis_kelamin"]: r for r in data["d12_angka"]}
    umur = {r["kelompok_umur"]: int(r["Orang"]) for r in data["d12_umur"]}
    out["d12"] = {
        "total": sum(int(r["Orang"]) for r in angka.values()),
        "laki_laki": int(angka["L"]["Orang"]) if "L" in angka else 0,
        "perempuan": int(angka["P"]["Orang"]) if "P" in angka else 0,
        "per_jenis": {r["jenis_disabilitas"]: int(r["Orang"]) for r in data["d12_jenis"]
                      if r["jenis_disabilitas"] is not None},
        "per_kelompok_umur": {g: umur.get(g, 0) for g in ("0-4", "5-17", "18-59", "60+")},
        "di_dtks": sum(int(r["Di DTKS"]) for r in angka.values()),
        "menerima_bansos": sum(int(r["Menerima bansos"]) for r in angka.values()),
    }
    out.update(_dtsen(data, programs, limited))
    return out


def _dtsen(data: dict[str, list[dict]], programs: list[str], limited: list[str]) -> dict:
    """Dashboards 13 and 14; nothing when no DTSEN update is published (the charts then have no update)."""
    updates = sorted(r["periode"] for r in data["d14_pemutakhiran"])
    if not updates:
        return {}
    d13 = {r["program"]: r for r in data["d13_program"]}
    eksklusi = data["d13_eksklusi"][0] if data["d13_eksklusi"] else defaultdict(int)
    latest = {r["periode_dtsen"] for r in data["d13_program"] + data["d13_eksklusi"]}
    out: dict = {"d13": {
        "periode_dtsen": latest.pop() if len(latest) == 1 else sorted(latest),
        "per_program": {k: {key: int(d13[k][label]) if k in d13 else 0 for key, label in D13_LABELS.items()}
                        for k in programs},
        "inklusi": {k: int(d13[k]["Kandidat inklusi"]) if k in d13 else 0 for k in limited},
        "eksklusi": {"keluarga": int(eksklusi["Keluarga"] or 0), "individu": int(eksklusi["Individu"] or 0)}}}
    per_desil = {r["periode"]: r for r in data["d14_desil"]}
    out["d14"] = {}
    for r in data["d14_pemutakhiran"]:
        entry = {"keluarga": int(r["Keluarga"]), "individu": int(r["Individu"]),
                 "per_desil": {str(d): int(per_desil[r["periode"]][f"Desil {d}"]) for d in range(1, 11)}}
        if r["periode"] != updates[0]:
            entry.update({key: int(r[label]) for key, label in D14_CHANGES.items()})
        out["d14"][r["periode"]] = entry
    return out
