"""Synthetic DTSEN updates (2025) and the programme lists of 2025, from the same population as the DTKS periods.

Every DTKS household of the latest period reappears as a DTSEN family with a desil near its DTKS one (most of
them: some are gone), and new families fill the rest of the population (about 750,000 people at scale 1.0). Each
update moves some families' desil, loses some families and adds others. The generator keeps what it wrote of
every row (``FamilyRecord``, ``RowRecord``); the ground truth of dashboards 13 and 14 is computed from that.

Planted defects (per row unless said otherwise):

| defect | rate |
|---|---|
| invalid NIK (15 digits, serial 0000, month 13) | 1% |
| exact duplicate row | 0.2% |
| desil written 0 or 11 on every row of the family (no desil) | 0.2% + 0.2% of families per update |
| one member's row carries a higher desil than the family's others | 0.5% of families of two or more |
| a person also on the rows of a second family | 0.1% of persons |
| a place that matches nothing (an unknown code; a misspelt desa where names place the rows) | 0.3% of families |

Layouts: 2025-05 an .xlsx with a title row placed by dotted Kemendagri codes, 2025-08 a `;` CSV placed by
kecamatan and desa names, 2025-11 a zip of one CSV placed by ten-digit codes.
"""

from __future__ import annotations

import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from bansos360.synth import files
from bansos360.synth.deliveries import ALIASES
from bansos360.synth.population import (
    PERIODS,
    Desa,
    NikFactory,
    Person,
    Population,
    invalid_form,
    outsider,
    random_birth,
)

UPDATES = ("2025-05", "2025-08", "2025-11")
FILE_NAMES = {"2025-05": "DTSEN Kab Trenggalek Mei 2025.xlsx", "2025-08": "DTSEN_3503_2025-08.csv",
              "2025-11": "DTSEN 3503 Pemutakhiran November 2025.zip"}
HEADERS = {
    "2025-05": ["ID_KELUARGA", "NO_KK", "NIK", "NAMA", "HUB_KEL", "JK", "TGL_LAHIR", "DESIL_NASIONAL",
                "KODE_WILAYAH", "ALAMAT"],
    "2025-08": ["IDKELUARGA", "NOKK", "NIK_ART", "NAMA_ART", "HUBUNGAN_KELUARGA", "JENIS_KELAMIN", "TANGGAL_LAHIR",
                "DESIL", "KECAMATAN", "DESA", "ALAMAT"],
    "2025-11": ["ID_DTSEN", "NOMOR_KK", "NIK", "NAMA_LENGKAP", "HUB_KK", "JNS_KEL", "TGL_LAHIR", "PERINGKAT_DESIL",
                "KD_DESA_DAGRI", "ALAMAT"],
}
#: People per update at scale 1.0: the whole population of the kabupaten.
POPULATION = 750_000
#: The lists of 2025, each its programme's most recent list: the current KPM of dashboard 13.
LISTS_2025 = {
    "PKH": {"file": "Daftar KPM PKH Tahap 4 2025.xlsx", "label": "PKH Tahap 4 2025", "as_of": "2025-10-01",
            "header": ["NIK", "NAMA", "NOKK", "KECAMATAN", "DESA", "ALAMAT"],
            "title": ["DAFTAR KPM PKH TAHAP 4 TAHUN 2025", "KABUPATEN TRENGGALEK"]},
    "SEMBAKO": {"file": "Sembako Oktober 2025.xlsx", "label": "Sembako Oktober 2025", "as_of": "2025-10-15",
                "header": ["NAMA_PENERIMA", "NIK_KTP", "NOKK_DTKS", "NMKEC", "NMKEL", "ALAMAT"],
                "title": []},
}


@dataclass(slots=True)
class Member:
    """A person of a DTSEN family: who they are and how their rows write them."""

    person: Person
    nik_cell: str  # as written (an invalid form for a planted invalid NIK)
    nik_valid: bool
    head: bool


@dataclass(slots=True)
class Family:
    """A DTSEN family: its id, members, place, and desil and presence per update."""

    fid: str
    members: list[Member]
    desa: Desa
    desil: dict[str, int] = field(default_factory=dict)  # update -> the true desil, for the updates it is in
    no_desil: dict[str, str] = field(default_factory=dict)  # update -> "0" or "11" written instead
    lost_place: set[str] = field(default_factory=set)  # updates whose rows place it nowhere (kecamatan may match)
    disagree: bool = False  # one member's row carries a higher desil


