"""Superset for real: started from `.venv-superset` with its metadata in PostgreSQL, the assets of
superset_assets/ synced over the REST API onto the published marts of the synthetic lake, then read as the users
of each role. Expected figures are `bansos360 figures` (itself checked against the generator's ground truth in
test_figures.py); a kecamatan user must receive exactly their kecamatan's, and nothing else by any route."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import httpx
import jwt
import psycopg2
import pytest

from bansos360 import figures, sources, superset_access, superset_sync
from tests import superset_figures
from tests.superset_site import ADMIN, ANALIS, KEC, PEMBACA, SITE, VERVAL, kec_user, verval_user

pytestmark = pytest.mark.superset

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(os.environ.get("BANSOS360_SCREENSHOTS") or REPO / "artifacts" / "screenshots")
_kec_user = kec_user


def _api(site, user: tuple[str, str]) -> superset_sync.Api:
    return superset_sync.Api.login(site["settings"].superset_url, *user)


def _charts(api) -> dict[str, dict]:
    """Visible charts by asset key (the chart file's name)."""
    keys = {f["uuid"]: name.split("/")[-1].removesuffix(".yaml")
            for name, f in superset_sync.asset_files().items() if name.startswith("charts/")}
    got = api.call("GET", "/api/v1/chart/", params={"q": "(columns:!(id,uuid,slice_name),page_size:100)"})
    return {keys[c["uuid"]]: c for c in got["result"] if c["uuid"] in keys}


def _chart_rows(api, chart_id: int) -> list[dict]:
    r = api.client.get(f"/api/v1/chart/{chart_id}/data/")
    assert r.status_code == 200, r.text[:500]
    return r.json()["result"][0]["data"]


def _figures_seen_by(site, user, programs: list[str]) -> dict:
    api = _api(site, user)
    charts = _charts(api)
    with psycopg2.connect(site["settings"].database_url) as conn, conn.cursor() as cur:
        limited = [p.kode for p in sources.programs(cur) if p.desil_maks is not None]
    return superset_figures.from_charts({k: _chart_rows(api, charts[k]["id"]) for k in superset_figures.CHARTS},
                                        programs, limited)


def _expected(site, kecamatan: str | None) -> dict:
    """`figures` for the keys the charts make (superset_figures.KEYS)."""
    with psycopg2.connect(site["settings"].database_url) as conn:
        return {k: v for k, v in figures.figures(conn, kecamatan).items() if k in superset_figures.KEYS}


def test_the_admin_signs_in_and_a_wrong_password_is_refused(site):
    url = site["settings"].superset_url
    assert httpx.get(f"{url}/health").text.strip() == "OK"
    ok = httpx.post(f"{url}/api/v1/security/login", json={"username": ADMIN[0], "password": ADMIN[1], "provider": "db"})
    assert ok.status_code == 200 and ok.json()["access_token"]
    wrong = httpx.post(f"{url}/api/v1/security/login", json={"username": ADMIN[0], "password": "salah",
                                                                "provider": "db"})
    assert wrong.status_code == 401


def test_sync_imports_every_asset_and_twice_changes_nothing(site, tmp_path):
    files = superset_sync.asset_files()
    api = _api(site, ADMIN)
    dashboards = api.call("GET", "/api/v1/dashboard/", params={"q": "(page_size:100)"})["result"]
    assert {d["slug"] for d in dashboards} == {f["slug"] for n, f in files.items() if n.startswith("dashboards/")}
    assert len(_charts(api)) == sum(n.startswith("charts/") for n in files)
    # the database connection carries this installation's address and the read-only role, no password in a file
    database = api.call("GET", "/api/v1/database/", params={"q": "(page_size:100)"})["result"]
    assert [d["database_name"] for d in database] == ["Gudang BANSOS 360"]
    for name in files:
        assert "password" not in (superset_sync.ASSETS / name).read_text().lower() or name.startswith("charts/")
    rules_before = api.all("/api/v1/rowlevelsecurity/")
    second = superset_sync.sync(site["settings"], site["users"])
    assert second["rls"] == site["sync"]["rls"] == len(rules_before)
    assert len(api.all("/api/v1/rowlevelsecurity/")) == len(rules_before)
    # exported back, every asset is byte for byte the committed file: nothing changed, no export noise
    out = tmp_path / "ekspor"
    written = superset_sync.export(site["settings"], site["users"], out)
    assert sorted(written) == sorted(files)
    changed = [n for n in written if (out / n).read_text() != (superset_sync.ASSETS / n).read_text()]
    assert changed == []


def test_a_chart_whose_file_is_removed_is_removed_by_the_next_sync(site, tmp_path):
    import shutil

    import yaml

    assets = tmp_path / "aset"
    shutil.copytree(superset_sync.ASSETS, assets)
    gone = yaml.safe_load((assets / "charts" / "e_disabilitas.yaml").read_text())["uuid"]
    (assets / "charts" / "e_disabilitas.yaml").unlink()
    board_file = assets / "dashboards" / "embed-desa.yaml"
    board = yaml.safe_load(board_file.read_text())
    key = next(k for k, v in board["position"].items() if isinstance(v, dict) and v.get("meta", {}).get("uuid") == gone)
    for item in board["position"].values():
        if isinstance(item, dict) and key in item.get("children", []):
            item["children"].remove(key)
    del board["position"][key]
    board_file.write_text(superset_sync.dump(board))
    api = _api(site, ADMIN)
    mine = api.call("POST", "/api/v1/chart/", json={  # a chart someone made in the UI: never touched by sync
        "slice_name": "Buatan pengguna", "viz_type": "big_number_total", "params": "{}",
        "datasource_id": _dataset_id(api, "kpm_tersamar"), "datasource_type": "table"})["id"]
    try:
        done = superset_sync.sync(site["settings"], site["users"], assets)
        assert done["removed"] == [f"chart:{gone}"]
        uuids = {c["uuid"] for c in api.all("/api/v1/chart/")}
        assert gone not in uuids
        assert api.client.get(f"/api/v1/chart/{mine}").status_code == 200
    finally:
        superset_sync.sync(site["settings"], site["users"])
        api.call("DELETE", f"/api/v1/chart/{mine}")
    assert gone in {c["uuid"] for c in api.all("/api/v1/chart/")}


def test_every_chart_answers_for_the_admin_and_an_analyst(site):
    for user in (ADMIN, ANALIS):
        api = _api(site, user)
        charts = _charts(api)
        assert len(charts) == sum(n.startswith("charts/") for n in superset_sync.asset_files())
        for key, c in charts.items():
            r = api.client.get(f"/api/v1/chart/{c['id']}/data/")
            assert r.status_code == 200, (user[0], key, r.text[:300])


def test_charts_still_answer_after_the_marts_are_published_again(site):
    """The read-only role is granted every new marts_next, so a swap does not cut Superset off."""
    from bansos360 import db, marts

    s = site["settings"]
    with db.connect(s) as conn:
        marts.build(conn, s)
        assert marts.run_gate(s.database_url, s) == []
        marts.swap(conn)
    api = _api(site, ANALIS)
    charts = _charts(api)
    for key in ("d1_program", "d6_periode", "d1_peta_desa"):
        assert _chart_rows(api, charts[key]["id"]), key


def test_dinsos_sees_the_kabupaten_figures(site):
    expected = _expected(site, None)
    # the synthetic lake plants DTSEN updates and inclusion and exclusion candidates (dashboards 13 and 14)
    assert len(expected["d14"]) >= 3 and expected["d13"]["inklusi"]["PKH"] > 0
    assert expected["d13"]["eksklusi"]["keluarga"] > 0
    for user in (ANALIS, PEMBACA):
        assert _figures_seen_by(site, user, list(expected["d1"]["per_program"])) == expected, user[0]


def test_a_programme_registered_as_data_has_its_rows_in_the_charts(site):
    """BLT-DD was registered with `bansos360 program add` (tests/conftest.py) and no asset names it."""
    assert not [n for n in superset_sync.asset_files() if "BLT" in (superset_sync.ASSETS / n).read_text()]
    api = _api(site, ANALIS)
    charts = _charts(api)
    rows = {r["program"]: r for r in _chart_rows(api, charts["d1_program"]["id"])}
    expected = _expected(site, None)["d1"]["per_program"]["BLT-DD"]
    assert expected["baris"] > 0
    assert int(rows["BLT-DD"]["Baris KPM"]) == expected["baris"]


@pytest.mark.parametrize("kode", [k for k, _ in KEC])
def test_a_kecamatan_user_receives_exactly_the_figures_of_the_kecamatan(site, kode):
    expected = _expected(site, kode)
    seen = _figures_seen_by(site, _kec_user(kode), list(expected["d1"]["per_program"]))
    assert seen == expected
    assert seen["d1"]["semua"]["baris"] > 0  # the synthetic lake has KPM rows in every kecamatan


@pytest.mark.parametrize("kode", VERVAL)
def test_a_verval_kecamatan_user_receives_the_figures_and_the_names_of_the_kecamatan_only(site, kode):
    """The Verval Kecamatan user (the first also holds the Kecamatan role of the same kecamatan) sees what the
    kecamatan user sees, and the daftar verval of that kecamatan: every row of it, no row of another."""
    user = verval_user(kode)
    expected = _expected(site, kode)
    assert _figures_seen_by(site, user, list(expected["d1"]["per_program"])) == expected
    api = _api(site, user)
    rows = _chart_rows(api, _charts(api)["d13_daftar_verval"]["id"])
    with psycopg2.connect(site["settings"].database_url) as conn, conn.cursor() as cur:
        cur.execute("select nik, alasan from marts.mart_daftar_verval where kode_kec = %s", (kode,))
        own = sorted(cur.fetchall())
    assert own and sorted((r["nik"], r["alasan"]) for r in rows) == own


def test_the_daftar_verval_downloads_whole_for_those_cleared_and_each_download_is_recorded(site, monkeypatch):
    """CSV and Excel, every row the user's class reads (the analyst the kabupaten, Verval Kecamatan their
    kecamatan), NIK and No. KK as text; refused to readers, kecamatan users and anonymous visitors; each download
    listed in the who-saw-whom report."""
    import csv
    import io

    import openpyxl

    from bansos360 import access_report

    monkeypatch.setenv("SUPERSET_METADATA_URL", site["meta"])
    s = site["settings"]
    access_report.collect(s)
    started = time.time()
    with psycopg2.connect(s.database_url) as conn, conn.cursor() as cur:
        cur.execute("select kode_kec, nik, nokk from marts.mart_daftar_verval")
        everything = cur.fetchall()
    for user, kode in ((ANALIS, None), (verval_user(VERVAL[0]), VERVAL[0])):
        browser = _browser_session(site, user)  # the download is a link on the dashboard
        r = browser.get("/bansos360/daftar-verval.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text[:300]
        got = list(csv.DictReader(io.StringIO(r.text)))
        wanted = sorted((n, k) for c, n, k in everything if kode is None or c == kode)
        assert sorted((row["NIK"], row["No. KK"] or None) for row in got) == wanted, user
        r = browser.get("/bansos360/daftar-verval.xlsx")
        assert r.status_code == 200, r.text[:300]
        sheet = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).active
        table = list(sheet.values)
        nik = table[0].index("NIK")
        assert len(table) - 1 == len(wanted) and all(isinstance(row[nik], str) for row in table[1:] if row[nik])
    for user in (PEMBACA, _kec_user(VERVAL[0])):
        assert _browser_session(site, user).get("/bansos360/daftar-verval.csv").status_code == 403, user
    assert httpx.get(f"{s.superset_url}/bansos360/daftar-verval.csv").status_code == 401  # no session
    access_report.collect(s)
    seen = {(r["pengguna"], r["tindakan"], r["objek"], r["format"]) for r in access_report.report(s)
            if r["waktu"].timestamp() >= started - 1}
    for user in (ANALIS[0], verval_user(VERVAL[0])[0]):
        for fmt in ("csv", "xlsx"):
            assert (user, "mengekspor", "mart_daftar_verval", fmt) in seen, (user, fmt, seen)
    assert not {u for u, *_ in seen} & {PEMBACA[0], _kec_user(VERVAL[0])[0]}  # refused: nothing was read


def test_a_reader_and_a_kecamatan_user_do_not_get_by_name_dashboards_or_datasets(site):
    clear = {"mart_kpm", "mart_dtks_individu", "mart_dtks_rumah_tangga", "mart_wilayah_tidak_cocok",
             "mart_daftar_verval"}
    for user in (PEMBACA, _kec_user(KEC[0][0])):
        api = _api(site, user)
        slugs = {d["slug"] for d in api.call("GET", "/api/v1/dashboard/", params={"q": "(page_size:100)"})["result"]}
        assert not slugs & {"detail-kpm", "pm360-individu", "pm360-rumah-tangga", "kualitas-data", "daftar-verval"}, \
            user
        assert "overview-kpm" in slugs and "menu" in slugs
        tables = {d["table_name"] for d in api.all("/api/v1/dataset/")}
        assert not tables & clear, user
        admin_charts = _charts(_api(site, ADMIN))
        for key in ("d5_detail", "d9_individu", "d10_rumah_tangga", "dq_wilayah_tidak_cocok", "d13_daftar_verval"):
            r = api.client.get(f"/api/v1/chart/{admin_charts[key]['id']}/data/")
            assert r.status_code in (403, 404), (user, key, r.status_code)


def test_analysts_find_every_unmatched_place_name_on_the_data_quality_dashboard(site, lake):
    planted = json.loads((lake / "warehouse_truth.json").read_text())
    expected = {sumber: d["desa_tidak_cocok"] for sumber, d in [*planted["daftar"].items(),
                                                                ("DISABILITAS", planted["disabilitas"])]
                if d["desa_tidak_cocok"]}
    api = _api(site, ANALIS)
    slugs = {d["slug"] for d in api.call("GET", "/api/v1/dashboard/", params={"q": "(page_size:100)"})["result"]}
    assert "kualitas-data" in slugs
    got: dict[str, int] = {}
    for r in _chart_rows(api, _charts(api)["dq_wilayah_tidak_cocok"]["id"]):
        got[r["sumber"]] = got.get(r["sumber"], 0) + int(r["jumlah_baris"])
    assert got == expected


def _dataset_id(api, table: str) -> int:
    return next(d["id"] for d in _api_admin_datasets(api) if d["table_name"] == table)


def _api_admin_datasets(api) -> list[dict]:
    return api.all("/api/v1/dataset/")


def _query(dataset_id: int, columns, metrics=(), filters=(), result_format="json", where="") -> dict:
    return {"datasource": {"id": dataset_id, "type": "table"}, "result_format": result_format, "result_type": "full",
            "queries": [{"columns": list(columns), "metrics": list(metrics), "filters": list(filters),
                         "extras": {"where": where}, "row_limit": 100000, "orderby": []}]}


def test_a_kecamatan_user_cannot_reach_another_kecamatan(site):
    own, other = KEC[0][0], KEC[1][0]
    admin = _api(site, ADMIN)
    kpm = _dataset_id(admin, "kpm_tersamar")
    api = _api(site, _kec_user(own))
    # a hand-edited chart data request: other kecamatan in the filters, in the where clause, grouped by place
    for body in (_query(kpm, ["kode_kec"], ["count"], [{"col": "kode_kec", "op": "==", "val": other}]),
                 _query(kpm, ["kode_kec", "nama_tersamar"])):
        r = api.client.post("/api/v1/chart/data", json=body)
        assert r.status_code == 200, r.text[:300]
        kecs = {row["kode_kec"] for row in r.json()["result"][0]["data"]}
        assert kecs <= {own}, kecs
    # a where clause no saved chart holds: Superset refuses it before it runs (PostgreSQL would filter it anyway)
    r = api.client.post("/api/v1/chart/data", json=_query(kpm, ["kode_kec"], ["count"],
                                                          where=f"kode_kec = '{other}' or 1 = 1"))
    assert r.status_code == 403, r.text[:300]
    # the same request through the dashboard's native filter (extra_form_data on a dashboard chart)
    chart = _charts(api)["d1_kecamatan"]
    r = api.client.post("/api/v1/chart/data", json={
        **_query(kpm, ["kode_kec"], [{"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "n"}],
                 [{"col": "kode_kec", "op": "IN", "val": [other]}]),
        "form_data": {"slice_id": chart["id"], "dashboardId": _dashboard_id(api, "overview-kpm")}})
    assert r.status_code == 200 and r.json()["result"][0]["data"] == []
    # a subquery in the where clause is refused, not run
    r = api.client.post("/api/v1/chart/data", json=_query(
        kpm, ["kode_kec"], ["count"], where="kode_kec in (select kode_kec from marts.mart_kpm)"))
    assert r.status_code >= 400, r.text[:300]
    # explore and the samples of a dataset: refused, or only the own kecamatan
    r = api.client.get("/api/v1/explore/", params={"datasource_id": _dataset_id(admin, "mart_kpm"),
                                                     "datasource_type": "table"})
    assert r.status_code in (403, 404) or "mart_kpm" not in r.text
    # the samples endpoint (a browser-session route): it works for the admin, it is refused to the kecamatan user
    samples = {"params": {"datasource_id": kpm, "datasource_type": "table"}, "json": {}}
    assert _browser_session(site, ADMIN).post("/datasource/samples", **samples).status_code == 200
    assert _browser_session(site, _kec_user(own)).post("/datasource/samples", **samples).status_code == 403
    # CSV of the data, SQL Lab, the clear datasets: refused
    r = api.client.post("/api/v1/chart/data", json=_query(kpm, ["kode_kec", "nama_tersamar"], result_format="csv"))
    assert r.status_code == 403, r.status_code
    r = api.client.post("/api/v1/sqllab/execute/", json={
        "database_id": admin.call("GET", "/api/v1/database/")["result"][0]["id"],
        "sql": "select nama, nik from marts.mart_kpm", "runAsync": False, "schema": "marts"})
    assert r.status_code in (401, 403), r.status_code
    r = api.client.post("/api/v1/chart/data", json=_query(_dataset_id(admin, "mart_kpm"), ["nama", "nik"]))
    assert r.status_code == 403, r.status_code
    # and it cannot edit a dataset's SQL to lift the row filter
    r = api.client.put(f"/api/v1/dataset/{kpm}", json={"sql": "select * from marts.mart_kpm"})
    assert r.status_code in (401, 403, 404), r.status_code


def _browser_session(site, user) -> httpx.Client:
    """Logged in through the login form, as a browser is (session cookie and CSRF token)."""
    url = site["settings"].superset_url
    client = httpx.Client(base_url=url, follow_redirects=True, headers={"Referer": url}, timeout=60)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login/").text).group(1)
    client.post("/login/", data={"username": user[0], "password": user[1], "csrf_token": token})
    client.headers["X-CSRFToken"] = client.get("/api/v1/security/csrf_token/").json()["result"]
    return client


def _dashboard_id(api, slug: str) -> int:
    return api.call("GET", f"/api/v1/dashboard/{slug}")["result"]["id"]


def test_a_role_without_a_kecamatan_rule_sees_nothing(site):
    """Default deny: a user holding only Gamma (dataset access given by hand) gets no rows, in Superset (the base
    RLS rule) and in PostgreSQL (no class role is mapped to the role)."""
    admin = _api(site, ADMIN)
    roles = {r["name"]: r["id"] for r in admin.all("/api/v1/security/roles/")}
    kpm = _dataset_id(admin, "kpm_tersamar")
    perms = admin.all("/api/v1/security/permissions-resources/")
    access = next(p["id"] for p in perms if p["permission"]["name"] == "datasource_access"
                  and p["view_menu"]["name"].endswith(f"[kpm_tersamar](id:{kpm})"))
    gamma = {p["id"] for p in admin.call("GET", f"/api/v1/security/roles/{roles['Gamma']}/permissions/")["result"]}
    role = admin.call("POST", "/api/v1/security/roles/", json={"name": "Tanpa Aturan"})["id"]
    admin.call("POST", f"/api/v1/security/roles/{role}/permissions",
               json={"permission_view_menu_ids": sorted(gamma | {access})})
    admin.call("POST", "/api/v1/security/users/", json={
        "first_name": "Tanpa", "last_name": "Aturan", "username": "tanpa_aturan", "email": "tanpa@uji.invalid",
        "active": True, "password": "uji-tanpa", "roles": [role]})
    api = _api(site, ("tanpa_aturan", "uji-tanpa"))
    r = api.client.post("/api/v1/chart/data", json=_query(kpm, ["kode_kec"], ["count"]))
    # its users reach PostgreSQL as bansos360_tanpa_akses, which may not read the table at all
    assert r.status_code == 400 and "data" not in r.text, r.text[:300]


# --- village embeds --------------------------------------------------------------------------------------------

def _embed(site) -> str:
    return site["sync"]["embeds"]["embed-desa"]


def _guest_token(site, desa: str, origin: str = SITE) -> httpx.Response:
    return httpx.get(f"{site['settings'].superset_url}/bansos360/token-tamu",
                     params={"embed": _embed(site), "desa": desa}, headers={"Origin": origin})


def _desa(site) -> list[str]:
    with psycopg2.connect(site["settings"].database_url) as conn, conn.cursor() as cur:
        cur.execute("select kode_desa from marts.publik_kpm_desa where kode_desa is not null "
                    "group by 1 order by sum(penerima) desc nulls last limit 2")
        return [r[0] for r in cur.fetchall()]


def _guest_rows(site, token: str, desa_filter: str | None = None) -> httpx.Response:
    admin = _api(site, ADMIN)
    dataset = _dataset_id(admin, "publik_kpm_desa")
    chart = _charts(admin)["e_kpm"]
    filters = [{"col": "kode_desa", "op": "==", "val": desa_filter}] if desa_filter else []
    body = {**_query(dataset, ["kode_desa", "program"], [{"expressionType": "SQL", "sqlExpression": "SUM(penerima)",
                                                           "label": "n"}], filters),
            "form_data": {"slice_id": chart["id"], "dashboardId": _dashboard_id(admin, "embed-desa")}}
    return httpx.post(f"{site['settings'].superset_url}/api/v1/chart/data", json=body,
                      headers={"X-GuestToken": token, "Referer": SITE})


def test_a_guest_token_shows_one_desa_only(site):
    desa, other = _desa(site)
    r = _guest_token(site, desa)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == SITE
    token = r.json()["token"]
    rows = _guest_rows(site, token)
    assert rows.status_code == 200, rows.text[:300]
    data = rows.json()["result"][0]["data"]
    assert data and {x["kode_desa"] for x in data} == {desa}
    # the same token asked for another desa gets nothing of it
    rows = _guest_rows(site, token, other)
    assert rows.status_code == 200 and rows.json()["result"][0]["data"] == []
    # the token opens only the aggregate dataset, not the masked KPM rows
    admin = _api(site, ADMIN)
    r = httpx.post(f"{site['settings'].superset_url}/api/v1/chart/data",
                   json=_query(_dataset_id(admin, "kpm_tersamar"), ["nama_tersamar"]),
                   headers={"X-GuestToken": token})
    assert r.status_code in (401, 403), r.status_code


def test_guest_tokens_refused_for_other_sites_bad_desa_expired_or_forged(site):
    desa, _ = _desa(site)
    assert _guest_token(site, desa, origin="https://bukan-desa.example").status_code == 403
    assert _guest_token(site, desa, origin="").status_code == 403
    assert _guest_token(site, "35.03.01.2001' or '1'='1").status_code == 400
    secret = json.loads((site["settings"].home / "superset" / "kunci.json").read_text())["guest_token_secret"]
    now = int(time.time())
    claims = {"user": {"username": "tamu"}, "resources": [{"type": "dashboard", "id": _embed(site)}],
              "rls_rules": [], "iat": now - 600, "exp": now - 300, "aud": None, "type": "guest"}
    expired = jwt.encode({k: v for k, v in claims.items() if k != "aud"}, secret, algorithm="HS256")
    forged = jwt.encode({**{k: v for k, v in claims.items() if k != "aud"}, "exp": now + 300},
                        "kunci-palsu-" + "x" * 32, algorithm="HS256")
    for token in (expired, forged):
        r = _guest_rows(site, token)
        assert r.status_code in (401, 403), (r.status_code, r.text[:200])


def test_the_csp_lets_only_the_listed_sites_frame_superset(site):
    r = httpx.get(f"{site['settings'].superset_url}/login/")
    csp = r.headers["content-security-policy"]
    ancestors = next(p for p in csp.split(";") if p.strip().startswith("frame-ancestors")).split()[1:]
    assert ancestors == ["'self'", SITE]
    assert "x-frame-options" not in r.headers


def test_superset_answers_no_cors_for_map_tile_servers(site):
    """The tiles are local: Superset's default CORS for tile.openstreetmap.org is off (docs/privacy.md)."""
    url = site["settings"].superset_url
    for origin in ("https://tile.openstreetmap.org", "https://tile.osm.ch"):
        r = httpx.get(f"{url}/api/v1/security/csrf_token/", headers={"Origin": origin})
        assert "access-control-allow-origin" not in r.headers, origin
        r = httpx.options(f"{url}/api/v1/chart/data", headers={"Origin": origin,
                                                                "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in r.headers, origin


def test_blank_tiles_are_served_locally(site):
    r = httpx.get(f"{site['settings'].superset_url}/bansos360/ubin/10/800/500.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content[:4] == b"\x89PNG"



# --- in a real browser -----------------------------------------------------------------------------------------

def _views(position: dict) -> list[tuple[str | None, int]]:
    """What a dashboard shows at once: (tab title, number of charts) per tab, or [(None, charts)] without tabs."""
    charts = superset_sync.charts_by_tab(position)
    order = [t for t in charts if t is not None] or [None]
    return [(t, len(charts.get(t, []))) for t in order]


def _charts_per_dashboard() -> dict[str, list[tuple[str | None, int]]]:
    return {f["slug"]: _views(f["position"]) for n, f in superset_sync.asset_files().items()
            if n.startswith("dashboards/")}


def _wait_for_charts(page, expected: int, frame=None) -> None:
    """Every chart of the dashboard rendered (holder present, no spinner left), or fail after 90 s."""
    where = frame or page
    deadline = time.monotonic() + 90
    while True:
        holders = where.locator(".dashboard-component-chart-holder:visible").count()
        loading = where.locator(".dashboard-component-chart-holder:visible .loading").count()
        if holders >= expected and loading == 0:
            return
        assert time.monotonic() < deadline, f"{holders}/{expected} charts, {loading} still loading"
        page.wait_for_timeout(500)


def _browser_login(page, url: str, user: tuple[str, str]) -> None:
    """Log in through the login form; once more if the first session did not hold (seen once on a fresh start)."""
    for attempt in range(2):
        page.goto(f"{url}/login/")
        page.fill("#username", user[0])
        page.fill("#password", user[1])
        page.keyboard.press("Enter")
        page.wait_for_url(lambda u: "/login" not in u, timeout=60000)
        page.goto(f"{url}/api/v1/me/")
        if user[0] in page.content() or attempt:
            assert user[0] in page.content(), f"{user[0]} could not log in"
            return


#: Records every text ECharts draws on a canvas (legend entries, axis labels, values on bars) with the chart it
#: belongs to and where it lands, so that a test reads what a person sees in a chart, not only in tables.
CANVAS_TEXT = """
(() => {
  window.__teks = [];
  let canvases = 0;
  const draw = CanvasRenderingContext2D.prototype.fillText;
  const clear = CanvasRenderingContext2D.prototype.clearRect;
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
    try {
      const m = this.getTransform();
      const holder = this.canvas.closest('[data-test-chart-name]');
      this.canvas.__teks = this.canvas.__teks || ++canvases;
      window.__teks.push({chart: holder ? holder.getAttribute('data-test-chart-name') : null, text: String(text),
                          x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f, canvas: this.canvas.__teks});
    } catch (e) { /* a detached canvas: nothing to record */ }
    return draw.call(this, text, x, y, ...rest);
  };
  // a repaint of the whole canvas starts with clearing it: only the last paint is what the reader sees
  CanvasRenderingContext2D.prototype.clearRect = function (x, y, w, h) {
    try {
      const m = this.getTransform();
      if (this.canvas.__teks && x <= 0 && y <= 0 && m.a * w >= this.canvas.width - 1
          && m.d * h >= this.canvas.height - 1) {
        window.__teks = window.__teks.filter(t => t.canvas !== this.canvas.__teks);
      }
    } catch (e) { /* nothing recorded for this canvas */ }
    return clear.call(this, x, y, w, h);
  };
})();
"""
#: Every table of the charts on screen (chart title, header cells, body rows), and each big number as a table of
#: one cell.
TABLES = """
() => Array.from(document.querySelectorAll('[data-test-chart-name] table')).map(t => ({
  chart: t.closest('[data-test-chart-name]').getAttribute('data-test-chart-name'),
  head: Array.from(t.querySelectorAll('thead th')).map(th => th.innerText.trim()),
  rows: Array.from(t.querySelectorAll('tbody tr')).map(
    tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim()))})).concat(
  Array.from(document.querySelectorAll('[data-test-chart-name] .header-line')).map(b => ({
    chart: b.closest('[data-test-chart-name]').getAttribute('data-test-chart-name'), head: [],
    rows: [[b.innerText.trim()]]})))
"""
UNREADABLE = [
    (re.compile(r"<NULL>|^null$|^NaN$|^undefined$"), "an empty value shown raw"),
    (re.compile(r"^-?\d+[.,]0$"), "a whole number with a decimal '0' (4.0, 4,0)"),
    (re.compile(r"^-?\d+(?:[.,]\d+)?\s?[kMGB]$"), "a short form (1.63k) where the full number belongs"),
    (re.compile(r"^-?\d{4,7}$"), "a count without the '.' thousands separator"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}"), "a date with a time of day"),
]
PERIOD = re.compile(r"^\d{4}-\d{2}$")
AUDIT_LOG = "Siapa membuka dan mengekspor data by-name-by-address"
GROUPED = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
#: Superset's own English words met around the dashboards before the Bahasa Indonesia pack (issue 25): none may be
#: on a page, as text, label or placeholder
ENGLISH = {"Filters and controls", "Apply filters", "Clear all", "Search", "Show", "entries per page",
           "Show entries per page", "No results were returned for this query", "Sign in", "Username:", "Password:"}
#: Every text of the page, and every label, placeholder and title, trimmed
WORDS = """
() => {
  const out = new Set();
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) { const t = walk.currentNode.nodeValue.trim(); if (t) out.add(t); }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
    for (const a of ['aria-label', 'placeholder', 'title']) { const v = el.getAttribute(a); if (v) out.add(v.trim()); }
  }
  return Array.from(out);
}
"""
#: The "Cara membaca" block: its height, the height of what it holds (scrollHeight), and where its text ends
MARKDOWN = """
() => Array.from(document.querySelectorAll('.dashboard-markdown .dashboard-component-chart-holder')).map(h => ({
  height: h.clientHeight, scroll: h.scrollHeight,
  text: Array.from(h.children).reduce((a, c) => Math.max(a, c.getBoundingClientRect().bottom), 0)
        - h.getBoundingClientRect().top}))
"""
SLACK = 96  # px a block may stand taller than its text at 1400 px: its padding and about three lines


def _english(words: list[str]) -> set[str]:
    return {w for w in words if w in ENGLISH or "entries per page" in w}


def _badly_sized(blocks: list[dict]) -> list[str]:
    """A markdown block that cuts its text off (it scrolls) or stands far taller than its text."""
    return [f"{b['height']} px for {b['text']:.0f} px of text" for b in blocks
            if b["scroll"] > b["height"] + 1 or b["height"] - b["text"] > SLACK]


def _period_tables() -> set[str]:
    """Titles of the aggregate tables whose rows are periods: shown in time order."""
    return {f["slice_name"] for name, f in superset_sync.asset_files().items()
            if name.startswith("charts/") and f["viz_type"] == "table"
            and f["params"].get("query_mode") == "aggregate" and f["params"]["groupby"][:1] == ["periode"]}


def _read(where) -> tuple[list[dict], list[dict]]:
    """What the charts on screen show: their tables, and the texts drawn on their canvases, once the drawing has
    settled (the ECharts animations over: nothing drawn for a second), or after 15 s."""
    last, still = None, 0
    for _ in range(30):
        where.wait_for_timeout(500)
        now = where.evaluate("JSON.stringify(window.__teks || [])")
        still = still + 1 if now == last else 0
        if still >= 2:
            break
        last = now
    return where.evaluate(TABLES), where.evaluate("window.__teks || []")


def _in_order(drawn: list[dict], chart: str, labels: list[str]) -> list[str]:
    """The labels of ``labels`` drawn on one line of ``chart``'s canvas (a legend row, an x axis: the line holding
    most of them), left to right."""
    lines: dict[int, dict[str, float]] = {}
    for d in drawn:
        if d["chart"] == chart and d["text"] in labels:
            lines.setdefault(round(d["y"]), {}).setdefault(d["text"], d["x"])
    line = max(lines.values(), key=len, default={})
    return sorted(line, key=line.get)


def _problems(tables: list[dict], drawn: list[dict], period_tables: set[str]) -> list[str]:
    found = []
    texts = [(t["chart"], c) for t in tables for r in t["rows"] for c in r] + \
        [(t["chart"], h) for t in tables for h in t["head"]] + [(d["chart"], d["text"]) for d in drawn]
    for chart, text in texts:
        if chart == AUDIT_LOG and re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text):
            continue  # an access log records the moment of each access: its time of day is the fact itself
        for pattern, why in UNREADABLE:
            if pattern.search(text.strip()):
                found.append(f"{chart}: {text!r} is {why}")
    for t in tables:
        if t["chart"] in period_tables and t["rows"]:
            periods = [r[0] for r in t["rows"] if r and PERIOD.match(r[0])]
            if periods != sorted(periods):
                found.append(f"{t['chart']}: periods not in time order: {periods}")
    for chart in {d["chart"] for d in drawn}:
        order = _in_order(drawn, chart, [d["text"] for d in drawn if d["chart"] == chart and PERIOD.match(d["text"])])
        if order != sorted(order):
            found.append(f"{chart}: periods along the axis not in time order: {order}")
    return found


@pytest.mark.parametrize("who", ["analis", "kecamatan", "verval"])
def test_a_dinsos_and_a_kecamatan_user_open_every_dashboard_in_chromium(site, who):
    """Every dashboard opens without an error and reads at a glance: periods in time order in tables and along
    axes, desil in their order, numbers in the Indonesian form (1.630) and never as 1.63k, 1630 or 4.0, no
    <NULL>. Screenshots are kept in artifacts/screenshots."""
    from playwright.sync_api import sync_playwright

    user = {"analis": ANALIS, "kecamatan": _kec_user("35.03.05"), "verval": verval_user(VERVAL[0])}[who]
    url = site["settings"].superset_url
    slugs = sorted(d["slug"] for d in _api(site, user).call(
        "GET", "/api/v1/dashboard/", params={"q": "(page_size:100)"})["result"])
    spec = superset_access.access_spec()
    role = {"analis": spec["roles"]["Dinsos Analis"], "kecamatan": spec["kecamatan_role"],
            "verval": spec["verval_role"]}[who]
    assert slugs == sorted(role["dashboards"])
    expected = _charts_per_dashboard()
    period_tables = _period_tables()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems, grouped, tables_of, english, words, sizes = [], 0, {}, set(), set(), []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 4000})
        page.add_init_script(CANVAS_TEXT)
        page.goto(f"{url}/login/")
        page.wait_for_selector("#username", timeout=60000)
        page.wait_for_function("document.body.innerText.includes('Masuk')", timeout=30000)
        english |= {("login", w) for w in _english(page.evaluate(WORDS))}
        _browser_login(page, url, user)
        for slug in ["menu"] + [s for s in slugs if s != "menu"]:
            page.goto(f"{url}/superset/dashboard/{slug}/")
            page.wait_for_selector(".dashboard-header, [data-test=dashboard-header-container]", timeout=60000)
            for n, (tab, charts) in enumerate(expected[slug]):
                if tab is not None and n > 0:
                    page.get_by_role("tab", name=tab).click()
                _wait_for_charts(page, charts)
                errors = page.locator(".dashboard-component-chart-holder .ant-alert-error").count()
                tables, drawn = _read(page)
                page.screenshot(path=str(SCREENSHOTS / f"superset-{who}-{slug}{'-' + str(n + 1) if tab else ''}.png"),
                                full_page=True)
                assert errors == 0, f"{slug} {tab or ''}: {errors} charts show an error"
                met = page.evaluate(WORDS)
                english |= {(slug, w) for w in _english(met)}
                words |= set(met)
                if n == 0 and who == "analis":
                    sizes += [f"{slug}: {x}" for x in _badly_sized(page.evaluate(MARKDOWN))]
                problems += [f"{slug}: {x}" for x in _problems(tables, drawn, period_tables)]
                grouped += sum(bool(GROUPED.match(c)) for t in tables for r in t["rows"] for c in r)
                tables_of[slug] = tables_of.get(slug, []) + tables
                if slug == "kpm-desil":
                    groups = ["Desil 1-2", "Desil 3-4", "Di DTKS tanpa desil", "Tidak di DTKS"]
                    assert _in_order(drawn, "KPM per kelompok desil", groups) == groups
                if slug == "segmentasi-rumah-tangga":
                    desil = ["Desil 1", "Desil 2", "Desil 3", "Desil 4", "Tanpa desil"]
                    legend = _in_order(drawn, "Segmen per desil", desil)
                    assert len(legend) >= 3 and legend == [d for d in desil if d in legend], legend
                    segments = [r[0] for t in tables if t["chart"] == "Segmen rumah tangga" for r in t["rows"]]
                    assert segments and segments == sorted(segments), segments
                    grades = _in_order(drawn, "Recency x frequency", ["Tinggi", "Sedang", "Rendah"])
                    assert grades == ["Tinggi", "Sedang", "Rendah"], grades  # the matrix of Table 8.3
                if slug == "dtsen-per-pemutakhiran":  # desil 1-10 in their order, in the legend and the table
                    desil = [f"Desil {i}" for i in range(1, 11)]
                    legend = _in_order(drawn, "Sebaran desil per pemutakhiran", desil)
                    assert len(legend) >= 3 and legend == [d for d in desil if d in legend], legend
                    head = next(t for t in tables if t["chart"] == "Keluarga per desil per pemutakhiran")["head"]
                    assert head[1:11] == desil, head
                if slug == "ketepatan-sasaran-dtsen":
                    groups = ["Desil 1-4", "Desil 5", "Desil 6-10", "Tanpa desil", "Tidak di DTSEN"]
                    shown = _in_order(drawn, "Kelompok desil DTSEN per program", groups)
                    assert len(shown) >= 3 and shown == [g for g in groups if g in shown], shown
        # the menu links every dashboard of the report
        page.goto(f"{url}/superset/dashboard/menu/")
        page.wait_for_selector("a[href*='/superset/dashboard/overview-kpm/']", timeout=60000)
        links = {a.get_attribute("href") for a in page.locator(".dashboard-markdown a").all()}
        assert sum("/superset/dashboard/" in (h or "") for h in links) >= 12
        if who == "analis":
            sizes += [f"menu: {x}" for x in _badly_sized(page.evaluate(MARKDOWN))]
        browser.close()
    assert problems == [], "\n".join(problems)
    # Superset's frame speaks Bahasa Indonesia: the filter bar, and the tables' page size (analysts' lists)
    assert english == set(), sorted(english)
    assert {"Filter dan kontrol", "Terapkan filter", "Hapus semua"} <= words
    if who == "analis":
        assert {"Tampilkan", "baris per halaman", "Cari"} <= words
    assert sizes == [], "Cara membaca blocks not sized to their text: " + "; ".join(sizes)
    if who == "analis":  # at test scale some counts pass a thousand: they read 1.100, not 1.1k or 1100
        assert grouped > 0
    d3 = next(t for t in tables_of["kpm-desil"] if t["chart"] == "KPM per program dan kelompok desil")
    assert d3["head"][1:] == ["Desil 1-2", "Desil 3-4", "Di DTKS tanpa desil", "Tidak di DTKS"]


def test_every_dashboard_says_how_to_read_it_and_what_each_chart_counts():
    """Each dashboard opens with a 'Cara membaca' block, and every chart on it has a one-line description (its
    Superset description) that the block repeats under the chart's title."""
    files = superset_sync.asset_files()
    charts = {f["uuid"]: f for name, f in files.items() if name.startswith("charts/")}
    for name, board in files.items():
        if not name.startswith("dashboards/") or board["slug"] == "menu":
            continue
        markdown = [v["meta"]["code"] for v in board["position"].values()
                    if isinstance(v, dict) and v.get("type") == "MARKDOWN"]
        assert markdown and markdown[0].startswith("**Cara membaca.**"), board["slug"]
        for item in board["position"].values():
            if isinstance(item, dict) and item.get("type") == "CHART":
                chart = charts[item["meta"]["uuid"]]
                assert chart["description"], chart["slice_name"]
                assert f"**{chart['slice_name']}** — {chart['description']}" in markdown[0], chart["slice_name"]


def test_the_example_village_page_embeds_its_desa_in_chromium(site):
    """ops/desa/index.html served from the allow-listed origin: the embedded dashboard shows that desa only, as bar
    charts with no row of fewer than 5 persons (no N/A), read on a desktop and on a phone."""
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    desa, _ = _desa(site)
    with psycopg2.connect(site["settings"].database_url) as conn, conn.cursor() as cur:
        cur.execute("select program, penerima from marts.publik_kpm_desa where kode_desa = %s", (desa,))
        expected = dict(cur.fetchall())
        cur.execute("select periode from marts.publik_dtks_desa where kode_desa = %s order by 1", (desa,))
        periods = [r[0] for r in cur.fetchall()]
    assert expected and periods and all(n >= 5 for n in expected.values())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(REPO / "ops" / "desa"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(SITE.rsplit(":", 1)[1])), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seen, packs = {}, []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for width, height, name in ((1200, 2000, "superset-desa-sematan.png"),
                                        (390, 2400, "superset-desa-sematan-ponsel.png")):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.on("response", lambda r: packs.append((r.status, r.headers.get("content-type")))
                        if "/superset/language_pack/" in r.url else None)
                page.add_init_script(CANVAS_TEXT)
                page.goto(f"{SITE}/index.html?superset={site['settings'].superset_url}&embed={_embed(site)}"
                          f"&desa={desa}")
                page.wait_for_selector("#dasbor iframe", timeout=60000)
                frame = page.frame_locator("#dasbor iframe")
                _wait_for_charts(page, _charts_per_dashboard()["embed-desa"][0][1], frame)
                assert frame.locator(".ant-alert-error").count() == 0
                embedded = next(f for f in page.frames if "/embedded/" in f.url)
                tables, drawn = _read(embedded)
                page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
                seen[width] = (tables, drawn, frame.locator("body").inner_text())
                assert _english(embedded.evaluate(WORDS)) == set(), width
                if width > 1000:  # a phone's narrow frame wraps the block's text into a scroll of its own
                    assert _badly_sized(embedded.evaluate(MARKDOWN)) == []
                page.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    # the frame, whose visitor has not signed in, fetched the Bahasa Indonesia pack (Superset's Public role may)
    assert packs and all(status == 200 and "json" in (kind or "") for status, kind in packs), packs
    for width, (tables, drawn, text) in seen.items():
        assert tables == [], "the village page shows bar charts, not tables"
        assert "N/A" not in text and all(d["text"] != "N/A" for d in drawn), width
        assert _problems(tables, drawn, set()) == [], width
        kpm = {d["text"] for d in drawn if d["chart"] == "Penerima bansos di desa ini" and d["text"] in expected}
        assert kpm == set(expected), (width, kpm)
        values = {d["text"] for d in drawn if d["chart"] == "Penerima bansos di desa ini"}
        assert {f"{n:,}".replace(",", ".") for n in expected.values()} <= values, (width, values)
        shown = _in_order(drawn, "DTKS di desa ini per periode", periods)
        # a phone's narrow axis labels every other period; those it shows are still in time order
        assert shown == periods if width > 1000 else (len(shown) >= 2 and shown == sorted(shown)), (width, shown)


def test_a_visitor_not_signed_in_gets_the_language_pack_and_nothing_else(site):
    """The login page and the village page's frame fetch the pack before anyone signs in: Superset's Public role
    holds exactly that one permission (superset_assets/akses.yml), set by sync."""
    url = site["settings"].superset_url
    pack = httpx.get(f"{url}/superset/language_pack/id/")
    assert pack.status_code == 200
    assert pack.json()["locale_data"]["superset"]["Filters and controls"] == ["Filter dan kontrol"]
    api = _api(site, ADMIN)
    public = next(r["id"] for r in api.all("/api/v1/security/roles/") if r["name"] == "Public")
    granted = api.call("GET", f"/api/v1/security/roles/{public}/permissions/")["result"]
    assert [(p["permission_name"], p["view_menu_name"]) for p in granted] == [("can_language_pack", "Superset")]
    for path in ("/api/v1/dashboard/", "/api/v1/chart/", "/api/v1/dataset/", "/api/v1/database/"):
        assert httpx.get(f"{url}{path}").status_code == 401, path


def test_who_saw_whom_lists_by_name_reads_and_exports_and_nothing_else(site, monkeypatch):
    """The report for the data-protection officer (UU 27/2022), from Superset's own log."""
    from bansos360 import access_report, db_access
    from tests.test_db_access import run_as

    monkeypatch.setenv("SUPERSET_METADATA_URL", site["meta"])
    s = site["settings"]
    access_report.collect(s)  # what earlier tests did is in the log too; this test's actions come after it
    started = time.time()
    admin = _api(site, ADMIN)
    charts = _charts(admin)
    analyst, reader = _api(site, ANALIS), _api(site, PEMBACA)
    assert analyst.client.get("/api/v1/dashboard/detail-kpm").status_code == 200
    assert analyst.client.get(f"/api/v1/chart/{charts['d5_detail']['id']}/data/").status_code == 200
    export = analyst.client.post("/api/v1/chart/data", json=_query(_dataset_id(admin, "mart_kpm"), ["kode_kec"],
                                                                   ["count"], result_format="csv"))
    assert export.status_code == 200
    assert reader.client.get("/api/v1/dashboard/detail-kpm-tersamar").status_code == 200
    assert reader.client.get(f"/api/v1/chart/{charts['d5_detail_tersamar']['id']}/data/").status_code == 200
    assert access_report.collect(s) >= 3
    assert access_report.collect(s) == 0  # each log entry is copied once
    rows = [r for r in access_report.report(s) if r["waktu"].timestamp() >= started - 1]
    seen = {(r["pengguna"], r["tindakan"], r["objek"], r["format"]) for r in rows}
    detail_kpm = next(f["dashboard_title"] for n, f in superset_sync.asset_files().items()
                      if n == "dashboards/detail-kpm.yaml")
    assert (ANALIS[0], "membuka_dasbor", detail_kpm, None) in seen
    assert (ANALIS[0], "membaca_data", charts["d5_detail"]["slice_name"], None) in seen
    assert (ANALIS[0], "mengekspor", "mart_kpm", "csv") in seen
    assert {r["pengguna"] for r in rows} == {ANALIS[0]}  # the reader saw masked data only: not listed
    # the analysts' view of it in the marts; nobody else reads it
    total = len(access_report.report(s))
    assert run_as(s, db_access.ANALIS, "select count(*) from marts.akses_data_pribadi") == ("ok", [(total,)])
    assert run_as(s, db_access.PEMBACA, "select count(*) from marts.akses_data_pribadi")[0] == "refused"


def test_a_new_spelling_reaches_the_dashboards_by_data_alone(site, tmp_path):
    """An analyst answers the data-quality table with a desa_alias delivery; after its refresh the rows of that
    spelling count in their desa on dashboard 1 and leave the table. Nothing but data is changed; the
    delivery is taken back at the end (the session's other tests read the lake as the generator wrote it)."""
    from bansos360 import db, intake, marts, pipeline

    s = site["settings"]
    api = _api(site, ANALIS)
    charts = _charts(api)
    unmatched = [r for r in _chart_rows(api, charts["dq_wilayah_tidak_cocok"]["id"])
                 if r["status"] == "desa_tidak_cocok" and r["sumber"] == "PKH"]
    spelling = unmatched[0]
    with psycopg2.connect(s.database_url) as conn, conn.cursor() as cur:
        cur.execute("select kode_desa, nama_desa from warehouse.ref_wilayah where nama_kec = %s "
                    "order by kode_desa limit 1", (spelling["nama_kec"],))
        kode_desa, nama_desa = cur.fetchone()

    def per_desa() -> dict:  # the table shows names: a row that matched no desa reads 'Tidak cocok'
        return {(r["nama_desa"], r["nama_kec"]): int(r["Baris KPM"])
                for r in _chart_rows(api, charts["d1_desa"]["id"])}

    before, total = per_desa(), _expected(site, None)["d1"]["semua"]
    path = tmp_path / "ejaan.csv"
    path.write_text(f"KODE_WILAYAH;EJAAN\n{kode_desa};{spelling['ejaan_desa']}\n")
    with psycopg2.connect(s.database_url) as conn:
        sid = intake.submit(conn, s, [path], "desa_alias", "analis", label="uji superset")["submission_id"]
        intake.approve(conn, [sid], "kabid")
    try:
        assert [o.state for o in pipeline.refresh(s)] == ["terbit"]
        after = per_desa()
        here, nowhere = (nama_desa, spelling["nama_kec"]), ("Tidak cocok", spelling["nama_kec"])
        gained = after[here] - before.get(here, 0)
        # at least the PKH rows of that spelling (other lists may write it too, some with a DESA/DS. prefix)
        assert gained >= int(spelling["jumlah_baris"]) > 0
        assert before[nowhere] - after.get(nowhere, 0) == gained  # from "no desa" in that kecamatan
        assert {k: v for k, v in after.items() if k not in (here, nowhere)} == {
            k: v for k, v in before.items() if k not in (here, nowhere)}
        assert _expected(site, None)["d1"]["semua"] == total  # moved, not added
        left = [r for r in _chart_rows(api, charts["dq_wilayah_tidak_cocok"]["id"])
                if r["ejaan_desa"] == spelling["ejaan_desa"] and r["nama_kec"] == spelling["nama_kec"]]
        assert left == []
    finally:
        with psycopg2.connect(s.database_url) as conn, conn.cursor() as cur:
            cur.execute("delete from warehouse.publikasi where sumber = 'desa_alias'")
        with db.connect(s) as conn:
            marts.build(conn, s)
            assert marts.run_gate(s.database_url, s) == []
            marts.swap(conn)
    assert per_desa() == before


def test_every_filter_reaches_every_chart_in_its_scope():
    """A native filter on a column a chart's dataset lacks is dropped for that chart without a word (Superset's
    rejected filter columns): the chart would show the whole kabupaten beside charts showing one kecamatan. So
    every filter's column is in the dataset of every chart it does not exclude."""
    files = superset_sync.asset_files()
    datasets = {f["uuid"]: {c["column_name"] for c in f["columns"]} for name, f in files.items()
                if name.startswith("datasets/")}
    charts = {f["uuid"]: f for name, f in files.items() if name.startswith("charts/")}
    gaps = []
    for name, board in files.items():
        if not name.startswith("dashboards/"):
            continue
        on_board = [v["meta"]["uuid"] for v in board["position"].values()
                    if isinstance(v, dict) and v.get("type") == "CHART"]
        for f in board["metadata"].get("native_filter_configuration", []):
            column = f["targets"][0]["column"]["name"]
            excluded = set(f["scope"]["excluded"])
            assert excluded <= set(on_board), (board["slug"], f["name"], "excludes a chart not on the dashboard")
            gaps += [f"{board['slug']}: {f['name']} ({column}) misses {charts[u]['slice_name']}"
                     for u in on_board if u not in excluded and column not in datasets[charts[u]["dataset_uuid"]]]
    assert gaps == [], "\n".join(gaps)
