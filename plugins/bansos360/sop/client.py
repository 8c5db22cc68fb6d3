"""A client of the SOP pages over HTTP, as an operator or the product owner would use them in a browser.

Used by ``bansos360 airflow demo`` (the demo's lake goes in through the pages) and by the end-to-end tests.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from pathlib import Path

import httpx

from bansos360.audit import State

CSRF_RE = re.compile(r'name="csrf" (?:value|content)="([^"]+)"')
RESULT_RE = re.compile(r'id="hasil">Pengajuan <a href="/sop/status/(\d+)">.*?data-state="(\w+)"', re.S)


class SopClient:
    """Signed in as one user (a token from Airflow's ``/auth/token``)."""

    def __init__(self, base_url: str, username: str, password: str, timeout: float = 60, **http):
        """``http``: more arguments of ``httpx.Client`` (``verify``, ``transport``: the converge test's HTTPS).

        The token is fetched on its own, so that ``self.http`` is still unopened (its caller may use it in a
        ``with``) and carries no cookie: it is signed in by the token alone.
        """
        request = httpx.Request("POST", f"{base_url}/auth/token", json={"username": username, "password": password},
                                extensions={"timeout": httpx.Timeout(timeout).as_dict()})
        given = http.get("transport")
        with contextlib.nullcontext(given) if given else httpx.HTTPTransport(verify=http.get("verify", True)) as t:
            answer = t.handle_request(request)
            answer.read()
        answer.request = request
        answer.raise_for_status()
        self.http = httpx.Client(base_url=base_url, timeout=timeout, **http,
                                 headers={"Authorization": f"Bearer {answer.json()['access_token']}"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SopClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def csrf(self, page: str = "/sop/") -> str:
        return CSRF_RE.search(self.http.get(page).text).group(1)

    def upload(self, path: Path, source: str, periode: str | None = None, label: str | None = None,
               as_of: str | None = None) -> str:
        """Upload one file on the upload page; the address of its result page."""
        answer = self.http.post("/sop/unggah", data={
            "csrf": self.csrf("/sop/unggah"), "sumber": source, "periode": periode or "", "label": label or "",
            "per_tanggal": as_of or ""}, files={"berkas": (path.name, path.read_bytes())})
        if answer.status_code != 303:
            raise RuntimeError(f"upload of {path.name} refused ({answer.status_code}): {answer.text[:300]}")
        return answer.headers["location"]

    def upload_bytes(self, name: str, data: bytes, source: str, periode: str | None = None,
                     label: str | None = None) -> str:
        """Upload content under any file name (as a browser would send it); the result page's address."""
        answer = self.http.post("/sop/unggah", data={
            "csrf": self.csrf("/sop/unggah"), "sumber": source, "periode": periode or "", "label": label or "",
            "per_tanggal": ""}, files={"berkas": (name, data)})
        if answer.status_code != 303:
            raise RuntimeError(f"upload refused ({answer.status_code}): {answer.text[:300]}")
        return answer.headers["location"]

    def raw_gate_answer(self, location: str, timeout: float = 300) -> tuple[int, str]:
        """Wait on an upload's result page until the intake DAG registered it: (submission id, state)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = RESULT_RE.search(self.http.get(location).text)
            if found:
                return int(found.group(1)), found.group(2)
            time.sleep(1)
        raise TimeoutError(f"the intake DAG did not register {location} within {timeout}s")

    def waiting_for_approval(self) -> list[int]:
        return [int(i) for i in re.findall(r'id="pengajuan-(\d+)"', self.http.get("/sop/persetujuan").text)]

    def decide(self, submission_id: int, decision: str = "setujui", note: str = "") -> httpx.Response:
        """Approve (``setujui``) or reject (``tolak``) on the approval page; the raw answer (303 when done)."""
        return self.http.post(f"/sop/persetujuan/{submission_id}", data={
            "keputusan": decision, "catatan": note, "csrf": self.csrf()})

    def refresh_runs(self) -> list[dict]:
        answer = self.http.get("/api/v2/dags/bansos360_refresh/dagRuns", params={"limit": 100})
        answer.raise_for_status()
        return answer.json()["dag_runs"]

    def wait_refresh_runs(self, timeout: float = 1800) -> list[dict]:
        """Wait until no refresh run is queued or running; the runs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.refresh_runs()
            if runs and all(r["state"] in ("success", "failed") for r in runs):
                return runs
            time.sleep(3)
        raise TimeoutError(f"refresh runs still going after {timeout}s")


def submit_lake(base_url: str, lake_dir: Path, users: list[dict]) -> list[dict]:
    """A synthetic lake in through the pages, as the demo users of a users file.

    Each delivery is uploaded by its first operator and checked by the intake DAG, then approved by its first
    product owner (which starts the refresh DAG); returns when the runs have finished.
    """
    from bansos360 import access

    def first(role: str) -> dict:
        return next(u for u in users if role in u["peran"])

    operator, owner = first(access.OPERATOR), first(access.PRODUCT_OWNER)
    entries = json.loads((lake_dir / "manifest.json").read_text())
    results = []
    with SopClient(base_url, operator["username"], operator["password"]) as op:
        pages = [op.upload(lake_dir / e["file"], e["source"], e.get("periode"), e.get("label"), e.get("as_of"))
                 for e in entries]
        for e, page in zip(entries, pages, strict=True):
            sid, state = op.raw_gate_answer(page)
            results.append({"file": e["file"], "submission_id": sid, "state": state})
    with SopClient(base_url, owner["username"], owner["password"]) as po:
        for r in results:
            if r["state"] == State.DIPERIKSA:
                po.decide(r["submission_id"], "setujui", "demo")
        po.wait_refresh_runs()
    return results
