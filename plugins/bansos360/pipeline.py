"""The main job: process approved submissions in order — staging, warehouse, gate, publish.

The same functions back the ``bansos360`` command and the Airflow tasks. Each step is idempotent: a rerun
replaces what the submission wrote before. A failure marks the submission ``gagal`` with its findings and
leaves what is published untouched.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from bansos360 import audit, config, db, gate, marts, sources, staging, warehouse
from bansos360.audit import Finding

log = logging.getLogger(__name__)

SYSTEM = "sistem"


def init(settings: config.Settings) -> None:
    """Create or update the database objects and load the shipped region reference once."""
    settings.lake.mkdir(parents=True, exist_ok=True)
    with db.connect(settings) as conn:
        db.migrate(conn, settings.sql_dir)
        warehouse.init(conn, settings.sql_dir)
        with conn.cursor() as cur:
            cur.execute("select count(*) from audit.submission where source = 'ref_wilayah'")
            has_reference = cur.fetchone()[0] > 0
        if not has_reference:
            from importlib import resources

            from bansos360 import intake

            ref = resources.files("bansos360").joinpath("data", "ref_wilayah_trenggalek.csv")
            with resources.as_file(ref) as path:
                result = intake.submit(conn, settings, [path], "ref_wilayah", SYSTEM)
            intake.approve(conn, [result["submission_id"]], SYSTEM)


@dataclass
class Outcome:
    """What processing one submission did."""

    submission_id: int
    state: str
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    slot: tuple[str, str] | None = field(default=None, repr=False)
    previous: int | None = field(default=None, repr=False)


def pending(conn) -> list[int]:
    """Approved submissions not processed yet (or whose processing was interrupted), in submission order."""
    with conn.cursor() as cur:
        cur.execute("select submission_id from audit.submission where state in ('disetujui', 'diproses') "
                    "order by submission_id")
        return [r[0] for r in cur.fetchall()]


def _submission(cur, submission_id: int) -> dict:
    cur.execute("select source, slot, state from audit.submission where submission_id = %s", (submission_id,))
    row = cur.fetchone()
    if row is None:
        raise audit.StateError(f"pengajuan {submission_id} tidak ada / submission {submission_id} does not exist")
    return dict(zip(("source", "slot", "state"), row, strict=True))


def start(conn, submission_id: int, by: str = SYSTEM) -> dict:
    """Refuse anything not approved (or a published/failed one being re-run); mark it ``diproses``."""
    with conn.cursor() as cur:
        sub = _submission(cur, submission_id)
        if sub["state"] not in ("disetujui", "diproses", "gagal", "terbit"):
            raise audit.StateError(
                f"pengajuan {submission_id} berstatus {sub['state']}: hanya pengajuan yang disetujui yang diproses"
                f" / submission {submission_id} is {sub['state']}: only approved submissions are processed"
            )
        audit.set_state(cur, submission_id, "diproses", by)
    conn.commit()
    return sub


def fail(conn, submission_id: int, stage: str, findings: list[Finding]) -> None:
    """Mark a submission ``gagal`` with the findings that stopped it; nothing published changes."""
    conn.rollback()
    with conn.cursor() as cur:
        audit.add_findings(cur, submission_id, stage, findings)
        audit.set_state(cur, submission_id, "gagal", SYSTEM, findings[0].text()[:500] if findings else None)
    conn.commit()


def load_and_build(conn, settings, submission_id: int) -> tuple[dict, list[Finding]]:
    """Staging COPY and the warehouse models for one submission, in one transaction."""
    timings: dict[str, float] = {}
    with conn.cursor() as cur:
        sub = _submission(cur, submission_id)
        cur.execute("select file_id, original_name from audit.submission_file where submission_id = %s",
                    (submission_id,))
        names = dict(cur.fetchall())
    t = time.monotonic()
    staged = staging.load(conn, settings, submission_id)
    timings["staging"] = time.monotonic() - t
    t = time.monotonic()
    built = warehouse.build(conn, settings.sql_dir, submission_id, sub["source"], names)
    timings["warehouse"] = time.monotonic() - t
    if not built.ok:
        return {"seconds": timings}, built.findings
    with conn.cursor() as cur:
        audit.add_findings(cur, submission_id, "gudang", built.findings)
        audit.update_profile(cur, submission_id, {
            "dimuat": {"staging": staged, "gudang": built.rows, "duplikat_dibuang": built.duplicates_dropped}
        })
    conn.commit()
    return {"seconds": timings, "rows": built.rows}, []


def run_gate(settings, submission_id: int) -> tuple[list[Finding], float]:
    """The warehouse gate on the rows this submission wrote."""
    t = time.monotonic()
    url = db.database_url(settings)
    findings: list[Finding] = []
    with db.connect(settings) as conn, conn.cursor() as cur:
        sub = _submission(cur, submission_id)
    params = {
        "nik_valid_floor": settings.nik_valid_floor,
        "hari_ini": dt.date.today().isoformat(),
        "program_codes": [p.kode for p in sources.programs()],
    }
    for m in warehouse.models(settings.sql_dir):
        if m.materialized != "history" or not m.builds_for(sub["source"]):
            continue
        # trusted parts only: a model name from models.yml and an integer id
        query = f'select * from warehouse."{m.name}_riwayat" where submission_id = {int(submission_id)}'  # noqa: S608
        result = gate.validate(url, settings.expectations_dir, "warehouse", m.name, query, params)
        if result is not None:
            findings += result.findings
    return findings, time.monotonic() - t


def process_warehouse(settings, submission_id: int, by: str = SYSTEM) -> Outcome:
    """Staging, warehouse models and warehouse gate for one approved submission.

    On success the submission is published in the warehouse and stays ``diproses`` until the marts built
    with it are live.
    """
    with db.connect(settings) as conn:
        sub = start(conn, submission_id, by)
        out = Outcome(submission_id, "diproses")
        try:
            info, findings = load_and_build(conn, settings, submission_id)
        except Exception as exc:  # any failure of a step must leave the published state as it was
            log.exception("staging/warehouse failed for submission %s", submission_id)
            findings = [Finding("error", "gagal_memuat", f"pemuatan gagal: {type(exc).__name__}",
                                f"loading failed: {type(exc).__name__}: {exc}")]
            info = {}
        out.seconds.update(info.get("seconds", {}))
        out.rows.update(info.get("rows", {}))
        if findings:
            fail(conn, submission_id, "gudang", findings)
            out.state, out.findings = "gagal", [f.text() for f in findings]
            return out
        try:
            findings, out.seconds["gerbang"] = run_gate(settings, submission_id)
        except Exception as exc:  # a gate that cannot run is a gate that did not pass
            log.exception("warehouse gate failed to run for submission %s", submission_id)
            findings = [Finding("error", "gerbang_gagal_jalan", f"gerbang mutu tidak dapat dijalankan: {exc}",
                                f"the quality gate could not run: {exc}")]
        if findings:
            fail(conn, submission_id, "gerbang_gudang", findings)
            out.state, out.findings = "gagal", [f.text() for f in findings]
            return out
        with conn.cursor() as cur:
            out.previous = warehouse.publish(cur, sub["source"], sub["slot"], submission_id)
            out.slot = (sub["source"], sub["slot"])
            audit.update_profile(cur, submission_id, {"detik": out.seconds})
        conn.commit()
    return out


def publish_marts(settings, batch: list[Outcome]) -> list[Finding]:
    """Build the marts, gate them and swap them in; then the batch is ``terbit``.

    On failure the batch's warehouse publications are undone, the batch is ``gagal`` and the live marts are
    untouched.
    """
    findings: list[Finding] = []
    timings: dict[str, float] = {}
    with db.connect(settings) as conn:
        try:
            t = time.monotonic()
            marts.build(conn, settings)
            timings["mart"] = time.monotonic() - t
        except Exception as exc:  # a broken mart must not reach the readers
            log.exception("mart build failed")
            conn.rollback()
            findings.append(Finding("error", "gagal_membangun_mart", f"pembangunan mart gagal: {type(exc).__name__}",
                                    f"building the marts failed: {type(exc).__name__}: {exc}"))
        if not findings:
            t = time.monotonic()
            try:
                findings = marts.run_gate(db.database_url(settings), settings)
            except Exception as exc:  # a gate that cannot run is a gate that did not pass
                log.exception("mart gate failed to run")
                findings = [Finding("error", "gerbang_gagal_jalan", f"gerbang mart tidak dapat dijalankan: {exc}",
                                    f"the mart gate could not run: {exc}")]
            timings["gerbang_mart"] = time.monotonic() - t
        with conn.cursor() as cur:
            if findings:
                for out in reversed(batch):
                    warehouse.unpublish(cur, *out.slot, out.previous)
                for out in batch:
                    audit.add_findings(cur, out.submission_id, "gerbang_mart", findings)
                    audit.set_state(cur, out.submission_id, "gagal", SYSTEM, findings[0].text()[:500])
                    out.state, out.findings = "gagal", [f.text() for f in findings]
                conn.commit()
                return findings
        marts.swap(conn)
        with conn.cursor() as cur:
            for out in batch:
                out.seconds.update(timings)
                audit.update_profile(cur, out.submission_id, {"detik": out.seconds})
                audit.set_state(cur, out.submission_id, "terbit", SYSTEM)
                out.state = "terbit"
        conn.commit()
    return findings


def process(settings, submission_id: int, by: str = SYSTEM) -> Outcome:
    """Process one approved submission end to end: warehouse, then marts."""
    out = process_warehouse(settings, submission_id, by)
    if out.state == "diproses":
        publish_marts(settings, [out])
    return out


def refresh(settings, rebuild: bool = False) -> list[Outcome]:
    """Process every approved submission in order, then publish the marts once for all of them.

    With ``rebuild``, the published submissions are processed again too.
    """
    init(settings)
    with db.connect(settings) as lock_conn:
        with lock_conn.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(360362)")
            if not cur.fetchone()[0]:
                raise audit.StateError("refresh lain sedang berjalan / another refresh is running")
        return _refresh(settings, rebuild)


def _refresh(settings, rebuild: bool) -> list[Outcome]:
    with db.connect(settings) as conn:
        ids = pending(conn)
        with conn.cursor() as cur:
            if rebuild:
                cur.execute("select submission_id from warehouse.publikasi")
                ids = sorted(set(ids) | {r[0] for r in cur.fetchall()})
            # the region reference first: every other source is located through it
            cur.execute("select submission_id from audit.submission where submission_id = any(%s) "
                        "order by source <> 'ref_wilayah', submission_id", (ids,))
            ids = [r[0] for r in cur.fetchall()]
        live = marts.published(conn)
    outcomes = [process_warehouse(settings, sid) for sid in ids]
    batch = [o for o in outcomes if o.state == "diproses"]
    if batch or not live:
        publish_marts(settings, batch)
    return outcomes
