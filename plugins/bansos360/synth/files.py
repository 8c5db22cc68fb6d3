"""Writing the synthetic deliveries as the Dinas receives them, with the defects docs/inputs.md names.

Every writer also returns what it knows about the rows it wrote (a "record" per row), which the ground truth
is computed from. Byte-for-byte reproducible: fixed zip timestamps, fixed workbook properties.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bansos360.synth.population import PERIODS, Household, Person, Population, nik_written

FIXED_TIME = (2020, 11, 2, 8, 0, 0)
FIXED_DATETIME = dt.datetime(2020, 11, 2, 8, 0, 0)

#: Per period: how its files look (encoding, delimiter, date format, header spelling, welfare column).
PERIOD_STYLE = {
    "2018-05": {"encoding": "utf-8", "delimiter": ",", "date": "%Y-%m-%d", "case": "as_is", "alias": {}},
    "2019-07": {"encoding": "cp1252", "delimiter": ";", "date": "%d/%m/%Y", "case": "lower",
                "alias": {"TmpLahir": "TmptLahir"}},
    "2019-10": {"encoding": "utf-8-sig", "delimiter": ",", "date": "%d-%m-%Y", "case": "as_is",
                "alias": {"Ada_BPNT": "Ada_rastra"}},
    "2020-01": {"encoding": "utf-8", "delimiter": "|", "date": "%Y-%m-%d", "case": "upper", "alias": {}},
    "2020-10": {"encoding": "utf-8", "delimiter": ",", "date": "%d/%m/%Y", "case": "as_is",
                "alias": {"Percentile": "Status_Kesejahteraan"}, "blank_tail": True},
}


def _columns(name: str) -> list[str]:
    text = resources.files("bansos360").joinpath("data", name).read_text()
    return [line.strip() for line in text.splitlines() if line.strip()]


def _codebook() -> dict[str, list[int]]:
    text = resources.files("bansos360").joinpath("data", "dtks_codebook.csv").read_text()
    book: dict[str, list[int]] = {}
    for r in csv.DictReader(text.splitlines()):
        if r["code"].isdigit():
            book.setdefault(r["variable"].lower(), []).append(int(r["code"]))
    return book


RT_COLUMNS = _columns("dtks_rt_columns.txt")
ART_COLUMNS = _columns("dtks_art_columns.txt")
CODEBOOK = _codebook()
RT_NUMERIC = {"Luas_lantai", "Jumlah_kamar", "Luas_atb", "Jumlah_sapi", "Jumah_kerbau", "Jumlah_kuda",
              "Jumlah_babi", "Jumlah_kambing"}
RT_CODE_ALIAS = {"cara_proleh_airminum": "cara_peroleh_airminum", "ada_telpon": "ada_telepon"}


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years at a date."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def impossible_date(birth: dt.date, fmt: str) -> str:
    """A date that cannot exist (30 or 31 February), in the period's format."""
    return fmt.replace("%Y", f"{birth.year:04d}").replace("%m", "02").replace("%d", "31" if birth.day % 2 else "30")


def _header(names: list[str], style: dict) -> list[str]:
    out = [style["alias"].get(n, n) for n in names]
    if style["case"] == "lower":
        return [n.lower() for n in out]
    if style["case"] == "upper":
        return [n.upper() for n in out]
    return out


@dataclass
class DtksKnowledge:
    """What the generator wrote for one DTKS period."""

    periode: str
    rt_rows_written: int
    art_rows_written: int
    rt_duplicates: int
    art_duplicates: int
    art_invalid_nik: int
    art_corrupted_nik: int
    art_bad_dates: int
    art_invalid_kk: int = 0


