"""The figures contract of docs/definitions.md, computed from the generator's own knowledge of what it wrote.

This never reads the files back and never runs the pipeline: every record here is what the generator chose
(the person, whether the NIK it wrote is valid, where it placed the row), and each figure applies the
definition of docs/definitions.md to those records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from bansos360.synth.deliveries import ProposalRecord, RegisterRecord
from bansos360.synth.dtsen import FamilyRecord
from bansos360.synth.files import ListRecord
from bansos360.synth.population import PERIODS, Population, nik_written

SEGMENTS = "ABCDEFGHI"


@dataclass(frozen=True)
class DtksRecord:
    """One individual of a DTKS period as written (exact duplicates already dropped)."""

    nik: str  # clean NIK when valid, else ""
    name: str
    desil: int | None
    pbi: bool
    flags: tuple[int, int, int, int, int]
    nokk: str  # the No. KK written, when valid, else ""
    idbdt: str
    nuk: int
    kode_kec: str


def dtks_records(pop: Population) -> dict[str, list[DtksRecord]]:
    """Per period, the individual records the ART file carries."""
    out: dict[str, list[DtksRecord]] = {}
    for periode in PERIODS:
        recs = []
        for h in pop.active[periode]:
            pct = h.percentile_by_period[periode]
            desil = None if pct is None else (pct + 9) // 10
            kec = h.desa_by_period[periode].kode_kec
            for p in h.members:
                _, valid, clean = nik_written(pop, periode, p)
                flags = p.flags[periode]
                recs.append(DtksRecord(clean if valid else "", p.name, desil, flags[1] == 1, flags,
                                       "" if p.nokk_dtks else p.nokk, h.idbdt, p.nuk, kec))
        out[periode] = recs
    return out


def _kpm_rows(lists: dict[str, list[ListRecord]]) -> list[ListRecord]:
    """KPM rows: list rows without exact duplicates (same programme, raw NIK and normalised name).

    Across every list of a programme: the row of the earliest list is kept (``lists`` holds a programme's lists in
    the order of their as-of dates).
    """
    rows = []
    seen: set[tuple[str, str, str]] = set()
    for records in lists.values():
        for r in records:
            key = (r.program, r.nik_raw, r.nama_normal)
            if key in seen:
                continue
            seen.add(key)
            rows.append(r)
    return rows


def figures(pop: Population, dtks: dict[str, list[DtksRecord]], lists: dict[str, list[ListRecord]],
            register: list[RegisterRecord], proposals: dict[str, list[ProposalRecord]],
            kecamatan: str | None = None, dtsen: DtsenTruth | None = None) -> dict:
    """The figures contract, for the whole kabupaten or restricted to one kecamatan.

    ``lists`` holds every list by name, in publication order; ``dtsen`` the DTSEN updates and the current lists.
    """
    latest = PERIODS[-1]
    programs = list(dict.fromkeys(r.program for records in lists.values() for r in records))

    def here(kec: str | None) -> bool:
        return kecamatan is None or kec == kecamatan

    # the latest DTKS period, by valid NIK: lowest known desil, KIS if any record has it, valid KK if any
    by_nik: dict[str, dict] = {}
    for r in dtks[latest]:
        if not r.nik:
            continue
        e = by_nik.setdefault(r.nik, {"desil": None, "pbi": False, "kk": False})
        if r.desil is not None and (e["desil"] is None or r.desil < e["desil"]):
            e["desil"] = r.desil
        e["pbi"] |= r.pbi
        e["kk"] |= bool(r.nokk)
    kpm = _kpm_rows(lists)
    mine = [r for r in kpm if here(r.kode_kec)]

    # d1
    d1: dict = {"per_program": {}, "semua": {}, "per_kecamatan": {}}
    for program in programs:
        rows = [r for r in mine if r.program == program]
        d1["per_program"][program] = {"baris": len(rows), "nik_unik": len({r.nik_clean for r in rows if r.nik_valid})}
    d1["semua"] = {"baris": len(mine), "nik_unik": len({r.nik_clean for r in mine if r.nik_valid})}
    by_kec: dict[str, list[ListRecord]] = defaultdict(list)
    for r in mine:
        if r.kode_kec:
            by_kec[r.kode_kec].append(r)
    d1["per_kecamatan"] = {
        k: {"baris": len(v), "nik_unik": len({r.nik_clean for r in v if r.nik_valid})}
        for k, v in sorted(by_kec.items())
    }

    # d2, d3
    d2: dict = {"per_program": {}}
    d3: dict = {"per_program": {}}
    for program in programs:
        rows = [r for r in mine if r.program == program]
        valid = [r for r in rows if r.nik_valid]
        in_dtks = [r for r in valid if r.nik_clean in by_nik]
        kk_valid = [r for r in in_dtks if by_nik[r.nik_clean]["kk"]]
        d2["per_program"][program] = {
            "nik_valid": len(valid), "nik_tidak_valid": len(rows) - len(valid),
            "di_dtks": len(in_dtks), "tidak_di_dtks": len(rows) - len(in_dtks),
            "kk_valid": len(kk_valid), "kk_tidak_valid": len(rows) - len(kk_valid),
        }
        desil = [by_nik[r.nik_clean]["desil"] for r in in_dtks]
        d3["per_program"][program] = {
            "desil_1_2": sum(1 for d in desil if d in (1, 2)), "desil_3_4": sum(1 for d in desil if d in (3, 4)),
            "dtks_tanpa_desil": sum(1 for d in desil if d is None), "tidak_di_dtks": len(rows) - len(in_dtks),
        }
    names: dict[str, set[str]] = defaultdict(set)
    for r in kpm:
        if r.nik_valid:
            names[r.nik_clean].add(r.nama_normal)
    for r in dtks[latest]:
        if r.nik:
            names[r.nik].add(r.name)
    ganda = {n for n, s in names.items() if len(s) > 1}
    d2["nik_ganda"] = len({r.nik_clean for r in mine if r.nik_valid and r.nik_clean in ganda})

    # d4
    programs_of: dict[str, set[str]] = defaultdict(set)
    for r in mine:
        if r.nik_valid:
            programs_of[r.nik_clean].add(r.program)
    d4 = {"pkh_dan_sembako": 0, "pkh_tanpa_sembako": 0, "pkh_tanpa_kis": 0, "dua_program_lain": 0,
          "tiga_program_atau_lebih": 0, "pkh_atau_sembako_dan_kpe": 0,
          "jumlah_program": {str(n): 0 for n in range(1, len(programs) + 1)}}
    for nik, ps in programs_of.items():
        pkh, sembako = "PKH" in ps, "SEMBAKO" in ps
        d4["pkh_dan_sembako"] += pkh and sembako
        d4["pkh_tanpa_sembako"] += pkh and not sembako
        d4["pkh_tanpa_kis"] += pkh and not (nik in by_nik and by_nik[nik]["pbi"])
        d4["dua_program_lain"] += len(ps) == 2 and ps != {"PKH", "SEMBAKO"}
        d4["tiga_program_atau_lebih"] += len(ps) >= 3
        d4["pkh_atau_sembako_dan_kpe"] += (pkh or sembako) and "KPE" in ps
        d4["jumlah_program"][str(len(ps))] += 1

    # d6
    d6 = {}
    for periode in PERIODS:
        recs = [r for r in dtks[periode] if here(r.kode_kec)]
        d6[periode] = {
            "rumah_tangga": len({r.idbdt for r in recs}), "keluarga": len({(r.idbdt, r.nuk) for r in recs}),
            "individu": len(recs),
            **{k: sum(1 for r in recs if r.flags[i] == 1) for i, k in enumerate(("kks", "pbi", "kip", "pkh", "bpnt"))},
        }

    # d7
    desil_of: dict[str, dict[str, int | None]] = {}
    kec_of: dict[str, dict[str, str]] = {}
    for periode in PERIODS:
        desil_of[periode], kec_of[periode] = {}, {}
        for h in pop.active[periode]:
            pct = h.percentile_by_period[periode]
            desil_of[periode][h.idbdt] = None if pct is None else (pct + 9) // 10
            kec_of[periode][h.idbdt] = h.desa_by_period[periode].kode_kec
    d7 = {}
    for prev, cur in zip(PERIODS, PERIODS[1:], strict=False):
        c = {"naik": 0, "turun": 0, "stagnan": 0, "tanpa_desil": 0, "baru": 0, "graduasi": 0}
        for idbdt, desil in desil_of[cur].items():
            if not here(kec_of[cur][idbdt]):
                continue
            if idbdt not in desil_of[prev]:
                c["baru"] += 1
                continue
            before = desil_of[prev][idbdt]
            if desil is None or before is None:
                c["tanpa_desil"] += 1
            elif desil > before:
                c["naik"] += 1
            elif desil < before:
                c["turun"] += 1
            else:
                c["stagnan"] += 1
        c["graduasi"] = sum(1 for i in desil_of[prev] if i not in desil_of[cur] and here(kec_of[prev][i]))
        d7[cur] = c

    # d8
    d8 = {}
    for periode, recs in proposals.items():
        dtks_nik = {r.nik for r in dtks[periode] if r.nik}
        dtks_kk = {r.nokk for r in dtks[periode] if r.nokk}
        mine_p = [r for r in recs if here(r.kode_kec)]
        niks = {r.nik_clean for r in mine_p if r.nik_valid}
        kks = {r.nokk for r in mine_p if r.nokk_valid}
        all_proposed = {r.nik_clean for r in recs if r.nik_valid}
        established_rt = {r.id_usulan_rt for r in mine_p if r.nik_valid and r.nik_clean in dtks_nik}
        inklusi = {r.nik for r in dtks[periode] if r.nik and here(r.kode_kec)} - all_proposed
        d8[periode] = {
            "rt_usulan": len({r.id_usulan_rt for r in mine_p}), "rt_ditetapkan": len(established_rt),
            "keluarga_usulan": len(kks), "keluarga_ditetapkan": len(kks & dtks_kk),
            "individu_usulan": len(niks), "individu_ditetapkan": len(niks & dtks_nik),
            "eksklusi": len(niks - dtks_nik), "inklusi": len(inklusi),
        }

    # d11
    d11 = dict.fromkeys(SEGMENTS, 0)
    present: dict[str, list[str]] = defaultdict(list)
    for periode in PERIODS:
        for idbdt in desil_of[periode]:
            present[idbdt].append(periode)
    for idbdt, periods in present.items():
        last = periods[-1]
        if not here(kec_of[last][idbdt]):
            continue
        r = 0 if last == latest else (1 if last in PERIODS[-3:-1] else 2)
        n = len(periods)
        f = 0 if n >= 4 else (1 if n >= 2 else 2)
        d11[SEGMENTS[3 * r + f]] += 1

    # d12
    reg = [r for r in register if not r.is_duplicate and here(r.kode_kec)]
    any_list = {r.nik_clean for r in kpm if r.nik_valid}
    per_jenis: dict[str, int] = defaultdict(int)
    groups = {"0-4": 0, "5-17": 0, "18-59": 0, "60+": 0}
    for r in reg:
        per_jenis[r.jenis] += 1
        groups["0-4" if r.age < 5 else "5-17" if r.age < 18 else "18-59" if r.age < 60 else "60+"] += 1
    d12 = {
        "total": len(reg), "laki_laki": sum(r.gender == "L" for r in reg),
        "perempuan": sum(r.gender == "P" for r in reg), "per_jenis": dict(sorted(per_jenis.items())),
        "per_kelompok_umur": groups,
        "di_dtks": sum(1 for r in reg if r.nik_valid and r.nik_clean in by_nik),
        "menerima_bansos": sum(1 for r in reg if r.nik_valid and r.nik_clean in any_list),
    }
    out = {"periode_terakhir": latest, "d1": d1, "d2": d2, "d3": d3, "d4": d4, "d6": d6, "d7": d7, "d8": d8,
           "d11": d11, "d12": d12}
    if dtsen is not None:
        out["d13"] = _d13(dtsen, here)
        out["d14"] = _d14(dtsen, here)
    return out


@dataclass(frozen=True)
class DtsenTruth:
    """What the generator wrote of the DTSEN updates, and each programme's current list and desil limit."""

    families: dict[str, dict[str, FamilyRecord]]  # update -> family id -> what the update says of it
    current: dict[str, list[ListRecord]]  # programme -> the rows of its most recent list
    limits: dict[str, int | None]  # programme -> desil_maks


