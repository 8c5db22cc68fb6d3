"""The synthetic population: households and persons of Trenggalek across the DTKS periods.

Everything is drawn from one seeded random generator, in a fixed order, so the same seed gives the same
population. The generator keeps its own knowledge of every record (valid or not, planted defect or not):
the ground truth is computed from that knowledge, never by reading the files back.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from importlib import resources

#: The five DTKS periods of the report (Table 5.1, plus Oktober 2020) and their file names.
PERIODS = ("2018-05", "2019-07", "2019-10", "2020-01", "2020-10")
DTKS_FILE_NAMES = {
    "2018-05": "3503-MEI 2018.zip",
    "2019-07": "3503-JULI 2019.zip",
    "2019-10": "3503-OKTOBER 2019.zip",
    "2020-01": "3503 (DTKS JAN 2020).zip",
    "2020-10": "3503 (DTKS OKT 2020).zip",
}

MALE = [
    "AGUS",
    "BUDI",
    "DWI",
    "EKO",
    "HADI",
    "JOKO",
    "SLAMET",
    "SUGENG",
    "SUPRIADI",
    "SUYANTO",
    "TEGUH",
    "WAHYU",
    "YULI",
    "BAMBANG",
    "DARMAJI",
    "GIMAN",
    "KASIMAN",
    "MARJUKI",
    "NGADIMAN",
    "PAIMAN",
    "RIYANTO",
    "SAMSUL",
    "SUKIRNO",
    "TUMINO",
    "WARSITO",
    "ARIF",
    "HERU",
    "IMAM",
    "KUSNADI",
    "MUHAMMAD",
    "AHMAD",
    "NUR",
    "ROHMAN",
    "SUPARNO",
    "SUTRISNO",
    "TRI",
    "WIDODO",
    "YAHYA",
    "ZAINAL",
]
FEMALE = [
    "SITI",
    "SRI",
    "DEWI",
    "ENDANG",
    "KARTINI",
    "LESTARI",
    "MARIYAM",
    "NINGSIH",
    "PARTINI",
    "RINI",
    "SAMINAH",
    "SUMARNI",
    "SUPARMI",
    "TUMINAH",
    "WARTINAH",
    "YATMI",
    "ANIK",
    "DWI",
    "ERNA",
    "FITRI",
    "HARTINI",
    "INDAH",
    "JUMIATI",
    "KATMI",
    "LILIK",
    "MUJIATI",
    "NUR",
    "PONIYEM",
    "RATNA",
    "SUNARTI",
    "TITIK",
    "UMI",
    "WIWIK",
    "YUNI",
    "ZULAIKHA",
]
SECOND = [
    "SANTOSO",
    "WIDODO",
    "HARIYANTO",
    "PURNOMO",
    "SETIAWAN",
    "RAHAYU",
    "WATI",
    "LESTARI",
    "HANDAYANI",
    "WIBOWO",
    "SAPUTRO",
    "KURNIAWAN",
    "NINGSIH",
    "ASTUTI",
    "SUSANTO",
    "MULYONO",
    "PRASETYO",
    "RAHMAWATI",
    "FAUZI",
    "HIDAYAT",
    "ROHMAH",
    "ISWANTO",
    "SULISTYO",
    "ARIFIN",
    "MAHMUD",
]
STREETS = (
    "KRAJAN",
    "NGEMPLAK",
    "SUMBER",
    "BANARAN",
    "GONDANG",
    "JATI",
    "KARANGREJO",
    "PUCANGANOM",
    "TEGALREJO",
    "SIDOMULYO",
    "WONOREJO",
    "NGRANDU",
)


@dataclass(frozen=True)
class Desa:
    """A desa/kelurahan of the shipped reference, with its provisional BPS codes."""

    kode_kec: str
    nama_kec: str
    kode_desa: str
    nama_desa: str
    kec_bps: str
    desa_bps: str


def load_desa() -> list[Desa]:
    """The 157 desa/kelurahan of Trenggalek from the shipped reference."""
    text = resources.files("bansos360").joinpath("data", "ref_wilayah_trenggalek.csv").read_text()
    return [
        Desa(r["kode_kec"], r["nama_kec"], r["kode_desa"], r["nama_desa"], r["kode_kec_bps"], r["kode_desa_bps"])
        for r in csv.DictReader(text.splitlines())
    ]


@dataclass(slots=True)
class Person:
    """One individual. ``nik`` is the true NIK; ``nik_dtks`` what DTKS files carry (maybe a planted defect)."""

    idx: int
    name: str
    male: bool
    birth: dt.date
    nik: str
    nik_dtks: str
    nik_dtks_valid: bool
    nokk: str
    hub_krt: int
    hubkel: int
    nuk: int
    jenis_cacat: int
    penyakit_kronis: int
    ijazah: int
    lapangan_usaha: int
    status_pekerjaan: int
    tmp_lahir: str
    flags: dict[str, tuple[int, int, int, int, int]] = field(default_factory=dict)  # periode -> kks,pbi,kip,pkh,bpnt
    bad_date: bool = False
    nokk_dtks: str = ""  # the No. KK DTKS files carry when it is a planted invalid one (else ``nokk``)


@dataclass(slots=True)
class Household:
    """One household (rumah tangga), identified by IDBDT across periods."""

    idbdt: str
    members: list[Person]
    alamat: str
    housing: tuple[int, ...]
    desa_by_period: dict[str, Desa] = field(default_factory=dict)
    percentile_by_period: dict[str, int | None] = field(default_factory=dict)


@dataclass
class Population:
    """Households per period and everything needed to write and to know the DTKS files."""

    desa: list[Desa]
    households: list[Household]
    active: dict[str, list[Household]]
    #: (periode, person idx) -> the NIK written for that person in that period when it differs from nik_dtks
    nik_override: dict[tuple[str, int], str] = field(default_factory=dict)
    #: per period: persons whose NIK is written in scientific notation (corrupted), ART rows duplicated,
    #: RT rows duplicated, and persons with an impossible birth date written.
    sci_nik: dict[str, set[int]] = field(default_factory=dict)
    dup_art: dict[str, set[int]] = field(default_factory=dict)
    dup_rt: dict[str, set[str]] = field(default_factory=dict)
    cosmetic_nik: dict[str, dict[int, str]] = field(default_factory=dict)


class NikFactory:
    """Unique, valid NIKs and No. KKs shaped like real ones (province 35, kabupaten 03)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        self.kk_serial = 0

    def nik(self, kode_kec: str, birth: dt.date, male: bool) -> str:
        day = birth.day + (0 if male else 40)
        base = f"3503{kode_kec[-2:]}{day:02d}{birth.month:02d}{birth.year % 100:02d}"
        while True:
            serial = self.rng.randint(1, 9999)
            nik = f"{base}{serial:04d}"
            if nik not in self.used:
                self.used.add(nik)
                return nik

    def nokk(self, kode_kec: str) -> str:
        self.kk_serial += 1
        return f"3503{kode_kec[-2:]}{self.kk_serial:010d}"