@dataclass(frozen=True)
class FamilyRecord:
    """What an update says of a family, as the pipeline must read it (the ground truth's input)."""

    fid: str
    desil: int | None  # the lowest known desil of its rows
    kode_kec: str | None
    kode_desa: str | None
    niks: frozenset[str]  # the valid NIKs of its rows


@dataclass
class Knowledge:
    """Per update, the families written; the files' planted counts."""

    families: dict[str, dict[str, FamilyRecord]] = field(default_factory=dict)
    planted: dict[str, dict] = field(default_factory=dict)


def build(seed: int, scale: float, pop: Population, used_niks: set[str]) -> tuple[list[Family], NikFactory,
                                                                                   random.Random]:
    """The DTSEN families of the three updates: DTKS households of the latest period and new families."""
    rng = random.Random(seed * 7919 + 2025)
    nikf = NikFactory(rng)
    nikf.used = set(used_niks)
    nikf.kk_serial = 8_000_000_000
    families: list[Family] = []
    latest = PERIODS[-1]
    for h in pop.active[latest]:
        if rng.random() < 0.15:  # gone by 2025
            continue
        pct = h.percentile_by_period[latest]
        desil = rng.randint(3, 7) if pct is None else min(10, max(1, (pct + 9) // 10 + rng.choice((-1, 0, 0, 1, 2))))
        members = [Member(p, p.nik, True, i == 0) for i, p in enumerate(h.members)]
        families.append(Family(f"K{h.idbdt}", members, h.desa_by_period[latest], {UPDATES[0]: desil}))
    people = sum(len(f.members) for f in families)
    target = round(POPULATION * scale)
    n = 0
    while people < target:
        n += 1
        families.append(_new_family(rng, nikf, pop.desa, f"B{n:07d}", UPDATES[0]))
        people += len(families[-1].members)
    # each later update: some families leave, some come, some desils move
    for before, update in zip(UPDATES, UPDATES[1:], strict=False):
        here = [f for f in families if before in f.desil]
        for f in here:
            if rng.random() < 0.03:
                continue  # left
            d = f.desil[before]
            if rng.random() < 0.12:
                d = min(10, max(1, d + rng.choice((-2, -1, 1, 2))))
            f.desil[update] = d
        for _ in range(round(len(here) * 0.03)):
            n += 1
            families.append(_new_family(rng, nikf, pop.desa, f"B{n:07d}", update))
    # planted defects
    for f in families:
        for u in f.desil:
            r = rng.random()
            if r < 0.002:
                f.no_desil[u] = "0"
            elif r < 0.004:
                f.no_desil[u] = "11"
            if rng.random() < 0.003:
                f.lost_place.add(u)
        f.disagree = len(f.members) > 1 and rng.random() < 0.005
        for m in f.members:
            if rng.random() < 0.01:
                m.nik_cell, m.nik_valid = invalid_form(rng, m.person.nik), False
    for f in families:  # a person also written in a second family (with the second's rows)
        if rng.random() < 0.0004 * len(f.members):
            other = rng.choice(families)
            if other is not f:
                other.members.append(Member(f.members[-1].person, f.members[-1].nik_cell, f.members[-1].nik_valid,
                                            False))
    return families, nikf, rng


def _new_family(rng: random.Random, nikf: NikFactory, desa: list[Desa], fid: str, first: str) -> Family:
    """A family that was never in DTKS: any desil, more often the better-off ones."""
    d = rng.choice(desa)
    size = rng.choice((1, 2, 3, 3, 4, 4, 4, 5, 6))
    nokk = nikf.nokk(d.kode_kec)
    members = []
    for i in range(size):
        male = rng.random() < (0.6 if i == 0 else 0.5)
        birth = random_birth(rng, "head" if i == 0 else "spouse" if i == 1 else "child", 2025)
        p = outsider(rng, nikf, d, male, birth, nokk, head=i == 0)
        members.append(Member(p, p.nik, True, i == 0))
    desil = rng.choices(range(1, 11), (3, 4, 5, 6, 8, 10, 12, 14, 16, 18))[0]
    return Family(fid, members, d, {first: desil})


def write(rng: random.Random, families: list[Family], out: Path) -> Knowledge:
    """The three update files; what each update says of every family it holds."""
    k = Knowledge()
    for update in UPDATES:
        rows, records, dups, invalid = [], {}, 0, 0
        for f in families:
            if update not in f.desil:
                continue
            desil_text = f.no_desil.get(update, str(f.desil[update]))
            code_place = update != "2025-08"
            kode_kec, kode_desa = f.desa.kode_kec, f.desa.kode_desa
            if update in f.lost_place:
                kode_desa = None
                if code_place:
                    kode_kec = None
            niks = set()
            for i, m in enumerate(f.members):
                p = m.person
                cell = desil_text
                if f.disagree and i == len(f.members) - 1 and update not in f.no_desil:
                    cell = str(min(10, f.desil[update] + 1))
                row = _row(rng, update, f, m, cell)
                rows.append(row)
                if rng.random() < 0.002:
                    rows.append(list(row))
                    dups += 1
                if m.nik_valid:
                    niks.add(p.nik)
                else:
                    invalid += 1
            records[f.fid] = FamilyRecord(f.fid, None if update in f.no_desil else f.desil[update], kode_kec,
                                          kode_desa, frozenset(niks))
        _write_update(update, rows, out)
        k.families[update] = records
        k.planted[update] = {"baris": len(rows), "duplikat": dups, "nik_tidak_valid": invalid,
                             "keluarga": len(records)}
    return k


def _row(rng: random.Random, update: str, f: Family, m: Member, desil_cell: str) -> list[str]:
    p = m.person
    lost = update in f.lost_place
    if update == "2025-08":  # placed by names
        kec, desa = files.place_text(rng, f.desa.nama_kec, f.desa.nama_desa,
                                     "kelurahan" if f.desa.kode_desa[9] == "1" else "desa", ALIASES)
        if lost:
            desa = desa[:-1] + "QZ"
        place = [kec, desa]
        hub = "KEPALA KELUARGA" if m.head else "ANAK"
        gender = "LAKI-LAKI" if p.male else "PEREMPUAN"
        birth = p.birth.strftime("%d/%m/%Y")
    else:
        code = f.desa.kode_desa if update == "2025-05" else f.desa.kode_desa.replace(".", "")
        if lost:
            code = code[:-4] + "9999"
        place = [code]
        hub = "1" if m.head else "3"
        gender = ("L" if p.male else "P") if update == "2025-05" else ("1" if p.male else "2")
        birth = p.birth.isoformat()
    alamat = f"RT {rng.randint(1, 9):02d} RW {rng.randint(1, 5):02d} {f.desa.nama_desa.upper()}"
    return [f.fid, p.nokk, m.nik_cell, p.name, hub, gender, birth, desil_cell, *place, alamat]


def _write_update(update: str, rows: list[list[str]], out: Path) -> None:
    header, path = HEADERS[update], out / FILE_NAMES[update]
    if update == "2025-05":
        files.write_xlsx(path, ["DATA TUNGGAL SOSIAL DAN EKONOMI NASIONAL - KABUPATEN TRENGGALEK"], header, rows,
                         set())
    elif update == "2025-08":
        files.write_delimited(path, header, rows, ";", "utf-8")
    else:
        member = out / "DTSEN_3503_2025-11.csv"
        files.write_delimited(member, header, rows, ",", "utf-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            info = zipfile.ZipInfo(member.name, files.FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.read_bytes())
        member.unlink()


def list_members(rng: random.Random, families: list[Family], nikf: NikFactory, desa: list[Desa], program: str,
                 desil_maks: int) -> list[tuple[Person, Desa]]:
    """Who a 2025 list names: one head per family.

    Most are within the programme's limit in the latest update, some above it (inclusion errors), and some are not
    in the DTSEN at all.
    """
    latest = UPDATES[-1]
    heads = [(f.members[0].person, f.desa, f.desil[latest]) for f in families if latest in f.desil]
    within = [(p, d) for p, d, desil in heads if desil <= desil_maks]
    above = [(p, d) for p, d, desil in heads if desil > desil_maks]
    share = 0.6 if program == "PKH" else 0.75
    chosen = rng.sample(within, round(len(within) * share))
    chosen += rng.sample(above, min(len(above), round(len(chosen) * 0.08)))
    for _ in range(round(len(chosen) * 0.04)):
        d = rng.choice(desa)
        male = rng.random() < 0.5
        birth = random_birth(rng, "head", 2025)
        chosen.append((outsider(rng, nikf, d, male, birth), d))
    rng.shuffle(chosen)
    return chosen

