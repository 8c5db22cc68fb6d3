"""A small SMTP server: the mail relay the tests tell BANSOS 360 to use (the converge test's server, through
``bansos360_smtp_host``; the notifications of the SOP, through ``BANSOS360_SMTP_HOST``).

It speaks the plain SMTP a relay inside an office network speaks to msmtp (no TLS, no login: the inventory's
``bansos360_smtp_tls: off``) and keeps every message it accepts, with its envelope, for the test to read.
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass
class Mail:
    """One accepted message: its envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()


class _Session(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self._say("220 uji.invalid ESMTP test relay")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 uji.invalid")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip().strip("<>"), []
                self._say("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    data += part[1:] if part.startswith(b"..") else part
                message = email.message_from_bytes(bytes(data), policy=email.policy.default)
                self.server.mails.append(Mail(sender, recipients, message))
                self._say("250 OK queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")


class Mailbox:
    """The relay, listening on ``address:port`` in a thread; ``mails`` holds what it accepted."""

    def __init__(self, address: str, port: int):
        self.address, self.port = address, port
        self._server = socketserver.ThreadingTCPServer((address, port), _Session, bind_and_activate=False)
        self._server.allow_reuse_address = True
        self._server.daemon_threads = True
        self._server.mails = []

    @property
    def mails(self) -> list[Mail]:
        return self._server.mails

    def start(self) -> None:
        self._server.server_bind()
        self._server.server_activate()
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, count: int, timeout: float = 120) -> list[Mail]:
        """The mails once at least ``count`` arrived (fewer after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.mails) < count and time.monotonic() < deadline:
            time.sleep(0.5)
        return list(self.mails)
