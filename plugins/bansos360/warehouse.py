"""The warehouse: SQL models in ``sql/warehouse`` (see models.yml), built per submission, published atomically.

A history model keeps every delivery in ``warehouse.<name>_riwayat``, a table partitioned by submission (one
partition, ``<name>_riwayat_<submission_id>``, per delivery), and shows the published ones in the view
``warehouse.<name>``. Building a submission replaces its own partition only; publishing it is one row changed in
``warehouse.publikasi`` — readers never see a half-built state.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from psycopg2 import sql

from bansos360 import db, functions, sources, staging
from bansos360.audit import Finding

log = logging.getLogger(__name__)

# Part of every history model's version: a table of an older layout is recreated like a changed model.
HISTORY_LAYOUT = "\n-- layout: list partition per submission_id"


# Exact duplicates (docs/inputs.md): rows of one submission that are the same in what ``exact_duplicates`` names
# (models.yml; for most staging models the row hash, every delivered cell). A staging model keeps the first in
# file order; the later ones are left out of the warehouse, and counted (the staging rows minus the model's).
WITH_EXACT_DUPLICATES_DROPPED = """select distinct on ({same}) stg.*
from (
{model}
) as stg
order by {same}, stg.source_row"""


# A row's place (docs/inputs.md, "Place names are data"), resolved when read, added to every warehouse model that
# declares ``tempat`` in models.yml: by its Kemendagri desa code (``kunci_kode_desa``, digits only) when the
# published reference knows it (``tempat: kode_atau_nama``), else by its kecamatan key and then its desa key
# within that kecamatan (warehouse.wilayah_kunci). kode_kec without kode_desa when only the kecamatan matched,
# both NULL when neither did. The model's own columns come first.
WITH_PLACE = """select
    baris.*,
    coalesce({by_code}kecamatan.kode_kec) as kode_kec,
    coalesce({by_code_desa}desa.kode_desa) as kode_desa
from (
{model}
) as baris{code_join}
left join warehouse.wilayah_kunci as kecamatan
    on kecamatan.tingkat = 'kecamatan' and baris.kunci_kec = kecamatan.kunci
left join warehouse.wilayah_kunci as desa
    on desa.tingkat = 'desa' and kecamatan.kode_kec = desa.lingkup and baris.kunci_desa = desa.kunci"""
PLACE_BY_CODE = """
left join warehouse.ref_wilayah as kode on baris.kunci_kode_desa = replace(kode.kode_desa, '.', '')"""


def _with_place(model: str, how: str) -> str:
    if how not in ("nama", "kode_atau_nama"):
        raise ValueError(f"tempat must be 'nama' or 'kode_atau_nama', not {how!r}")
    code = how == "kode_atau_nama"
    return WITH_PLACE.format(model=model, by_code="kode.kode_kec, " if code else "",
                             by_code_desa="kode.kode_desa, " if code else "", code_join=PLACE_BY_CODE if code else "")


@dataclass(frozen=True)
class Model:
    """One SQL model: its file, how it is materialised, and its description."""

    name: str
    materialized: str
    path: Path
    sources: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    staging: str | None = None
    key_conflicts: str | None = None  # "error": rows that share the key with different content fail the build
    meta: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def select(self) -> str:
        """The model's SQL, with what models.yml declares of it written once here.

        ``tempat``: its rows with their places (``WITH_PLACE``); ``exact_duplicates``: without the later of its exact
        duplicates (``WITH_EXACT_DUPLICATES_DROPPED``).
        """
        model = self.path.read_text().strip().rstrip(";")
        if self.meta.get("exact_duplicates"):
            key = ", ".join(f"stg.{c}" for c in ["submission_id", *self.meta["exact_duplicates"]])
            model = WITH_EXACT_DUPLICATES_DROPPED.format(model=model, same=key)
        if self.meta.get("tempat"):
            model = _with_place(model, self.meta["tempat"])
        return model

    @property
    def sha256(self) -> str:
        """The version of the model's own SQL (a history model's version also covers what it reads: ``init``)."""
        return hashlib.sha256(self.select.encode()).hexdigest()

    def builds_for(self, source: str) -> bool:
        """Whether a delivery of ``source`` feeds this model; every kind that is not fixed is a programme's list."""
        program = source not in sources.fixed_kinds()
        return source in self.sources or (program and "program" in self.sources)


