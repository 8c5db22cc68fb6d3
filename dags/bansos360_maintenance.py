"""### Maintenance: registry changes, nightly backup, restore test, ANALYZE, lake re-check

Every night at 01:00 WIB: the marts built again when the programme registry changed since their build (a
`desil_maks` set with `bansos360 program set` reaches the dashboards with no approval); a `pg_dump` of the
warehouse database into `$BANSOS360_BACKUP_DIR` (the newest `$BANSOS360_BACKUP_KEEP` are kept), with the row
count of every table taken in the dump's own snapshot; that backup restored into a scratch database and compared
table by table with those counts; `ANALYZE`; and every lake file
read again and checked against its SHA-256.

**When it fails:** *perbarui_mart* — the mart gate refused the rebuilt marts (the log names the checks); the
live marts stay as they were. *cadangkan* — disk full or the database unreachable (check `df` and the server).
*uji_pemulihan* — the log lists the tables whose counts differ: the backup is not trustworthy; keep the
previous ones, find the cause before the retention removes them. *periksa_danau* — a lake file changed or
disappeared: the raw data is supposed to be immutable; restore it from the backup of the lake folder and
find who touched it.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import DAG, task

default_args = {
    "owner": "kominfo",
    "retries": 1,
    "retry_delay": dt.timedelta(minutes=10),
}

with DAG(
    "bansos360_maintenance",
    description="Cadangan, uji pemulihan, ANALYZE, periksa danau / backup, restore test, analyze, lake check",
    doc_md=__doc__,
    schedule="0 1 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Jakarta"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["bansos360", "maintenance"],
) as dag:

    @task
    def perbarui_mart() -> bool:
        """Rebuild and publish the marts when the programme registry changed since their build."""
        from bansos360 import orchestration

        return orchestration.rebuild_stale_marts()

    @task
    def cadangkan() -> str:
        """``pg_dump`` into the backup folder, with retention."""
        from bansos360 import orchestration

        return orchestration.backup()

    @task
    def uji_pemulihan(path: str) -> dict:
        """Restore that backup into a scratch database and compare row counts."""
        from bansos360 import orchestration

        return orchestration.verify_restore(path)

    @task
    def analyze() -> None:
        """``ANALYZE`` the warehouse database."""
        from bansos360 import orchestration

        orchestration.analyze()

    @task
    def periksa_danau() -> dict:
        """Re-check every lake file against its SHA-256."""
        from bansos360 import orchestration

        return orchestration.check_lake()

    perbarui_mart() >> uji_pemulihan(cadangkan()) >> analyze()
    periksa_danau()
