"""End to end on a real Airflow: the SOP pages, the DAGs, the FAB roles — and the figures at the end.

Airflow runs for real (api-server, scheduler, dag-processor, triggerer; LocalExecutor; metadata in
PostgreSQL), started once for this module on the session's embedded server. The tests run in file order and
build on each other: the synthetic lake goes in through the upload page (over HTTP, and its last file in a
real browser), is approved on the approval page, is processed by the DAGs, and `bansos360 figures` must then
equal the generator's ground truth; the negative paths follow, then a dashboard request through its four parties
(the third SOP). Screenshots go to ``artifacts/screenshots``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from bansos360 import airflow_runtime, config, figures, upgrade_pause
from bansos360.sop.client import SopClient
from tests.helpers import new_database
from tests.smtp import Mailbox

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
USERS = REPO / "ops" / "demo" / "pengguna.json"
PASSWORDS = {u["username"]: u["password"] for u in json.loads(USERS.read_text())}
SCREENSHOTS = Path(os.environ.get("BANSOS360_SCREENSHOTS") or REPO / "artifacts" / "screenshots")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BROWSER_FILE = -1  # the manifest's last delivery goes in through the browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mailbox():
    """The SMTP server the Airflow of this module mails its notifications through."""
    box = Mailbox("127.0.0.1", _free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def airflow(pg_home, tmp_path_factory, mailbox):
    """A real Airflow for this module, with the demo users; its logs are printed if it does not come up."""
    home = tmp_path_factory.mktemp("airflow_e2e")
    url = new_database(pg_home, "sop_e2e")
    s = dataclasses.replace(config.load(), database_url=url, home=home, lake=home / "lake", inbox=home / "inbox",
                            inbox_settle_seconds=1.0, backup_dir=home / "backup",
                            airflow_url=f"http://127.0.0.1:{_free_port()}", smtp_host="127.0.0.1",
                            smtp_port=mailbox.port, smtp_tls="off", smtp_from="bansos360@demo.invalid")
    airflow_runtime.setup(s, USERS)
    try:
        airflow_runtime.start(s)
        yield s
    finally:
        airflow_runtime.stop(s)
        for log in sorted((home / "airflow" / "logs").glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-15:]
            print(f"--- {log.name}\n" + "\n".join(tail))


def _sop(s, user: str) -> SopClient:
    return SopClient(s.airflow_url, user, PASSWORDS[user])


def _client(s, user: str) -> httpx.Client:
    return _sop(s, user).http


def _upload(sop: SopClient, path: Path, entry: dict) -> str:
    return sop.upload(path, entry["source"], entry.get("periode"), entry.get("label"), entry.get("as_of"))


def _submission_states(s) -> dict[int, str]:
    import psycopg2

    with psycopg2.connect(s.database_url) as conn, conn.cursor() as cur:
        cur.execute("select submission_id, state from audit.submission")
        return dict(cur.fetchall())


def _wait_runs_finished(s, timeout: float = 900) -> list[dict]:
    with _sop(s, "kominfo") as admin:
        return admin.wait_refresh_runs(timeout)


def _figures_cli(s, kecamatan: str | None = None) -> dict:
    env = {**os.environ, "BANSOS360_DATABASE_URL": s.database_url, "BANSOS360_HOME": str(s.home)}
    args = [str(Path(sys.executable).parent / "bansos360"), "figures"] + (["--kecamatan", kecamatan] if kecamatan
                                                                          else [])
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def manifest(lake) -> list[dict]:
    return json.loads((lake / "manifest.json").read_text())


def test_nobody_unauthenticated_uploads_approves_or_reads(airflow):
    with httpx.Client(base_url=airflow.airflow_url, timeout=30) as anon:
        for page in ("/sop/", "/sop/unggah", "/sop/persetujuan", "/sop/status", "/sop/status/1"):
            answer = anon.get(page)
            assert answer.status_code == 303 and "/auth/login" in answer.headers["location"], page
        assert anon.post("/sop/unggah", data={"sumber": "dtks", "csrf": "x"},
                         files={"berkas": ("a.csv", b"x")}).status_code == 401
        assert anon.post("/sop/persetujuan/1", data={"keputusan": "setujui", "csrf": "x"}).status_code == 401
        forged = {"Authorization": "Bearer eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiIxIn0.AAAA"}
        assert anon.get("/sop/status", headers=forged).status_code == 303
    assert not list(airflow.inbox.rglob("a.csv"))


def test_no_page_may_be_framed_and_an_oversized_upload_is_refused_before_it_is_read(airflow):
    with httpx.Client(base_url=airflow.airflow_url, timeout=30) as anon:
        for page in ("/auth/login/", "/sop/", "/", "/api/v2/monitor/health"):
            answer = anon.get(page)
            assert answer.headers.get("x-frame-options") == "DENY", page
            assert "frame-ancestors 'none'" in answer.headers.get_list("content-security-policy"), page
            assert answer.headers.get("x-content-type-options") == "nosniff", page
    with _sop(airflow, "operator") as operator:  # signed in, so only the size can refuse it
        assert operator.http.get("/sop/unggah").headers.get("x-frame-options") == "DENY"
        cookie = "; ".join(f"{k}={v}" for k, v in operator.http.cookies.items())
        auth = operator.http.headers.get("authorization", "")
    # declared larger than the limit (2048 MB by default): answered from the headers, the 3 GB never sent
    host, port = airflow.airflow_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall((f"POST /sop/unggah HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
                     + (f"Authorization: {auth}\r\n" if auth else "")
                     + "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 3221225472\r\n\r\n--x\r\n")
                    .encode())
        answer = b""
        while chunk := raw.recv(65536):  # the server closes the connection after its answer
            answer += chunk
        answer = answer.decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "terlalu besar" in answer and "too large" in answer and "2048 MB" in answer
    # a body of unknown length (chunked) is refused too
    with httpx.Client(base_url=airflow.airflow_url, timeout=30) as anon:
        answer = anon.post("/sop/unggah", content=iter([b"--x\r\n"]), headers={"Content-Type": "multipart/form-data"})
        assert answer.status_code == 411, answer.status_code
    assert not [p for p in airflow.inbox.rglob("*") if p.is_file() and p.stat().st_size > 1 << 30]


def _register_cli(s, program: dict) -> None:
    """`bansos360 program add` as the Kominfo engineer runs it on the server, beside the running Airflow."""
    env = {**os.environ, "BANSOS360_DATABASE_URL": s.database_url, "BANSOS360_HOME": str(s.home)}
    subprocess.run([str(Path(sys.executable).parent / "bansos360"), "program", "add", "--kode", program["kode"],
                    "--sumber", program["sumber"], "--nama", program["nama"], "--pemilik", program["pemilik"],
                    "--by", "kominfo"], env=env, capture_output=True, text=True, check=True)


def test_lake_uploaded_and_approved_over_http(airflow, lake, manifest):
    with _sop(airflow, "operator") as operator:
        # a programme registered while Airflow runs is offered by the upload page at once, no restart
        for e in manifest:
            if "program_baru" in e:
                assert f'value="{e["source"]}"' not in operator.http.get("/sop/unggah").text
                _register_cli(airflow, e["program_baru"])
                assert f'value="{e["source"]}"' in operator.http.get("/sop/unggah").text
        pages = [_upload(operator, lake / e["file"], e) for e in manifest[:BROWSER_FILE]]
        answers = [operator.raw_gate_answer(page) for page in pages]
        assert [state for _, state in answers] == ["diperiksa"] * len(answers)
        # an operator cannot approve: not the page, not the form post
        assert operator.http.get("/sop/persetujuan").status_code == 403
        assert operator.decide(answers[0][0]).status_code == 403
    assert _submission_states(airflow)[answers[0][0]] == "diperiksa"
    with _sop(airflow, "kabid") as owner:
        waiting = owner.waiting_for_approval()
        assert sorted(waiting) == sorted(i for i, _ in answers)
        for sid in waiting:
            answer = owner.decide(sid, "setujui", "sesuai SOP")
            assert answer.status_code == 303
            assert "pemrosesan dimulai" in httpx.URL(answer.headers["location"]).params["pesan"]
        runs = owner.refresh_runs()
    assert len(runs) == len(waiting)
    assert {r["conf"]["submission_id"] for r in runs} == set(waiting)
    assert {r.get("triggering_user_name") for r in runs} == {"kabid"}


def _login(page, s, user: str) -> None:
    page.goto(f"{s.airflow_url}/sop/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORDS[user])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(re.compile(r".*/sop/$"))


def test_browser_upload_approve_and_screenshots(airflow, lake, manifest, mailbox):
    from playwright.sync_api import sync_playwright

    entry = manifest[BROWSER_FILE]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            operator = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            _login(operator, airflow, "operator")
            operator.click("text=Unggah")
            operator.select_option("#sumber", entry["source"])
            operator.fill("#label", entry.get("label", ""))
            operator.fill("#per_tanggal", entry.get("as_of", ""))
            # the limit is shown before a file is chosen, and the SFTP inbox offered for very large files
            assert re.search(r"paling besar [\d.]+ MB", operator.inner_text("#batas")), operator.inner_text("#batas")
            assert "kotak masuk SFTP" in operator.inner_text("#sftp")
            # a file over the limit is stopped in the browser, before any byte is sent
            operator.evaluate("document.getElementById('berkas').dataset.batas = '10'")
            operator.set_input_files("#berkas", str(lake / entry["file"]))
            assert operator.is_visible("#terlalu-besar")
            operator.click("button[type=submit]")
            assert operator.url.endswith("/sop/unggah")
            operator.evaluate(f"document.getElementById('berkas').dataset.batas = '{2**40}'")
            operator.set_input_files("#berkas", [])  # the same file chosen again would change nothing
            operator.set_input_files("#berkas", str(lake / entry["file"]))
            assert not operator.is_visible("#terlalu-besar")
            operator.screenshot(path=str(SCREENSHOTS / "1-unggah.png"), full_page=True)
            # the progress bar: what it showed is kept across the navigation that follows the upload
            operator.evaluate("""() => {
                const bar = document.querySelector('#kemajuan progress');
                new MutationObserver(() => sessionStorage.setItem('kemajuan', String(bar.value)))
                    .observe(bar, {attributes: true});
                const shown = document.getElementById('kemajuan');
                const seen = () => { if (!shown.hidden) sessionStorage.setItem('terlihat', '1'); };
                new MutationObserver(seen).observe(shown, {attributes: true});
            }""")
            operator.click("button[type=submit]")
            operator.wait_for_selector("#hasil", timeout=180_000)
            assert operator.evaluate("sessionStorage.getItem('terlihat')") == "1"
            assert operator.evaluate("sessionStorage.getItem('kemajuan')") == "100"
            assert operator.get_attribute("#hasil .state", "data-state") == "diperiksa"
            operator.screenshot(path=str(SCREENSHOTS / "2-hasil-unggah.png"), full_page=True)
            sid = int(re.search(r"/sop/status/(\d+)", operator.inner_html("#hasil")).group(1))

            owner = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            _login(owner, airflow, "kabid")
            owner.click("text=Persetujuan")
            row = owner.locator(f"#pengajuan-{sid}")
            owner.screenshot(path=str(SCREENSHOTS / "3-persetujuan.png"), full_page=True)
            row.locator("input[name=catatan]").fill("diperiksa di peramban")
            row.locator("button[value=setujui]").click()
            assert "pemrosesan dimulai" in owner.inner_text("#pesan")

            _wait_runs_finished(airflow)
            owner.click("text=Status")
            owner.screenshot(path=str(SCREENSHOTS / "4-status.png"), full_page=True)
            owner.click(f"#status-{sid} a")
            assert owner.get_attribute("h1 .state", "data-state") == "terbit"
            owner.screenshot(path=str(SCREENSHOTS / "5-status-pengajuan.png"), full_page=True)
            _reads_like_a_form_from_the_office(owner, airflow, sid)
            _fits_a_phone(browser, airflow, sid, operator.url)
            _the_right_people_were_mailed(mailbox, airflow, sid)
        finally:
            browser.close()
    for name in ("1-unggah", "3-persetujuan", "4-status", "6-ponsel-status-pengajuan"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000


def _reads_like_a_form_from_the_office(page, airflow, sid: int) -> None:
    """A submission's page (issue 25): times in WIB and never in ISO form, numbers with dots between thousands, no
    Python dictionary, the state explained, a link to its run in Airflow whose note links back, and links to the
    dashboards it feeds."""
    text = page.inner_text("main")
    assert re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4} \d{2}\.\d{2} WIB", text), text
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text), text
    assert "{'" not in text and "'}" not in text, text
    assert page.inner_text("#arti") == "Data sudah masuk gudang dan tampil di dasbor."
    run_link = page.get_attribute("#dag-run", "href")
    assert re.fullmatch(rf"/dags/bansos360_refresh/runs/persetujuan__{sid}__\d{{8}}T\d{{6}}", run_link), run_link
    with _sop(airflow, "kominfo") as admin:
        run = admin.http.get(f"/api/v2/dags/bansos360_refresh/dagRuns/{run_link.rsplit('/', 1)[1]}").json()
    assert f"(/sop/status/{sid})" in run["note"], run["note"]
    links = page.locator("#laporan a")
    reports = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert [r.rsplit("/", 1)[1] for r in reports] == ["gerbang_mentah", "gerbang_gudang", "gerbang_mart"], reports
    with _sop(airflow, "kabid") as reader:
        for report in reports:
            html = reader.http.get(report).text
            assert 'data-lolos="1"' in html and not re.search(r"(?<!\d)\d{16}(?!\d)", html), report
    boards = page.locator("#dasbor a")
    assert boards.count() >= 1
    assert all(href.startswith(f"{airflow.superset_public_url}/superset/dashboard/")
               for href in (boards.nth(i).get_attribute("href") for i in range(boards.count())))
    # a DTKS period has thousands of rows: 7.103, never 7,103
    page.goto(f"{airflow.airflow_url}/sop/status")
    dtks = page.locator("tr[id^=status-]", has_text="dtks").first.get_attribute("id").removeprefix("status-")
    page.goto(f"{airflow.airflow_url}/sop/status/{dtks}")
    loaded = page.inner_text("#dimuat")
    assert re.search(r"\b\d{1,3}(\.\d{3})+\b", loaded) and not re.search(r"\b\d{1,3}(,\d{3})+\b", loaded), loaded


def _the_right_people_were_mailed(mailbox, airflow, sid: int) -> None:
    """The product owner was asked to approve the browser's upload, and its uploader told it was published; each
    mail links the page and holds no NIK."""
    link = re.compile(re.escape(f"{airflow.airflow_url}/sop/status/{sid}") + r"(?!\d)")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        mine = [m for m in mailbox.mails if link.search(m.body)]
        if len(mine) >= 2:
            break
        time.sleep(1)
    asked = [m for m in mine if "menunggu persetujuan" in m.subject]
    told = [m for m in mine if "sudah terbit" in m.subject]
    assert [m.recipients for m in asked] == [["kabid@demo.invalid"]], [(m.subject, m.recipients) for m in mine]
    assert [m.recipients for m in told] == [["operator@demo.invalid"]], [(m.subject, m.recipients) for m in mine]
    assert not any(re.search(r"\d{16}", m.body) for m in mine)
    (SCREENSHOTS / "7-surel-terbit.txt").write_text(f"{told[0].subject}\n\n{told[0].body}")


def _fits_a_phone(browser, airflow, sid: int, upload_page: str) -> None:
    """Every SOP page at 360 × 640: nothing wider than the screen, so nothing scrolls sideways."""
    for user, paths in (("operator", ["/sop/", "/sop/unggah", upload_page.split(airflow.airflow_url, 1)[1]]),
                        ("kabid", ["/sop/persetujuan", "/sop/status", f"/sop/status/{sid}"])):
        phone = browser.new_context(viewport={"width": 360, "height": 640}).new_page()
        _login(phone, airflow, user)
        for path in paths:
            phone.goto(airflow.airflow_url + path)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, (path, width)
        phone.screenshot(path=str(SCREENSHOTS / f"6-ponsel-{'status-pengajuan' if user == 'kabid' else 'unggah'}"
                                                ".png"), full_page=True)
        phone.context.close()


def test_published_figures_equal_ground_truth(airflow, lake, manifest):
    runs = _wait_runs_finished(airflow)
    failed = [r["dag_run_id"] for r in runs if r["state"] != "success"]
    assert not failed, failed
    states = _submission_states(airflow)
    assert set(states.values()) == {"terbit"}, states
    truth = json.loads((lake / "ground_truth.json").read_text())
    diffs = figures.compare(truth, _figures_cli(airflow))
    assert not diffs, "\n".join(diffs[:40])
    truth_kec = json.loads((lake / "ground_truth_kecamatan.json").read_text())
    diffs = figures.compare(truth_kec["35.03.05"], _figures_cli(airflow, "35.03.05"))
    assert not diffs, "\n".join(diffs[:40])


def test_upload_page_refuses_bad_declarations_and_stores_odd_names_safely(airflow):
    with _sop(airflow, "operator") as operator:
        for form in ({"sumber": "bst", "label": "../luar"}, {"sumber": "bst", "label": ""},
                     {"sumber": "ref_wilayah"}, {"sumber": "tidak_ada"}, {"sumber": "dtks", "periode": "2021-13x"},
                     {"sumber": "dtks", "periode": "2024-01\n"}, {"sumber": "dtks", "periode": "2024-01\n/../x"}):
            answer = operator.http.post("/sop/unggah", data={"csrf": operator.csrf(), **form},
                                        files={"berkas": ("a.csv", b"NIK,NAMA\n")})
            assert answer.status_code == 400, form
            # the message in Bahasa Indonesia with English beside it
            assert re.search(r'role="alert">[^<]+ / [^<]+<', answer.text), answer.text[:300]
        assert operator.http.post("/sop/unggah", data={"csrf": "palsu", "sumber": "bst", "label": "x"},
                                  files={"berkas": ("a.csv", b"x")}).status_code == 403
        odd = '../../etc/"kutip" nama sangat panjang ' + "x" * 300 + ".csv"
        page = operator.upload_bytes(odd, b"bukan,data\n1,2\n", "bst", label="Aneh")
        sid, state = operator.raw_gate_answer(page)
    assert state == "ditolak"  # not a KPM list: refused by the raw gate, with its reasons
    stored = [p for p in airflow.inbox.rglob("*") if p.is_file()]
    assert all(airflow.inbox in p.parents for p in stored)
    assert not any(".." in p.relative_to(airflow.inbox).parts for p in stored)
    with _sop(airflow, "operator") as operator:
        # the name is kept as text for the record (a client may drop the folders part), never used as a path
        assert "nama sangat panjang " + "x" * 40 in operator.http.get(f"/sop/status/{sid}").text


def test_product_owner_rejects_with_a_note(airflow, lake, manifest):
    entry = next(e for e in manifest if e["source"] == "bst")
    with _sop(airflow, "operator") as operator:
        sid, state = operator.raw_gate_answer(operator.upload(lake / entry["file"], "bst", label="Uji Tolak"))
    assert state == "diperiksa"
    runs_before = len(_wait_runs_finished(airflow))
    with _sop(airflow, "kabid") as owner:
        answer = owner.decide(sid, "tolak", "bukan daftar resmi")
        assert answer.status_code == 303 and "ditolak" in httpx.URL(answer.headers["location"]).params["pesan"]
        assert sid not in owner.waiting_for_approval()
        status = owner.http.get(f"/sop/status/{sid}").text
        assert owner.decide(sid, "setujui").status_code == 303  # too late: the page answers with the refusal
        assert len(owner.refresh_runs()) == runs_before  # a rejection starts nothing
    assert 'data-state="ditolak"' in status and "bukan daftar resmi" in status and "kabid" in status
    assert _submission_states(airflow)[sid] == "ditolak"


def _unplaceable_dtks(lake: Path, manifest: list[dict], out: Path) -> tuple[Path, dict]:
    """The last DTKS period with every kecamatan code replaced by one that does not exist: the raw gate passes
    it, the warehouse gate must stop it."""
    entry = [e for e in manifest if e["source"] == "dtks"][-1]
    source = lake / entry["file"]
    target = out / f"ULANG {source.name}"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            text = data.decode("utf-8-sig") if info.filename.lower().endswith(".csv") else None
            if text is not None:
                lines = text.splitlines()
                sep = ";" if lines[0].count(";") > lines[0].count(",") else ","
                header = lines[0].split(sep)
                k = [h.strip().upper() for h in header].index("KDKEC")
                fixed = [lines[0]] + [sep.join(c if i != k else "999" for i, c in enumerate(line.split(sep)))
                                      for line in lines[1:]]
                data = ("\n".join(fixed) + "\n").encode()
            zout.writestr(info.filename, data)
    return target, entry


def test_refresh_refuses_an_unapproved_submission(airflow, lake, manifest, tmp_path):
    before = _figures_cli(airflow)
    bad, entry = _unplaceable_dtks(lake, manifest, tmp_path)
    with _sop(airflow, "operator") as operator:
        sid, state = operator.raw_gate_answer(_upload(operator, bad, entry))
    assert state == "diperiksa"
    with _client(airflow, "kominfo") as admin:
        answer = admin.post("/api/v2/dags/bansos360_refresh/dagRuns",
                            json={"dag_run_id": f"tidak_disetujui_{sid}", "logical_date": None,
                                  "conf": {"submission_id": sid}})
        assert answer.status_code == 200, answer.text
    run = next(r for r in _wait_runs_finished(airflow) if r["dag_run_id"] == f"tidak_disetujui_{sid}")
    assert run["state"] == "failed"
    assert _submission_states(airflow)[sid] == "diperiksa"
    assert _figures_cli(airflow) == before
    test_refresh_refuses_an_unapproved_submission.sid = sid


def test_a_file_failing_its_gate_leaves_the_marts_as_they_were(airflow):
    sid = test_refresh_refuses_an_unapproved_submission.sid
    before = _figures_cli(airflow)
    with _sop(airflow, "kabid") as owner:
        assert owner.decide(sid).status_code == 303
        runs = [r for r in owner.wait_refresh_runs(900) if r["conf"].get("submission_id") == sid]
        assert [r["state"] for r in runs] == ["failed", "failed"]  # the refused run, then this one
        status = owner.http.get(f"/sop/status/{sid}").text
    assert 'data-state="gagal"' in status
    # the failed stage by its name on the pages, the finding, and the gate's report linked
    assert "Pemeriksaan gudang data" in status and "kode wilayah" in status
    assert f"/sop/status/{sid}/laporan/gerbang_gudang" in status
    assert _figures_cli(airflow) == before


def test_maintenance_dag_backs_up_restores_and_checks_the_lake(airflow):
    with _client(airflow, "kominfo") as admin:
        answer = admin.post("/api/v2/dags/bansos360_maintenance/dagRuns",
                            json={"dag_run_id": "perawatan_uji", "logical_date": None})
        assert answer.status_code == 200, answer.text
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            run = admin.get("/api/v2/dags/bansos360_maintenance/dagRuns/perawatan_uji").json()
            if run["state"] in ("success", "failed"):
                break
            time.sleep(3)
        tasks = admin.get("/api/v2/dags/bansos360_maintenance/dagRuns/perawatan_uji/taskInstances").json()
    assert run["state"] == "success", [(t["task_id"], t["state"]) for t in tasks["task_instances"]]
    assert {t["task_id"]: t["state"] for t in tasks["task_instances"]} == {
        "perbarui_mart": "success", "cadangkan": "success", "uji_pemulihan": "success", "analyze": "success",
        "periksa_danau": "success"}
    # the run of the latest 01:00 slot, started when the DAG first appeared, may have written one already
    assert 1 <= len(list(airflow.backup_dir.glob("bansos360-*.dump"))) <= 2


def test_airflow_clean_prunes_old_runs_and_task_logs(airflow):
    """`bansos360 airflow clean --hari 30` (the deployment's weekly timer): a refresh run and its task logs
    from 60 days ago go, with the folders they leave empty; the other runs and their logs stay."""
    import psycopg2

    url = airflow_runtime.environment(airflow)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("+psycopg2", "")
    logs = airflow.home / "airflow" / "logs"
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select run_id from dag_run where dag_id = 'bansos360_refresh' order by start_date")
        runs = [r[0] for r in cur.fetchall()]
        assert len(runs) >= 2, runs
        cur.execute("update dag_run set start_date = start_date - interval '60 days' where dag_id = "
                    "'bansos360_refresh' and run_id = %s", (runs[0],))
        cur.execute("update task_instance set start_date = start_date - interval '60 days' where dag_id = "
                    "'bansos360_refresh' and run_id = %s", (runs[0],))
    old_folder = logs / "dag_id=bansos360_refresh" / f"run_id={runs[0]}"
    assert any(p.is_file() for p in old_folder.rglob("*")), old_folder
    for path in old_folder.rglob("*"):
        if path.is_file():
            os.utime(path, (time.time() - 60 * 86400,) * 2)
    kept = [p for p in logs.rglob("*") if p.is_file() and old_folder not in p.parents]

    done = airflow_runtime.clean(airflow, 30)

    assert done["log_dihapus/logs_removed"] >= 1
    assert not old_folder.exists()
    assert set(kept) <= {p for p in logs.rglob("*") if p.is_file()}  # (a process may have written a new one)
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select run_id from dag_run where dag_id = 'bansos360_refresh' order by start_date")
        assert [r[0] for r in cur.fetchall()] == runs[1:]
        cur.execute("select count(*) from task_instance where dag_id = 'bansos360_refresh' and run_id = %s",
                    (runs[0],))
        assert cur.fetchone()[0] == 0


# --- the third SOP: dashboard requests (issue 26) ------------------------------------------------------------

REQUEST_SECRET = "DEWI SARTIKA 3503014107800001"  # pasted into a request by mistake: on its page, never in a mail


def _request_id(page) -> int:
    return int(re.search(r"/sop/permintaan/(\d+)", page.url).group(1))


def _step(page, name: str, note: str = "", dashboard: str | None = None) -> None:
    """Take one step on a request's page, as its user would: a note, perhaps a dashboard, then the step's button."""
    page.fill("#catatan", note)
    if dashboard is not None:
        page.select_option("#dasbor-pilih", dashboard)
    page.click(f"#langkah-{name}")
    page.wait_for_load_state()


def _offered(page) -> list[str]:
    buttons = page.locator("#langkah button[name=langkah]")
    return [buttons.nth(i).get_attribute("value") for i in range(buttons.count())]


def _file_in_browser(page, airflow, question: str, sketch: Path | None = None) -> int:
    page.goto(f"{airflow.airflow_url}/sop/")
    page.click("#ajukan")
    page.fill("#instansi", "Bappeda")
    page.fill("#pertanyaan", question)
    page.fill("#pengguna", "Bidang Sosial Budaya Bappeda")
    page.check("#data-pkh")
    page.check("#data-data_baru")
    page.fill("#data_baru", "Data stunting Dinas Kesehatan per desa")
    page.select_option("#frekuensi", "triwulanan")
    page.check("#akses-agregat")
    page.check("#per_kecamatan")
    if sketch:
        page.set_input_files("#sketsa", str(sketch))
    page.click("#permintaan button[type=submit]")
    page.wait_for_url(re.compile(r".*/sop/permintaan/\d+\?pesan=.*"))
    return _request_id(page)


def test_a_dashboard_request_goes_through_the_four_parties_in_the_browser(airflow, mailbox, tmp_path):
    """Issue 26 end to end in Chromium: a requester files with a sketch, the product owner reviews and accepts, the
    requester comments, the analyst agrees the design, the engineer publishes it as a dashboard of superset_assets;
    the status page shows each step and the dashboard's link; a requester cannot decide on their own request; a
    rejection keeps its reason; every hand-over is mailed without the request's text."""
    import yaml
    from playwright.sync_api import sync_playwright

    sketch = tmp_path / "sketsa.png"
    sketch.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2000))
    boards = {str(d["uuid"]): d for d in (yaml.safe_load(f.read_text())
                                          for f in sorted((REPO / "superset_assets" / "dashboards").glob("*.yaml")))}
    board = next(b for b in boards.values() if b["slug"] == "kpm-desil")
    question = f"Berapa KPM PKH per desa yang tidak masuk desil 1-4? Contoh: {REQUEST_SECRET}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    mails_before = len(mailbox.mails)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            def user(name: str):
                page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                _login(page, airflow, name)
                return page

            requester = user("bappeda")
            # the menu offers the request pages and nothing of the other SOPs
            assert requester.locator("#ajukan").count() == 1
            assert requester.locator("header a[href='/sop/unggah'], header a[href='/sop/status']").count() == 0
            rid = _file_in_browser(requester, airflow, question, sketch)
            assert requester.get_attribute("h1 .state", "data-state") == "diajukan"
            assert _offered(requester) == ["tarik", "komentar"]
            assert requester.inner_text("#pertanyaan") == question
            assert requester.inner_text("#pesan") == "Permintaan tersimpan / request filed"
            requester.goto(f"{airflow.airflow_url}/sop/permintaan/{rid}?pesan=Kirim+kata+sandi+Anda")
            assert requester.locator("#pesan").count() == 0  # an address cannot put its own words on the page
            requester.screenshot(path=str(SCREENSHOTS / "8-permintaan-diajukan.png"), full_page=True)

            owner = user("kabid")
            # the product owner's own request: neither offered nor accepted when forced
            own = _file_in_browser(owner, airflow, "Sebaran lansia tunggal per kecamatan", sketch)
            assert "telaah" not in _offered(owner) and "tolak" not in _offered(owner)
            forced = _post_step(airflow, "kabid", own, "telaah")
            assert forced.status_code == 400 and "sendiri" in forced.text and "own request" in forced.text
            # the weekly review: open requests by state, oldest first, with their days in the state
            owner.goto(f"{airflow.airflow_url}/sop/permintaan")
            assert owner.locator(f"#keadaan-diajukan #permintaan-{rid} td.hari").inner_text() == "0"
            owner.screenshot(path=str(SCREENSHOTS / "9-permintaan-daftar.png"), full_page=True)
            owner.click(f"#permintaan-{rid} a")
            assert _offered(owner) == ["telaah", "tolak", "komentar"]
            _step(owner, "telaah")
            assert owner.get_attribute("h1 .state", "data-state") == "ditelaah"
            _step(owner, "terima", "Masuk rencana triwulan I")
            assert owner.get_attribute("h1 .state", "data-state") == "dirancang"

            requester.goto(f"{airflow.airflow_url}/sop/permintaan/{rid}")
            assert _offered(requester) == ["komentar"]
            _step(requester, "komentar", "Mohon tambahkan peta per desa")

            analyst = user("analis")
            analyst.goto(f"{airflow.airflow_url}/sop/permintaan/{rid}")
            assert _offered(analyst) == ["rancangan_selesai", "komentar"]
            shown = analyst.request.get(airflow.airflow_url + analyst.get_attribute("#sketsa", "href"))
            assert shown.headers["content-type"] == "image/png" and shown.body() == sketch.read_bytes()
            assert shown.headers["content-disposition"] == f'inline; filename="sketsa-{rid}.png"'
            assert "sandbox" in shown.headers["content-security-policy"]
            _step(analyst, "rancangan_selesai", "Rancangan: peta desa dan tabel KPM di luar desil 1-4")

            engineer = user("kominfo")
            engineer.goto(f"{airflow.airflow_url}/sop/permintaan/{rid}")
            assert _offered(engineer) == ["kembali_ke_rancangan", "terbitkan", "komentar"]
            _step(engineer, "terbitkan")  # no dashboard chosen: refused, the request stays
            assert "UUID" in engineer.inner_text("#galat")
            assert engineer.get_attribute("h1 .state", "data-state") == "dibangun"
            _step(engineer, "terbitkan", "Terbit di dasbor ringkasan", dashboard=str(board["uuid"]))
            assert engineer.get_attribute("h1 .state", "data-state") == "terbit"
            assert engineer.get_attribute("#dasbor a", "href") == \
                f"{airflow.superset_public_url}/superset/dashboard/{board['slug']}/"
            assert engineer.inner_text("#dasbor a") == board["dashboard_title"]
            engineer.screenshot(path=str(SCREENSHOTS / "10-permintaan-terbit.png"), full_page=True)

            # the requester's status page: every step, by whom, as which role, with its note
            requester.goto(f"{airflow.airflow_url}/sop/permintaan/{rid}")
            rows = requester.locator("#riwayat tbody tr")
            history = [[c.strip() for c in rows.nth(i).inner_text().split("\t")] for i in range(rows.count())]
            assert [(h[2], h[3], h[4]) for h in history] == [
                ("Diajukan", "bappeda", "Pemohon Dasbor"), ("Ditelaah", "kabid", "Pemilik Produk"),
                ("Dirancang", "kabid", "Pemilik Produk"), ("Dirancang (komentar)", "bappeda", "Pemohon Dasbor"),
                ("Dibangun", "analis", "Analis Data"), ("Terbit", "kominfo", "Admin")], history
            assert requester.get_attribute("#dasbor a", "href").endswith(f"/superset/dashboard/{board['slug']}/")
            assert _offered(requester) == []

            # a rejection needs a reason and keeps it
            rejected = _file_in_browser(requester, airflow, "Daftar penerima per RT")
            owner.goto(f"{airflow.airflow_url}/sop/permintaan/{rejected}")
            _step(owner, "tolak")
            assert "catatan" in owner.inner_text("#galat")
            _step(owner, "tolak", "Sudah dijawab dasbor 3 (per desa); per RT tidak tersedia di DTKS")
            assert owner.get_attribute("h1 .state", "data-state") == "ditutup"
            requester.goto(f"{airflow.airflow_url}/sop/permintaan/{rejected}")
            assert "per RT tidak tersedia di DTKS" in requester.inner_text("#riwayat")
            requester.goto(f"{airflow.airflow_url}/sop/permintaan")
            assert requester.locator(f"#selesai #permintaan-{rejected} .state").get_attribute("data-state") == \
                "ditutup"
            assert requester.locator(f"#permintaan-{own}").count() == 0  # another's request is not listed
            _request_pages_fit_a_phone(browser, airflow, rid)
        finally:
            browser.close()
    _requester_gets_nothing_else(airflow, own, rejected)
    _a_bad_request_is_refused_and_leaves_nothing(airflow)
    _hand_overs_were_mailed_without_the_request(mailbox, airflow, rid, mails_before)