@cache
def models(sql_dir: Path) -> tuple[Model, ...]:
    """The warehouse models in build order."""
    spec = yaml.safe_load((sql_dir / "warehouse" / "models.yml").read_text())
    out = []
    for m in spec["models"]:
        out.append(Model(
            name=m["name"], materialized=m["materialized"], path=sql_dir / "warehouse" / f"{m['name']}.sql",
            sources=tuple(m.get("sources", ())), key=tuple(m.get("key", ())),
            staging=m.get("staging"), key_conflicts=m.get("key_conflicts"), meta=m,
        ))
    return tuple(out)


def _ident(*parts: str) -> sql.Composable:
    return sql.SQL(".").join(sql.Identifier(p) for p in parts)


def init(conn, sql_dir: Path) -> None:
    """Create or update the warehouse's functions and objects and load the shipped registries (idempotent).

    A history model counts as changed when what its rows are computed from changed: its SQL, the SQL of every
    model it reads (to the end), the staging rows views those read (how the input contract types each column),
    or a family of functions any of these uses. Its history is then rebuilt from the lake. A view is made again
    when its own SQL changed.
    """
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(360361)")
        changed_functions = functions.apply(cur, sql_dir)
        staging.ensure(cur)  # the staging tables and the rows views the staging models read
        rows_views = staging.rows_view_definitions(cur)
        applied = db.versions(cur, "model_version")
        for m in models(sql_dir):
            upstream = _read_sql(m, sql_dir, rows_views)
            stale = changed_functions & functions.used(upstream, sql_dir) if changed_functions else set()
            if stale:
                log.warning("model %s uses changed functions (%s)", m.name, ", ".join(sorted(stale)))
            version = m.sha256 if m.materialized != "history" else _sha256(upstream + HISTORY_LAYOUT)
            # a view dropped by the cascade of a table recreated before it in this loop is created again
            cur.execute("select to_regclass(%s) is not null", (f"warehouse.{m.name}",))
            if applied.get(m.name) == version and cur.fetchone()[0] and not stale:
                continue
            if m.materialized == "view":
                cur.execute(sql.SQL("drop view if exists {} cascade").format(_ident("warehouse", m.name)))
                cur.execute(sql.SQL("create view {} as ").format(_ident("warehouse", m.name)) + sql.SQL(m.select))
            else:
                _init_history(cur, m, exists=m.name in applied)
            db.record_version(cur, "model_version", m.name, version)
        _load_registries(cur)
    conn.commit()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _read_sql(m: Model, sql_dir: Path, rows_views: dict[str, str]) -> str:
    """A model's SQL, that of every warehouse model it reads, to the end, and of the staging rows views they read.

    What its rows depend on; ``rows_views`` holds the rows views' definitions by name (staging.rows_view_definitions).
    """
    by_name = {x.name: x for x in models(sql_dir)}
    seen, todo, texts = {m.name}, [m.select], []
    while todo:
        text = todo.pop()
        texts.append(text)
        for name in re.findall(r"\bwarehouse\.(\w+)", text):
            name = name if name in by_name else name.removesuffix("_riwayat")  # a partition being built
            if name in by_name and name not in seen:
                seen.add(name)
                todo.append(by_name[name].select)
        for name in re.findall(r"\b(staging\.\w+)", text):
            if name in rows_views and name not in seen:
                seen.add(name)
                todo.append(rows_views[name])
    return "\n".join(texts)


def _init_history(cur, m: Model, exists: bool) -> None:
    table = _ident("warehouse", f"{m.name}_riwayat")
    if exists:
        # The model changed: its history is rebuilt from the lake by re-processing the published deliveries.
        log.warning("model %s changed; its history table is recreated", m.name)
        cur.execute(sql.SQL("drop table if exists {} cascade").format(table))
    # the columns are the model's output; each delivery becomes one partition (warehouse.build)
    cur.execute(sql.SQL("create temp table riwayat_bentuk on commit drop as select * from (") + sql.SQL(m.select)
                + sql.SQL(") as m with no data"))
    cur.execute(sql.SQL("create table {} (like pg_temp.riwayat_bentuk) partition by list (submission_id)")
                .format(table))
    cur.execute("drop table pg_temp.riwayat_bentuk")
    # an array of the published ids, not a join: the executor then reads the published partitions only
    cur.execute(sql.SQL(
        "create or replace view {} as select r.* from {} as r "
        "where r.submission_id = any(array(select p.submission_id from warehouse.publikasi as p))"
    ).format(_ident("warehouse", m.name), table))


