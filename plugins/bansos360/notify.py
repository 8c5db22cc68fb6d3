"""Notifications by e-mail: who is told what, when a submission changes state (issue 25).

- ``diperiksa`` (waits for approval): every product owner;
- ``ditolak`` (refused by the raw gate or the product owner), ``gagal`` (a gate or a step failed), ``terbit``
  (published): the user who uploaded it.

The outbox is ``audit.state_change`` itself: it is written in the transaction that changes the state, so a mail is
never announced for a change that rolled back, and none is lost if the sender stops. ``flush`` (called after each
intake, approval, refresh step and by the maintenance DAG) mails each change not mailed yet and records what became
of it in ``audit.surat``. Mail leaves through the installation's one SMTP setting (``BANSOS360_SMTP_*``); with no
host set nothing is sent (the changes are marked ``tanpa_smtp`` and never mailed later). A mail names the
submission, its kind, its period or label, its state and the count of findings, and links its page: never a file
name, a note, a NIK or a name, which may be personal data. A "waits for approval" found already decided when the
sender comes to it is not mailed (``usang``).

Dashboard requests (the third SOP, docs/requests.md) are told the same way: each move of a request from one state to
another (``audit.riwayat_permintaan``) is mailed once to its requester and to whoever must act next (``GILIRAN``),
never to the one who moved it; what became of it is kept in ``audit.surat_permintaan``. The mail says who moved
which request to which state and links its page: never the request's text or a step's note.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

from bansos360 import access, db
from bansos360.sop import kata

log = logging.getLogger(__name__)

#: The states someone is told about, and who: the product owners, or the uploader.
TOLD = {"diperiksa": "pemilik", "ditolak": "pengunggah", "gagal": "pengunggah", "terbit": "pengunggah"}
SUBJECTS = {
    "diperiksa": "Pengajuan {id} menunggu persetujuan Anda",
    "ditolak": "Pengajuan {id} ditolak",
    "gagal": "Pengajuan {id} gagal diproses",
    "terbit": "Pengajuan {id} sudah terbit di dasbor",
}
MAX_TRIES = 5
#: A dashboard request's move to a state is told to its requester and to the roles that act next (docs/requests.md).
GILIRAN = {
    "diajukan": {access.PRODUCT_OWNER},
    "dirancang": {access.DATA_ANALYST},
    "dibangun": {access.DATA_ENGINEER, "Admin"},
    "terbit": {access.PRODUCT_OWNER},
    "ditutup": {access.PRODUCT_OWNER},
}


def sync_recipients(conn, users_file: Path) -> int:
    """Replace ``audit.pengguna`` with the users of a users file (name, address, SOP roles); their count."""
    users = [u for u in json.loads(Path(users_file).read_text()) if u.get("peran")]
    with conn.cursor() as cur:
        cur.execute("delete from audit.pengguna")
        for u in users:
            cur.execute("insert into audit.pengguna (username, nama, email, peran) values (%s, %s, %s, %s)",
                        (u["username"], u.get("nama"), u.get("email") or None, list(u["peran"])))
    conn.commit()
    return len(users)


@dataclass(frozen=True)
class Pending:
    """One state change to mail: its key in its outbox, who is told, the mail, and whether it is outdated."""

    key: int
    tries: int
    to: list[str]
    compose: Callable[[], EmailMessage]
    stale: bool = False


@dataclass(frozen=True)
class Outbox:
    """Where one kind of state change waits to be mailed, and the table that records what became of each."""

    name: str
    pending: Callable[..., Pending | None]  # (cur, settings, tried) -> the next change to mail, locked
    table: str
    key: str


def _submission_change(cur, settings, tried: list[int]) -> Pending | None:
    """The oldest submission state change to mail, locked until its outcome is committed (never mailed twice)."""
    cur.execute(
        "select c.state_change_id, c.to_state, c.changed_at, s.submission_id, s.source, "
        "coalesce(s.periode, s.label, s.as_of::text), s.submitted_by, coalesce(m.percobaan, 0), s.state "
        "from audit.state_change c join audit.submission s using (submission_id) "
        "left join audit.surat m using (state_change_id) "
        "where c.to_state = any(%s) and (m.state_change_id is null or (m.keadaan = 'gagal' and m.percobaan < %s)) "
        "and c.state_change_id <> all(%s::bigint[]) order by c.state_change_id limit 1 for update of c skip locked",
        (list(TOLD), MAX_TRIES, tried))
    row = cur.fetchone()
    if row is None:
        return None
    change, state, at, sid, source, what, uploader, tries, now = row
    return Pending(change, tries, _recipients(cur, state, uploader),
                   lambda: message(settings, state, sid, source, what, at, _findings(cur, sid)),
                   stale=state == "diperiksa" and now != "diperiksa")  # decided already (the shipped reference)


def _request_move(cur, settings, tried: list[int]) -> Pending | None:
    """The oldest move of a dashboard request to mail, locked as a submission's change is."""
    cur.execute(
        "select r.riwayat_id, r.permintaan_id, r.ke::text, r.oleh, r.peran, r.pada, p.pemohon, "
        "coalesce(m.percobaan, 0) "
        "from audit.riwayat_permintaan r join audit.permintaan_dasbor p using (permintaan_id) "
        "left join audit.surat_permintaan m using (riwayat_id) "
        "where r.dari is distinct from r.ke "
        "and (m.riwayat_id is null or (m.keadaan = 'gagal' and m.percobaan < %s)) "
        "and r.riwayat_id <> all(%s::bigint[]) order by r.riwayat_id limit 1 for update of r skip locked",
        (MAX_TRIES, tried))
    row = cur.fetchone()
    if row is None:
        return None
    move, request_id, state, by, role, at, requester, tries = row
    cur.execute("select email from audit.pengguna where email is not null and username <> %s "
                "and (username = %s or peran && %s::text[]) order by username",
                (by, requester, sorted(GILIRAN.get(state, ()))))
    to = [r[0] for r in cur.fetchall()]
    return Pending(move, tries, to, lambda: request_message(settings, request_id, state, by, role, at))


