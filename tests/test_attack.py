"""The attack suite (docs/privacy.md): crafted requests against a real Superset on the published marts, as a
kecamatan user, a Verval Kecamatan user (the names of its own kecamatan's daftar verval only), a reader (masked
data only), a guest with a village token and a client not logged in, on the
embedded PostgreSQL and on Debian's PostgreSQL 15 with libxml. Every attempt must return nothing beyond the
principal's rights: no full NIK, No. KK or name of the by-name marts anywhere in an answer, no row of another
kecamatan (or, for a guest, of another desa), no data at all without a login."""

from __future__ import annotations

import base64
import io
import json
import re
import time
import zipfile
from dataclasses import dataclass

import httpx
import jwt
import psycopg2
import pytest

from bansos360 import superset_sync
from tests.superset_site import ADMIN, PEMBACA, SITE, kec_user, verval_user

pytestmark = pytest.mark.superset

OWN_KEC = "35.03.05"
NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
NAME = re.compile(r"[A-Z][A-Z'.]+(?: [A-Z][A-Z'.]+)+")
# the generated SQL, or PostgreSQL's own words, in an answer to a user who is not an analyst
SQL_TEXT = re.compile(r"(?is)\bselect\b.{0,2000}?\bfrom\s+marts\.|permission denied|\bLINE \d+:")


@pytest.fixture(params=["embedded", "debian15"], scope="module")
def target(request):
    """A running Superset, its ids as the admin sees them, and the secrets no attacker may read."""
    site = request.getfixturevalue("site" if request.param == "embedded" else "site15")
    s = site["settings"]
    admin = superset_sync.Api.login(s.superset_url, *ADMIN)
    datasets = {d["table_name"]: d["id"] for d in admin.all("/api/v1/dataset/")}
    keys = {f["uuid"]: n.split("/")[-1].removesuffix(".yaml")
            for n, f in superset_sync.asset_files().items() if n.startswith("charts/")}
    charts = {keys[c["uuid"]]: c["id"] for c in admin.all("/api/v1/chart/") if c["uuid"] in keys}
    boards = {d["slug"]: d["id"] for d in admin.call("GET", "/api/v1/dashboard/",
                                                     params={"q": "(page_size:100)"})["result"]}
    database = admin.call("GET", "/api/v1/database/")["result"][0]["id"]
    with psycopg2.connect(s.database_url) as conn, conn.cursor() as cur:
        cur.execute("select nik from marts.mart_kpm where nik ~ '^[0-9]{16}$' union select nokk from marts.mart_kpm "
                    "where nokk ~ '^[0-9]{16}$' union select nik from marts.mart_dtks_individu "
                    "where nik ~ '^[0-9]{16}$' union select nik from marts.mart_disabilitas where nik ~ '^[0-9]{16}$' "
                    "union select nik from marts.mart_daftar_verval where nik ~ '^[0-9]{16}$' "
                    "union select nokk from marts.mart_daftar_verval where nokk ~ '^[0-9]{16}$'")
        numbers = {r[0] for r in cur.fetchall()}
        cur.execute("select nama_normal from marts.mart_kpm union select nama_normal from marts.mart_dtks_individu "
                    "union select alamat from marts.mart_dtks_rumah_tangga union select upper(nama) "
                    "from marts.mart_daftar_verval")
        names = {r[0] for r in cur.fetchall() if r[0] and " " in r[0] and len(r[0]) >= 8}
        # what the Verval Kecamatan user of OWN_KEC may read by name: its kecamatan's daftar verval
        cur.execute("select nik, nokk, upper(nama), upper(alamat) from marts.mart_daftar_verval where kode_kec = %s",
                    (OWN_KEC,))
        verval_own = {v for r in cur.fetchall() for v in r if v}
        cur.execute("select kode_desa from marts.publik_kpm_desa where kode_desa like %s "
                    "group by 1 order by sum(penerima) desc nulls last limit 1", (OWN_KEC + ".%",))
        desa = cur.fetchone()[0]
        cur.execute("select count(*) from marts.kpm_tersamar where kode_kec = %s", (OWN_KEC,))
        own_rows = cur.fetchone()[0]
    assert len(numbers) > 100 and len(names) > 100
    assert verval_own & numbers and verval_own & names
    return {"site": site, "url": s.superset_url, "datasets": datasets, "charts": charts, "boards": boards,
            "verval_own": verval_own,
            "database": database, "numbers": numbers, "names": names, "desa": desa, "own_rows": own_rows,
            "embed": site["sync"]["embeds"]["embed-desa"],
            "secret": json.loads((s.home / "superset" / "kunci.json").read_text())["guest_token_secret"]}


