"""Notifications by e-mail (issue 25), against an SMTP server the test starts: the product owners hear what waits
for them, the uploader hears of a refusal, a failure and a publication; each mail links its page and holds no
personal data; nothing is sent without an SMTP host; a mail that could not be sent is sent at the next flush."""

from __future__ import annotations

import dataclasses
import json
import re
import socket

import psycopg2
import pytest

from bansos360 import intake, notify
from tests.conftest import query
from tests.helpers import approve_and_refresh, submit
from tests.smtp import Mailbox

PUBLIC = "https://airflow.uji.invalid"
USERS = [
    {"username": "operator", "nama": "Operator Dinsos", "email": "operator@uji.invalid",
     "peran": ["Operator Dinsos"]},
    {"username": "kabid", "nama": "Kabid Linjamsos", "email": "kabid@uji.invalid", "peran": ["Pemilik Produk"]},
    {"username": "sekdin", "nama": "Sekretaris Dinas", "email": "sekdin@uji.invalid", "peran": ["Pemilik Produk"]},
    {"username": "tamu", "nama": "Tanpa Alamat", "peran": ["Pemilik Produk"]},
    {"username": "analis", "superset": ["Dinsos Analis"]},  # Superset only: never told of submissions
]
# a list whose rows carry NIKs and names: none of them may appear in a mail
LIST = ("NIK;NAMA;NOKK;KECAMATAN;DESA;ALAMAT\n3503014107800001;DEWI SARTIKA;3503010101010001;PULE;PULE;RT 1\n"
        "3503015208850002;SRI WAHYUNI;3503010101010002;PULE;PULE;RT 3\n")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mailbox():
    box = Mailbox("127.0.0.1", _port())
    box.start()
    yield box
    box.stop()


@pytest.fixture
def told(settings, mailbox, tmp_path):
    """Settings that mail through the test's server, with the users file's recipients."""
    users = tmp_path / "pengguna.json"
    users.write_text(json.dumps(USERS))
    with psycopg2.connect(settings.database_url) as conn:
        assert notify.sync_recipients(conn, users) == 4
    told = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=mailbox.port, smtp_tls="off",
                               smtp_from="bansos360@uji.invalid", airflow_public_url=PUBLIC)
    # the shipped region reference, submitted and published by init: its "waits for approval" is outdated and
    # its publisher has no address, so nobody is mailed
    assert notify.flush(told) == {"usang": 1, "tanpa_penerima": 1}
    assert mailbox.mails == []
    return told


def _private_data_free(mail) -> None:
    text = f"{mail.subject}\n{mail.body}"
    assert not re.search(r"\d{16}", text), text
    assert not any(name in text.upper() for name in ("DEWI", "SARTIKA", "WAHYUNI", "PULE")), text
    assert "daftar.csv" not in text and "ditolak.csv" not in text, text  # file names may be personal too


def test_each_step_reaches_the_right_people_with_a_link_and_no_personal_data(told, mailbox, tmp_path):
    good = tmp_path / "daftar.csv"
    good.write_text(LIST)
    waiting = submit(told, good, "pkh", label="PKH 2024")
    assert waiting["state"] == "diperiksa", waiting
    assert notify.flush(told) == {"terkirim": 1}
    [mail] = mailbox.wait(1)
    assert sorted(mail.recipients) == ["kabid@uji.invalid", "sekdin@uji.invalid"]
    assert mail.subject == f"[BANSOS 360] Pengajuan {waiting['submission_id']} menunggu persetujuan Anda"
    assert f"{PUBLIC}/sop/status/{waiting['submission_id']}" in mail.body
    assert "Lolos pemeriksaan" in mail.body and "WIB" in mail.body
    _private_data_free(mail)

    bad = tmp_path / "ditolak.csv"
    bad.write_text("NIK;NAMA\n3503014107800001;DEWI SARTIKA\n")  # no place: refused by the raw gate
    refused = submit(told, bad, "pkh", label="PKH salah")
    assert refused["state"] == "ditolak"
    assert notify.flush(told) == {"terkirim": 1}
    mail = mailbox.wait(2)[1]
    assert mail.recipients == ["operator@uji.invalid"]
    assert "ditolak" in mail.subject and f"{PUBLIC}/sop/status/{refused['submission_id']}" in mail.body
    assert re.search(r"Temuan: \d+ galat", mail.body), mail.body
    _private_data_free(mail)

    assert approve_and_refresh(told, waiting["submission_id"]).state == "terbit"
    sent = notify.flush(told)  # disetujui and diproses are nobody's news: only terbit is mailed
    assert sent == {"terkirim": 1}, sent
    mail = mailbox.wait(3)[2]
    assert mail.recipients == ["operator@uji.invalid"] and "sudah terbit" in mail.subject
    _private_data_free(mail)
    assert notify.flush(told) == {} and len(mailbox.mails) == 3  # nothing is mailed twice


