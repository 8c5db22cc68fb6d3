"""The third SOP: a request for a new dashboard, from the requester to a published dashboard (docs/requests.md).

A requester (pemohon: a Dinas Sosial section, Bappeda, Dinas Kesehatan) says what question the dashboard should
answer, for whom, from which data, how often and who may see it. The product owner reviews it, the data analyst
designs it with the requester, the data engineer builds the marts and the Superset assets, and publishes it by
naming a dashboard of ``superset_assets/``. Each move is a step (``STEPS``) that one kind of user may take from
given states; it is recorded with who, when, as which role and a note, in the transaction that makes it.

The states are one enum, ``Keadaan``, whose values are PostgreSQL's ``audit.keadaan_permintaan``.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from bansos360 import access
from bansos360.sop import kata


class Keadaan(enum.StrEnum):
    """Where a request stands; the values are those of ``audit.keadaan_permintaan``."""

    DIAJUKAN = "diajukan"  # filed by its requester (or sent back to them for more)
    DITELAAH = "ditelaah"  # the product owner is reviewing it
    DIRANCANG = "dirancang"  # accepted: the analyst drafts the dashboard with the requester
    DIBANGUN = "dibangun"  # the design is agreed: the engineer builds the marts and assets
    TERBIT = "terbit"  # published: linked to a dashboard of the assets (final)
    DITUTUP = "ditutup"  # rejected, or withdrawn by its requester (final)


OPEN = (Keadaan.DIAJUKAN, Keadaan.DITELAAH, Keadaan.DIRANCANG, Keadaan.DIBANGUN)
DATA_BARU = "data_baru"  # data the warehouse does not hold yet, described by the requester
FREQUENCIES = tuple(kata.FREKUENSI)  # the migration's check constraints hold the same lists
ACCESS = tuple(kata.AKSES)
ENGINEERS = frozenset({access.DATA_ENGINEER, "Admin"})  # Admin is the Kominfo engineer (docs/airflow.md)
SKETCH_LIMIT = 5 << 20
#: The longest each free text may be, in characters (the migrations' check constraints hold the same).
PANJANG = {"instansi": 200, "pertanyaan": 4000, "pengguna": 500, "data_baru": 2000, "catatan": 2000,
           "sketsa_nama": 200}
SKETCH_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"%PDF-": "application/pdf"}


@dataclass(frozen=True)
class Step:
    """One move of a request: from which states, to which, by whom, and whether a note is required."""

    name: str
    label: str  # the button's words
    dari: tuple[Keadaan, ...]
    ke: Keadaan | None  # None: the request stays where it is (a comment)
    roles: frozenset[str]
    note_required: bool = False
    own_only: bool = False  # only the request's own requester
    not_own: bool = False  # never on one's own request (a requester cannot accept their own)


STEPS: dict[str, Step] = {s.name: s for s in (
    Step("telaah", "Mulai telaah", (Keadaan.DIAJUKAN,), Keadaan.DITELAAH, frozenset({access.PRODUCT_OWNER}),
         not_own=True),
    Step("terima", "Terima", (Keadaan.DITELAAH,), Keadaan.DIRANCANG, frozenset({access.PRODUCT_OWNER}), not_own=True),
    Step("minta_keterangan", "Minta keterangan", (Keadaan.DITELAAH,), Keadaan.DIAJUKAN,
         frozenset({access.PRODUCT_OWNER}), note_required=True, not_own=True),
    Step("tolak", "Tolak", (Keadaan.DIAJUKAN, Keadaan.DITELAAH), Keadaan.DITUTUP, frozenset({access.PRODUCT_OWNER}),
         note_required=True, not_own=True),
    Step("rancangan_selesai", "Rancangan disepakati", (Keadaan.DIRANCANG,), Keadaan.DIBANGUN,
         frozenset({access.DATA_ANALYST})),
    Step("kembali_ke_rancangan", "Kembalikan ke rancangan", (Keadaan.DIBANGUN,), Keadaan.DIRANCANG, ENGINEERS,
         note_required=True),
    Step("terbitkan", "Terbitkan", (Keadaan.DIBANGUN,), Keadaan.TERBIT, ENGINEERS),
    Step("tarik", "Tarik permintaan", (Keadaan.DIAJUKAN, Keadaan.DITELAAH), Keadaan.DITUTUP,
         frozenset({access.REQUESTER}), own_only=True),
    Step("komentar", "Kirim komentar", OPEN, None,
         frozenset({access.REQUESTER, access.PRODUCT_OWNER, access.DATA_ANALYST, *ENGINEERS}), note_required=True),
)}


class RequestError(ValueError):
    """A request or a step that cannot be taken, in Bahasa Indonesia with English beside it."""

    def __init__(self, pesan: str, message: str):
        super().__init__(f"{pesan} / {message}")
        self.pesan, self.message = pesan, message


def check_texts(**texts: str | None) -> None:
    """Refuse a free text longer than ``PANJANG`` allows, or holding a NUL (which PostgreSQL cannot store)."""
    for field, text in texts.items():
        if text and len(text) > PANJANG[field]:
            raise RequestError(f"{field} terlalu panjang: paling banyak {PANJANG[field]} karakter",
                               f"{field} is too long: at most {PANJANG[field]} characters")
        if text and "\x00" in text:
            raise RequestError(f"{field} memuat karakter NUL", f"{field} holds a NUL character")


def published_dashboards() -> dict[str, str]:
    """The dashboards a request may be published as: UUID -> title, from ``superset_assets/``."""
    from bansos360 import superset_sync

    return {str(f["uuid"]): f["dashboard_title"] for name, f in superset_sync.asset_files().items()
            if name.startswith("dashboards/")}


def dashboard_url(public_url: str, dasbor_uuid: str | None) -> tuple[str, str] | None:
    """A published request's dashboard: its title and its address on the public Superset site."""
    from bansos360 import superset_sync

    for name, f in superset_sync.asset_files().items():
        if name.startswith("dashboards/") and str(f["uuid"]) == str(dasbor_uuid):
            return f["dashboard_title"], f"{public_url}/superset/dashboard/{f.get('slug') or f['uuid']}/"
    return None


