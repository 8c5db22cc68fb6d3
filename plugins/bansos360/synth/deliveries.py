"""The non-DTKS deliveries: beneficiary lists, the disability register and the proposals."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from bansos360.synth.files import (
    LIST_SPECS,
    PERIOD_L,
    SIZES,
    ListRecord,
    corrupt_numeric,
    noisy_name,
    place_text,
    write_delimited,
    write_xlsx,
)
from bansos360.synth.population import (
    PERIODS,
    Desa,
    Household,
    NikFactory,
    Person,
    Population,
    invalid_form,
    outsider,
    random_birth,
)

ALIASES = {"Ngulankulon": "Ngulangkulon"}
JENIS_DISABILITAS = ("FISIK", "NETRA", "RUNGU", "WICARA", "MENTAL", "INTELEKTUAL", "GANDA")


@dataclass
class Pools:
    """People a list can draw from."""

    by_desil: dict[int | None, list[tuple[Person, Household]]]
    graduated: list[tuple[Person, Household]]
    nikf: NikFactory
    desa: list[Desa]
    rng: random.Random

    def outsider(self) -> tuple[Person, Desa]:
        """A person in no DTKS period at all."""
        rng = self.rng
        d = rng.choice(self.desa)
        male = rng.random() < 0.5
        birth = random_birth(rng, "head")
        return outsider(rng, self.nikf, d, male, birth), d


def make_pools(rng: random.Random, pop: Population) -> Pools:
    """Heads and spouses of the latest period by desil, and those of households that left DTKS."""
    by_desil: dict[int | None, list[tuple[Person, Household]]] = {1: [], 2: [], 3: [], 4: [], None: []}
    in_l = set()
    for h in pop.active[PERIOD_L]:
        in_l.add(h.idbdt)
        pct = h.percentile_by_period[PERIOD_L]
        desil = None if pct is None else (pct + 9) // 10
        for p in h.members:
            if p.hub_krt in (1, 2):
                by_desil[desil].append((p, h))
    graduated = [(p, h) for h in pop.households if h.idbdt not in in_l for p in h.members if p.hub_krt in (1, 2)]
    nikf = NikFactory(rng)
    nikf.used = {p.nik for h in pop.households for p in h.members}
    nikf.kk_serial = 9_000_000_000
    return Pools(by_desil, graduated, nikf, pop.desa, rng)


def _draw(rng, pool, k, chosen: dict[int, tuple[Person, Desa]], period_of) -> None:
    if k <= 0 or not pool:
        return
    for p, h in rng.sample(pool, min(len(pool), int(k * 1.3) + 5)):
        if k <= 0:
            break
        if p.idx in chosen:
            continue
        chosen[p.idx] = (p, h.desa_by_period[period_of(h)])
        k -= 1


def _last_period(h: Household) -> str:
    return max(h.desa_by_period)


def choose_members(rng: random.Random, pools: Pools, scale: float) -> dict[str, list[tuple[Person, Desa]]]:
    """Who is on each programme's list (mostly from DTKS, not only)."""
    lists: dict[str, list[tuple[Person, Desa]]] = {}
    d12 = pools.by_desil[1] + pools.by_desil[2]
    d34 = pools.by_desil[3] + pools.by_desil[4]
    mix = {
        "PKH": [(d12, 0.85), (d34, 0.05), (pools.by_desil[None], 0.02), (pools.graduated, 0.04)],
        "SEMBAKO": [("PKH", 0.40), (d12 + d34, 0.45), (pools.by_desil[None], 0.03), (pools.graduated, 0.05)],
        "BST": [(d34, 0.5), (d12, 0.1), (pools.graduated, 0.2)],
        "KPE": [("PKH+SEMBAKO", 0.05), (d12 + d34, 0.6)],
    }
    for program in ("PKH", "SEMBAKO", "BST", "KPE"):
        total = max(10, round(SIZES[program] * scale))
        chosen: dict[int, tuple[Person, Desa]] = {}
        for source, share in mix[program]:
            k = round(total * share)
            if isinstance(source, str):
                prev = [m for name in source.split("+") for m in lists[name]]
                for p, d in rng.sample(prev, min(k, len(prev))):
                    chosen.setdefault(p.idx, (p, d))
            else:
                _draw(rng, source, k, chosen, _last_period)
        members = list(chosen.values())
        while len(members) < total:
            members.append(pools.outsider())
        rng.shuffle(members)
        lists[program] = members
    return lists


def choose_extra_members(rng: random.Random, pools: Pools, lists: dict[str, list[tuple[Person, Desa]]],
                         total: int) -> list[tuple[Person, Desa]]:
    """Who is on the list of a programme the registry adds: poor households, some already on PKH, outsiders."""
    d12 = pools.by_desil[1] + pools.by_desil[2]
    chosen: dict[int, tuple[Person, Desa]] = {}
    for p, d in rng.sample(lists["PKH"], min(round(total * 0.1), len(lists["PKH"]))):
        chosen.setdefault(p.idx, (p, d))
    _draw(rng, d12, round(total * 0.5), chosen, _last_period)
    _draw(rng, pools.by_desil[3] + pools.by_desil[4], round(total * 0.2), chosen, _last_period)
    members = list(chosen.values())
    while len(members) < total:
        members.append(pools.outsider())
    rng.shuffle(members)
    return members


