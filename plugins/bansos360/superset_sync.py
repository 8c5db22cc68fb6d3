"""``bansos360 superset sync|export``: the assets of ``superset_assets/`` into Superset and back, over its REST API.

``sync`` (idempotent; twice = no change):
1. the PostgreSQL roles of the access classes (db_access), each with a password derived from a secret generated
   once into ``$BANSOS360_HOME/superset/kunci.json``, and the marts' grants and row-level-security policies (the
   mart build grants the same on every new ``marts_next``);
2. the assets (database, datasets, charts, dashboards; one YAML per asset keyed by UUID) zipped and imported
   through ``/api/v1/assets/import/`` with overwrite; the database URI is this installation's, its password is
   passed beside the bundle, never written in a file;
3. the roles of ``superset_assets/akses.yml`` (Dinsos analysts and readers, one per kecamatan, the embed guest
   role): each starts from a built-in role minus the listed permissions, plus read access to exactly the
   datasets of its dashboards; dashboards are opened to their roles (DASHBOARD_RBAC);
4. the row-level security rules: the default-deny base rule, one rule per kecamatan on ``kode_kec``, and the
   level rule of the levelled marts; rules of this file that changed are updated, none duplicated;
5. embedding of the village dashboards, allowed for ``BANSOS360_EMBED_SITES`` only;
6. the users of a users file (entries with a ``superset`` list of roles).

``export`` reads every asset back (``/api/v1/assets/export/``) and writes it in the same clean form: numeric ids,
import noise and the database password removed, file names kept.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from bansos360 import db, db_access, marts, superset_runtime
from bansos360.superset_access import ASSETS, access_spec, kecamatan_roles, verval_roles

DATABASE_FILE = "databases/gudang_bansos360.yaml"
ADMIN = "Admin"
# the maps' blank base tiles are served by Superset itself (ops/superset/bansos360_embed.py); the files name them
# at this canonical address, which sync replaces by the installation's public Superset URL (and export back)
TILES = "tile://http://127.0.0.1:8088/bansos360/ubin/"
# keys Superset's export adds that say nothing about the asset (ids of this installation, timestamps)
NOISE = {"remote_id", "import_time", "changed_on", "created_on"}


def tiles(settings) -> str:
    """The maps' tile URL prefix for this installation."""
    return f"tile://{settings.superset_public_url}/bansos360/ubin/"


# --- the database roles ----------------------------------------------------------------------------------------

def ensure_database_roles(settings) -> tuple[str, str]:
    """Every class role with its password, the marts' grants; the role and password Superset's connection names.

    Superset stores one connection, as ``bansos360_tanpa_akses`` (which reads nothing); its
    ``DB_CONNECTION_MUTATOR`` swaps in the role of each request's user (ops/superset/superset_config.py).
    """
    secret = superset_runtime.db_role_secret(settings)
    with db.connect(settings) as conn:
        db_access.ensure_roles(conn, secret)
        marts.grant(conn, settings)
    return db_access.TANPA_AKSES, db_access.password(secret, db_access.TANPA_AKSES)


def database_uri(settings, role: str) -> str:
    """The SQLAlchemy URI of the marts for Superset, without the password."""
    u = urlsplit(db.database_url(settings))
    return f"postgresql+psycopg2://{role}@{u.hostname}:{u.port or 5432}{u.path}"


# --- the REST API ----------------------------------------------------------------------------------------------

@dataclass
class Api:
    """A logged-in session of Superset's REST API (JWT plus the CSRF token of the session)."""

    client: httpx.Client

    @classmethod
    def login(cls, base_url: str, username: str, password: str) -> Api:
        client = httpx.Client(base_url=base_url, timeout=120, headers={"Referer": base_url})
        r = client.post("/api/v1/security/login",
                        json={"username": username, "password": password, "provider": "db", "refresh": False})
        if r.status_code != 200:
            raise PermissionError(f"Superset login of {username} refused ({r.status_code})")
        client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        csrf = client.get("/api/v1/security/csrf_token/")
        csrf.raise_for_status()
        client.headers["X-CSRFToken"] = csrf.json()["result"]
        return cls(client)

    def call(self, method: str, path: str, ok: tuple[int, ...] = (200, 201), **kw) -> Any:
        r = self.client.request(method, path, **kw)
        if r.status_code not in ok:
            raise RuntimeError(f"Superset {method} {path}: {r.status_code} {r.text[:800]}")
        return r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else r

    def all(self, path: str) -> list[dict]:
        rows, page = [], 0
        while True:
            got = self.call("GET", path, params={"q": f"(page:{page},page_size:100)"})
            rows += got["result"]
            if len(rows) >= got.get("count", len(rows)) or not got["result"]:
                return rows
            page += 1


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:  # noqa: ARG002 - every value written out in full, no &id anchors
        return True