def _load_registries(cur) -> None:
    _load_boundaries(cur)
    # the programmes of the report; a programme the Dinas registered (bansos360 program add) is never touched
    for p in sources.shipped_programs():
        cur.execute(
            "insert into warehouse.program (kode, sumber, nama, pemilik, desil_maks, bawaan, terdaftar_oleh) "
            "values (%s, %s, %s, %s, %s, true, 'rilis') on conflict do nothing",
            (p.kode, p.sumber, p.nama, p.pemilik, p.desil_maks))
    for table, file in (("ref_desa_alias", "desa_alias.csv"),):
        text = resources.files("bansos360").joinpath("data", file).read_text()
        header = next(csv.reader(io.StringIO(text)))
        cur.execute(sql.SQL("delete from {}").format(_ident("warehouse", table)))
        cur.copy_expert(
            sql.SQL("copy {} ({}) from stdin with (format csv, header true)").format(
                _ident("warehouse", table), sql.SQL(", ").join(sql.Identifier(h) for h in header)
            ).as_string(cur.connection),
            io.StringIO(text),
        )


BOUNDARIES = (("kecamatan", "trenggalek_kecamatan.geojson", "kode_kec", "nama_kec"),
              ("desa", "trenggalek_desa.geojson", "kode_desa", "nama_desa"))


def _load_boundaries(cur) -> None:
    """The shipped kecamatan and desa boundaries into ``warehouse.batas_wilayah`` (one row per polygon part)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for level, file, code, name in BOUNDARIES:
        geojson = json.loads(resources.files("bansos360").joinpath("data", file).read_text())
        for feature in geojson["features"]:
            p, geometry = feature["properties"], feature["geometry"]
            parts = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            for i, polygon in enumerate(parts, 1):
                ring = [[round(x, 5), round(y, 5)] for x, y, *_ in polygon[0]]
                writer.writerow([level, p[code], i, p["kode_kec"], p[name], json.dumps(ring, separators=(",", ":"))])
    cur.execute("delete from warehouse.batas_wilayah")
    out.seek(0)
    cur.copy_expert("copy warehouse.batas_wilayah (tingkat, kode, bagian, kode_kec, nama, batas) from stdin "
                    "with (format csv)", out)


def _partition(m: Model, submission_id: int) -> str:
    """The name (in schema ``warehouse``) of a submission's partition of a history model's table."""
    return f"{m.name}_riwayat_{int(submission_id)}"


def missing_partitions(cur, sql_dir: Path) -> list[int]:
    """Published submissions without their partition of a history table they feed.

    That happens when ``init`` recreated the table because its model changed: the next refresh builds them
    again, from their raw files in the lake, before anything reads the warehouse without them.
    """
    cur.execute("select sumber, submission_id from warehouse.publikasi order by submission_id")
    missing = []
    for source, sid in cur.fetchall():
        for m in models(sql_dir):
            if m.materialized == "history" and m.builds_for(source):
                cur.execute("select to_regclass(%s) is null", (f"warehouse.{_partition(m, sid)}",))
                if cur.fetchone()[0]:
                    missing.append(sid)
                    break
    return missing


@dataclass
class BuildResult:
    """What building one submission into the warehouse did."""

    rows: dict[str, int]
    duplicates_dropped: dict[str, int]
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)


def build(conn, sql_dir: Path, submission_id: int, source: str, file_names: dict[int, str]) -> BuildResult:
    """Replace the warehouse partitions of one submission (in the caller's transaction) and check its keys.

    Each history model's rows are written once, by ``create table … as`` (PostgreSQL types the rows with
    parallel workers, which ``insert … select`` cannot use), into a new table that then becomes the
    submission's partition. A rebuild drops the partition it replaces.
    """
    result = BuildResult({}, {}, [])
    sid = int(submission_id)
    with conn.cursor() as cur:
        cur.execute("set local work_mem = '256MB'")  # the sorts of the duplicate windows stay in memory
        # the staging models read this submission's staging rows only (util.submission_in_build())
        cur.execute("select set_config('bansos360.submission_id', %s, true)", (str(sid),))
        for m in models(sql_dir):
            if m.materialized != "history" or not m.builds_for(source):
                continue
            part = _ident("warehouse", _partition(m, sid))
            cur.execute(sql.SQL("drop table if exists {}").format(part))
            cur.execute(sql.SQL("create table {} as select * from (").format(part) + sql.SQL(m.select)
                        + sql.SQL(") as m where m.submission_id = {}").format(sql.Literal(sid)))
            result.rows[m.name] = cur.rowcount
            if m.key_conflicts == "error":
                result.findings += _conflicts(cur, m, part, file_names)
            result.findings += _row_errors(cur, m, part, file_names)
            cur.execute(sql.SQL("alter table {} attach partition {} for values in ({})").format(
                _ident("warehouse", f"{m.name}_riwayat"), part, sql.Literal(sid)))
            if m.staging:
                # every staging row is a model row unless it is an exact duplicate of an earlier one
                cur.execute(sql.SQL("select count(*) from {} where submission_id = %s").format(
                    _ident(*m.staging.split("."))), (sid,))
                result.duplicates_dropped[m.name] = cur.fetchone()[0] - result.rows[m.name]
    for name, n in result.duplicates_dropped.items():
        if n:
            result.findings.append(Finding("info", "duplikat_dibuang", f"{n} baris duplikat persis dibuang ({name})",
                                           f"{n} exact duplicate rows dropped ({name})"))
    return result


def _conflicts(cur, m: Model, part: sql.Composable, file_names: dict[int, str]) -> list[Finding]:
    """Rows of a built partition that share the model's key: exact duplicates are gone, so their content differs."""
    key = [k for k in m.key if k not in ("periode", "submission_id")]
    cols = sql.SQL(", ").join(sql.Identifier(k) for k in key)
    cur.execute(
        sql.SQL(
            "select source_file_id, {cols}, array_agg(source_row order by source_row) from ("
            "select source_file_id, {cols}, source_row, count(*) over (partition by {cols}) as n from {part}"
            ") as k where n > 1 group by source_file_id, {cols} order by min(source_row) limit 20"
        ).format(cols=cols, part=part),
    )
    findings = []
    for file_id, *values, rows in cur.fetchall():
        keytxt = ", ".join(f"{k.upper()}={v}" for k, v in zip(key, values, strict=True))
        rowtxt = ", ".join(map(str, rows))
        findings.append(Finding(
            "error", "kunci_ganda", f"baris {rowtxt} memakai kunci yang sama ({keytxt}) dengan isi berbeda",
            f"rows {rowtxt} share a key ({keytxt}) with different content", file_names.get(file_id),
            rows[0], "/".join(k.upper() for k in key),
        ))
    return findings