def sketch_type(data: bytes) -> str:
    """The sketch's content type, by its first bytes (an image or a PDF), or a refusal."""
    if len(data) > SKETCH_LIMIT:
        raise RequestError(f"sketsa lebih dari {SKETCH_LIMIT >> 20} MB", f"the sketch is over {SKETCH_LIMIT >> 20} MB")
    for magic, kind in SKETCH_TYPES.items():
        if data.startswith(magic):
            return kind
    raise RequestError("sketsa harus gambar PNG atau JPEG, atau PDF",
                       "the sketch must be a PNG or JPEG image, or a PDF")


def store_sketch(home: Path, data: bytes) -> tuple[str, str]:
    """Keep a sketch under ``home/permintaan/`` (outside the lake, by its SHA-256); its hash and content type."""
    kind = sketch_type(data)
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(home) / "permintaan"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / digest
    if not target.exists():  # two uploads of one sketch at once write two partial files, then one wins
        partial = folder / f".{digest}.{secrets.token_hex(4)}.sebagian"
        partial.write_bytes(data)
        partial.replace(target)
    return digest, kind


def file_request(cur, *, pemohon: str, instansi: str, pertanyaan: str, pengguna: str, data_diminta: list[str],
                 kinds: set[str], frekuensi: str, akses: str, per_kecamatan: bool, data_baru: str | None = None,
                 sketsa: tuple[str, str, str] | None = None) -> int:
    """Record a new request, ``diajukan``, and its first history row; its id.

    ``kinds``: the source kinds a request may name (the registry's), besides ``data_baru``; ``sketsa``: (SHA-256,
    original name, content type) of a stored sketch.
    """
    texts = {"pertanyaan": pertanyaan, "pengguna": pengguna, "instansi": instansi}
    empty = [k for k, v in texts.items() if not (v or "").strip()]
    if empty:
        raise RequestError(f"belum diisi: {', '.join(empty)}", f"not filled in: {', '.join(empty)}")
    check_texts(**texts, data_baru=data_baru, sketsa_nama=sketsa[1] if sketsa else None)
    unknown = sorted(set(data_diminta) - kinds - {DATA_BARU})
    if not data_diminta or unknown:
        raise RequestError(f"data yang diminta tidak dikenal: {', '.join(unknown) or '(kosong)'}",
                           f"unknown data asked for: {', '.join(unknown) or '(none)'}")
    if (DATA_BARU in data_diminta) != bool((data_baru or "").strip()):
        raise RequestError("'data baru' dipilih tanpa keterangan, atau keterangan tanpa memilih 'data baru'",
                           "'new data' chosen without a description, or a description without choosing it")
    if frekuensi not in FREQUENCIES or akses not in ACCESS:
        raise RequestError("frekuensi atau akses tidak dikenal", "unknown frequency or access")
    digest, name, kind = sketsa or (None, None, None)
    cur.execute(
        "insert into audit.permintaan_dasbor (pemohon, instansi, pertanyaan, pengguna, data_diminta, data_baru, "
        "frekuensi, akses, per_kecamatan, sketsa_sha256, sketsa_nama, sketsa_jenis) "
        "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning permintaan_id",
        (pemohon, instansi.strip(), pertanyaan.strip(), pengguna.strip(), sorted(set(data_diminta)),
         (data_baru or "").strip() or None, frekuensi, akses, per_kecamatan, digest, name, kind))
    request_id = cur.fetchone()[0]
    cur.execute("insert into audit.riwayat_permintaan (permintaan_id, dari, ke, oleh, peran) "
                "values (%s, null, 'diajukan', %s, %s)", (request_id, pemohon, access.REQUESTER))
    return request_id


