"""Who may do what on the SOP pages, as FAB roles and permissions of Airflow's auth manager.

Roles (docs/airflow.md): ``Admin`` (the Kominfo engineer, FAB's own), ``Pemilik Produk`` (the product owner:
reads submissions, approves or rejects them, which triggers the refresh DAG), ``Operator Dinsos`` (uploads
and reads submissions; cannot approve); for dashboard requests ``Pemohon Dasbor``, ``Analis Data`` and ``Insinyur
Data`` (docs/requests.md). Users and their roles come from a JSON file the deployment fills
(``ops/demo/pengguna.json`` is the demo's), never from code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SUBMISSIONS = "Pengajuan BANSOS"  # can_read: status pages; can_create: upload
APPROVALS = "Persetujuan BANSOS"  # can_read: the approval page; can_create: approve / reject
REQUESTS = "Permintaan Dasbor"  # can_read: the requests; can_create: file one; can_edit: move one on
REFRESH_DAG = "bansos360_refresh"

OPERATOR = "Operator Dinsos"
PRODUCT_OWNER = "Pemilik Produk"
# the third SOP, dashboard requests (docs/requests.md): a requester may file and follow their requests and nothing
# else of Airflow; the analyst and the engineer move them on
REQUESTER = "Pemohon Dasbor"
DATA_ANALYST = "Analis Data"
DATA_ENGINEER = "Insinyur Data"

ROLES: dict[str, list[tuple[str, str]]] = {
    OPERATOR: [("can_read", SUBMISSIONS), ("can_create", SUBMISSIONS)],
    PRODUCT_OWNER: [
        ("can_read", SUBMISSIONS), ("can_read", APPROVALS), ("can_create", APPROVALS),
        # the approval triggers the refresh DAG with the approver's own token (REST API v2)
        ("can_read", f"DAG:{REFRESH_DAG}"), ("can_edit", f"DAG:{REFRESH_DAG}"),
        ("can_create", f"DAG Run:{REFRESH_DAG}"), ("can_read", f"DAG Run:{REFRESH_DAG}"),
        ("can_read", REQUESTS), ("can_edit", REQUESTS),
    ],
    REQUESTER: [("can_read", REQUESTS), ("can_create", REQUESTS)],
    DATA_ANALYST: [("can_read", REQUESTS), ("can_edit", REQUESTS)],
    DATA_ENGINEER: [("can_read", REQUESTS), ("can_edit", REQUESTS)],
    "Admin": [("can_read", SUBMISSIONS), ("can_create", SUBMISSIONS), ("can_read", APPROVALS),
              ("can_create", APPROVALS), ("can_read", REQUESTS), ("can_edit", REQUESTS)],
}


def sync_roles(sm) -> None:
    """Create the roles and their permissions (idempotent) with FAB's security manager."""
    for name, perms in ROLES.items():
        role = sm.find_role(name) or sm.add_role(name)
        have = {(p.action.name, p.resource.name) for p in role.permissions}
        for action, resource in perms:
            if (action, resource) not in have:
                sm.add_permission_to_role(role, sm.create_permission(action, resource))


def sync_users(sm, path: Path) -> list[str]:
    """Create or update the users of a users file; return their names.

    The file is a JSON list of ``{"username", "nama", "email", "peran": [roles], "password_env"}`` (the
    password is read from that environment variable) or, for demos only, ``"password"``. ``"superset"``
    lists the user's Superset roles; entries without ``peran`` are Superset-only and skipped here.
    """
    done = []
    for entry in json.loads(Path(path).read_text()):
        if not entry.get("peran"):
            continue  # a Superset-only user (its "superset" roles are applied by `bansos360 superset sync`)
        password = os.environ.get(entry["password_env"], "") if "password_env" in entry else entry.get("password")
        if not password:
            raise ValueError(f"no password for user {entry['username']}")
        roles = [sm.find_role(r) for r in entry["peran"]]
        if None in roles:
            raise ValueError(f"unknown role in {entry['peran']} for user {entry['username']}")
        first, _, last = entry.get("nama", entry["username"]).partition(" ")
        user = sm.find_user(username=entry["username"])
        if user is None:
            sm.add_user(entry["username"], first, last or "-", entry["email"], roles, password)
        else:
            user.roles, user.first_name, user.last_name, user.email = roles, first, last or "-", entry["email"]
            sm.reset_password(user.id, password)
            sm.update_user(user)
        done.append(entry["username"])
    return done


def apply(users_file: Path | None) -> list[str]:
    """Sync roles (and users, given a file) into Airflow's FAB database."""
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

    with get_application_builder() as appbuilder:
        sync_roles(appbuilder.sm)
        return sync_users(appbuilder.sm, users_file) if users_file else []