def dump(data: dict) -> str:
    """An asset as YAML, in the one form the files are kept in."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


# --- bundle and import ------------------------------------------------------------------------------------------

def asset_files(assets: Path = ASSETS) -> dict[str, dict]:
    """Every asset YAML by its path relative to the assets folder."""
    return {str(p.relative_to(assets)): yaml.safe_load(p.read_text())
            for sub in ("databases", "datasets", "charts", "dashboards")
            for p in sorted((assets / sub).rglob("*.yaml"))}


def charts_by_tab(position: dict) -> dict[str | None, list[int]]:
    """A dashboard layout's chart ids by the title of the tab holding them (None: not in a tab).

    Every tab is a key, in layout order, even without charts; a browser requests a tab's charts when it is opened.
    """
    tabs = {k: v["meta"]["text"] for k, v in position.items() if isinstance(v, dict) and v.get("type") == "TAB"}
    out: dict[str | None, list[int]] = {title: [] for title in tabs.values()}
    for item in position.values():
        if isinstance(item, dict) and item.get("type") == "CHART":
            tab = next((tabs[p] for p in item["parents"] if p in tabs), None)
            out.setdefault(tab, []).append(item["meta"]["chartId"])
    return out


def bundle(files: dict[str, dict], uri: str, tile_prefix: str = TILES) -> bytes:
    """The import ZIP (``bansos360/metadata.yaml`` and the assets), with this installation's database URI."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bansos360/metadata.yaml", yaml.safe_dump(
            {"version": "1.0.0", "type": "assets", "timestamp": "2026-01-01T00:00:00+00:00"}))
        for name, data in files.items():
            if name == DATABASE_FILE:
                data = {**data, "sqlalchemy_uri": uri}
            if name.startswith("dashboards/"):
                data = numbered(data)
            z.writestr(f"bansos360/{name}", dump(data).replace(TILES, tile_prefix))
    return buf.getvalue()


def numbered(board: dict) -> dict:
    """A dashboard as Superset imports it: its charts numbered 1, 2, ... in the layout.

    The files name charts by UUID only. Superset's import maps the chart ids of the layout to this installation's,
    so the filter scopes (``scope.excluded``, written as chart UUIDs in the files) are rewritten to those numbers.
    """
    board = json.loads(json.dumps(board))
    ids: dict[str, int] = {}
    for item in board["position"].values():
        if isinstance(item, dict) and item.get("type") == "CHART":
            item["meta"]["chartId"] = ids.setdefault(item["meta"]["uuid"], len(ids) + 1)
    meta = board.setdefault("metadata", {})
    for f in meta.get("native_filter_configuration", []):
        if f.get("scope", {}).get("excluded"):
            unknown = [u for u in f["scope"]["excluded"] if u not in ids]
            if unknown:  # a filter would silently reach the chart it was meant to leave alone
                raise ValueError(f"{board.get('slug')}: filter {f.get('name')!r} excludes charts not on the "
                                 f"dashboard: {unknown}")
            f["scope"]["excluded"] = [ids[u] for u in f["scope"]["excluded"]]
    return board


def admin_login(settings, users_file: Path | None) -> tuple[str, str]:
    """The first Superset admin of the users file (or SUPERSET_ADMIN_USER / _PASSWORD)."""
    if os.environ.get("SUPERSET_ADMIN_USER"):
        return os.environ["SUPERSET_ADMIN_USER"], os.environ.get("SUPERSET_ADMIN_PASSWORD", "")
    for entry in _users(users_file):
        if ADMIN in entry.get("superset", []):
            return entry["username"], _password(entry)
    raise ValueError("no Superset admin in the users file (an entry with \"superset\": [\"Admin\"])")


def _users(users_file: Path | None) -> list[dict]:
    return json.loads(Path(users_file).read_text()) if users_file else []


def _password(entry: dict) -> str:
    password = os.environ.get(entry["password_env"], "") if "password_env" in entry else entry.get("password", "")
    if not password:
        raise ValueError(f"no password for user {entry['username']}")
    return password