D13_GROUPS = ("desil_1_4", "desil_5", "desil_6_10", "tanpa_desil", "tidak_di_dtsen")


def _d13(t: DtsenTruth, here) -> dict:
    """Dashboard 13 over the latest update Q and the current KPM (docs/definitions.md, "DTSEN")."""
    latest = max(t.families)
    families = t.families[latest].values()
    in_q = {n for f in families for n in f.niks}
    desil: dict[str, int] = {}
    for f in families:
        for n in f.niks:
            if f.desil is not None and f.desil < desil.get(n, 99):
                desil[n] = f.desil
    rows = {p: [r for r in recs if not r.is_duplicate] for p, recs in t.current.items()}
    per_program = {}
    for program, recs in rows.items():
        c = dict.fromkeys(D13_GROUPS, 0)
        for r in recs:
            if not here(r.kode_kec):
                continue
            if not r.nik_valid or r.nik_clean not in in_q:
                c["tidak_di_dtsen"] += 1
            elif r.nik_clean not in desil:
                c["tanpa_desil"] += 1
            else:
                d = desil[r.nik_clean]
                c["desil_1_4" if d <= 4 else "desil_5" if d == 5 else "desil_6_10"] += 1
        per_program[program] = c
    inklusi = {
        p: len({r.nik_clean for r in rows[p] if here(r.kode_kec) and r.nik_valid and desil.get(r.nik_clean, 0) > m})
        for p, m in t.limits.items() if m is not None
    }
    receiving = {r.nik_clean for recs in rows.values() for r in recs if r.nik_valid}
    poor = [f for f in families if f.desil is not None and f.desil <= 4 and not f.niks & receiving
            and here(f.kode_kec)]
    return {"periode_dtsen": latest, "per_program": per_program, "inklusi": inklusi,
            "eksklusi": {"keluarga": len(poor), "individu": len({n for f in poor for n in f.niks})}}


def _d14(t: DtsenTruth, here) -> dict:
    """Dashboard 14 per update; the first has no change keys."""
    out = {}
    updates = sorted(t.families)
    for i, update in enumerate(updates):
        mine = [f for f in t.families[update].values() if here(f.kode_kec)]
        e: dict = {"keluarga": len(mine), "individu": len({n for f in mine for n in f.niks}),
                   "per_desil": {str(d): sum(1 for f in mine if f.desil == d) for d in range(1, 11)}}
        if i:
            before = t.families[updates[i - 1]]
            e.update(dict.fromkeys(("naik", "turun", "stagnan", "baru", "keluar"), 0))
            for f in mine:
                old = before.get(f.fid)
                if old is None:
                    e["baru"] += 1
                elif f.desil is not None and old.desil is not None:
                    e["naik" if f.desil > old.desil else "turun" if f.desil < old.desil else "stagnan"] += 1
            e["keluar"] = sum(1 for f in before.values() if f.fid not in t.families[update] and here(f.kode_kec))
        out[update] = e
    return out


def reference_day() -> dt.date:
    """Ages are computed on the first day of the latest period's month."""
    y, m = PERIODS[-1].split("-")
    return dt.date(int(y), int(m), 1)
