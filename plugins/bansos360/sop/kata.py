"""The words and formats of the SOP pages and their e-mails, as an office in Trenggalek reads them.

Numbers with a dot between thousands and a comma before decimals (37.635; 97,3 %), times in WIB
(``4 Des 2026 23.41 WIB``), each state of a submission with a line that says what it means, and for each finding
what the reader should do about it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
BULAN = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")

#: Each state of a submission: its name on the pages and one line on what it means for the reader.
KEADAAN = {
    "diterima": ("Diterima", "Berkas sudah tersimpan dan menunggu pemeriksaan otomatis."),
    "diperiksa": ("Lolos pemeriksaan", "Berkas lolos pemeriksaan otomatis dan menunggu persetujuan pemilik produk."),
    "ditolak": ("Ditolak", "Berkas tidak diproses. Lihat temuan di bawah: apa yang salah dan apa yang perlu "
                "dilakukan."),
    "disetujui": ("Disetujui", "Pemilik produk sudah menyetujui; pemrosesan segera dimulai."),
    "diproses": ("Sedang diproses", "Data sedang dimuat ke gudang data; dasbor masih menampilkan data sebelumnya."),
    "terbit": ("Terbit", "Data sudah masuk gudang dan tampil di dasbor."),
    "gagal": ("Gagal diproses", "Pemrosesan berhenti karena kesalahan; dasbor tetap menampilkan data sebelumnya. "
              "Insinyur Kominfo sudah dapat melihatnya di Airflow."),
}

#: Each state of a dashboard request (docs/requests.md): its name and what it means for the reader.
KEADAAN_PERMINTAAN = {
    "diajukan": ("Diajukan", "Permintaan menunggu telaah pemilik produk (atau keterangan tambahan dari pemohon)."),
    "ditelaah": ("Ditelaah", "Pemilik produk sedang menelaah permintaan ini: diterima, ditolak dengan alasan, atau "
                 "dikembalikan untuk keterangan tambahan."),
    "dirancang": ("Dirancang", "Diterima: analis data merancang dasbornya bersama pemohon (pemohon dapat memberi "
                  "komentar)."),
    "dibangun": ("Dibangun", "Rancangan disepakati: insinyur data membangun mart dan dasbornya."),
    "terbit": ("Terbit", "Dasbor sudah terbit; tautannya ada di halaman permintaan."),
    "ditutup": ("Ditutup", "Permintaan ditolak atau ditarik pemohonnya; alasannya ada di riwayat."),
}

FREKUENSI = {"harian": "Harian", "mingguan": "Mingguan", "bulanan": "Bulanan", "triwulanan": "Triwulanan",
             "semesteran": "Semesteran", "tahunan": "Tahunan", "sekali": "Sekali saja"}
AKSES = {"agregat": "Angka agregat saja (tanpa nama)", "by_name": "By name by address (nama dan NIK)"}

TINGKAT = {"error": "Galat", "warning": "Peringatan", "info": "Info"}

TAHAP = {
    "gerbang_mentah": "Pemeriksaan berkas",
    "persetujuan": "Persetujuan",
    "staging": "Pembacaan baris",
    "gudang": "Gudang data",
    "gerbang_gudang": "Pemeriksaan gudang data",
    "gerbang_mart": "Pemeriksaan dasbor",
}

#: What to do, for the findings whose message alone does not say it.
TINDAKAN_KODE = {
    "berkas_sama": "Tidak perlu dikirim lagi: berkas yang sama sudah pernah diterima.",
    "baris_menyusut": "Pastikan berkasnya lengkap. Pemilik produk dapat menyetujuinya satu per satu bila memang "
                      "benar.",
    "kolom_wajib_hilang": "Tambahkan kolom itu di baris judul kolom, lalu unggah lagi.",
    "kolom_ganda": "Hapus atau ganti nama salah satu kolom, lalu unggah lagi.",
    "header_tidak_ditemukan": "Pastikan baris judul kolom ada di 10 baris pertama, lalu unggah lagi.",
    "kolom_opsional_hilang": "Tidak wajib: data tetap dimuat, kolom itu kosong.",
    "ditolak_pemilik_produk": "Baca catatan pemilik produk, perbaiki berkas, lalu unggah lagi.",
    "berkas_kosong": "Berkas kosong: ekspor ulang datanya, lalu unggah lagi.",
}

#: What to do, by the stage and the level of a finding, when its code has nothing of its own.
TINDAKAN_TAHAP = {
    ("gerbang_mentah", "error"): "Perbaiki berkas sesuai pesan, lalu unggah lagi.",
    ("gerbang_mentah", "warning"): "Periksa; pengajuan tetap dapat disetujui pemilik produk.",
    ("error", ): "Dasbor tetap menampilkan data sebelumnya. Sampaikan nomor pengajuan ini ke insinyur Kominfo.",
    ("warning", ): "Untuk diketahui; data tetap diproses.",
    ("info", ): "Untuk diketahui.",
}


def _number(value) -> float | None:
    """A value as a number, or None when it is none (missing, empty, or a page's undefined field)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def angka(value, digits: int = 0) -> str:
    """A number as Indonesians write it: 37.635, 12,5."""
    number = _number(value)
    if number is None:
        return "—"
    text = f"{number:,.{digits}f}" if digits else f"{round(number):,}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def persen(value, digits: int = 1) -> str:
    """A share as a percentage: 97,3 %."""
    number = _number(value)
    return "—" if number is None else f"{angka(100 * number, digits)} %"


def ukuran(size_bytes) -> str:
    """A file size: 812 byte, 15,2 MB."""
    size = _number(size_bytes)
    if size is None:
        return "—"
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{angka(size / scale, 1)} {unit}"
    return f"{angka(size)} byte"


def waktu(value) -> str:
    """A moment in WIB: ``4 Des 2026 23.41 WIB`` (a time without a zone is UTC, as the database keeps it)."""
    if not value:
        return "—"
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(WIB)
    return f"{local.day} {BULAN[local.month - 1]} {local.year} {local:%H.%M} WIB"


def keadaan(state: str) -> str:
    """A state's name on the pages."""
    return KEADAAN.get(state, (state, ""))[0]


def arti_keadaan(state: str) -> str:
    """A state's one line of explanation."""
    return KEADAAN.get(state, ("", ""))[1]


def keadaan_permintaan(state: str) -> str:
    """A dashboard request's state, as its pages name it."""
    return KEADAAN_PERMINTAAN.get(state, (state, ""))[0]


def arti_permintaan(state: str) -> str:
    """A dashboard request's state, explained in one line."""
    return KEADAAN_PERMINTAAN.get(state, ("", ""))[1]


def tindakan(finding: dict) -> str:
    """What the reader should do about a finding (its code, else its stage and level)."""
    code, stage, level = finding.get("kode"), finding.get("tahap"), finding.get("tingkat")
    return (TINDAKAN_KODE.get(code) or TINDAKAN_TAHAP.get((stage, level)) or TINDAKAN_TAHAP.get((level, ))
            or "")


FILTERS = {"angka": angka, "persen": persen, "ukuran": ukuran, "waktu": waktu, "keadaan": keadaan,
           "arti_keadaan": arti_keadaan, "tindakan": tindakan, "tingkat": lambda v: TINGKAT.get(v, v),
           "tahap": lambda v: TAHAP.get(v, v), "keadaan_permintaan": keadaan_permintaan,
           "arti_permintaan": arti_permintaan, "frekuensi": lambda v: FREKUENSI.get(v, v),
           "akses": lambda v: AKSES.get(v, v)}