def _post_step(airflow, user: str, rid: int, step: str, note: str = "") -> httpx.Response:
    with _sop(airflow, user) as sop:
        return sop.http.post(f"/sop/permintaan/{rid}", data={"csrf": sop.csrf(), "langkah": step, "catatan": note})


def _requester_gets_nothing_else(airflow, others: int, theirs: int) -> None:
    """The requester role grants the request pages and nothing else of Airflow or the SOP pages."""
    with _sop(airflow, "bappeda") as requester:
        for path in ("/sop/unggah", "/sop/persetujuan", "/sop/status", "/sop/status/1"):
            assert requester.http.get(path).status_code == 403, path
        # the product owner's own request, its sketch and its steps: as if they did not exist
        for path in (f"/sop/permintaan/{others}", f"/sop/permintaan/{others}/sketsa"):
            assert requester.http.get(path).status_code == 404, path
        assert _post_step(airflow, "bappeda", others, "komentar", "bukan milik saya").status_code == 404
        forged = requester.http.post(f"/sop/permintaan/{theirs}", data={"csrf": "palsu", "langkah": "komentar",
                                                                        "catatan": "x"})
        assert forged.status_code == 403, forged.status_code  # on their own request too, the token is checked
        for path in ("/api/v2/dags", "/api/v2/dags/bansos360_refresh/dagRuns", "/api/v2/connections",
                     "/api/v2/variables", "/api/v2/pools", "/auth/fab/v1/users", "/auth/fab/v1/roles"):
            assert requester.http.get(path).status_code == 403, path
        answer = requester.http.post("/api/v2/dags/bansos360_refresh/dagRuns",
                                     json={"dag_run_id": "pemohon", "logical_date": None, "conf": {}})
        assert answer.status_code == 403, answer.text
    with _sop(airflow, "operator") as operator:  # no request role: no request page
        assert operator.http.get("/sop/permintaan").status_code == 403
        assert operator.http.get(f"/sop/permintaan/{others}").status_code == 403
        assert _post_step(airflow, "operator", others, "telaah").status_code == 403