def write_list(rng: random.Random, program: str, members: list[tuple[Person, Desa]], out: Path,
               all_names: list[str], spec: dict | None = None) -> list[ListRecord]:
    """One beneficiary list with its planted defects; returns the records of the rows written."""
    spec = spec or LIST_SPECS[program]
    is_xlsx = spec["file"].endswith(".xlsx")
    header = spec["header"]
    col = {_key(h): i for i, h in enumerate(header)}

    def idx(*names):
        return next((col[_key(n)] for n in names if _key(n) in col), None)

    i_nik = idx("NIK", "NIK_KTP", "NIK_PENERIMA")
    i_nama = idx("NAMA", "NAMA_PENERIMA", "NAMA_KPM")
    i_kk = idx("NOKK", "NOKK_DTKS", "NO KEL", "NO_KK")  # real lists often have none
    i_kec = idx("KECAMATAN", "NMKEC", "NM KEC")
    i_desa = idx("DESA", "NMKEL", "NM KEL", "DESA_KELURAHAN")
    i_kode = idx("KODE DESA")  # placed by the Kemendagri code instead of names
    i_no = idx("NO")
    i_alamat = idx("ALAMAT")
    rows: list[list] = []
    records: list[ListRecord] = []
    seen: set[tuple[str, str]] = set()
    for p, d in members:
        row: list = [""] * len(header)
        r = rng.random()
        numeric = False
        if r < 0.015:
            nik_cell, valid = invalid_form(rng, p.nik), False
        elif is_xlsx and r < 0.025:
            nik_cell, valid, numeric = corrupt_numeric(p.nik), False, True
        elif not is_xlsx and r < 0.02:
            nik_cell, valid = f"{int(p.nik[:6]) / 100000:.5f}E+15", False
        elif r < 0.03:
            nik_cell, valid = ("'" + p.nik) if rng.random() < 0.5 else f"{p.nik[:6]} {p.nik[6:12]} {p.nik[12:]}", True
        else:
            nik_cell, valid = p.nik, True
        name = p.name if rng.random() >= 0.002 else rng.choice(all_names)  # a clerk's wrong name: NIK ganda
        r = rng.random()
        kode_kec, kode_desa = d.kode_kec, d.kode_desa
        if i_kode is not None:
            code = d.kode_desa if rng.random() < 0.5 else d.kode_desa.replace(".", "")
            if r < 0.03:  # a code the reference does not know: placed nowhere
                code, kode_kec, kode_desa = code[:-4] + "9999", None, None
            row[i_kode] = code
        else:
            kec_txt, desa_txt = place_text(rng, d.nama_kec, d.nama_desa,
                                           "kelurahan" if d.kode_desa[9] == "1" else "desa", ALIASES)
            if r < 0.005:
                desa_txt, kode_desa = desa_txt[:-1] + "QZ", None
            elif r < 0.007:
                kec_txt, kode_kec, kode_desa = kec_txt[:-1] + "QZ", None, None
            row[i_kec], row[i_desa] = kec_txt, desa_txt
        row[i_nik] = nik_cell if numeric else str(nik_cell)
        row[i_nama] = noisy_name(rng, name)
        if i_kk is not None:
            row[i_kk] = p.nokk
        if i_no is not None:
            row[i_no] = str(len(rows) + 1)
        row[i_alamat] = f"RT {rng.randint(1, 9):02d} RW {rng.randint(1, 5):02d} {d.nama_desa.upper()}"
        for h in ("IDARTBDT",):
            if h in col:
                row[col[h]] = ""
        if "TAHAP" in col:
            row[col["TAHAP"]] = spec["label"]
        if "NOMOR_KARTU" in col:
            row[col["NOMOR_KARTU"]] = f"6013{rng.randint(10**11, 10**12 - 1)}"
        if "NMPROP" in col:
            row[col["NMPROP"]], row[col["NMKAB"]] = "JAWA TIMUR", "TRENGGALEK"
        raw = str(nik_cell).strip(" ")
        clean = p.nik if valid else ""
        key = (raw, name)
        records.append(ListRecord(program, raw, valid, clean, name, kode_kec, kode_desa, key in seen, p))
        seen.add(key)
        rows.append(row)
        if rng.random() < 0.005:  # the same row typed twice (exact duplicate; the name's case may differ)
            dup = list(row)
            dup[i_nama] = noisy_name(rng, name)
            rows.append(dup)
            records.append(ListRecord(program, raw, valid, clean, name, kode_kec, kode_desa, True, p))
        if rng.random() < 0.002:
            rows.append([""] * len(header))
    path = out / spec["file"]
    if is_xlsx:
        write_xlsx(path, spec["title"], header, rows, {i_nik})
    else:
        write_delimited(path, header, rows, ";", "cp1252", spec["title"])
    return records