# --- principals ------------------------------------------------------------------------------------------------

def _login(t, user) -> httpx.Client:
    token = httpx.post(f"{t['url']}/api/v1/security/login",
                       json={"username": user[0], "password": user[1], "provider": "db", "refresh": False}).json()
    client = httpx.Client(base_url=t["url"], headers={"Authorization": f"Bearer {token['access_token']}",
                                                      "Referer": t["url"]}, timeout=60)
    client.headers["X-CSRFToken"] = client.get("/api/v1/security/csrf_token/").json()["result"]
    return client


def _guest_token(t) -> str:
    r = httpx.get(f"{t['url']}/bansos360/token-tamu", params={"embed": t["embed"], "desa": t["desa"]},
                  headers={"Origin": SITE})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def _principal(t, who: str) -> httpx.Client:
    if who == "kecamatan":
        return _login(t, kec_user(OWN_KEC))
    if who == "verval":
        return _login(t, verval_user(OWN_KEC))
    if who == "pembaca":
        return _login(t, PEMBACA)
    if who == "tamu":
        return httpx.Client(base_url=t["url"], headers={"X-GuestToken": _guest_token(t), "Referer": SITE},
                            timeout=60)
    return httpx.Client(base_url=t["url"], headers={"Referer": t["url"]}, timeout=60)


# --- the attempts ----------------------------------------------------------------------------------------------

READ_BY_NAME = [  # SQL a crafted column, metric or filter carries; each reads the by-name marts some way
    "ts_stat('select array_to_tsvector(array[nama || ''|'' || nik]) from marts.mart_kpm')::text",
    "ts_stat('select to_tsvector(''simple'', nik) from marts.mart_dtks_individu')::text",
    "ts_rewrite('a'::tsquery, 'select to_tsquery(nik), to_tsquery(nik) from marts.mart_kpm')::text",
    "query_to_xml('select nik, nama from marts.mart_kpm', true, true, '')::text",
    "query_to_xml('select * from marts.kpm_tersamar', true, true, '')::text",
    "query_to_xml_and_xmlschema('select nik from marts.mart_disabilitas', true, true, '')::text",
    "table_to_xml('marts.mart_kpm'::regclass, true, true, '')::text",
    "table_to_xml('marts.kpm_tersamar'::regclass, true, true, '')::text",
    "schema_to_xml('marts', true, true, '')::text",
    "database_to_xml(true, true, '')::text",
    "cursor_to_xml('c', 100, true, true, '')::text",
    "(select string_agg(nik, ',') from marts.mart_kpm)",
    "array_to_string(array(select nik from marts.mart_kpm), ',')",
    "pg_read_file('/etc/passwd')",
    "convert_from(lo_get(1), 'UTF8')",
    "set_config('role', 'bansos360_analis', false)",
    "kode_kec /* */ union select nik from marts.mart_kpm --",
    "nik",
    "nama",
    "alamat",
]
WHERE = [
    "1 = 1 or true",
    f"kode_kec <> '{OWN_KEC}' or 1 = 1",
    "kode_kec in (select kode_kec from marts.mart_kpm)",
    "true) or (1 = 1",
    "1 = 1 -- ",
    "exists (select 1 from marts.mart_kpm where nik is not null)",
    "query_to_xml('select nik from marts.mart_kpm', true, true, '')::text <> ''",
]
HAVING = ["count(*) > 0 or true", "(select count(*) from marts.mart_kpm) > 0"]


