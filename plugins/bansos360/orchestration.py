"""What the DAG tasks call: thin wrappers around the package, with the Airflow-specific parts.

A submission's refusal or a gate's verdict is not something a retry can change: those raise
``AirflowFailException`` (no retry). Connection trouble or a refresh lock held by the command line raise
ordinary errors, which the task's retries cover.
"""

from __future__ import annotations

import logging

from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from bansos360 import audit, config, inbox, maintenance, notify, pipeline
from bansos360.audit import State

log = logging.getLogger(__name__)


def register_inbox() -> list[dict]:
    """Intake: register every settled inbox file and run its raw gate."""
    settings = config.load()
    results = inbox.register(settings)
    for r in results:
        log.info("submission %s (%s): %s", r["submission_id"], r["berkas"], r["state"])
    log.info("notifications: %s", notify.flush(settings))  # the product owners hear what waits for them
    return [{"submission_id": r["submission_id"], "berkas": r["berkas"], "state": r["state"]} for r in results]


def check_submission(conf: dict) -> list[int]:
    """Refresh: the batch a run processes; refuses a missing or unapproved submission."""
    try:
        submission_id = int(conf["submission_id"])
    except (KeyError, TypeError, ValueError):
        raise AirflowFailException(
            "conf harus memuat submission_id (bilangan bulat) / conf must hold an integer submission_id") from None
    try:
        ids = pipeline.batch_for(config.load(), submission_id)
    except audit.StateError as exc:
        raise AirflowFailException(str(exc)) from None
    if not ids:
        raise AirflowSkipException(f"pengajuan {submission_id} sudah terbit / submission {submission_id} is "
                                   "already published")
    log.info("batch for submission %s: %s", submission_id, ids)
    return ids


def begin(ids: list[int], by: str) -> list[dict]:
    """Mark the batch ``diproses`` under the refresh lock; the outcomes as dicts (XCom)."""
    settings = config.load()
    with pipeline.exclusive(settings):
        return [o.to_dict() for o in pipeline.begin(settings, ids, by)]


def step(name: str, batch: list[dict]) -> list[dict]:
    """One processing step for the batch (each submission that fails is marked ``gagal`` and drops out)."""
    settings = config.load()
    fn = {f.__name__: f for f in pipeline.STEPS}[name]
    with pipeline.exclusive(settings):
        outcomes = fn(settings, [pipeline.Outcome.from_dict(d) for d in batch])
    for o in outcomes:
        log.info("submission %s after %s: %s %s", o.submission_id, name, o.state, "; ".join(o.findings)[:300])
        if o.state == State.GAGAL:
            log.error("laporan mutu / quality report: %s/sop/status/%s#laporan", settings.airflow_public_url,
                      o.submission_id)
    return [o.to_dict() for o in outcomes]


def verdict(conf: dict, batch: list[dict]) -> None:
    """Fail the run when its own submission did not end ``terbit`` (the others of the batch are logged)."""
    own = int(conf["submission_id"])
    log.info("notifications: %s", notify.flush(config.load()))  # the uploaders hear of terbit or gagal
    failed = [d for d in batch if d["state"] != State.TERBIT]
    for d in failed:
        log.error("submission %s: %s — %s", d["submission_id"], d["state"], "; ".join(d["findings"])[:500])
    mine = [d for d in failed if d["submission_id"] == own]
    if mine:
        raise AirflowFailException(f"pengajuan {own} gagal / submission {own} failed: "
                                   + "; ".join(mine[0]["findings"])[:1000])


def rebuild_stale_marts() -> bool:
    """Maintenance: the marts again when the programme registry changed since they were built."""
    settings = config.load()
    try:
        with pipeline.exclusive(settings):
            rebuilt = pipeline.rebuild_stale_marts(settings)
    except audit.StateError:  # a refresh runs now: the marts it publishes read the registry as it is
        log.info("a refresh is running; it publishes marts built from the current programme registry")
        return False
    log.info("marts %s", "rebuilt: the programme registry changed" if rebuilt else "up to date (or a batch in flight)")
    return rebuilt


def backup() -> str:
    """Maintenance: the nightly ``pg_dump``; its path."""
    return str(maintenance.backup(config.load()))


def verify_restore(path: str) -> dict:
    """Maintenance: restore that backup into a scratch database; fail when counts differ."""
    result = maintenance.verify_restore(config.load(), path)
    if result["berbeda"]:
        raise AirflowFailException(f"pemulihan cadangan tidak sama / restored backup differs: {result['berbeda']}")
    return result


def analyze() -> None:
    """Maintenance: ``ANALYZE``."""
    maintenance.analyze(config.load())


def check_lake() -> dict:
    """Maintenance: every lake file against its SHA-256; fail when one changed or is missing."""
    result = maintenance.check_lake(config.load())
    if result["rusak"]:
        raise AirflowFailException("berkas danau berubah atau hilang / lake files changed or missing: "
                                   + ", ".join(result["rusak"][:20]))
    return result