def _settled(cur, box: Outbox, item: Pending) -> bool:
    """Whether another flush recorded an outcome for ``item`` since this one's query saw it (a new snapshot)."""
    cur.execute(f"select percobaan from {box.table} where {box.key} = %s", (item.key,))  # noqa: S608
    row = cur.fetchone()
    return (row[0] if row else 0) != item.tries


OUTBOXES = (Outbox("pengajuan", _submission_change, "audit.surat", "state_change_id"),
            Outbox("permintaan", _request_move, "audit.surat_permintaan", "riwayat_id"))


def _recipients(cur, state: str, uploader: str) -> list[str]:
    if TOLD[state] == "pemilik":
        cur.execute("select email from audit.pengguna where %s = any(peran) and email is not null order by username",
                    (access.PRODUCT_OWNER,))
    else:
        cur.execute("select email from audit.pengguna where username = %s and email is not null", (uploader,))
    return [r[0] for r in cur.fetchall()]


def _findings(cur, submission_id: int) -> dict[str, int]:
    cur.execute("select level, count(*) from audit.finding where submission_id = %s group by 1", (submission_id,))
    return dict(cur.fetchall())


def message(settings, state: str, submission_id: int, source: str, what: str | None, changed_at,
            findings: dict[str, int]) -> EmailMessage:
    """The mail of one state change, in Bahasa Indonesia, with the link to the submission's page."""
    link = f"{settings.airflow_public_url}/sop/status/{submission_id}"
    counts = ", ".join(f"{kata.angka(n)} {kata.TINGKAT[level].lower()}" for level, n in sorted(findings.items())
                       if level in ("error", "warning"))
    lines = [
        "Yth. Bapak/Ibu,",
        "",
        f"Pengajuan {submission_id} ({source}{', ' + what if what else ''}) berstatus "
        f"\"{kata.keadaan(state)}\" sejak {kata.waktu(changed_at)}.",
        kata.arti_keadaan(state),
    ]
    if counts:
        lines.append(f"Temuan: {counts}.")
    lines += [
        "",
        f"Buka halamannya: {link}",
        "",
        "Surat ini dikirim otomatis oleh BANSOS 360 dan tidak memuat data pribadi. Rincian ada di halaman di atas "
        "(masuk dengan akun Anda).",
        f"(English: submission {submission_id} is now \"{state}\"; details on the page above.)",
    ]
    return _mail(settings, SUBJECTS[state].format(id=submission_id), lines)


