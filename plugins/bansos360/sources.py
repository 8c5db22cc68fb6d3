"""The input contract (docs/inputs.md): source kinds, their files, columns, aliases and required columns."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


def header_key(name: str) -> str:
    """Column names match ignoring case and every character that is not a letter or digit."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


@dataclass(frozen=True)
class Column:
    """One canonical column of a staging table and the header names that mean it."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(header_key(n) for n in (self.name, *self.aliases))


@dataclass(frozen=True)
class Entity:
    """One tabular file of a delivery, loaded into one staging table."""

    name: str
    staging_table: str
    columns: tuple[Column, ...]
    member_tag: str | None = None  # for zipped deliveries: the tag its member name contains (RT, ART)
    one_of: tuple[tuple[str, ...], ...] = ()  # groups of columns of which at least one must be present

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


@dataclass(frozen=True)
class SourceKind:
    """A declared source kind: what a submission of it holds and what it must declare."""

    kind: str
    title: str
    entities: tuple[Entity, ...]
    needs_periode: bool = False
    needs_label: bool = False
    program: str | None = None
    extra: dict = field(default_factory=dict)

    def slot(self, periode: str | None, label: str | None) -> str:
        """What a new delivery replaces: the period, the list label, or the single register."""
        if self.needs_periode:
            return periode or ""
        if self.needs_label:
            return label or ""
        return "tunggal"


def _columns_file(name: str) -> list[str]:
    text = resources.files("bansos360").joinpath("data", name).read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


RT_REQUIRED = {"IDBDT", "KDPROP", "KDKAB", "KDKEC", "KDDESA", "Alamat", "Nama_KRT", "Jumlah_ART", "Jumlah_Keluarga"}
ART_REQUIRED = {
    "IDBDT", "IDARTBDT", "KDPROP", "KDKAB", "KDKEC", "KDDESA", "Nama", "JnsKel", "TmpLahir", "TglLahir", "NIK",
    "NoKK", "Hub_KRT", "NUK", "Hubkel", "Sta_kawin", "Jenis_cacat", "Penyakit_kronis", "Partisipasi_sekolah",
    "Ijazah_tertinggi", "Lapangan_usaha", "Status_pekerjaan", "Ada_kks", "Ada_pbi", "Ada_kip", "Ada_pkh", "Ada_BPNT",
}
ALIASES = {
    "TmpLahir": ("TmptLahir", "Tempat_Lahir"),
    "Ada_BPNT": ("Ada_rastra",),
    "cara_proleh_airminum": ("cara_peroleh_airminum",),
    "Ada_telpon": ("ada_telepon",),
    "Jumah_kerbau": ("jumlah_kerbau",),
}


def _dtks_entity(name: str, table: str, tag: str, columns_file: str, required: set[str]) -> Entity:
    names = _columns_file(columns_file)
    if name == "rt":
        names.append("Status_Kesejahteraan")
    cols = tuple(
        Column(n.lower(), ALIASES.get(n, ()), n in required) for n in names
    )
    one_of = (("percentile", "status_kesejahteraan"),) if name == "rt" else ()
    return Entity(name, table, cols, member_tag=tag, one_of=one_of)


KPM_LIST = Entity(
    "daftar",
    "staging.daftar_kpm",
    (
        Column("nik", ("NIK_KTP", "NIK KTP", "NO_NIK", "NIK_PENERIMA", "NO_IDENTITAS"), True),
        Column("nama", ("NAMA_PENERIMA", "NAMA PENERIMA", "NAMA_KPM"), True),
        Column("nokk", ("NO_KK", "NOKK_DTKS", "NO_KEL"), True),
        Column("kecamatan", ("NMKEC", "NM_KEC"), True),
        Column("desa", ("NMKEL", "NM_KEL", "KELURAHAN", "DESA_KELURAHAN"), True),
        Column("alamat", (), True),
        Column("idartbdt"),
        Column("idsemesta"),
        Column("tahap"),
        Column("nomor_kartu"),
    ),
)

DISABILITAS = Entity(
    "register",
    "staging.disabilitas",
    (
        Column("nik", (), True),
        Column("nama", (), True),
        Column("jenis_kelamin", (), True),
        Column("tanggal_lahir"),
        Column("umur"),
        Column("jenis_disabilitas", (), True),
        Column("kecamatan", (), True),
        Column("desa", ("KELURAHAN", "DESA_KELURAHAN"), True),
        Column("alamat", (), True),
    ),
    one_of=(("tanggal_lahir", "umur"),),
)

USULAN = Entity(
    "usulan",
    "staging.usulan",
    (
        Column("id_usulan_rt", (), True),
        Column("idbdt", (), True),
        Column("nik", (), True),
        Column("nokk", (), True),
        Column("nama", (), True),
        Column("hub_krt", (), True),
        Column("kdkec", (), True),
        Column("kddesa", (), True),
    ),
)

REF_WILAYAH = Entity(
    "wilayah",
    "staging.ref_wilayah",
    (
        Column("kode_kec", (), True),
        Column("nama_kec", (), True),
        Column("kode_desa", (), True),
        Column("nama_desa", (), True),
        Column("jenis", (), True),
        Column("kode_kec_bps", (), True),
        Column("kode_desa_bps", (), True),
        Column("status_kode_bps"),
    ),
)


@dataclass(frozen=True)
class Program:
    """One social-assistance programme of the registry file ``data/program.csv``."""

    kode: str
    sumber: str
    nama: str
    pemilik: str


@cache
def programs() -> tuple[Program, ...]:
    """The programme registry: a new programme is one line in data/program.csv, no code change."""
    text = resources.files("bansos360").joinpath("data", "program.csv").read_text()
    return tuple(Program(**row) for row in csv.DictReader(text.splitlines()))


@cache
def source_kinds() -> dict[str, SourceKind]:
    """Every source kind the intake accepts, by name."""
    kinds = [
        SourceKind(
            "dtks",
            "DTKS satu periode penetapan",
            (
                _dtks_entity("rt", "staging.dtks_rt", "RT", "dtks_rt_columns.txt", RT_REQUIRED),
                _dtks_entity("art", "staging.dtks_art", "ART", "dtks_art_columns.txt", ART_REQUIRED),
            ),
            needs_periode=True,
        ),
        SourceKind("disabilitas", "Register penyandang disabilitas", (DISABILITAS,)),
        SourceKind("usulan", "Usulan daerah (prelist akhir) untuk satu periode DTKS", (USULAN,), needs_periode=True),
        SourceKind("ref_wilayah", "Referensi wilayah dan padanan kode BPS-Kemendagri", (REF_WILAYAH,)),
    ]
    for p in programs():
        kinds.append(SourceKind(p.sumber, f"Daftar KPM {p.nama}", (KPM_LIST,), needs_label=True, program=p.kode))
    return {k.kind: k for k in kinds}