def allowed(step: Step, keadaan: str, pemohon: str, user: str, roles: set[str]) -> str | None:
    """The role under which ``user`` may take ``step`` on a request in ``keadaan`` filed by ``pemohon``, or None."""
    if keadaan not in step.dari:
        return None
    own = user == pemohon
    if (step.own_only and not own) or (step.not_own and own):
        return None
    if step.name == "komentar" and own:
        return access.REQUESTER  # a requester comments on their own request, whatever other roles they hold
    usable = sorted(r for r in step.roles & roles if r != access.REQUESTER or own)
    return usable[0] if usable else None


def steps_for(keadaan: str, pemohon: str, user: str, roles: set[str]) -> list[Step]:
    """The steps ``user`` may take now on a request (what their page offers)."""
    return [s for s in STEPS.values() if allowed(s, keadaan, pemohon, user, roles)]


def take(cur, request_id: int, step_name: str, *, user: str, roles: set[str], catatan: str | None = None,
         dasbor_uuid: str | None = None) -> Keadaan:
    """Take one step on a request, checked against its state, the user's roles and the step's rules; recorded."""
    step = STEPS.get(step_name)
    if step is None:
        raise RequestError(f"langkah {step_name!r} tidak dikenal", f"unknown step {step_name!r}")
    cur.execute("select keadaan, pemohon from audit.permintaan_dasbor where permintaan_id = %s for update",
                (request_id,))
    row = cur.fetchone()
    if row is None:
        raise RequestError(f"permintaan {request_id} tidak ada", f"there is no request {request_id}")
    keadaan, pemohon = Keadaan(row[0]), row[1]
    role = allowed(step, keadaan, pemohon, user, roles)
    if role is None:
        if keadaan not in step.dari:
            raise RequestError(f"permintaan {request_id} berstatus {keadaan}: langkah '{step.label}' tidak berlaku",
                               f"request {request_id} is {keadaan}: step {step.name!r} does not apply")
        if step.not_own and user == pemohon:
            raise RequestError("permintaan sendiri tidak dapat ditelaah, diterima atau ditolak oleh pemohonnya",
                               "a requester cannot review, accept or reject their own request")
        raise RequestError(f"peran Anda tidak boleh mengambil langkah '{step.label}'",
                           f"your roles may not take the step {step.name!r}")
    note = (catatan or "").strip() or None
    check_texts(catatan=note)
    if step.note_required and not note:
        raise RequestError(f"langkah '{step.label}' memerlukan catatan (alasannya)",
                           f"the step {step.name!r} needs a note (its reason)")
    ke = step.ke or keadaan
    if ke == Keadaan.TERBIT:
        dashboards = published_dashboards()
        if str(dasbor_uuid or "") not in dashboards:
            raise RequestError("dasbor yang diterbitkan harus salah satu dasbor di superset_assets (UUID-nya)",
                               "the published dashboard must be one of superset_assets (by its UUID)")
    cur.execute("update audit.permintaan_dasbor set keadaan = %s, diubah_pada = now(), "
                "dasbor_uuid = coalesce(%s::uuid, dasbor_uuid) where permintaan_id = %s",
                (ke.value, dasbor_uuid if ke == Keadaan.TERBIT else None, request_id))
    cur.execute("insert into audit.riwayat_permintaan (permintaan_id, dari, ke, oleh, peran, catatan) "
                "values (%s, %s, %s, %s, %s, %s)", (request_id, keadaan.value, ke.value, user, role, note))
    return ke


