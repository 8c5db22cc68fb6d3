"""Who reaches what through Superset.

``superset_assets/akses.yml`` (its roles, their dashboards and their PostgreSQL class), the kecamatan and Verval
Kecamatan roles made from the shipped region reference, and the PostgreSQL role each Superset role reaches the
warehouse as. Read by the sync (superset_sync), by Superset's environment (superset_runtime) and by the tests.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

import yaml

from bansos360 import config, db_access

ASSETS = config.REPO_ROOT / "superset_assets"


def access_spec(assets: Path = ASSETS) -> dict:
    """``akses.yml``, with nested lists (YAML anchors) flattened."""
    spec = yaml.safe_load((assets / "akses.yml").read_text())

    def flat(items):
        out = []
        for item in items:
            out += flat(item) if isinstance(item, list) else [item]
        return list(dict.fromkeys(out))

    for role in [*spec["roles"].values(), spec["kecamatan_role"], spec["verval_role"], spec["guest_role"]]:
        role["dashboards"] = flat(role["dashboards"])
        role["tanpa"] = flat(role.get("tanpa", []))
    return spec


def kecamatan() -> list[tuple[str, str]]:
    """(kode_kec, nama_kec) of the region reference shipped with the package."""
    text = resources.files("bansos360").joinpath("data", "ref_wilayah_trenggalek.csv").read_text()
    return sorted({(r["kode_kec"], r["nama_kec"]) for r in csv.DictReader(io.StringIO(text))})


def kecamatan_roles(spec: dict) -> dict[str, str]:
    """Role name -> kode_kec, one per kecamatan."""
    return {spec["kecamatan_role"]["name"].format(kode_kec=k, nama_kec=n): k for k, n in kecamatan()}


def verval_roles(spec: dict) -> dict[str, str]:
    """Role name -> kode_kec, one Verval Kecamatan role per kecamatan."""
    return {spec["verval_role"]["name"].format(kode_kec=k, nama_kec=n): k for k, n in kecamatan()}


def database_roles(spec: dict) -> dict[str, str]:
    """Superset role name -> the PostgreSQL role its users reach the warehouse as (akses.yml ``basis_data``)."""
    fixed = {"analis": db_access.ANALIS, "pembaca": db_access.PEMBACA, "publik": db_access.PUBLIK}
    out = {name: fixed[cls] for name, cls in spec["basis_data"].items()}
    out.update({name: fixed[rs["basis_data"]] for name, rs in spec["roles"].items()})
    out[spec["guest_role"]["name"]] = fixed[spec["guest_role"]["basis_data"]]
    out.update({name: db_access.kecamatan_role(kode) for name, kode in kecamatan_roles(spec).items()})
    out.update({name: db_access.verval_role(kode) for name, kode in verval_roles(spec).items()})
    return out