def sync(settings, users_file: Path | None = None, assets: Path = ASSETS) -> dict:
    """Import the assets and apply roles, row-level security, embedding and users; return what was done."""
    role, password = ensure_database_roles(settings)
    api = Api.login(settings.superset_url, *admin_login(settings, users_file))
    files = asset_files(assets)
    api.call("POST", "/api/v1/assets/import/",
             files={"bundle": ("bansos360.zip", bundle(files, database_uri(settings, role), tiles(settings)),
                                    "application/zip")},
             data={"passwords": json.dumps({DATABASE_FILE: password}), "overwrite": "true"})
    removed = _prune(api, settings, files)
    spec = access_spec(assets)
    datasets = {d["table_name"]: d for d in api.all("/api/v1/dataset/")
                if d["uuid"] in {f["uuid"] for n, f in files.items() if n.startswith("datasets/")}}
    dashboards = {f["slug"]: f for n, f in files.items() if n.startswith("dashboards/")}
    uses = _datasets_of_dashboards(files)
    roles = _sync_roles(api, spec, datasets, uses)
    _sync_dashboard_roles(api, spec, roles, dashboards)
    rules = _sync_rls(api, spec, roles, datasets)
    embeds = _sync_embeds(api, spec, settings)
    users = _sync_users(api, users_file, roles)
    return {"assets": len(files), "datasets": len(datasets), "roles": sorted(roles), "rls": rules,
            "embeds": embeds, "users": users, "removed": removed}


def _prune(api: Api, settings, files: dict[str, dict]) -> list[str]:
    """Delete from Superset the assets an earlier sync imported whose files are gone (never anything else).

    The UUIDs each sync imported are kept in ``$BANSOS360_HOME/superset/aset_tersinkron.json``; charts and
    dashboards people made in the UI are not in it and are left alone.
    """
    record = superset_runtime.home(settings) / "aset_tersinkron.json"
    before = set(json.loads(record.read_text())) if record.exists() else set()
    now = {f["uuid"] for f in files.values()}
    removed = []
    for kind in ("dashboard", "chart", "dataset"):  # dependents first
        for item in api.all(f"/api/v1/{kind}/"):
            if item.get("uuid") in before - now:
                api.call("DELETE", f"/api/v1/{kind}/{item['id']}")
                removed.append(f"{kind}:{item['uuid']}")
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(sorted(now)))
    return removed


def _datasets_of_dashboards(files: dict[str, dict]) -> dict[str, set[str]]:
    """Dashboard slug -> table names of the datasets its charts and native filters read."""
    by_uuid = {f["uuid"]: f["table_name"] for n, f in files.items() if n.startswith("datasets/")}
    charts = {f["uuid"]: by_uuid[f["dataset_uuid"]] for n, f in files.items() if n.startswith("charts/")}
    out = {}
    for name, f in files.items():
        if not name.startswith("dashboards/"):
            continue
        used = {charts[item["meta"]["uuid"]] for item in f["position"].values()
                if isinstance(item, dict) and item.get("type") == "CHART"}
        used |= {by_uuid[t["datasetUuid"]] for flt in f["metadata"].get("native_filter_configuration", [])
                 for t in flt.get("targets", []) if "datasetUuid" in t}
        out[f["slug"]] = used
    return out


def _role_specs(spec: dict) -> dict[str, dict]:
    out = dict(spec["roles"])
    for name in kecamatan_roles(spec):
        out[name] = spec["kecamatan_role"]
    for name in verval_roles(spec):
        out[name] = spec["verval_role"]
    out[spec["guest_role"]["name"]] = spec["guest_role"]
    return out