@dataclass
class Attempt:
    """One crafted request: what it tries, and how it is sent."""

    name: str
    method: str
    path: str
    body: dict | None = None
    params: dict | None = None


def _query(dataset: int, columns, metrics=(), where="", having="", result_format="json", result_type="full",
           form_data=None) -> dict:
    body = {"datasource": {"id": dataset, "type": "table"}, "result_format": result_format,
            "result_type": result_type,
            "queries": [{"columns": list(columns), "metrics": list(metrics), "filters": [],
                         "extras": {"where": where, "having": having}, "row_limit": 1000, "orderby": []}]}
    if form_data is not None:
        body["form_data"] = form_data
    return body


def _sql(expression: str, label: str = "x") -> dict:
    return {"expressionType": "SQL", "sqlExpression": expression, "label": label}


def attempts(t, who: str) -> list[Attempt]:
    """At least 30 distinct attempts for a principal, on the datasets it can see and on those it cannot."""
    ds = t["datasets"]
    own = ds["publik_kpm_desa"] if who == "tamu" else ds["kpm_tersamar"]
    form = ({"slice_id": t["charts"]["e_kpm"], "dashboardId": t["boards"]["embed-desa"]} if who == "tamu"
            else None)
    count = _sql("COUNT(*)", "n")
    out: list[Attempt] = []
    for i, expr in enumerate(READ_BY_NAME):
        out.append(Attempt(f"column {i}: {expr[:50]}", "POST", "/api/v1/chart/data",
                           _query(own, [_sql(expr)], [count], form_data=form)))
    for i, expr in enumerate(READ_BY_NAME[:6]):
        out.append(Attempt(f"metric {i}: {expr[:50]}", "POST", "/api/v1/chart/data",
                           _query(own, ["kode_kec"], [_sql(f"max({expr})")], form_data=form)))
    for i, where in enumerate(WHERE):
        out.append(Attempt(f"where {i}: {where[:50]}", "POST", "/api/v1/chart/data",
                           _query(own, ["kode_kec", "kode_desa"], [count], where=where, form_data=form)))
    for i, having in enumerate(HAVING):
        out.append(Attempt(f"having {i}", "POST", "/api/v1/chart/data",
                           _query(own, ["kode_kec", "kode_desa"], [count], having=having, form_data=form)))
    for table in ("mart_kpm", "mart_dtks_individu", "mart_dtks_rumah_tangga", "kpm_tersamar", "mart_daftar_verval"):
        out.append(Attempt(f"other dataset {table}", "POST", "/api/v1/chart/data",
                           _query(ds[table], ["kode_kec"], [count], form_data=form)))
        out.append(Attempt(f"samples of {table}", "POST", "/api/v1/chart/data",
                           _query(ds[table], [], result_type="samples", form_data=form)))
        out.append(Attempt(f"datasource samples of {table}", "POST", "/datasource/samples",
                           {}, {"datasource_id": ds[table], "datasource_type": "table"}))
        out.append(Attempt(f"dataset metadata {table}", "GET", f"/api/v1/dataset/{ds[table]}"))
        out.append(Attempt(f"column values {table}", "GET",
                           f"/api/v1/datasource/table/{ds[table]}/column/kode_kec/values/"))
    for i, where in enumerate(WHERE[:3]):
        out.append(Attempt(f"daftar verval where {i}: {where[:40]}", "POST", "/api/v1/chart/data",
                           _query(ds["mart_daftar_verval"], ["kode_kec", "nik", "nama"], where=where, form_data=form)))
    out += [
        Attempt("daftar verval names", "POST", "/api/v1/chart/data",
                _query(ds["mart_daftar_verval"], ["kode_kec", "kode_desa", "nik", "nokk", "nama", "alamat"],
                       form_data=form)),
        Attempt("daftar verval download CSV", "GET", "/bansos360/daftar-verval.csv"),
        Attempt("daftar verval download Excel", "GET", "/bansos360/daftar-verval.xlsx"),
        Attempt("daftar verval column values", "GET",
                f"/api/v1/datasource/table/{ds['mart_daftar_verval']}/column/nik/values/"),
        Attempt("column values of nama_tersamar", "GET",
                f"/api/v1/datasource/table/{ds['kpm_tersamar']}/column/nama_tersamar/values/"),
        Attempt("drill to detail", "POST", "/api/v1/chart/data",
                _query(own, ["kode_kec", "kode_desa"], result_type="drill_detail", form_data=form)),
        Attempt("no form_data at all", "POST", "/api/v1/chart/data",
                _query(own, [_sql(READ_BY_NAME[0])], [count])),
        Attempt("CSV export", "POST", "/api/v1/chart/data",
                _query(ds["kpm_tersamar"], ["kode_kec", "nama_tersamar"], result_format="csv", form_data=form)),
        Attempt("XLSX export", "POST", "/api/v1/chart/data",
                _query(ds["kpm_tersamar"], ["kode_kec", "nama_tersamar"], result_format="xlsx", form_data=form)),
        Attempt("analyst chart d5_detail", "GET", f"/api/v1/chart/{t['charts']['d5_detail']}/data/"),
        Attempt("analyst chart d9_individu as CSV", "GET", f"/api/v1/chart/{t['charts']['d9_individu']}/data/",
                params={"format": "csv"}),
        Attempt("analyst chart d10 metadata", "GET", f"/api/v1/chart/{t['charts']['d10_rumah_tangga']}"),
        Attempt("explore_json on mart_kpm", "POST", "/superset/explore_json/",
                None, {"form_data": json.dumps({"datasource": f"{ds['mart_kpm']}__table", "viz_type": "table",
                                                 "all_columns": ["nik", "nama"], "row_limit": 100})}),
        Attempt("explore on mart_kpm", "GET", "/api/v1/explore/",
                params={"datasource_id": ds["mart_kpm"], "datasource_type": "table"}),
        Attempt("SQL Lab", "POST", "/api/v1/sqllab/execute/",
                {"database_id": t["database"], "sql": "select nik, nama from marts.mart_kpm", "runAsync": False,
                 "schema": "marts"}),
        Attempt("database tables", "GET", f"/api/v1/database/{t['database']}/tables/",
                params={"q": "(schema_name:marts)"}),
        Attempt("table metadata", "GET", f"/api/v1/database/{t['database']}/table_metadata/",
                params={"name": "mart_kpm", "schema": "marts"}),
        Attempt("select star", "GET", f"/api/v1/database/{t['database']}/select_star/mart_kpm/marts/"),
        Attempt("database connection", "GET", f"/api/v1/database/{t['database']}/connection"),
        Attempt("dataset export", "GET", "/api/v1/dataset/export/", params={"q": f"!({ds['mart_kpm']})"}),
        Attempt("edit a dataset's SQL", "PUT", f"/api/v1/dataset/{ds['kpm_tersamar']}",
                {"sql": "select * from marts.mart_kpm"}),
        Attempt("SQL Lab queries of others", "GET", "/api/v1/query/"),
        Attempt("the action log", "GET", "/api/v1/log/"),
        Attempt("unknown datasource type", "POST", "/api/v1/chart/data",
                {**_query(own, ["kode_kec"], [count]), "datasource": {"id": ds["mart_kpm"], "type": "query"}}),
    ]
    return out