def test_a_rejection_by_the_product_owner_reaches_the_uploader(told, mailbox, tmp_path):
    good = tmp_path / "daftar.csv"
    good.write_text(LIST)
    sid = submit(told, good, "pkh", label="PKH 2024")["submission_id"]
    with psycopg2.connect(told.database_url) as conn:
        intake.reject(conn, sid, "kabid", "bukan daftar resmi: DEWI SARTIKA 3503014107800001")
    # rejected before the sender came to it: the owners are not asked to approve what is decided
    assert notify.flush(told) == {"usang": 1, "terkirim": 1}
    [uploader] = mailbox.wait(1)
    assert uploader.recipients == ["operator@uji.invalid"] and "ditolak" in uploader.subject
    _private_data_free(uploader)  # the owner's note is on the page, never in the mail


def test_nothing_is_sent_without_an_smtp_host_and_a_failed_send_is_sent_later(settings, told, mailbox, tmp_path):
    good = tmp_path / "daftar.csv"
    good.write_text(LIST)
    submit(told, good, "pkh", label="PKH 2024")
    unset = dataclasses.replace(told, smtp_host="")
    assert notify.flush(unset) == {"tanpa_smtp": 1}
    assert notify.flush(told) == {} and mailbox.mails == []  # marked, never mailed later

    for n in (2, 3):
        other = tmp_path / f"daftar-{n}.csv"
        other.write_text(LIST.replace("RT 1", f"RT {n}"))
        submit(told, other, "pkh", label=f"PKH 2024 ulang {n}")
    closed = dataclasses.replace(told, smtp_port=_port())  # nothing listens there
    # the server cannot be reached: one failure recorded, the other waits for the next flush (no timeout per mail)
    assert notify.flush(closed) == {"gagal": 1}
    assert query(told, "select keadaan, percobaan from audit.surat where keadaan = 'gagal'") == [("gagal", 1)]
    assert notify.flush(told) == {"terkirim": 2} and len(mailbox.wait(2)) == 2
    assert query(told, "select percobaan from audit.surat where keadaan = 'terkirim' order by 1") == [(1,), (2,)]


def test_a_change_another_flush_mailed_after_this_ones_snapshot_is_let_go(told, mailbox, tmp_path, monkeypatch):
    """Two flushes at once (a page and a DAG task): the second may see a change as unmailed in its snapshot and get
    its lock once the first let go; it looks again under the lock and does not mail it twice."""
    good = tmp_path / "daftar.csv"
    good.write_text(LIST)
    submit(told, good, "pkh", label="PKH 2024")
    with psycopg2.connect(told.database_url) as conn, conn.cursor() as cur:
        seen = notify.OUTBOXES[0].pending(cur, told, [])  # as the second flush sees it: not mailed, tried 0 times
        conn.rollback()
    assert seen is not None and seen.tries == 0
    assert notify.flush(told) == {"terkirim": 1}  # the first flush mails it
    # the second flush, its query run before the first one's outcome was committed
    stale = iter([dataclasses.replace(seen, compose=lambda: notify._mail(told, "sekali lagi", ["dua kali"]))])
    monkeypatch.setattr(notify, "OUTBOXES", (dataclasses.replace(
        notify.OUTBOXES[0], pending=lambda cur, settings, tried: next(stale, None)),))
    assert notify.flush(told) == {}
    assert len(mailbox.wait(2, timeout=3)) == 1
    assert query(told, "select percobaan from audit.surat where keadaan = 'terkirim'") == [(1,)]