def _key(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


@dataclass(slots=True)
class RegisterRecord:
    """What the generator knows of one disability register row."""

    nik_valid: bool
    nik_clean: str
    gender: str
    jenis: str
    age: int
    kode_kec: str | None
    kode_desa: str | None
    is_duplicate: bool


def write_register(rng: random.Random, pop: Population, pools: Pools, scale: float, out: Path,
                   ref_day: dt.date) -> list[RegisterRecord]:
    """The Dinas's register of persons with disabilities (Excel)."""
    total = max(10, round(6000 * scale))
    latest = [(p, h) for h in pop.active[PERIOD_L] for p in h.members]
    with_cacat = [m for m in latest if m[0].jenis_cacat > 0]
    chosen: dict[int, tuple[Person, Desa]] = {}
    _draw(rng, with_cacat, round(total * 0.5), chosen, lambda h: PERIOD_L)
    _draw(rng, latest, round(total * 0.15), chosen, lambda h: PERIOD_L)
    members = list(chosen.values())
    while len(members) < total:
        members.append(pools.outsider())
    rng.shuffle(members)
    header = ["NO", "NIK", "NAMA", "JENIS KELAMIN", "TANGGAL LAHIR", "UMUR", "JENIS DISABILITAS", "KECAMATAN",
              "DESA", "ALAMAT"]
    rows, records = [], []
    for n, (p, d) in enumerate(members, start=1):
        valid = rng.random() >= 0.02
        nik = p.nik if valid else invalid_form(rng, p.nik)
        gender_txt = rng.choice(("L", "LAKI-LAKI", "Laki-laki")) if p.male else rng.choice(("P", "PEREMPUAN"))
        jenis = rng.choice(JENIS_DISABILITAS)
        jenis_txt = rng.choice((jenis, jenis.title(), f" {jenis.lower()} "))
        age = ref_day.year - p.birth.year - ((ref_day.month, ref_day.day) < (p.birth.month, p.birth.day))
        use_date = rng.random() < 0.75
        kec_txt, desa_txt = place_text(rng, d.nama_kec, d.nama_desa, "desa", ALIASES)
        row = [n, nik, p.name, gender_txt, p.birth if use_date else "", "" if use_date else age, jenis_txt,
               kec_txt, desa_txt, f"RT {rng.randint(1, 9):02d} {d.nama_desa.upper()}"]
        rows.append(row)
        records.append(RegisterRecord(valid, p.nik if valid else "", "L" if p.male else "P", jenis, age,
                                      d.kode_kec, d.kode_desa, False))
        if rng.random() < 0.004:
            rows.append(list(row))
            records.append(RegisterRecord(valid, p.nik if valid else "", "L" if p.male else "P", jenis, age,
                                          d.kode_kec, d.kode_desa, True))
        if rng.random() < 0.003:
            rows.append([""] * len(header))
    # NO is a running number in the real register; exact duplicate rows repeat it
    write_xlsx(out / "Data Disabilitas Trenggalek.xlsx", ["DATA PENYANDANG DISABILITAS KABUPATEN TRENGGALEK"],
               header, rows, set())
    return records


@dataclass(slots=True)
class ProposalRecord:
    """What the generator knows of one proposal row."""

    id_usulan_rt: str
    nik_valid: bool
    nik_clean: str
    nokk_valid: bool
    nokk: str
    kode_kec: str


def write_proposal(rng: random.Random, pop: Population, pools: Pools, periode: str, out: Path,
                   name: str) -> list[ProposalRecord]:
    """The kabupaten's proposal (prelist akhir) for one DTKS period.

    Mostly households that were established, some that were not, and new households without IDBDT.
    """
    pi = PERIODS.index(periode)
    active = pop.active[periode]
    proposed: list[tuple[Household | None, list[Person], Desa]] = []
    for h in rng.sample(active, round(len(active) * 0.9)):
        proposed.append((h, h.members, h.desa_by_period[periode]))
    in_p = {h.idbdt for h in active}
    outside = [h for h in pop.active[PERIODS[pi - 1]] if h.idbdt not in in_p] if pi else []
    for h in rng.sample(outside, min(len(outside), round(len(active) * 0.03))):
        proposed.append((h, h.members, h.desa_by_period[_last_period(h)]))
    for _ in range(round(len(active) * 0.05)):
        people = []
        head, d = pools.outsider()
        people.append(head)
        for _ in range(rng.randint(0, 3)):
            people.append(pools.outsider()[0])
        proposed.append((None, people, d))
    rng.shuffle(proposed)
    header = ["ID_USULAN_RT", "IDBDT", "NIK", "NOKK", "NAMA", "Hub_KRT", "KDKEC", "KDDESA"]
    rows, records = [], []
    for n, (h, people, d) in enumerate(proposed, start=1):
        uid = f"{periode.replace('-', '')}{n:07d}"
        for p in people:
            valid = rng.random() >= 0.01
            nik = p.nik if valid else invalid_form(rng, p.nik)
            rows.append([uid, h.idbdt if h else "", nik, p.nokk, p.name, p.hub_krt, d.kec_bps, d.desa_bps])
            records.append(ProposalRecord(uid, valid, p.nik if valid else "", True, p.nokk, d.kode_kec))
    write_delimited(out / name, header, rows, ",", "utf-8")
    return records