def _sync_roles(api: Api, spec: dict, datasets: dict[str, dict], uses: dict[str, set[str]]) -> dict[str, int]:
    """Create the roles and set each one's permissions exactly; role name -> id (built-in ones included)."""
    roles = {r["name"]: r["id"] for r in api.all("/api/v1/security/roles/")}
    perms = api.all("/api/v1/security/permissions-resources/")
    by_name = {f"{p['permission']['name']} on {p['view_menu']['name']}": p["id"] for p in perms}
    base_cache: dict[str, set[int]] = {}
    for name, rs in _role_specs(spec).items():
        if name not in roles:
            roles[name] = api.call("POST", "/api/v1/security/roles/", json={"name": name})["id"]
        base = rs["base"]
        if base not in base_cache:
            got = api.call("GET", f"/api/v1/security/roles/{roles[base]}/permissions/")["result"]
            base_cache[base] = {p["id"] for p in got}
        wanted = base_cache[base] - {by_name[t] for t in rs["tanpa"] if t in by_name}
        tables = set().union(*(uses[d] for d in rs["dashboards"]))
        for table in tables:
            ds = datasets[table]
            perm = f"datasource_access on [{ds['database']['database_name']}].[{table}](id:{ds['id']})"
            if perm not in by_name:
                raise RuntimeError(f"Superset has no permission {perm!r}")
            wanted.add(by_name[perm])
        api.call("POST", f"/api/v1/security/roles/{roles[name]}/permissions",
                 json={"permission_view_menu_ids": sorted(wanted)})
    public = spec["public_role"]  # a visitor not signed in: exactly the listed permissions, no base role's
    missing = [p for p in public["permissions"] if p not in by_name]
    if missing or public["name"] not in roles:
        raise RuntimeError(f"Superset has no role {public['name']!r} or no permission {missing}")
    api.call("POST", f"/api/v1/security/roles/{roles[public['name']]}/permissions",
             json={"permission_view_menu_ids": sorted(by_name[p] for p in public["permissions"])})
    return roles


def _sync_dashboard_roles(api: Api, spec: dict, roles: dict[str, int], dashboards: dict[str, dict]) -> None:
    holders: dict[str, list[int]] = {slug: [] for slug in dashboards}
    for name, rs in _role_specs(spec).items():
        for slug in rs["dashboards"]:
            holders[slug].append(roles[name])
    for slug, role_ids in holders.items():
        d = api.call("GET", f"/api/v1/dashboard/{slug}")["result"]
        api.call("PUT", f"/api/v1/dashboard/{d['id']}", json={"roles": sorted(role_ids)})


def _role_refs(names: list[str], spec: dict, roles: dict[str, int]) -> list[int]:
    out = []
    for n in names:
        limited = {"kecamatan": kecamatan_roles, "verval": verval_roles}
        out += [roles[k] for k in limited[n](spec)] if n in limited else [roles[n]]
    return sorted(out)


def _sync_rls(api: Api, spec: dict, roles: dict[str, int], datasets: dict[str, dict]) -> int:
    """Create or update every rule; return how many rules this file owns."""
    all_ids = sorted(d["id"] for d in datasets.values())
    wanted = []
    for rule in spec["row_level_security"]:
        tables = all_ids if rule["datasets"] == "all" else sorted(datasets[t]["id"] for t in rule["datasets"])
        wanted.append({"name": rule["name"], "description": rule.get("description", ""),
                       "filter_type": rule["filter_type"], "clause": rule["clause"],
                       "group_key": rule.get("group_key", ""), "tables": tables,
                       "roles": _role_refs(rule["roles"], spec, roles)})
    for key, limited in (("kecamatan_role", kecamatan_roles), ("verval_role", verval_roles)):
        for name, kode in limited(spec).items():
            wanted.append({"name": f"RLS {name}", "description": f"Hanya baris kecamatan {kode}.",
                           "filter_type": "Regular", "clause": spec[key]["clause"].format(kode_kec=kode),
                           "group_key": "kode_kec", "tables": all_ids, "roles": [roles[name]]})
    have = {r["name"]: r for r in api.all("/api/v1/rowlevelsecurity/")}
    for rule in wanted:
        old = have.get(rule["name"])
        if old is None:
            api.call("POST", "/api/v1/rowlevelsecurity/", json=rule)
        elif _rule_state(old) != rule:
            api.call("PUT", f"/api/v1/rowlevelsecurity/{old['id']}", json=rule)
    return len(wanted)


def _rule_state(r: dict) -> dict:
    return {"name": r["name"], "description": r.get("description") or "", "filter_type": r["filter_type"],
            "clause": r["clause"], "group_key": r.get("group_key") or "",
            "tables": sorted(t["id"] for t in r["tables"]), "roles": sorted(x["id"] for x in r["roles"])}


def _sync_embeds(api: Api, spec: dict, settings) -> dict[str, str]:
    """Enable embedding of the village dashboards for the allow-listed sites; slug -> embedded uuid."""
    out = {}
    for slug in spec.get("embeds", {}):
        got = api.call("PUT", f"/api/v1/dashboard/{slug}/embedded",
                       json={"allowed_domains": list(settings.embed_sites)})
        out[slug] = got["result"]["uuid"]
    return out


