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
    warn_missing: bool = False  # optional, but its absence is a warning (kolom_opsional_hilang)
    typing: str = "text"  # how the staging rows view types it: one of staging.TYPINGS
    typed_as: str | None = None  # the name of the typed column, when it is not the column's own

    @property
    def typed_name(self) -> str:
        return self.typed_as or self.name

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

    @property
    def warned(self) -> tuple[Column, ...]:
        """Optional columns whose absence the raw gate reports as a warning."""
        return tuple(c for c in self.columns if c.warn_missing and not c.required)


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


# Required means needed: a key, the place, or a figure of a dashboard reads it (docs/inputs.md has the table).
# KDPROP and KDKAB are part of the place: the crosswalk joins on province, kabupaten and kecamatan.
RT_REQUIRED = {"IDBDT", "KDPROP", "KDKAB", "KDKEC", "KDDESA", "Alamat", "Nama_KRT", "Jumlah_Keluarga"}
ART_REQUIRED = {
    "IDBDT", "IDARTBDT", "KDPROP", "KDKAB", "KDKEC", "KDDESA", "Nama", "JnsKel", "TmpLahir", "TglLahir", "NIK",
    "NoKK", "Hub_KRT", "NUK", "Hubkel", "Sta_kawin", "Jenis_cacat", "Penyakit_kronis", "Ijazah_tertinggi",
    "Lapangan_usaha", "Status_pekerjaan", "Ada_kks", "Ada_pbi", "Ada_kip", "Ada_pkh", "Ada_BPNT",
}
# Columns of the national layout no dashboard reads: a file without them is loaded, with a warning (a layout
# this far from the national one may be the wrong file).
DTKS_WARNED = {"Jumlah_ART", "Partisipasi_sekolah"}
# How the staging rows view types a DTKS column (staging.TYPINGS): every column of the national layout is a
# number of the code book, but these.
DTKS_TYPING = {
    "idbdt": ("text", None), "idartbdt": ("text", None),
    "kdprop": ("bps2", None), "kdkab": ("bps2", None),
    "kdkec": ("bps3", "kode_kec_bps"), "kddesa": ("bps3", "kode_desa_bps"),
    "nik": ("nik", None), "nokk": ("no_kk", None),
    "nama": ("name", None), "nama_krt": ("name", None), "tgllahir": ("date", "tgl_lahir"),
    "tmplahir": ("text", "tmp_lahir"), "hubkrt": ("text", "hubkrt_teks"),
    "namagadis_ibukandung": ("text", "nama_ibu_kandung"),
    **{n: ("text", None) for n in (
        "alamat", "nopesertapkh", "ruta6", "nopesertapbdt", "nopesertakks2016", "nopesertapbi", "pesertakip",
        "nama_sls", "nomor_meter_air", "nomor_pln", "nomor_gas",
    )},
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
        Column(n.lower(), ALIASES.get(n, ()), n in required, n in DTKS_WARNED,
               *DTKS_TYPING.get(n.lower(), ("number", None)))
        for n in names
    )
    one_of = (("percentile", "status_kesejahteraan"),) if name == "rt" else ()
    return Entity(name, table, cols, member_tag=tag, one_of=one_of)


KPM_LIST = Entity(
    "daftar",
    "staging.daftar_kpm",
    (
        Column("nik", ("NIK_KTP", "NIK KTP", "NO_NIK", "NIK_PENERIMA", "NO_IDENTITAS"), True, typing="nik"),
        Column("nama", ("NAMA_PENERIMA", "NAMA PENERIMA", "NAMA_KPM"), True, typing="name"),
        # placed by names (kecamatan and desa) or by the Kemendagri desa code: one of each pair must be present
        Column("kecamatan", ("NMKEC", "NM_KEC"), typing="kecamatan", typed_as="nama_kec_daftar"),
        Column("desa", ("NMKEL", "NM_KEL", "KELURAHAN", "DESA_KELURAHAN"), typing="desa", typed_as="nama_desa_daftar"),
        Column("kode_desa", ("KODE_KELURAHAN", "KODE_DESA_KEMENDAGRI", "KODE_WILAYAH", "KD_DESA_KEMENDAGRI"),
               typing="kode_desa", typed_as="kode_desa_daftar"),
        Column("nokk", ("NO_KK", "NOKK_DTKS", "NO_KEL"), warn_missing=True, typing="no_kk"),
        Column("alamat", (), warn_missing=True),
        Column("idartbdt"),
        Column("idsemesta"),
        Column("tahap"),
        Column("nomor_kartu"),
    ),
    one_of=(("kecamatan", "kode_desa"), ("desa", "kode_desa")),
)