def outsider(rng: random.Random, nikf: NikFactory, d: Desa, male: bool, birth: dt.date, nokk: str | None = None,
             head: bool = True) -> Person:
    """A person of no DTKS period (a list's outsider, a DTSEN family that was never in DTKS), living in ``d``.

    The name, then the NIK, then (unless the family's is given) the No. KK are drawn, in that order.
    """
    name = person_name(rng, male)
    nik = nikf.nik(d.kode_kec, birth, male)
    return Person(idx=-1, name=name, male=male, birth=birth, nik=nik, nik_dtks="", nik_dtks_valid=False,
                  nokk=nokk or nikf.nokk(d.kode_kec), hub_krt=1 if head else 3, hubkel=1, nuk=1, jenis_cacat=0,
                  penyakit_kronis=0, ijazah=0, lapangan_usaha=1, status_pekerjaan=1, tmp_lahir="TRENGGALEK")


def invalid_form(rng: random.Random, nik: str) -> str:
    """A NIK made invalid in one of the ways real lists show: too short, serial 0000, impossible month."""
    kind = rng.randrange(3)
    if kind == 0:
        return nik[:15]
    if kind == 1:
        return nik[:12] + "0000"
    return nik[:8] + "13" + nik[10:]


def random_birth(rng: random.Random, role: str, ref_year: int = 2018) -> dt.date:
    """A birth date by household role: heads and spouses are adults, children younger, elders older."""
    if role == "head":
        age = rng.randint(22, 85)
    elif role == "spouse":
        age = rng.randint(20, 80)
    elif role == "child":
        age = rng.randint(0, 30)
    else:
        age = rng.randint(55, 95)
    start = dt.date(ref_year - age, 1, 1)
    return start + dt.timedelta(days=rng.randrange(365))