def _row_errors(cur, m: Model, part: sql.Composable, file_names: dict[int, str]) -> list[Finding]:
    """Rows of a built partition that a check of the model (``row_errors`` in models.yml) names, by file.

    A check refuses the delivery (``level: error``, the default) or only reports the rows (``level: warning``).
    """
    findings = []
    for check in m.meta.get("row_errors", ()):
        # trusted: the condition is a line of models.yml
        cur.execute(sql.SQL("select source_file_id, array_agg(source_row order by source_row) from {} where {} "
                            "group by source_file_id").format(part, sql.SQL(check["where"])))
        for file_id, rows in cur.fetchall():
            shown = ", ".join(map(str, rows[:20])) + (", …" if len(rows) > 20 else "")
            findings.append(Finding(check.get("level", "error"), check["code"], f"{check['pesan']}: baris {shown}",
                                    f"{check['message']}: rows {shown}", file_names.get(file_id), rows[0],
                                    check["column"]))
    return findings


def publish(cur, source: str, slot: str, submission_id: int) -> int | None:
    """Make a built, gated submission the published one for its slot (caller's transaction).

    Returns the submission it replaced, if any.
    """
    cur.execute("select submission_id from warehouse.publikasi where sumber = %s and slot = %s for update",
                (source, slot))
    row = cur.fetchone()
    cur.execute(
        "insert into warehouse.publikasi (sumber, slot, submission_id) values (%s, %s, %s) "
        "on conflict (sumber, slot) do update set submission_id = excluded.submission_id, published_at = now()",
        (source, slot, submission_id),
    )
    return row[0] if row else None


def unpublish(cur, source: str, slot: str, previous: int | None) -> None:
    """Undo a publication: the slot serves the submission it served before (or nothing)."""
    if previous is None:
        cur.execute("delete from warehouse.publikasi where sumber = %s and slot = %s", (source, slot))
    else:
        cur.execute("update warehouse.publikasi set submission_id = %s, published_at = now() "
                    "where sumber = %s and slot = %s", (previous, source, slot))