# --- what a leak is --------------------------------------------------------------------------------------------

def _rows(body) -> list[dict]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    out = []
    results = data.get("result") if isinstance(data, dict) else None
    for r in results if isinstance(results, list) else []:
        if isinstance(r, dict) and isinstance(r.get("data"), list):
            out += [x for x in r["data"] if isinstance(x, dict)]
    return out


def leaks(t, who: str, attempt: Attempt, response: httpx.Response) -> list[str]:
    """What an answer gives away beyond the principal's rights."""
    text = response.content.decode("utf-8", "replace")
    if response.content[:2] == b"PK":  # a workbook: its cells are in the zipped XML
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            text += "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    cleared = t["verval_own"] if who == "verval" else set()
    found = [f"NIK/KK {n[:6]}…" for n in set(NIK.findall(text)) if n in t["numbers"] and n not in cleared]
    found += [f"name {n[:3]}…" for n in set(NAME.findall(text.upper())) if n in t["names"] and n not in cleared]
    if SQL_TEXT.search(text):
        found.append(f"SQL or database message: {SQL_TEXT.search(text).group(0)[:60]}")
    rows = _rows(text)
    if who == "anonim" and rows:
        found.append(f"{len(rows)} rows without a login")
    for row in rows:
        kec, desa = row.get("kode_kec"), row.get("kode_desa")
        if who in ("kecamatan", "verval") and (kec not in (None, OWN_KEC) or (desa and not desa.startswith(OWN_KEC))):
            found.append(f"row of {kec or desa}")
        if who == "tamu" and (desa not in (None, t["desa"]) or "nama_tersamar" in row):
            found.append(f"row of {desa}")
        if who in ("kecamatan", "verval") and attempt.name.startswith("where") and (row.get("n") or 0) > t["own_rows"]:
            found.append(f"count {row['n']} beyond the kecamatan's {t['own_rows']}")
    return found