def _rt_row(h: Household, periode: str, style: dict, as_status: bool) -> list[str]:
    d = h.desa_by_period[periode]
    head = h.members[0]
    pct = h.percentile_by_period[periode]
    values: dict[str, str] = {
        "IDBDT": h.idbdt, "RUTA6": "", "NoPesertaPBDT": h.idbdt[-8:], "KDPROP": "35", "KDKAB": "03",
        "KDKEC": d.kec_bps, "KDDESA": d.desa_bps, "Alamat": h.alamat, "Nama_SLS": h.alamat.split(",")[0],
        "Nama_KRT": head.name, "Jumlah_ART": str(len(h.members)),
        "Jumlah_Keluarga": str(max(p.nuk for p in h.members)),
    }
    seed = int(h.idbdt[-6:])
    for j, col in enumerate(RT_COLUMNS):
        if col in values:
            continue
        if col in RT_NUMERIC:
            values[col] = str((seed * (j + 3)) % 60 + (20 if col == "Luas_lantai" else 0)) if col in (
                "Luas_lantai", "Jumlah_kamar") else str((seed + j) % 3)
            continue
        codes = CODEBOOK.get(RT_CODE_ALIAS.get(col.lower(), col.lower()))
        values[col] = str(codes[(seed + 7 * j) % len(codes)]) if codes else ""
    if as_status:  # the welfare column is Status_Kesejahteraan (desil 1-4) instead of Percentile (1-40)
        values["Percentile"] = "" if pct is None else str((pct + 9) // 10)
    else:
        values["Percentile"] = "" if pct is None else str(pct)
    return [values.get(c, "") for c in RT_COLUMNS]


#: The ART file's relation to the head of household as text (HubKRT), beside its code (Hub_KRT)
RELATION_NAMES = {1: "Kepala Rumah Tangga", 2: "Istri/Suami", 3: "Anak", 6: "Orang Tua/Mertua"}


def _art_row(pop: Population, h: Household, i: int, p: Person, periode: str, style: dict) -> list[str]:
    d = h.desa_by_period[periode]
    kks, pbi, kip, pkh, bpnt = p.flags[periode]
    nik_text = nik_written(pop, periode, p)[0]
    ref = dt.date(int(periode[:4]), int(periode[5:]), 1)
    tgl = impossible_date(p.birth, style["date"]) if p.bad_date else p.birth.strftime(style["date"])
    values = {
        "IDBDT": h.idbdt, "IDARTBDT": f"{h.idbdt}{i + 1:02d}", "KDPROP": "35", "KDKAB": "03",
        "KDKEC": d.kec_bps, "KDDESA": d.desa_bps, "NoPesertaPKH": "", "Nama": p.name,
        "JnsKel": "1" if p.male else "2", "TmpLahir": p.tmp_lahir, "TglLahir": tgl,
        "HubKRT": RELATION_NAMES.get(p.hub_krt, ""),
        "NIK": nik_text, "NoKK": p.nokk_dtks or p.nokk, "Hub_KRT": str(p.hub_krt), "NUK": str(p.nuk),
        "Hubkel": str(p.hubkel),
        "Umur": str(max(0, age_on(p.birth, ref))), "Sta_kawin": "2" if p.hub_krt in (1, 2) else "1",
        "Ada_akta_nikah": "1" if p.hub_krt in (1, 2) else "0", "Ada_diKK": "1", "Ada_kartu_identitas": "4",
        "Sta_hamil": "2", "Jenis_cacat": str(p.jenis_cacat), "Penyakit_kronis": str(p.penyakit_kronis),
        "Partisipasi_sekolah": "1" if age_on(p.birth, ref) < 18 else "2", "Pendidikan_tertinggi": "3",
        "Kelas_tertinggi": "6", "Ijazah_tertinggi": str(p.ijazah), "Sta_Bekerja": "1", "Jumlah_jamkerja": "35",
        "Lapangan_usaha": str(p.lapangan_usaha), "Status_pekerjaan": str(p.status_pekerjaan),
        "Sta_keberadaan_art": "1", "Sta_kepesertaan_pbi": "1" if pbi == 1 else "2", "Ada_kks": str(kks),
        "Ada_pbi": str(pbi), "Ada_kip": str(kip), "Ada_pkh": str(pkh), "Ada_BPNT": str(bpnt),
        "Anak_diluar_rt": "2", "namagadis_ibukandung": "SITI",
    }
    return [values[c] for c in ART_COLUMNS]


def _write_csv_member(zf: zipfile.ZipFile, name: str, header: list[str], rows: Iterator[list[str]],
                      style: dict) -> None:
    """Stream rows into one zip member as CSV in the period's encoding (a period is never held in memory)."""
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as raw, io.TextIOWrapper(raw, encoding=style["encoding"],
                                                                        newline="") as text:
        w = csv.writer(text, delimiter=style["delimiter"], lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)
        if style.get("blank_tail"):
            text.write("\r\n\r\n")


def write_dtks(pop: Population, periode: str, path: Path) -> DtksKnowledge:
    """One DTKS period as a zip holding 3503_RT.csv and 3503_ART.csv, written row by row."""
    style = PERIOD_STYLE[periode]
    households = pop.active[periode]
    rt_header = list(RT_COLUMNS)
    as_status = style["alias"].get("Percentile") == "Status_Kesejahteraan"
    if as_status:
        rt_header[rt_header.index("Percentile")] = "Status_Kesejahteraan"
        style = {**style, "alias": {k: v for k, v in style["alias"].items() if k != "Percentile"}}
    know = DtksKnowledge(periode, 0, 0, 0, 0, 0, 0, 0)

    def rt_rows() -> Iterator[list[str]]:
        for h in households:
            row = _rt_row(h, periode, style, as_status)
            copies = 2 if h.idbdt in pop.dup_rt[periode] else 1
            know.rt_duplicates += copies - 1
            know.rt_rows_written += copies
            for _ in range(copies):
                yield row

    def art_rows() -> Iterator[list[str]]:
        for h in households:
            for i, p in enumerate(h.members):
                arow = _art_row(pop, h, i, p, periode, style)
                _, valid, _ = nik_written(pop, periode, p)
                know.art_invalid_nik += not valid
                know.art_corrupted_nik += p.idx in pop.sci_nik[periode]
                know.art_bad_dates += p.bad_date
                know.art_invalid_kk += bool(p.nokk_dtks)
                copies = 2 if p.idx in pop.dup_art[periode] else 1
                know.art_duplicates += copies - 1
                know.art_rows_written += copies
                for _ in range(copies):
                    yield arow

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        _write_csv_member(zf, "3503_RT.csv", _header(rt_header, style), rt_rows(), style)
        _write_csv_member(zf, "3503_ART.csv", _header(ART_COLUMNS, style), art_rows(), style)
    return know


# --- beneficiary lists, register and proposals ----------------------------------------------------------

@dataclass(slots=True)
class ListRecord:
    """What the generator knows of one written list row (None for a planted blank row)."""

    program: str
    nik_raw: str
    nik_valid: bool
    nik_clean: str  # the cleaned NIK when valid
    nama_normal: str
    kode_kec: str | None
    kode_desa: str | None
    is_duplicate: bool
    person: Person | None


def noisy_name(rng: random.Random, name: str) -> str:
    """The same name as a list clerk typed it: case, extra spaces or punctuation (normalises equal)."""
    r = rng.random()
    if r < 0.8:
        return name
    if r < 0.9:
        return name.title()
    if r < 0.95:
        return "  " + name.replace(" ", "  ") + " "
    return name.replace(" ", ". ") + "."


def place_text(rng: random.Random, nama_kec: str, nama_desa: str, jenis: str,
               aliases: dict[str, str]) -> tuple[str, str]:
    """How a list writes a place: plain, title case, with DESA/DS./KEL./KEC. prefixes, or a known variant."""
    kec = nama_kec.upper()
    r = rng.random()
    if r < 0.1:
        kec = f"KEC. {kec}"
    elif r < 0.15:
        kec = f"KECAMATAN {kec}"
    elif r < 0.25:
        kec = nama_kec
    desa = aliases.get(nama_desa, nama_desa) if rng.random() < 0.5 else nama_desa
    r = rng.random()
    if r < 0.7:
        desa = desa.upper()
    elif r < 0.8:
        pass
    elif r < 0.88:
        desa = f"{'KEL.' if jenis == 'kelurahan' else rng.choice(('DESA', 'DS.'))} {desa.upper()}"
    elif r < 0.95:
        desa = f"DESA {desa}"
    else:
        desa = f"Ds {desa}"
    return kec, desa


def write_xlsx(path: Path, title_rows: list[str], header: list[str], rows, numeric_cols: set[int]) -> None:
    """An .xlsx like an office exports it: optional merged title rows, then the header and the rows."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": FIXED_DATETIME, "author": "Dinas Sosial P3A"})
    ws = wb.add_worksheet("Sheet1")
    bold = wb.add_format({"bold": True})
    r = 0
    for t in title_rows:
        if t:
            ws.merge_range(r, 0, r, max(len(header) - 1, 1), t, bold)
        r += 1
    ws.write_row(r, 0, header, bold)
    r += 1
    for row in rows:
        for c, v in enumerate(row):
            if v == "":
                continue
            if c in numeric_cols and isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            elif isinstance(v, dt.date):
                ws.write_string(r, c, v.strftime("%d-%m-%Y"))
            else:
                ws.write_string(r, c, str(v))
        r += 1
    wb.close()


def write_delimited(path: Path, header: list[str], rows, delimiter: str, encoding: str,
                    title_rows: list[str] = ()) -> None:
    """A CSV in the given dialect, with title lines above the header as a spreadsheet export writes them."""
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        for t in title_rows:
            w.writerow([t] + [""] * (len(header) - 1))
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])


def corrupt_numeric(nik: str) -> int:
    """What Excel keeps of a 16-digit number typed into a numeric cell: 15 significant digits."""
    return int(nik[:15] + "0")


LIST_SPECS = {
    "PKH": {"file": "ExportMstPeserta PKH (8-7-2020).xlsx", "label": "PKH 8 Juli 2020", "as_of": "2020-07-08",
            "header": ["NIK", "NAMA", "NOKK", "KECAMATAN", "DESA", "ALAMAT", "IDARTBDT", "TAHAP"],
            "title": []},
    "SEMBAKO": {"file": "Program Sembako Tahap 8 Agustus 2020.xlsx", "label": "Tahap 8 Agustus 2020",
                "as_of": "2020-08-01",
                "header": ["NAMA_PENERIMA", "NOMOR_KARTU", "NIK_KTP", "NOKK_DTKS", "IDARTBDT", "NMPROP", "NMKAB",
                           "NMKEC", "NMKEL", "ALAMAT"],
                "title": ["DAFTAR PENERIMA PROGRAM SEMBAKO TAHAP 8 AGUSTUS 2020", "KABUPATEN TRENGGALEK", ""]},
    # the two real-shaped lists of issue 14: no No. KK column, a title row above the header
    "BST": {"file": "BNBA BST Tahap 3.xlsx", "label": "BST Tahap 3", "as_of": "2020-06-15",
            "header": ["NAMA PENERIMA", "NIK KTP", "TAHAP", "NM KEC", "NM KEL", "ALAMAT"],
            "title": ["DAFTAR PENERIMA BANTUAN SOSIAL TUNAI TAHAP 3", "KABUPATEN TRENGGALEK"]},
    "KPE": {"file": "BNBA KPE 2020.csv", "label": "KPE 2020", "as_of": "2020-09-01",
            "header": ["No", "NIK", "Nama KPM", "Kecamatan", "Desa/Kelurahan", "Alamat"],
            "title": ["BNBA KARTU PENYANGGA EKONOMI KABUPATEN TRENGGALEK"]},
}
#: A programme the registry adds (tests/conftest.py registers it): a desa-level list placed by the Kemendagri
#: desa code alone, no kecamatan or desa name, no No. KK.
EXTRA_LIST = {"header": ["NO", "KODE DESA", "NIK", "NAMA", "ALAMAT"],
              "title": ["DAFTAR KPM {nama}", "KABUPATEN TRENGGALEK", ""], "as_of": "2020-10-01"}

SIZES = {"PKH": 25_000, "SEMBAKO": 55_000, "BST": 15_000, "KPE": 20_000}
PERIOD_L = PERIODS[-1]
