"""A small HTTP forward proxy: the test server's only way to Debian's package mirror.

The converge test's Debian root lives in a network namespace of its own, joined to the test by a veth pair
and nothing else. Its ``apt`` reaches the mirror through this proxy (``Acquire::http::Proxy``), exactly as a
government server behind the office's proxy would (the inventory variable ``bansos360_http_proxy``). Plain
``GET http://…`` requests are forwarded and ``CONNECT host:443`` is tunnelled, to the hosts it is told only (the
Debian mirror): any other host is answered 403 and recorded in ``refused``, so a test can show that the deploy
needed nothing else from the network.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from urllib.parse import urlsplit


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _refuse(writer: asyncio.StreamWriter, status: bytes) -> None:
    writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()
    writer.close()


async def _handle(allowed: frozenset[str], served: list[str], refused: list[str], reader: asyncio.StreamReader,
                  writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    request_line, _, rest = head.partition(b"\r\n")
    method, target, version = request_line.decode("latin-1").split(" ", 2)
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
    else:
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            await _refuse(writer, b"400 Bad Request")
            return
        host = url.hostname
    if host not in allowed:
        refused.append(target)
        await _refuse(writer, b"403 Forbidden")
        return
    served.append(target)
    try:
        if method == "CONNECT":
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            up_reader, up_writer = await asyncio.open_connection(url.hostname, url.port or 80)
            path = url.path or "/"
            if url.query:
                path += "?" + url.query
            up_writer.write(f"{method} {path} {version}\r\n".encode("latin-1") + rest)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
    except OSError:
        writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        writer.close()


class Proxy:
    """The proxy on ``host:port`` for the ``allowed`` hosts, served from a thread of the test process.

    It serves until ``stop``; ``served`` lists what it forwarded, ``refused`` what else was asked for.
    """

    def __init__(self, host: str, port: int, allowed: set[str]):
        self.host, self.port = host, port
        self.allowed, self.served, self.refused = frozenset(allowed), [], []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(
            functools.partial(_handle, self.allowed, self.served, self.refused), self.host, self.port))
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> Proxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