REQUEST_USERS = [
    {"username": "bappeda", "email": "bappeda@uji.invalid", "peran": ["Pemohon Dasbor"]},
    {"username": "kabid", "email": "kabid@uji.invalid", "peran": ["Pemilik Produk"]},
    {"username": "sekdin", "email": "sekdin@uji.invalid", "peran": ["Pemilik Produk"]},
    {"username": "analis", "email": "analis@uji.invalid", "peran": ["Analis Data"]},
    {"username": "insinyur", "email": "insinyur@uji.invalid", "peran": ["Insinyur Data"]},
    {"username": "kominfo", "email": "kominfo@uji.invalid", "peran": ["Admin"]},
    {"username": "operator", "email": "operator@uji.invalid", "peran": ["Operator Dinsos"]},
]
SECRET = "DEWI SARTIKA 3503014107800001 di RT 1 PULE"  # what a requester might paste: never in a mail


def test_each_move_of_a_dashboard_request_is_mailed_to_its_requester_and_who_acts_next(told, mailbox, tmp_path):
    """Issue 26: the requester and the role that acts next hear of each hand-over, never the one who made it; the
    mail names who moved which request to which state and links it, without the request's text or notes."""
    from bansos360 import dashboard_request as flow
    from bansos360 import sources

    users = tmp_path / "pengguna-permintaan.json"
    users.write_text(json.dumps(REQUEST_USERS))
    board = next(iter(flow.published_dashboards()))
    with psycopg2.connect(told.database_url) as conn:
        notify.sync_recipients(conn, users)
        with conn.cursor() as cur:
            kinds = set(sources.source_kinds(cur))
            rid = flow.file_request(cur, pemohon="bappeda", instansi="Bappeda", pertanyaan=f"Berapa KPM? {SECRET}",
                                    pengguna=SECRET, data_diminta=["pkh", flow.DATA_BARU], data_baru=SECRET,
                                    kinds=kinds, frekuensi="bulanan", akses="by_name", per_kecamatan=True)
        conn.commit()
    moves = [("telaah", "kabid", {"Pemilik Produk"}, None), ("terima", "kabid", {"Pemilik Produk"}, SECRET),
             ("komentar", "bappeda", {"Pemohon Dasbor"}, SECRET),
             ("rancangan_selesai", "analis", {"Analis Data"}, SECRET),
             ("terbitkan", "insinyur", {"Insinyur Data"}, SECRET)]
    expected = [  # (state, recipients) of each mail, in order; the comment moves nothing and is not mailed
        ("Diajukan", ["kabid@uji.invalid", "sekdin@uji.invalid"]),  # filed: the requester saw it on the page
        ("Ditelaah", ["bappeda@uji.invalid"]),
        ("Dirancang", ["analis@uji.invalid", "bappeda@uji.invalid"]),
        ("Dibangun", ["bappeda@uji.invalid", "insinyur@uji.invalid", "kominfo@uji.invalid"]),
        ("Terbit", ["bappeda@uji.invalid", "kabid@uji.invalid", "sekdin@uji.invalid"]),
    ]
    assert notify.flush(told) == {"terkirim": 1}
    for step, user, roles, note in moves:
        with psycopg2.connect(told.database_url) as conn, conn.cursor() as cur:
            flow.take(cur, rid, step, user=user, roles=roles, catatan=note,
                      dasbor_uuid=board if step == "terbitkan" else None)
        notify.flush(told)
    mails = mailbox.wait(len(expected))
    assert [(m.subject.rsplit(": ", 1)[1], sorted(m.recipients)) for m in mails] == expected
    movers = ["bappeda", "kabid", "kabid", "analis", "insinyur"]
    for mail, mover in zip(mails, movers, strict=True):
        assert mail.subject.startswith(f"[BANSOS 360] Permintaan dasbor {rid}: ")
        assert f"oleh {mover} (" in mail.body and f"{PUBLIC}/sop/permintaan/{rid}" in mail.body
        _private_data_free(mail)
        assert "Berapa KPM" not in mail.body and "Bappeda" not in mail.body
    assert notify.flush(told) == {} and len(mailbox.mails) == len(expected)  # nothing twice
    assert query(told, "select count(*) from audit.surat_permintaan where keadaan = 'terkirim'") == [(5,)]