def _sync_users(api: Api, users_file: Path | None, roles: dict[str, int]) -> list[str]:
    have = {u["username"]: u for u in api.all("/api/v1/security/users/")}
    done = []
    for entry in _users(users_file):
        wanted = entry.get("superset", [])
        if not wanted or ADMIN in wanted and entry["username"] in have:
            continue  # admins are made by `superset setup`
        missing = [r for r in wanted if r not in roles]
        if missing:
            raise ValueError(f"unknown Superset role {missing} for user {entry['username']}")
        first, _, last = entry.get("nama", entry["username"]).partition(" ")
        body = {"first_name": first, "last_name": last or "-", "email": entry["email"], "active": True,
                "roles": sorted(roles[r] for r in wanted)}
        if entry["username"] in have:
            api.call("PUT", f"/api/v1/security/users/{have[entry['username']]['id']}", json=body)
        else:
            api.call("POST", "/api/v1/security/users/",
                     json={**body, "username": entry["username"], "password": _password(entry)})
        done.append(entry["username"])
    return done


# --- export ------------------------------------------------------------------------------------------------------

def export(settings, users_file: Path | None = None, assets: Path = ASSETS) -> list[str]:
    """Write every asset of Superset back into ``assets`` in the clean form; return the files written."""
    api = Api.login(settings.superset_url, *admin_login(settings, users_file))
    got = api.call("GET", "/api/v1/assets/export/")
    # an asset keeps its file name (the committed one, or the one already in the target folder)
    existing = {f["uuid"]: name for folder in {ASSETS, assets} if folder.exists()
                for name, f in asset_files(folder).items()}
    written = []
    with zipfile.ZipFile(io.BytesIO(got.content)) as z:
        for member in z.namelist():
            parts = member.split("/", 1)
            if len(parts) < 2 or not parts[1].endswith(".yaml") or parts[1] == "metadata.yaml":
                continue
            data = clean(yaml.safe_load(z.read(member).decode().replace(tiles(settings), TILES)))
            if data.get("uuid") is None:
                continue
            name = existing.get(data["uuid"]) or _new_name(parts[1], data)
            if name.startswith("databases/"):  # this installation's address is set by sync; never a password
                data["sqlalchemy_uri"] = f"postgresql+psycopg2://{db_access.TANPA_AKSES}@localhost:5432/bansos360"
            path = assets / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dump(data))
            written.append(name)
    return sorted(written)


def _new_name(member: str, data: dict) -> str:
    kind = member.split("/", 1)[0]
    title = data.get("slug") or data.get("slice_name") or data.get("table_name") or data.get("database_name")
    stem = re.sub(r"[^a-z0-9]+", "_", str(title).lower()).strip("_")
    return f"{kind}/gudang_bansos360/{stem}.yaml" if kind == "datasets" else f"{kind}/{stem}.yaml"


def clean(data: dict) -> dict:
    """An exported asset without installation ids and noise; chart query contexts re-serialised stably."""
    out = {k: v for k, v in data.items() if k not in NOISE}
    if isinstance(out.get("params"), dict):
        out["params"] = {**out["params"], "datasource": "0__table"}
        out["params"].pop("slice_id", None)
    if isinstance(out.get("query_context"), str):
        qc = json.loads(out["query_context"])
        qc["datasource"] = {"id": 0, "type": "table"}
        for query in qc.get("queries", []):
            query.pop("datasource", None)
        if "form_data" in qc:
            qc["form_data"]["datasource"] = "0__table"
            qc["form_data"].pop("slice_id", None)
        out["query_context"] = json.dumps(qc, sort_keys=True)
    charts = {item["meta"]["chartId"]: item["meta"]["uuid"] for item in (out.get("position") or {}).values()
              if isinstance(item, dict) and item.get("type") == "CHART"}
    for item in (out.get("position") or {}).values():
        if isinstance(item, dict) and item.get("type") == "CHART":
            item["meta"]["chartId"] = 0
    if isinstance(out.get("metadata"), dict):  # back to the files' form (numbered() above)
        for f in out["metadata"].get("native_filter_configuration", []):
            if f.get("scope", {}).get("excluded"):
                f["scope"]["excluded"] = [charts[i] for i in f["scope"]["excluded"] if i in charts]
            f["chartsInScope"] = []
    return out