def person_name(rng: random.Random, male: bool) -> str:
    """A Javanese-looking name of one to three words."""
    first = rng.choice(MALE if male else FEMALE)
    r = rng.random()
    if r < 0.35:
        return first
    if r < 0.9:
        return f"{first} {rng.choice(SECOND)}"
    return f"{first} {rng.choice(MALE if male else FEMALE)} {rng.choice(SECOND)}"


CODES = {
    "ijazah": (0, 1, 2, 3, 4, 5, 6),
    "lapangan_usaha": tuple(range(1, 22)),
    "status_pekerjaan": tuple(range(1, 9)),
}


def build(rng: random.Random, scale: float) -> Population:
    """Draw households for every period: entries, graduations, returns, moves and desil changes."""
    desa = load_desa()
    weights = [rng.uniform(0.5, 1.5) for _ in desa]
    nikf = NikFactory(rng)
    serial_by_desa: dict[str, int] = {}
    households: list[Household] = []
    person_idx = [0]

    def new_household(first_period: str) -> Household:
        d = rng.choices(desa, weights)[0]
        serial_by_desa[d.kode_desa] = serial_by_desa.get(d.kode_desa, 0) + 1
        idbdt = f"3503{d.kec_bps}{d.desa_bps}{serial_by_desa[d.kode_desa]:06d}"
        size = rng.choices((1, 2, 3, 4, 5, 6, 7, 8), (10, 18, 24, 23, 13, 7, 3, 2))[0]
        n_fam = 1 if size < 4 or rng.random() < 0.8 else 2
        members: list[Person] = []
        kks = [nikf.nokk(d.kode_kec) for _ in range(n_fam)]
        bad_kk = [rng.random() < 0.005 for _ in range(n_fam)]  # a family whose No. KK DTKS carries is invalid
        head_male = rng.random() < 0.8
        for i in range(size):
            if i == 0:
                role, male, hub = "head", head_male, 1
            elif i == 1 and size > 1 and rng.random() < 0.8:
                role, male, hub = "spouse", not head_male, 2
            elif rng.random() < 0.85:
                role, male, hub = "child", rng.random() < 0.5, 3
            else:
                role, male, hub = "elder", rng.random() < 0.4, 6
            nuk = 1 if (n_fam == 1 or i < size - 2) else 2
            hubkel = 1 if (nuk == 2 and i == size - 2) else (hub if hub in (1, 2, 3) else 8)
            birth = random_birth(rng, role)
            nik = nikf.nik(d.kode_kec, birth, male)
            bad = rng.random() < 0.010
            cacat = rng.choice((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)) if rng.random() < 0.02 else 0
            kronis = rng.randint(1, 9) if rng.random() < 0.05 else 0
            person_idx[0] += 1
            members.append(
                Person(
                    idx=person_idx[0],
                    name=person_name(rng, male),
                    male=male,
                    birth=birth,
                    nik=nik,
                    nik_dtks=invalid_form(rng, nik) if bad else nik,
                    nik_dtks_valid=not bad,
                    nokk=kks[nuk - 1],
                    hub_krt=hub,
                    hubkel=hubkel,
                    nuk=nuk,
                    jenis_cacat=cacat,
                    penyakit_kronis=kronis,
                    ijazah=rng.choice(CODES["ijazah"]),
                    lapangan_usaha=rng.choice(CODES["lapangan_usaha"]),
                    status_pekerjaan=rng.choice(CODES["status_pekerjaan"]),
                    tmp_lahir="TRENGGALEK",
                    nokk_dtks=kks[nuk - 1][:15] if bad_kk[nuk - 1] else "",
                )
            )
        street = rng.choice(STREETS)
        alamat = f"DSN. {street}, RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 5):02d}"
        housing = tuple(rng.randint(1, 2) for _ in range(8))
        h = Household(idbdt, members, alamat, housing)
        h.desa_by_period[first_period] = d
        return h

    n0 = max(20, round(95_000 * scale))
    active: dict[str, list[Household]] = {}
    graduated: list[Household] = []
    current: list[Household] = []
    for pi, periode in enumerate(PERIODS):
        if pi == 0:
            current = [new_household(periode) for _ in range(n0)]
            households.extend(current)
        else:
            prev = PERIODS[pi - 1]
            stay: list[Household] = []
            for h in current:
                if rng.random() < 0.07:
                    graduated.append(h)
                else:
                    stay.append(h)
            returning = []
            if graduated:
                k = min(len(graduated), round(len(current) * 0.015))
                for _ in range(k):
                    returning.append(graduated.pop(rng.randrange(len(graduated))))
            fresh = [new_household(periode) for _ in range(round(len(current) * 0.085))]
            households.extend(fresh)
            for h in stay + returning:
                last = h.desa_by_period.get(prev) or h.desa_by_period[max(h.desa_by_period)]
                h.desa_by_period[periode] = rng.choices(desa, weights)[0] if rng.random() < 0.005 else last
            current = stay + returning + fresh
            current.sort(key=lambda h: h.idbdt)
        for h in current:
            prev_p = max((p for p in h.percentile_by_period if p < periode), default=None)
            base = h.percentile_by_period.get(prev_p) if prev_p else None
            if base is None:
                base = rng.randint(1, 40)
            pct = min(40, max(1, base + rng.randint(-7, 7)))
            h.percentile_by_period[periode] = None if rng.random() < 0.02 else pct
            for p in h.members:
                old = p.flags.get(prev_p) if prev_p else None
                if old is None or rng.random() < 0.1:
                    poor = pct <= 20
                    p.flags[periode] = (
                        1 if rng.random() < (0.5 if poor else 0.2) else 2,
                        1 if rng.random() < (0.7 if poor else 0.4) else 2,
                        1 if rng.random() < 0.15 else 2,
                        1 if rng.random() < (0.35 if poor else 0.1) else 2,
                        1 if rng.random() < (0.5 if poor else 0.2) else 2,
                    )
                else:
                    p.flags[periode] = old
        active[periode] = list(current)
    pop = Population(desa, households, active)
    _plant_period_defects(rng, pop)
    return pop