def _a_bad_request_is_refused_and_leaves_nothing(airflow) -> None:
    """A sketch that is not an image or a PDF, or a request without its question, is refused with a bilingual
    message naming what is wrong; no request is recorded and no file is kept."""
    def count() -> tuple[int, int]:
        import psycopg2

        with psycopg2.connect(airflow.database_url) as conn, conn.cursor() as cur:
            cur.execute("select count(*) from audit.permintaan_dasbor")
            rows = cur.fetchone()[0]
        folder = airflow.home / "permintaan"
        return rows, len(list(folder.iterdir())) if folder.exists() else 0

    before = count()
    form = {"instansi": "Dinas Kesehatan", "pertanyaan": "Stunting per desa", "pengguna": "Bidang Kesmas",
            "data": ["dtks"], "frekuensi": "bulanan", "akses": "agregat"}
    with _sop(airflow, "bappeda") as requester:
        for fields, sketch, words in (({}, ("sketsa.exe", b"MZ\x90\0program"), ("PNG", "PDF", "sketch")),
                                      ({"pertanyaan": " "}, None, ("belum diisi: pertanyaan", "not filled in")),
                                      ({"data": ["bpjs"]}, None, ("tidak dikenal: bpjs", "unknown data"))):
            answer = requester.http.post("/sop/permintaan", data={"csrf": requester.csrf(), **form, **fields},
                                         files={"sketsa": sketch} if sketch else None)
            assert answer.status_code == 400, (fields, answer.status_code)
            alert = re.search(r'role="alert" id="galat">([^<]+)<', answer.text).group(1)
            assert " / " in alert and all(w in alert for w in words), alert
        too_long = {"pertanyaan": "x" * 4001}, None, ("terlalu panjang", "too long", "4000")
        big = {}, ("sketsa.pdf", b"%PDF-" + bytes(5 << 20)), ("5 MB", "sketch")
        for fields, sketch, words in (too_long, big):
            answer = requester.http.post("/sop/permintaan", data={"csrf": requester.csrf(), **form, **fields},
                                         files={"sketsa": sketch} if sketch else None)
            alert = re.search(r'role="alert" id="galat">([^<]+)<', answer.text).group(1)
            assert answer.status_code == 400 and all(w in alert for w in words), alert
        assert requester.http.post("/sop/permintaan", data={"csrf": "palsu", **form}).status_code == 403
        # a body beyond the request pages' 6 MB: refused before it is read, whatever the upload limit
        answer = requester.http.post("/sop/permintaan", data={"csrf": requester.csrf(), **form},
                                     files={"sketsa": ("besar.png", b"\x89PNG\r\n\x1a\n" + bytes(7 << 20))})
        assert answer.status_code == 413 and "6 MB" in answer.text, answer.text[:200]
        # what the pages cannot read gets a bilingual 400 naming the field, never a 500 or English JSON
        for answer, field in ((requester.http.get(f"/sop/permintaan/{2**64}"), "request_id"),
                              (requester.http.post("/sop/permintaan/1", data={"csrf": requester.csrf()}), "langkah")):
            assert answer.status_code == 400 and " / missing or invalid" in answer.text and field in answer.text, \
                answer.text
    assert count() == before


