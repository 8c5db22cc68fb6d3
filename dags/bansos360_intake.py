"""### Intake: files in the inbox become submissions (SOP step 1)

Runs when the inbox watcher (a trigger in the triggerer, woken by the kernel's file notifications) sees a
complete file in `$BANSOS360_INBOX/<kind>/<periode or label>/` that is not registered yet. Each file is
stored in the lake under its SHA-256, recorded in `audit.submission`, and checked by the raw gate; it then
waits (`diperiksa`) for the product owner's approval on the SOP page, or is refused (`ditolak`) with reasons.

**When it fails:** the log names the file. A refused file is not a failure of this DAG (see the SOP status
page, `/sop/status`). A failure here is the database or the disk: fix it and *Clear* the run — registering
is idempotent (the same file is never registered twice).
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import DAG, task

from bansos360 import assets

default_args = {
    "owner": "kominfo",
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=1),
}

with DAG(
    "bansos360_intake",
    description="Kotak masuk → danau + gerbang mentah / inbox → lake + raw gate",
    doc_md=__doc__,
    schedule=[assets.inbox()],
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["bansos360", "intake"],
) as dag:

    @task(outlets=[assets.LAKE])
    def daftarkan_berkas() -> list[dict]:
        """Register every settled inbox file as a submission and run its raw gate."""
        from bansos360 import orchestration

        return orchestration.register_inbox()

    daftarkan_berkas()