@pytest.mark.parametrize("who", ["kecamatan", "verval", "pembaca", "tamu", "anonim"])
def test_no_crafted_request_reads_beyond_its_rights(target, who):
    t = target
    tried = attempts(t, who)
    assert len({a.name for a in tried}) >= 30
    client = _principal(t, who)
    found, answered = {}, 0
    for a in tried:
        r = client.request(a.method, a.path, json=a.body, params=a.params)
        answered += r.status_code == 200
        if got := leaks(t, who, a, r):
            found[a.name] = (r.status_code, got[:3])
    assert found == {}, f"{who}: {len(found)} of {len(tried)} attempts leaked: {found}"
    if who != "anonim":  # the principal is really signed in: its own dashboards still answer
        assert answered > 0


def _guest_rows(t, token: str) -> httpx.Response:
    body = _query(t["datasets"]["publik_kpm_desa"], ["kode_desa", "program"], [_sql("SUM(penerima)", "n")],
                  form_data={"slice_id": t["charts"]["e_kpm"], "dashboardId": t["boards"]["embed-desa"]})
    return httpx.post(f"{t['url']}/api/v1/chart/data", json=body, headers={"X-GuestToken": token, "Referer": SITE})


def test_tampered_expired_and_resigned_guest_tokens_are_refused(target):
    t = target
    good = _guest_token(t)
    assert _guest_rows(t, good).status_code == 200
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["rls_rules"] = []  # the row filter removed, the signature kept
    tampered = ".".join([header, base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="),
                         signature])
    now = int(time.time())
    base = {k: v for k, v in claims.items() if k not in ("aud",)}
    resigned = jwt.encode({**base, "exp": now + 300}, "kunci-palsu-" + "x" * 32, algorithm="HS256")
    expired = jwt.encode({**base, "iat": now - 600, "exp": now - 300}, t["secret"], algorithm="HS256")
    unsigned = ".".join([base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("="),
                         base64.urlsafe_b64encode(json.dumps({**base, "exp": now + 300}).encode()).decode().rstrip("="),
                         ""])
    for name, token in (("tampered", tampered), ("re-signed", resigned), ("expired", expired), ("alg none", unsigned)):
        r = _guest_rows(t, token)
        assert r.status_code in (401, 403), (name, r.status_code, r.text[:200])
    # a token for a dashboard that is not embeddable is not minted
    r = httpx.get(f"{t['url']}/bansos360/token-tamu",
                  params={"embed": "00000000-0000-0000-0000-000000000000", "desa": t["desa"]},
                  headers={"Origin": SITE})
    assert r.status_code == 404