def _hand_overs_were_mailed_without_the_request(mailbox, airflow, rid: int, before: int) -> None:
    link = re.compile(re.escape(f"{airflow.airflow_url}/sop/permintaan/{rid}") + r"(?!\d)")
    mine = [m for m in mailbox.mails[before:] if link.search(m.body)]
    order = ["Diajukan", "Ditelaah", "Dirancang", "Dibangun", "Terbit"]  # (a night's flush may interleave)
    told = sorted(((m.subject.rsplit(": ", 1)[1], sorted(m.recipients)) for m in mine), key=lambda t: order.index(t[0]))
    assert told == [
        ("Diajukan", ["kabid@demo.invalid"]), ("Ditelaah", ["bappeda@demo.invalid"]),
        ("Dirancang", ["analis@demo.invalid", "bappeda@demo.invalid"]),
        ("Dibangun", ["bappeda@demo.invalid", "kominfo@demo.invalid"]),
        ("Terbit", ["bappeda@demo.invalid", "kabid@demo.invalid"])], told
    for mail in mailbox.mails[before:]:
        text = f"{mail.subject}\n{mail.body}"
        assert "DEWI" not in text and not re.search(r"\d{16}", text) and "KPM PKH" not in text, text
        assert "peta per desa" not in text and "per RT" not in text and "Bappeda" not in text, text
    last = next(m for m in mine if m.subject.endswith(": Terbit"))
    (SCREENSHOTS / "11-surel-permintaan.txt").write_text(f"{last.subject}\n\n{last.body}")