FIELDS = ("permintaan_id", "keadaan", "pemohon", "instansi", "pertanyaan", "pengguna", "data_diminta", "data_baru",
          "frekuensi", "akses", "per_kecamatan", "sketsa_sha256", "sketsa_nama", "sketsa_jenis", "dasbor_uuid",
          "dibuat_pada", "diubah_pada", "sejak", "hari_di_keadaan")


def listing(cur, pemohon: str | None = None, request_id: int | None = None) -> list[dict]:
    """Requests (all, one requester's, or one), oldest first, with when they entered their state and the days since."""
    cur.execute(
        "select p.permintaan_id, p.keadaan::text, p.pemohon, p.instansi, p.pertanyaan, p.pengguna, p.data_diminta, "
        "       p.data_baru, p.frekuensi, p.akses, p.per_kecamatan, p.sketsa_sha256, p.sketsa_nama, p.sketsa_jenis, "
        "       p.dasbor_uuid::text, p.dibuat_pada, p.diubah_pada, coalesce(max(r.pada), p.dibuat_pada), "
        "       extract(day from now() - coalesce(max(r.pada), p.dibuat_pada))::int "
        "from audit.permintaan_dasbor p left join audit.riwayat_permintaan r "
        "  on r.permintaan_id = p.permintaan_id and r.ke = p.keadaan and r.dari is distinct from r.ke "
        "where (%(pemohon)s::text is null or p.pemohon = %(pemohon)s) "
        "  and (%(id)s::bigint is null or p.permintaan_id = %(id)s) "
        "group by p.permintaan_id order by p.dibuat_pada, p.permintaan_id",
        {"pemohon": pemohon, "id": request_id})
    return [dict(zip(FIELDS, r, strict=True)) for r in cur.fetchall()]


def open_requests(cur, pemohon: str | None = None) -> list[dict]:
    """Every request not yet published or closed, oldest first, with its days in its current state.

    The product owner's weekly review.
    """
    return [r for r in listing(cur, pemohon) if r["keadaan"] in OPEN]


def history(cur, request_id: int) -> list[dict]:
    """A request's history, oldest first: from, to, who, as which role, when, and the note."""
    cur.execute("select dari::text, ke::text, oleh, peran, pada, catatan from audit.riwayat_permintaan "
                "where permintaan_id = %s order by riwayat_id", (request_id,))
    names = ["dari", "ke", "oleh", "peran", "pada", "catatan"]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
