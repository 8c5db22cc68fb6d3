"""### Refresh: an approved submission is processed and published (SOP step 3)

Started by the approval page (Airflow REST API v2) with `{"submission_id": N}` in its conf. It refuses a
submission that was not approved. It processes that submission together with every other approved one
still waiting, in order (the region reference first), so a batch of approvals builds the marts once; a run
whose submission an earlier run already published is skipped.

Steps: **gudang** (staging COPY → warehouse models → warehouse gate, which publishes the rows in the
warehouse) → **mart** (build into `marts_next` → mart gate → atomic swap into `marts`) → **putusan**.

**When it fails:** a submission stopped by a gate is `gagal` with its findings (SOP status page, or
`bansos360 status N`); the live warehouse and marts are what they were before. Gates are not retried —
fix the file (a new upload) or the setting, then *Clear* the run. Other errors (database down, the refresh
lock held by a `bansos360 refresh` on the command line) are retried; after that, *Clear* the failed task.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import DAG, Param, TaskGroup, get_current_context, task

from bansos360 import assets

default_args = {
    "owner": "kominfo",
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=1),
}

with DAG(
    "bansos360_refresh",
    description="Staging → gudang → gerbang → mart → gerbang → terbit / staging → warehouse → marts",
    doc_md=__doc__,
    schedule=None,
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    params={"submission_id": Param(type="integer", minimum=1, description="Nomor pengajuan / submission id")},
    tags=["bansos360", "refresh"],
) as dag:

    @task(retries=0, inlets=[assets.LAKE])
    def periksa_pengajuan() -> list[int]:
        """Refuse an unapproved submission; the batch this run processes."""
        from bansos360 import orchestration

        return orchestration.check_submission(get_current_context()["params"])

    @task
    def mulai(ids: list[int]) -> list[dict]:
        """Mark the batch `diproses`, recording who triggered the run."""
        from bansos360 import orchestration

        run = get_current_context()["dag_run"]
        return orchestration.begin(ids, f"airflow:{run.run_id}")

    @task
    def muat_staging(batch: list[dict]) -> list[dict]:
        """COPY the files of each submission into staging."""
        from bansos360 import orchestration

        return orchestration.step("load_staging", batch)

    @task
    def bangun_gudang(batch: list[dict]) -> list[dict]:
        """Run the warehouse models for each submission."""
        from bansos360 import orchestration

        return orchestration.step("build_warehouse", batch)

    @task(retries=0, outlets=[assets.WAREHOUSE])
    def gerbang_gudang(batch: list[dict]) -> list[dict]:
        """The warehouse gate; passing submissions are published in the warehouse."""
        from bansos360 import orchestration

        return orchestration.step("gate_warehouse", batch)

    @task
    def bangun_mart(batch: list[dict]) -> list[dict]:
        """Build every mart into ``marts_next``."""
        from bansos360 import orchestration

        return orchestration.step("build_marts", batch)

    @task(retries=0)
    def gerbang_mart(batch: list[dict]) -> list[dict]:
        """The mart gate: keys, places, reconciliation with the warehouse."""
        from bansos360 import orchestration

        return orchestration.step("gate_marts", batch)

    @task(outlets=[assets.MARTS])
    def terbitkan(batch: list[dict]) -> list[dict]:
        """Swap ``marts_next`` in as the live marts; the batch is ``terbit``."""
        from bansos360 import orchestration

        return orchestration.step("publish", batch)

    @task(retries=0)
    def putusan(batch: list[dict]) -> None:
        """Fail the run when its own submission did not end `terbit`."""
        from bansos360 import orchestration

        orchestration.verdict(get_current_context()["params"], batch)

    ids = periksa_pengajuan()
    with TaskGroup("gudang", tooltip="staging → model gudang → gerbang gudang"):
        warehoused = gerbang_gudang(bangun_gudang(muat_staging(mulai(ids))))
    with TaskGroup("mart", tooltip="bangun → gerbang → tukar"):
        published = terbitkan(gerbang_mart(bangun_mart(warehoused)))
    putusan(published)