@pytest.mark.parametrize("who", ["kecamatan", "verval", "pembaca", "tamu"])
def test_superset_itself_refuses_custom_sql_that_no_saved_chart_holds(target, who):
    """The second barrier: Superset refuses it before PostgreSQL sees it; the analyst may still explore."""
    t = target
    ds = t["datasets"]["publik_kpm_desa" if who == "tamu" else "kpm_tersamar"]
    form = {"slice_id": t["charts"]["e_kpm"], "dashboardId": t["boards"]["embed-desa"]} if who == "tamu" else None
    crafted = _query(ds, [_sql("upper(kode_desa)")], [_sql("COUNT(*)", "n")], form_data=form)
    r = _principal(t, who).post("/api/v1/chart/data", json=crafted)
    # PostgreSQL would run upper(kode_desa) for this role: a refusal (403, not a database error) is Superset's
    assert r.status_code == 403, (r.status_code, r.text[:300])
    assert who == "tamu" or "SQL kustom tidak diizinkan" in r.text, r.text[:300]
    plain = (_query(ds, ["kode_desa", "program"], [_sql("SUM(penerima)", "n")], form_data=form) if who == "tamu"
             else _query(ds, ["kode_desa"], [_sql("COUNT(*)", "n")]))
    r = _principal(t, who).post("/api/v1/chart/data", json=plain)
    assert r.status_code == 200 and r.json()["result"][0]["data"], r.text[:300]
    assert "query" not in r.json()["result"][0]  # no generated SQL in the answer
    if who != "tamu":
        analyst = _login(t, ("analis", "uji-analis"))
        r = analyst.post("/api/v1/chart/data", json=crafted)
        assert r.status_code == 200 and "SELECT" in r.json()["result"][0]["query"].upper()


def test_guest_tokens_are_rate_limited_per_client_and_per_desa(target):
    """The test site allows 8 tokens a desa and 20 a client in 6 s, counted in each of its 2 workers."""
    t = target
    time.sleep(6.5)  # what earlier tests minted is out of the window

    def mint(desa: str) -> httpx.Response:
        return httpx.get(f"{t['url']}/bansos360/token-tamu", params={"embed": t["embed"], "desa": desa},
                         headers={"Origin": SITE})

    one_desa = [mint(t["desa"]) for _ in range(2 * 8 + 1)]
    limited = [r for r in one_desa if r.status_code == 429]
    assert limited and "desa" in limited[0].json()["message"] and limited[0].headers["retry-after"] == "6"
    assert all(r.status_code in (200, 429) for r in one_desa)
    time.sleep(6.5)
    many_desa = [mint(f"{t['desa'][:-4]}{n:04d}") for n in range(2 * 20 + 1)]
    limited = [r for r in many_desa if r.status_code == 429]
    assert limited and "client" in limited[0].json()["message"]
    time.sleep(6.5)
    assert mint(t["desa"]).status_code == 200  # the window passed: tokens again


# --- every SQL expression is checked, whatever it calls itself (issue 21) ----------------------------------------

CRAFTED = "current_user::text"  # harmless, and what the issue showed running: whose rights a query has
EXPRESSION_TYPES = ["SQL", "SIMPLE", "sql", "BASE_AXIS", "XYZ", None]  # None: no expressionType at all


def _item(kind, label: str = "x") -> dict:
    item = {"label": label, "sqlExpression": CRAFTED}
    if kind is not None:
        item["expressionType"] = kind
    return item