DISABILITAS = Entity(
    "register",
    "staging.disabilitas",
    (
        Column("nik", (), True, typing="nik"),
        Column("nama", (), True, typing="name"),
        Column("jenis_kelamin", (), True, typing="raw"),
        Column("tanggal_lahir", typing="date", typed_as="tgl_lahir"),
        Column("umur", typing="number", typed_as="umur_tercatat"),
        Column("jenis_disabilitas", (), True, typing="raw"),
        Column("kecamatan", (), True, typing="kecamatan", typed_as="nama_kec_daftar"),
        Column("desa", ("KELURAHAN", "DESA_KELURAHAN"), True, typing="desa", typed_as="nama_desa_daftar"),
        Column("alamat", (), warn_missing=True),
    ),
    one_of=(("tanggal_lahir", "umur"),),
)

USULAN = Entity(
    "usulan",
    "staging.usulan",
    (
        Column("id_usulan_rt", (), True),
        Column("idbdt", (), warn_missing=True),
        Column("nik", (), True, typing="nik"),
        Column("nokk", (), True, typing="no_kk"),
        Column("nama", (), warn_missing=True, typing="name"),
        Column("hub_krt", (), warn_missing=True, typing="number"),
        Column("kdkec", (), True, typing="bps3", typed_as="kode_kec_bps"),
        Column("kddesa", (), True, typing="bps3", typed_as="kode_desa_bps"),
    ),
)

# One update of the DTSEN extract (docs/inputs.md, "DTSEN"): one row per individual, carrying its family's id and
# desil. Located by a Kemendagri desa code (ten digits or dotted) or by kecamatan and desa names, as the lists.
DTSEN = Entity(
    "dtsen",
    "staging.dtsen",
    (
        Column("id_keluarga", ("ID_KEL", "IDKELUARGA", "ID_DTSEN"), True),
        Column("nokk", ("NO_KK", "NOMOR_KK"), typing="no_kk"),
        Column("nik", ("NO_NIK", "NIK_ART"), True, typing="nik"),
        Column("nama", ("NAMA_ART", "NAMA_LENGKAP"), typing="name"),
        Column("hub_kel", ("HUBUNGAN_KELUARGA", "HUB_KK"), typing="raw"),
        Column("jenis_kelamin", ("JK", "JNS_KEL"), typing="raw"),
        Column("tgl_lahir", ("TANGGAL_LAHIR",), typing="date"),
        Column("desil", ("DESIL_NASIONAL", "PERINGKAT_DESIL"), True, typing="raw"),
        Column("kode_desa", ("KODE_WILAYAH", "KD_DESA_DAGRI"), typing="kode_desa", typed_as="kode_desa_daftar"),
        Column("kecamatan", (), typing="kecamatan", typed_as="nama_kec_daftar"),
        Column("desa", ("KELURAHAN",), typing="desa", typed_as="nama_desa_daftar"),
        Column("alamat", (), warn_missing=True),
    ),
    one_of=(("kecamatan", "kode_desa"), ("desa", "kode_desa")),
)

DESA_ALIAS = Entity(
    "ejaan",
    "staging.desa_alias",
    (
        # a kecamatan (35.03.12) or desa (35.03.12.2005) Kemendagri code, dots optional
        Column("kode_wilayah", ("KODE_DESA", "KODE_KEC", "KODE", "KODE_KEMENDAGRI"), True, typing="raw"),
        Column("ejaan", ("NAMA_ALIAS", "NAMA_DI_DAFTAR", "EJAAN_DI_DAFTAR", "NAMA_WILAYAH"), True, typing="raw"),
        Column("keterangan"),
    ),
)

