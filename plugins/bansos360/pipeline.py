"""The main job: process approved submissions in order — staging, warehouse, gate, publish.

The same functions back the ``bansos360`` command and the Airflow tasks. Each step is idempotent: a rerun
replaces what the submission wrote before. A failure marks the submission ``gagal`` with its findings and
leaves what is published untouched.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from bansos360 import (
    audit,
    config,
    db,
    db_access,
    gate,
    marts,
    quality_report,
    sources,
    staging,
    upgrade_pause,
    warehouse,
)
from bansos360.audit import Finding, State

log = logging.getLogger(__name__)

SYSTEM = "sistem"


def init(settings: config.Settings) -> None:
    """Create or update the database objects and load the shipped region reference once."""
    settings.lake.mkdir(parents=True, exist_ok=True)
    with db.connect(settings) as conn:
        db.migrate(conn, settings.sql_dir)
        warehouse.init(conn, settings.sql_dir)
        db_access.harden(conn)  # no function that runs SQL given as text, for any role but the owner
        db_access.ensure_roles(conn)
        marts.grant(conn, settings, unless_granted=True)  # live marts of a release before the policies
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


class Step(enum.StrEnum):
    """The per-submission steps of a refresh, in order (the marts are built once for the batch after them)."""

    STAGING = "staging"  # its files copied into the staging tables
    WAREHOUSE = "warehouse"  # its warehouse partitions built
    GERBANG = "gerbang"  # its warehouse gate run (and, when it passed, its partitions published)


@dataclass
class Outcome:
    """What processing one submission did; passed between steps (and between Airflow tasks as a dict)."""

    submission_id: int
    state: str
    done: list[str] = field(default_factory=list)  # the Steps it has been through, passed or not
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    slot: tuple[str, str] | None = field(default=None, repr=False)
    previous: int | None = field(default=None, repr=False)
    staged: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def going(self) -> bool:
        """Still being processed: no step has stopped it."""
        return self.state == State.DIPROSES

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Outcome:
        d = dict(d)
        d["slot"] = tuple(d["slot"]) if d.get("slot") else None
        return cls(**d)


def pending(conn, settings) -> list[int]:
    """Submissions a refresh processes, in submission order.

    Approved ones not processed yet (or whose processing was interrupted), and published ones whose warehouse
    partition a changed model removed.
    """
    with conn.cursor() as cur:
        cur.execute("select submission_id from audit.submission where state = any(%s) order by submission_id",
                    ([State.DISETUJUI, State.DIPROSES],))
        ids = [r[0] for r in cur.fetchall()]
        rebuilt = warehouse.missing_partitions(cur, settings.sql_dir)
    if rebuilt:
        log.warning("published submissions %s are built again: a warehouse model changed", rebuilt)
    return sorted({*ids, *rebuilt})


def _submission(cur, submission_id: int) -> dict:
    cur.execute("select source, slot, state from audit.submission where submission_id = %s", (submission_id,))
    row = cur.fetchone()
    if row is None:
        raise audit.StateError(f"pengajuan {submission_id} tidak ada / submission {submission_id} does not exist")
    return dict(zip(("source", "slot", "state"), row, strict=True))


def _in_order(cur, ids: list[int]) -> list[int]:
    """The region reference first (every other source is located through it), then submission order."""
    cur.execute("select submission_id from audit.submission where submission_id = any(%s) "
                "order by source <> 'ref_wilayah', submission_id", (list(ids),))
    return [r[0] for r in cur.fetchall()]


def _not_approved(submission_id: int, state: str) -> audit.StateError:
    return audit.StateError(
        f"pengajuan {submission_id} berstatus {state}: hanya pengajuan yang disetujui yang diproses"
        f" / submission {submission_id} is {state}: only approved submissions are processed")


def batch_for(settings, submission_id: int) -> list[int]:
    """What a refresh started for one submission processes: it and every other approved one waiting, in order.

    Refuses a submission that was never approved; an already published one leaves nothing to do (an earlier
    run took it in its batch). A failed one may be run again (after its cause was fixed).
    """
    with db.connect(settings) as conn, conn.cursor() as cur:
        sub = _submission(cur, submission_id)
        if sub["state"] == State.TERBIT:
            return []
        if sub["state"] not in (State.DISETUJUI, State.DIPROSES, State.GAGAL):
            raise _not_approved(submission_id, sub["state"])
        return _in_order(cur, sorted({submission_id, *pending(conn, settings)}))


def start(conn, submission_id: int, by: str = SYSTEM) -> Outcome:
    """Refuse anything not approved (or a published/failed one being re-run); mark it ``diproses``."""
    with conn.cursor() as cur:
        sub = _submission(cur, submission_id)
        if sub["state"] not in (State.DISETUJUI, State.DIPROSES, State.GAGAL, State.TERBIT):
            raise _not_approved(submission_id, sub["state"])
        audit.set_state(cur, submission_id, State.DIPROSES, by)
    conn.commit()
    # a published submission built again replaces itself: a failed batch leaves it published
    previous = submission_id if sub["state"] == State.TERBIT else None
    return Outcome(submission_id, State.DIPROSES, slot=(sub["source"], sub["slot"]), previous=previous)


def fail(conn, out: Outcome, stage: str, findings: list[Finding]) -> None:
    """Mark a submission ``gagal`` with the findings that stopped it; nothing published changes."""
    conn.rollback()
    with conn.cursor() as cur:
        audit.add_findings(cur, out.submission_id, stage, findings)
        audit.set_state(cur, out.submission_id, State.GAGAL, SYSTEM, findings[0].text()[:500] if findings else None)
    conn.commit()
    out.state, out.findings = State.GAGAL, [f.text() for f in findings]


def _crash(step: str, exc: Exception) -> list[Finding]:
    log.exception("%s failed", step)
    return [Finding("error", "gagal_memuat", f"{step} gagal: {type(exc).__name__}",
                    f"{step} failed: {type(exc).__name__}: {exc}")]


def begin(settings, ids: list[int], by: str = SYSTEM) -> list[Outcome]:
    """Mark every submission of the batch ``diproses`` (each must have been approved)."""
    with db.connect(settings) as conn:
        return [start(conn, sid, by) for sid in ids]


def _stage_one(conn, settings, out: Outcome) -> None:
    t = time.monotonic()
    try:
        out.staged = staging.load(conn, settings, out.submission_id)
        conn.commit()
    except Exception as exc:  # any failure of a step must leave the published state as it was
        fail(conn, out, "gudang", _crash("pemuatan staging / staging load", exc))
    out.seconds[Step.STAGING] = round(time.monotonic() - t, 3)
    out.done.append(Step.STAGING)


def _build_one(conn, settings, out: Outcome) -> None:
    t = time.monotonic()
    try:
        if staging.count(conn, out.submission_id) != sum(out.staged.values()):
            # staging tables are unlogged: after a server crash they are empty, so stage again
            out.staged = staging.load(conn, settings, out.submission_id)
        with conn.cursor() as cur:
            cur.execute("select file_id, original_name from audit.submission_file where submission_id = %s",
                        (out.submission_id,))
            names = dict(cur.fetchall())
        built = warehouse.build(conn, settings.sql_dir, out.submission_id, out.slot[0], names)
        findings = built.findings
        if built.ok:
            with conn.cursor() as cur:
                audit.add_findings(cur, out.submission_id, "gudang", built.findings)
                audit.update_profile(cur, out.submission_id, {"dimuat": {
                    "staging": out.staged, "gudang": built.rows, "duplikat_dibuang": built.duplicates_dropped}})
                staging.clear(cur, out.submission_id)  # a rerun of this step stages again (count above)
            conn.commit()
            out.rows.update(built.rows)
    except Exception as exc:  # any failure of a step must leave the published state as it was
        built, findings = None, _crash("pembangunan gudang / warehouse build", exc)
    if built is None or not built.ok:
        fail(conn, out, "gudang", findings)
    out.seconds[Step.WAREHOUSE] = round(time.monotonic() - t, 3)
    out.done.append(Step.WAREHOUSE)


def run_gate(settings, submission_id: int, results: list | None = None) -> list[Finding]:
    """The warehouse gate on the rows this submission wrote (each suite's result appended to ``results``)."""
    url = db.database_url(settings)
    findings: list[Finding] = []
    with db.connect(settings) as conn, conn.cursor() as cur:
        sub = _submission(cur, submission_id)
        program_codes = [p.kode for p in sources.programs(cur)]
    params = {
        "nik_valid_floor": settings.nik_valid_floor,
        "hari_ini": dt.date.today().isoformat(),
        "program_codes": program_codes,
    }
    for m in warehouse.models(settings.sql_dir):
        if m.materialized != "history" or not m.builds_for(sub["source"]):
            continue
        # trusted parts only: a model name from models.yml and an integer id
        query = f'select * from warehouse."{m.name}_riwayat" where submission_id = {int(submission_id)}'  # noqa: S608
        result = gate.validate(url, settings.expectations_dir, "warehouse", m.name, query, params, m.key)
        if result is not None:
            findings += result.findings
            if results is not None:
                results.append(result)
    return findings


def _gate_one(conn, settings, out: Outcome) -> None:
    t = time.monotonic()
    results: list = []
    try:
        findings = run_gate(settings, out.submission_id, results)
    except Exception as exc:  # a gate that cannot run is a gate that did not pass
        log.exception("warehouse gate failed to run for submission %s", out.submission_id)
        findings = [Finding("error", "gerbang_gagal_jalan", f"gerbang mutu tidak dapat dijalankan: {exc}",
                            f"the quality gate could not run: {exc}")]
    quality_report.write(settings, out.submission_id, "gerbang_gudang", results, findings)
    out.seconds[Step.GERBANG] = round(time.monotonic() - t, 3)
    out.done.append(Step.GERBANG)
    if findings:
        fail(conn, out, "gerbang_gudang", findings)
        return
    with conn.cursor() as cur:
        previous = warehouse.publish(cur, *out.slot, out.submission_id)
        # a rerun of this step finds itself published: keep what it replaced the first time
        if previous != out.submission_id:
            out.previous = previous
        audit.update_profile(cur, out.submission_id, {"detik": out.seconds})
    conn.commit()


def _waiting(batch: list[Outcome], step: Step) -> list[Outcome]:
    """Submissions still going that have not been through ``step``."""
    return [o for o in batch if o.going and step not in o.done]


def load_staging(settings, batch: list[Outcome]) -> list[Outcome]:
    """Staging: COPY each submission's files into its staging tables (replacing what it staged before).

    A region reference in the batch goes all the way into the warehouse here (staged, built, gated and
    published), before anything else is staged: every other source is located through it.
    """
    with db.connect(settings) as conn:
        for out in (o for o in batch if o.going and o.slot[0] == "ref_wilayah"):
            for one in (_stage_one, _build_one, _gate_one):
                if out.going:
                    one(conn, settings, out)
        for out in _waiting(batch, Step.STAGING):
            _stage_one(conn, settings, out)
    return batch


def build_warehouse(settings, batch: list[Outcome]) -> list[Outcome]:
    """The warehouse models: typed, cleaned history rows of each submission (not yet published)."""
    with db.connect(settings) as conn:
        for out in _waiting(batch, Step.WAREHOUSE):
            _build_one(conn, settings, out)
    return batch


def gate_warehouse(settings, batch: list[Outcome]) -> list[Outcome]:
    """The warehouse gate; a submission that passes is published in the warehouse (until the marts say no)."""
    with db.connect(settings) as conn:
        for out in _waiting(batch, Step.GERBANG):
            _gate_one(conn, settings, out)
    return batch


def _marts_needed(conn, batch: list[Outcome]) -> bool:
    """A delivery of the batch goes on, there are no live marts, or the programme registry changed since."""
    return any(o.going for o in batch) or not marts.published(conn) or marts.stale(conn)


def _fail_batch(conn, batch: list[Outcome], findings: list[Finding]) -> None:
    """Undo the batch's warehouse publications and mark it ``gagal``; the live marts stay as they were."""
    conn.rollback()
    going = [o for o in batch if o.going]
    with conn.cursor() as cur:
        for out in reversed(going):
            warehouse.unpublish(cur, *out.slot, out.previous)
        for out in going:
            audit.add_findings(cur, out.submission_id, "gerbang_mart", findings)
            audit.set_state(cur, out.submission_id, State.GAGAL, SYSTEM, findings[0].text()[:500])
            out.state, out.findings = State.GAGAL, [f.text() for f in findings]
    conn.commit()


def build_marts(settings, batch: list[Outcome]) -> list[Outcome]:
    """Build every mart into the shadow schema ``marts_next``."""
    with db.connect(settings) as conn:
        if not _marts_needed(conn, batch):
            return batch
        t = time.monotonic()
        try:
            marts.build(conn, settings)
        except Exception as exc:  # a broken mart must not reach the readers
            log.exception("mart build failed")
            if not any(o.going for o in batch):
                raise  # nothing of the batch to mark: the failure itself is the answer
            _fail_batch(conn, batch, [Finding(
                "error", "gagal_membangun_mart", f"pembangunan mart gagal: {type(exc).__name__}",
                f"building the marts failed: {type(exc).__name__}: {exc}")])
        for out in batch:
            out.seconds["mart"] = round(time.monotonic() - t, 3)
    return batch


def gate_marts(settings, batch: list[Outcome]) -> list[Outcome]:
    """The mart gate on ``marts_next``: keys, places, and reconciliation with the warehouse."""
    with db.connect(settings) as conn:
        if not _marts_needed(conn, batch):
            return batch
        t = time.monotonic()
        results: list = []
        try:
            findings = marts.run_gate(db.database_url(settings), settings, results)
        except Exception as exc:  # a gate that cannot run is a gate that did not pass
            log.exception("mart gate failed to run")
            findings = [Finding("error", "gerbang_gagal_jalan", f"gerbang mart tidak dapat dijalankan: {exc}",
                                f"the mart gate could not run: {exc}")]
        for out in batch:
            out.seconds["gerbang_mart"] = round(time.monotonic() - t, 3)
            if out.going:
                quality_report.write(settings, out.submission_id, "gerbang_mart", results, findings)
        if findings:
            if not any(o.going for o in batch):
                raise audit.StateError("; ".join(f.text() for f in findings))
            _fail_batch(conn, batch, findings)
    return batch


def publish(settings, batch: list[Outcome]) -> list[Outcome]:
    """Swap ``marts_next`` in as the live marts in one transaction; the batch is ``terbit``."""
    with db.connect(settings) as conn:
        if not _marts_needed(conn, batch):
            return batch
        marts.swap(conn)
        db.crash_point("terbit")
        with conn.cursor() as cur:
            for out in (o for o in batch if o.going):
                audit.update_profile(cur, out.submission_id, {"detik": out.seconds})
                audit.set_state(cur, out.submission_id, State.TERBIT, SYSTEM)
                out.state = State.TERBIT
        conn.commit()
    return batch


STEPS = (load_staging, build_warehouse, gate_warehouse, build_marts, gate_marts, publish)


def rebuild_stale_marts(settings) -> bool:
    """Build, gate and publish the marts when the programme registry changed since their build; whether it did.

    For when no submission is waiting; the caller holds the refresh lock. Nothing is done while a batch is in flight
    (``diproses``): its own publication reads the registry as it is. The nightly maintenance runs it on the server,
    so a registry change reaches the dashboards without an approval; ``bansos360 refresh`` does the same at once. A
    gate that refuses raises: the live marts stay.
    """
    with db.connect(settings) as conn, conn.cursor() as cur:
        # a batch in flight (an Airflow run between its steps) publishes marts built from the registry as it is now;
        # marts published here meanwhile would carry its warehouse rows before its own mart gate passed
        cur.execute("select exists (select from audit.submission where state = %s)", (State.DIPROSES,))
        if cur.fetchone()[0] or not marts.published(conn) or not marts.stale(conn):
            return False
    for step in (build_marts, gate_marts, publish):
        step(settings, [])
    return True


def process_batch(settings, ids: list[int], by: str = SYSTEM) -> list[Outcome]:
    """Every step for a batch, in one process (the command line; Airflow runs the same steps as tasks)."""
    batch = begin(settings, ids, by)
    for step in STEPS:
        batch = step(settings, batch)
        db.crash_point(step.__name__)
    return batch


def process(settings, submission_id: int, by: str = SYSTEM) -> Outcome:
    """Process one approved submission end to end: warehouse, then marts."""
    return process_batch(settings, [submission_id], by)[0]


def process_warehouse(settings, submission_id: int, by: str = SYSTEM) -> Outcome:
    """Staging, warehouse models and warehouse gate for one submission; it stays ``diproses``."""
    batch = begin(settings, [submission_id], by)
    for step in STEPS[:3]:
        batch = step(settings, batch)
    return batch[0]


@contextmanager
def exclusive(settings):
    """Hold the refresh lock: one refresh (command or Airflow task) at a time, none during an upgrade."""
    upgrade_pause.refuse_if_paused(settings)
    with db.connect(settings) as lock_conn:
        with lock_conn.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s)", (upgrade_pause.REFRESH_LOCK,))
            if not cur.fetchone()[0]:
                raise audit.StateError("refresh lain sedang berjalan / another refresh is running")
        yield


def refresh(settings, rebuild: bool = False) -> list[Outcome]:
    """Process every approved submission in order, then publish the marts once for all of them.

    With ``rebuild``, the published submissions are processed again too.
    """
    init(settings)
    with exclusive(settings):
        with db.connect(settings) as conn:
            ids = pending(conn, settings)
            with conn.cursor() as cur:
                if rebuild:
                    cur.execute("select submission_id from warehouse.publikasi")
                    ids = sorted(set(ids) | {r[0] for r in cur.fetchall()})
                ids = _in_order(cur, ids)
        return process_batch(settings, ids)