def _placed(t, who: str, place: str, kind) -> dict:
    """A chart data request with a crafted expression in one place of its query."""
    ds = t["datasets"]["publik_kpm_desa" if who == "tamu" else "kpm_tersamar"]
    form = {"slice_id": t["charts"]["e_kpm"], "dashboardId": t["boards"]["embed-desa"]} if who == "tamu" else None
    body = _query(ds, ["kode_desa"], [_sql("COUNT(*)", "n")], form_data=form)
    q = body["queries"][0]
    if place == "columns":
        q["columns"].append(_item(kind))
    elif place == "metrics":
        q["metrics"].append(_item(kind, "m"))
    elif place == "filter col":
        q["filters"] = [{"col": _item(kind), "op": "IS NOT NULL"}]
    elif place == "orderby":
        q["orderby"] = [[_item(kind, "o"), True]]
    elif place == "series_columns":  # Superset answers 400 for a series that is not also one of the columns
        q["columns"].append(_item(kind))
        q["series_columns"] = [_item(kind)]
    elif place == "series_limit_metric":
        q["series_limit_metric"] = _item(kind, "s")
    elif place == "post_processing":
        q["post_processing"] = [{"operation": "pivot", "options": {"index": ["kode_desa"], "columns": [_item(kind)],
                                                                     "aggregates": {"n": {"operator": "sum"}}}}]
    elif place == "plain column":
        q["columns"].append(CRAFTED)
    elif place == "plain orderby":
        q["orderby"] = [[CRAFTED, True]]
    elif place == "plain filter col":
        q["filters"] = [{"col": CRAFTED, "op": "IS NOT NULL"}]
    return body


PLACES = ["columns", "metrics", "filter col", "orderby", "series_columns", "series_limit_metric", "post_processing"]
PLAIN = ["plain column", "plain orderby", "plain filter col"]


@pytest.mark.parametrize("who", ["kecamatan", "verval", "pembaca", "tamu"])
def test_every_expression_is_checked_whatever_its_type_and_place(target, who):
    """Superset refuses (403, before PostgreSQL sees it) a crafted expression of any expressionType, or none, in
    any place of a query, and a plain name that is no column of the dataset; the analyst may still explore."""
    t = target
    client = _principal(t, who)
    answered = {}
    for place in PLACES:
        for kind in EXPRESSION_TYPES:
            answered[(place, kind)] = client.post("/api/v1/chart/data", json=_placed(t, who, place, kind))
    for place in PLAIN:
        answered[(place, None)] = client.post("/api/v1/chart/data", json=_placed(t, who, place, None))
    not_refused = {k: (r.status_code, r.text[:120]) for k, r in answered.items() if r.status_code != 403}
    assert not_refused == {}, f"{who}: {len(not_refused)} of {len(answered)} ran: {not_refused}"
    if who != "tamu":  # Superset's own guest check may answer first; for a login the refusal is ours
        assert all("SQL kustom tidak diizinkan" in r.text for r in answered.values())
    analyst = _login(t, ("analis", "uji-analis"))
    r = analyst.post("/api/v1/chart/data", json=_placed(t, "pembaca", "columns", "SIMPLE"))
    assert r.status_code == 200 and t_user(r) == "bansos360_analis", r.text[:300]


def t_user(r: httpx.Response) -> str:
    """The ``current_user`` the crafted column returned."""
    return r.json()["result"][0]["data"][0]["x"]


@pytest.mark.parametrize("who", ["kecamatan", "pembaca", "tamu"])
def test_samples_need_the_samples_permission(target, who):
    t = target
    ds = t["datasets"]["publik_kpm_desa" if who == "tamu" else "kpm_tersamar"]
    form = {"slice_id": t["charts"]["e_kpm"], "dashboardId": t["boards"]["embed-desa"]} if who == "tamu" else None
    r = _principal(t, who).post("/api/v1/chart/data", json=_query(ds, [], result_type="samples", form_data=form))
    assert r.status_code == 403, (r.status_code, r.text[:300])
    assert not _rows(r.text)