REF_WILAYAH = Entity(
    "wilayah",
    "staging.ref_wilayah",
    (
        # the codes and names as delivered, trimmed by the staging model (an empty cell stays empty)
        Column("kode_kec", (), True, typing="raw"),
        Column("nama_kec", (), True, typing="raw"),
        Column("kode_desa", (), True, typing="raw"),
        Column("nama_desa", (), True, typing="raw"),
        Column("jenis", (), True, typing="raw"),
        Column("kode_kec_bps", (), True, typing="bps3"),
        Column("kode_desa_bps", (), True, typing="bps3"),
        Column("status_kode_bps", typing="raw"),
    ),
)


@dataclass(frozen=True)
class Program:
    """One social-assistance programme of the registry ``warehouse.program`` (``bansos360 program``)."""

    kode: str
    sumber: str
    nama: str
    pemilik: str
    desil_maks: int | None = None  # the highest DTSEN desil it is meant for (dashboard 13); None: no limit


def shipped_programs() -> tuple[Program, ...]:
    """The programmes of the report, shipped in ``data/program.csv``: ``bansos360 init`` registers the missing."""
    text = resources.files("bansos360").joinpath("data", "program.csv").read_text()
    return tuple(Program(**{**row, "desil_maks": int(row["desil_maks"]) if row["desil_maks"] else None})
                 for row in csv.DictReader(text.splitlines()))


def programs(cur) -> tuple[Program, ...]:
    """The programme registry as the database holds it now, in the order the programmes were registered."""
    cur.execute("select kode, sumber, nama, pemilik, desil_maks from warehouse.program order by urutan")
    return tuple(Program(*row) for row in cur.fetchall())


def program_kind(p: Program) -> SourceKind:
    """The source kind of a programme's beneficiary lists."""
    return SourceKind(p.sumber, f"Daftar KPM {p.nama}", (KPM_LIST,), needs_label=True, program=p.kode)


@cache
def fixed_kinds() -> dict[str, SourceKind]:
    """The source kinds that are not a programme's list, by name (their rules are code)."""
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
        SourceKind("dtsen", "DTSEN satu pemutakhiran (Data Tunggal Sosial dan Ekonomi Nasional)", (DTSEN,),
                   needs_periode=True),
        SourceKind("disabilitas", "Register penyandang disabilitas", (DISABILITAS,)),
        SourceKind("usulan", "Usulan daerah (prelist akhir) untuk satu periode DTKS", (USULAN,), needs_periode=True),
        SourceKind("ref_wilayah", "Referensi wilayah dan padanan kode BPS-Kemendagri", (REF_WILAYAH,)),
        SourceKind("desa_alias", "Ejaan nama kecamatan/desa untuk mencocokkan daftar (alias)", (DESA_ALIAS,),
                   needs_label=True),
    ]
    return {k.kind: k for k in kinds}


#: Names a programme's source kind may not take: the fixed kinds.
RESERVED_KINDS = frozenset(fixed_kinds())
#: Codes a programme may not take: the register's rows share mart_wilayah_tidak_cocok.sumber with programmes.
RESERVED_CODES = frozenset({"DISABILITAS", "DTKS", "DTSEN", "USULAN"})


def staging_entities() -> tuple[Entity, ...]:
    """One entity per staging table, in a fixed order: those of the fixed kinds, then the programmes' lists."""
    entities = [e for k in fixed_kinds().values() for e in k.entities] + [KPM_LIST]
    return tuple({e.staging_table: e for e in entities}.values())


def source_kinds(cur) -> dict[str, SourceKind]:
    """Every source kind the intake accepts now, by name: the fixed ones and one per registered programme."""
    kinds = dict(fixed_kinds())
    for p in programs(cur):
        kinds[p.sumber] = program_kind(p)
    return kinds
