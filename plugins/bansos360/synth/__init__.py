"""``bansos360 synth``: a realistic synthetic lake of Trenggalek deliveries, its manifest and its ground truth.

Rates of the planted defects (per record unless said otherwise), so a reader knows what to expect:

| defect | where | rate |
|---|---|---|
| invalid NIK (15 digits, serial 0000, month 13) | DTKS persons (persistent) / lists / register / proposals |
  1.0% / 1.5% / 2% / 1% |
| NIK in scientific notation (corrupted) | DTKS rows per period / the CSV list | 0.2% / 0.5% |
| NIK from a numeric Excel cell (corrupted) | the .xlsx lists | 1.0% |
| NIK with apostrophe, dots or spaces (still valid) | DTKS rows / lists | 0.5% / 1.5% |
| one NIK in two households of a period (NIK ganda) | DTKS persons per period | 0.05% |
| wrong name typed against a NIK (NIK ganda) | list rows | 0.2% |
| exact duplicate rows | ART / RT / lists / register | 0.1% / 0.05% / 0.5% / 0.4% |
| blank rows | lists / register | 0.2% / 0.3% |
| impossible birth date (30/31 February) | DTKS persons (0.1% drawn per period, kept after) | ~0.5% |
| desa not matching (kecamatan matches) / kecamatan not matching | list rows | 0.5% / 0.2% |
| desa spelling variant (Ngulangkulon), DESA/DS./KEL./KEC. prefixes, case | list rows | 50% of that desa / ~30% |
| No. KK of a family written invalid (15 digits) | DTKS families | 0.5% |
| household without desil | DTKS households per period | 2% |
| title rows above the header, merged | Sembako (3), KPE (1), register (1) | per file |
| header aliases and case | TmptLahir (2019-07), Ada_rastra (2019-10), Status_Kesejahteraan (2020-10), |
  lower/upper case headers (2019-07, 2020-01) | per file |
| Windows-1252 with `;` / BOM / `|` delimiter / blank trailing lines | 2019-07 and BST / 2019-10 / 2020-01 / |
  2020-10 | per file |

The three DTSEN updates of 2025 and the 2025 lists of PKH and SEMBAKO (the current KPM of dashboard 13) have
their own defects and rates: synth/dtsen.py.

Same seed, same bytes.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from bansos360 import sources
from bansos360.synth import deliveries, dtsen, files, population, truth


def generate(out: Path, seed: int = 360, scale: float = 1.0, extra_programs: tuple[dict, ...] = ()) -> dict:
    """Write a synthetic lake, its manifest and its ground truth under ``out``.

    Files: ``files/*``, ``manifest.json``, ``ground_truth.json`` (the figures contract, whole kabupaten),
    ``ground_truth_kecamatan.json`` (the same per kecamatan) and ``warehouse_truth.json`` (planted counts).
    ``extra_programs`` (dicts with ``kode, sumber, nama, pemilik``) are programmes the registry must add before
    their lists are submitted: each gets a list (``files.EXTRA_LIST``) written after every other file, so the
    rest of the lake is the same bytes with or without them, and its manifest entry carries ``program_baru``.
    """
    started = time.monotonic()
    rng = random.Random(seed)
    out = Path(out)
    target = out / "files"
    target.mkdir(parents=True, exist_ok=True)
    pop = population.build(rng, scale)
    manifest: list[dict] = []
    planted: dict = {"dtks": {}, "daftar": {}, "disabilitas": {}, "usulan": {}}
    for periode in population.PERIODS:
        name = population.DTKS_FILE_NAMES[periode]
        k = files.write_dtks(pop, periode, target / name)
        manifest.append({"file": f"files/{name}", "source": "dtks", "periode": periode})
        planted["dtks"][periode] = {
            "rt_baris_berkas": k.rt_rows_written, "art_baris_berkas": k.art_rows_written,
            "rumah_tangga": k.rt_rows_written - k.rt_duplicates, "individu": k.art_rows_written - k.art_duplicates,
            "rt_duplikat": k.rt_duplicates, "art_duplikat": k.art_duplicates,
            "nik_tidak_valid": k.art_invalid_nik, "nik_rusak": k.art_corrupted_nik,
            "tgl_lahir_tidak_valid": k.art_bad_dates, "kk_tidak_valid": k.art_invalid_kk,
        }
    pools = deliveries.make_pools(rng, pop)
    proposals = {}
    for periode in ("2020-01", "2020-10"):
        name = f"Usulan Prelist Akhir DTKS {periode}.csv"
        proposals[periode] = deliveries.write_proposal(rng, pop, pools, periode, target, name)
        manifest.append({"file": f"files/{name}", "source": "usulan", "periode": periode})
        planted["usulan"][periode] = {
            "baris": len(proposals[periode]), "nik_tidak_valid": sum(not r.nik_valid for r in proposals[periode]),
        }
    members = deliveries.choose_members(rng, pools, scale)
    all_names = sorted({p.name for h in pop.households[:2000] for p in h.members})
    lists = {}
    for program in files.LIST_SPECS:
        spec = files.LIST_SPECS[program]
        lists[program] = deliveries.write_list(rng, program, members[program], target, all_names)
        manifest.append({"file": f"files/{spec['file']}", "source": program.lower(), "label": spec["label"],
                         "as_of": spec["as_of"]})
    register = deliveries.write_register(rng, pop, pools, scale, target, truth.reference_day())
    manifest.append({"file": "files/Data Disabilitas Trenggalek.xlsx", "source": "disabilitas",
                     "label": "Data Disabilitas Trenggalek"})
    planted["disabilitas"] = {"baris": sum(not r.is_duplicate for r in register),
                              "duplikat": sum(r.is_duplicate for r in register),
                              "kecamatan_tidak_cocok": sum(r.kode_kec is None for r in register if not r.is_duplicate),
                              "desa_tidak_cocok": sum(r.kode_desa is None for r in register if not r.is_duplicate)}
    # DTSEN (2025): three updates and the 2025 lists of PKH and SEMBAKO, from a generator of their own, so the
    # files above are the same bytes with or without them; written before the registry's extra programmes
    families, nikf, drng = dtsen.build(seed, scale, pop, pools.nikf.used)
    updates = dtsen.write(drng, families, target)
    for update in dtsen.UPDATES:
        manifest.append({"file": f"files/{dtsen.FILE_NAMES[update]}", "source": "dtsen", "periode": update})
    limits = {p.kode: p.desil_maks for p in sources.shipped_programs()}
    for program, spec in dtsen.LISTS_2025.items():
        who = dtsen.list_members(drng, families, nikf, pop.desa, program, limits[program])
        lists[spec["label"]] = deliveries.write_list(drng, program, who, target, all_names, spec)
        manifest.append({"file": f"files/{spec['file']}", "source": program.lower(), "label": spec["label"],
                         "as_of": spec["as_of"]})
    planted["dtsen"] = updates.planted
    for program in extra_programs:
        spec = {**files.EXTRA_LIST, "file": f"Daftar KPM {program['kode']} 2020.xlsx",
                "title": [t.format(nama=program["nama"].upper()) for t in files.EXTRA_LIST["title"]]}
        who = deliveries.choose_extra_members(rng, pools, members, max(10, round(8_000 * scale)))
        lists[program["kode"]] = deliveries.write_list(rng, program["kode"], who, target, all_names, spec)
        manifest.append({"file": f"files/{spec['file']}", "source": program["sumber"],
                         "label": f"{program['kode']} 2020", "as_of": spec["as_of"], "program_baru": dict(program)})
    for recs in lists.values():  # per programme, over all its lists (2020, and 2025 for PKH and SEMBAKO)
        counts = planted["daftar"].setdefault(recs[0].program, dict.fromkeys(
            ("baris_data", "duplikat", "baris_kpm", "nik_tidak_valid", "kecamatan_tidak_cocok", "desa_tidak_cocok"),
            0))
        kept = [r for r in recs if not r.is_duplicate]
        counts["baris_data"] += len(recs)
        counts["duplikat"] += len(recs) - len(kept)
        counts["baris_kpm"] += len(kept)
        counts["nik_tidak_valid"] += sum(not r.nik_valid for r in kept)
        counts["kecamatan_tidak_cocok"] += sum(r.kode_kec is None for r in kept)
        counts["desa_tidak_cocok"] += sum(r.kode_desa is None for r in kept)
    dtks = truth.dtks_records(pop)
    kecamatan = sorted({d.kode_kec for d in pop.desa})
    current = {}  # each programme's most recent list: the latest as-of date (the 2025 lists for PKH and SEMBAKO)
    for recs in lists.values():
        current[recs[0].program] = recs
    limits.update({p["kode"]: None for p in extra_programs})
    known = truth.DtsenTruth(updates.families, current, limits)
    ground = truth.figures(pop, dtks, lists, register, proposals, dtsen=known)
    per_kec = {k: truth.figures(pop, dtks, lists, register, proposals, k, dtsen=known) for k in kecamatan}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    (out / "ground_truth.json").write_text(json.dumps(ground, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    (out / "ground_truth_kecamatan.json").write_text(
        json.dumps(per_kec, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    (out / "warehouse_truth.json").write_text(json.dumps(planted, indent=2, ensure_ascii=False) + "\n")
    return {"out": str(out), "seed": seed, "scale": scale, "files": len(manifest),
            "seconds": round(time.monotonic() - started, 1)}