def request_message(settings, request_id: int, state: str, by: str, role: str, at) -> EmailMessage:
    """The mail of one move of a dashboard request: who moved it to which state, and the link; never its text."""
    link = f"{settings.airflow_public_url}/sop/permintaan/{request_id}"
    lines = [
        "Yth. Bapak/Ibu,",
        "",
        f"Permintaan dasbor {request_id} berstatus \"{kata.keadaan_permintaan(state)}\" sejak {kata.waktu(at)}, "
        f"dipindahkan oleh {by} ({role}).",
        kata.arti_permintaan(state),
        "",
        f"Buka halamannya: {link}",
        "",
        "Surat ini dikirim otomatis oleh BANSOS 360 dan tidak memuat isi permintaan maupun catatannya. Rinciannya ada "
        "di halaman di atas (masuk dengan akun Anda).",
        f"(English: dashboard request {request_id} was moved to \"{state}\" by {by}; details on the page above.)",
    ]
    return _mail(settings, f"Permintaan dasbor {request_id}: {kata.keadaan_permintaan(state)}", lines)


def _mail(settings, subject: str, lines: list[str]) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = f"[BANSOS 360] {subject}"
    mail["From"] = formataddr(("BANSOS 360", settings.smtp_from))
    mail["Message-ID"] = make_msgid(domain=(settings.smtp_from.rpartition("@")[2] or None))
    mail.set_content("\n".join(lines))
    return mail


def _smtp(settings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.smtp_tls == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=60, context=context)
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=60)
        if settings.smtp_tls == "starttls":
            server.starttls(context=context)
    if settings.smtp_user:
        server.login(settings.smtp_user, settings.smtp_password)
    return server


def flush(settings) -> dict[str, int]:
    """Mail every state change of a submission or a dashboard request not mailed yet; what became of them, by outcome.

    Never raises: a mail that cannot be sent is tried again at the next flush (up to MAX_TRIES), and the error is
    recorded, not thrown. When the SMTP server cannot be reached at all, the flush stops after recording that one
    failure: the rest wait for the next flush rather than keep a page waiting a timeout per mail. Two flushes at once
    (a page and a DAG task) never mail one change twice: each change is locked while it is mailed, and looked at again
    under the lock.
    """
    done: dict[str, int] = {}
    try:
        with db.connect(settings) as conn, conn.cursor() as cur:
            server = None
            try:
                for box in OUTBOXES:
                    tried: list[int] = []  # one that fails is tried again at the next flush, not in this one
                    while (item := box.pending(cur, settings, tried)) is not None:
                        tried.append(item.key)
                        if _settled(cur, box, item):
                            conn.commit()  # another flush mailed it after this one's snapshot: let it go
                            continue
                        outcome, error, to = "terkirim", None, item.to
                        if item.stale:
                            outcome, to = "usang", []
                        elif not settings.smtp_host:
                            outcome = "tanpa_smtp"
                        elif not to:
                            outcome = "tanpa_penerima"
                        connecting = unreachable = False
                        if outcome == "terkirim":
                            try:
                                connecting = server is None
                                server = server or _smtp(settings)
                                connecting = False
                                server.send_message(item.compose(), to_addrs=to)
                            except (OSError, smtplib.SMTPException) as exc:
                                outcome, error, server = "gagal", f"{type(exc).__name__}: {exc}"[:500], None
                                unreachable = connecting
                                log.warning("mail of %s change %s not sent: %s", box.name, item.key, error)
                        cur.execute(
                            f"insert into {box.table} ({box.key}, keadaan, penerima, percobaan, galat) "  # noqa: S608
                            f"values (%s, %s, %s, %s, %s) on conflict ({box.key}) do update set "
                            "keadaan = excluded.keadaan, penerima = excluded.penerima, percobaan = excluded.percobaan, "
                            "galat = excluded.galat, pada = now()",
                            (item.key, outcome, to, item.tries + 1, error))
                        conn.commit()  # each outcome as soon as it is known: a crash never mails one twice
                        done[outcome] = done.get(outcome, 0) + 1
                        if unreachable:  # no server to talk to: the rest waits for the next flush, not 60 s each
                            return done
            finally:
                if server is not None:
                    server.quit()
    except Exception:  # noqa: BLE001 - telling people must never fail the step that changed the state
        log.exception("notifications could not be flushed; they are tried again at the next flush")
    return done