def _request_pages_fit_a_phone(browser, airflow, rid: int) -> None:
    phone = browser.new_context(viewport={"width": 360, "height": 640}).new_page()
    _login(phone, airflow, "bappeda")
    for path in ("/sop/permintaan/baru", "/sop/permintaan", f"/sop/permintaan/{rid}"):
        phone.goto(airflow.airflow_url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    phone.context.close()


def test_while_an_upgrade_runs_the_pages_refuse_uploads_and_approvals(airflow):
    """The deploy's pause (`bansos360 pause begin`, checked against this real Airflow's runs): every page says
    so, an upload is refused before anything reaches the inbox, an approval changes nothing."""
    deadline = time.monotonic() + 300
    while upgrade_pause.busy(airflow):  # the intake run of the upload before may still be finishing
        assert time.monotonic() < deadline, upgrade_pause.busy(airflow)
        time.sleep(1)
    before_files = sorted(p for p in airflow.inbox.rglob("*") if p.is_file())
    before_states = _submission_states(airflow)
    upgrade_pause.begin(airflow, "uji-2")
    try:
        with _sop(airflow, "operator") as operator:
            assert "sedang diperbarui ke rilis uji-2" in operator.http.get("/sop/").text
            answer = operator.http.post("/sop/unggah", data={"csrf": operator.csrf(), "sumber": "bst",
                                                             "label": "Jeda"}, files={"berkas": ("a.csv", b"x\n")})
            assert answer.status_code == 503 and "the system is being upgraded" in answer.text
        with _sop(airflow, "kabid") as owner:
            answer = owner.decide(max(before_states), "tolak", "saat pembaruan")
            assert answer.status_code == 303
            assert "sedang diperbarui ke rilis uji-2" in owner.http.get(answer.headers["location"]).text
    finally:
        upgrade_pause.end(airflow)
    assert sorted(p for p in airflow.inbox.rglob("*") if p.is_file()) == before_files
    assert _submission_states(airflow) == before_states