def _plant_period_defects(rng: random.Random, pop: Population) -> None:
    """Per period: NIK ganda, scientific-notation NIKs, cosmetic NIK noise, duplicate rows."""
    for periode in PERIODS:
        persons = [p for h in pop.active[periode] for p in h.members]
        pop.sci_nik[periode] = set()
        pop.dup_art[periode] = set()
        pop.cosmetic_nik[periode] = {}
        for p in persons:
            r = rng.random()
            if r < 0.002:
                pop.sci_nik[periode].add(p.idx)
            elif r < 0.007:
                style = rng.randrange(3)
                raw = p.nik_dtks
                pop.cosmetic_nik[periode][p.idx] = (
                    "'" + raw
                    if style == 0
                    else f"{raw[:4]}.{raw[4:8]}.{raw[8:12]}.{raw[12:]}"
                    if style == 1
                    else f" {raw[:6]} {raw[6:]} "
                )
            if rng.random() < 0.001:
                pop.dup_art[periode].add(p.idx)
        # NIK ganda within a period: a person carries another household's person's valid NIK
        n_ganda = max(1, round(len(persons) * 0.0005))
        for _ in range(n_ganda):
            a, b = rng.sample(persons, 2)
            if a.nik_dtks_valid and b.nik_dtks_valid and a.idx not in pop.sci_nik[periode]:
                pop.nik_override[(periode, b.idx)] = a.nik_dtks
                pop.sci_nik[periode].discard(b.idx)
                pop.cosmetic_nik[periode].pop(b.idx, None)
        pop.dup_rt[periode] = {h.idbdt for h in pop.active[periode] if rng.random() < 0.0005}
        for h in pop.active[periode]:
            for p in h.members:
                if rng.random() < 0.001:
                    p.bad_date = True


def nik_written(pop: Population, periode: str, p: Person) -> tuple[str, bool, str]:
    """The NIK text a DTKS file carries for a person in a period, whether it is valid, and its clean form."""
    if (periode, p.idx) in pop.nik_override:
        nik = pop.nik_override[(periode, p.idx)]
        return nik, True, nik
    if p.idx in pop.sci_nik[periode]:
        return f"{int(p.nik_dtks[:6]) / 100000:.5f}E+15", False, ""
    raw = pop.cosmetic_nik[periode].get(p.idx, p.nik_dtks)
    return raw, p.nik_dtks_valid, p.nik_dtks
