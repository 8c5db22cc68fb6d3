"""Who saw whom (UU 27/2022): by-name dashboards opened, by-name data read or exported in Superset, and when.

The source is Superset's own action log (its metadata table ``logs``).

By-name means what only analysts, or the Verval Kecamatan of the rows, may read (``akses: analis`` or ``verval``
in sql/marts/models.yml): a dataset on such a
mart, a chart on such a dataset, a dashboard holding such a chart. ``collect`` copies the new log entries about
them into ``audit.akses_data_pribadi`` of the warehouse, where the analyst-only mart view
``akses_data_pribadi`` and its dashboard read them; the command ``bansos360 superset akses`` runs it and prints
the report for the data-protection officer. Guests never reach by-name data, so every entry names a user.
"""

from __future__ import annotations

import datetime as dt
import os

import psycopg2

from bansos360 import db, marts

# the by-name events in Superset's log: a dashboard opened (the page, or its definition through the API); chart
# data read (saved chart by id, or a query on a dataset; `explore_json` is the legacy route); exported when the
# answer is a file (also the whole daftar verval, `bansos360_ekspor`, ops/superset/bansos360_export.py)
EVENTS = """
with pribadi as (
    select id, table_name from tables where schema = 'marts' and table_name = any(%(tables)s)
),
grafik as (
    select id, slice_name from slices
    where datasource_type = 'table' and datasource_id in (select id from pribadi)
),
dasbor as (
    select distinct d.id, d.dashboard_title from dashboards as d
    inner join dashboard_slices as ds on ds.dashboard_id = d.id
    where ds.slice_id in (select id from grafik)
),
catatan as (
    select id, dttm, user_id, action, dashboard_id,
           case when json ~ '^\\s*\\{' then json::jsonb end as isi
    from logs
    where dttm > %(after)s and user_id is not null
      and action in ('DashboardRestApi.get', 'dashboard', 'ChartDataRestApi.data', 'explore_json',
                     'bansos360_ekspor')
),
peristiwa as (
    select c.*,
           case when c.isi ->> 'pk' ~ '^\\d+$' then (c.isi ->> 'pk')::int end as grafik_id,
           case when c.isi -> 'datasource' ->> 'id' ~ '^\\d+$' then (c.isi -> 'datasource' ->> 'id')::int end
               as dataset_id,
           lower(coalesce(c.isi ->> 'result_format', c.isi ->> 'format',
                          case when c.isi ->> 'csv' = 'true' then 'csv' when c.isi ->> 'xlsx' = 'true' then 'xlsx'
                          end, '')) as format
    from catatan as c
)
select
    p.id as log_id,
    p.dttm as waktu,
    u.username as pengguna,
    nullif(btrim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), '') as nama_pengguna,
    case
        when p.action in ('DashboardRestApi.get', 'dashboard') then 'membuka_dasbor'
        when p.format in ('csv', 'xlsx') then 'mengekspor'
        else 'membaca_data'
    end as tindakan,
    coalesce(d.dashboard_title, g.slice_name, t.table_name) as objek,
    nullif(p.format, '') as format,
    p.isi ->> 'path' as jalur
from peristiwa as p
inner join ab_user as u on u.id = p.user_id
left join dasbor as d on p.action in ('DashboardRestApi.get', 'dashboard') and d.id = p.dashboard_id
left join grafik as g on g.id = p.grafik_id
left join pribadi as t on t.id = p.dataset_id
where d.id is not null or g.id is not null or t.id is not null
order by p.dttm, p.id
"""


def by_name_marts(settings) -> list[str]:
    """The by-name marts: those only analysts may read, and the daftar verval (analysts and Verval Kecamatan)."""
    return [m.name for m in marts.models(settings.sql_dir) if m.meta["akses"] in ("analis", "verval")]


def metadata_url(settings) -> str:
    """Superset's metadata database (the URL Superset itself is given), for psycopg2."""
    from bansos360 import superset_runtime

    url = os.environ.get("SUPERSET_METADATA_URL") or superset_runtime.environment(settings)["SUPERSET_METADATA_URL"]
    return url.replace("postgresql+psycopg2://", "postgresql://")


def collect(settings) -> int:
    """Copy the by-name events logged since the last copy into ``audit.akses_data_pribadi``; how many."""
    with db.connect(settings) as conn, conn.cursor() as cur:
        cur.execute("select coalesce(max(waktu), '-infinity') - interval '1 minute' from audit.akses_data_pribadi")
        after = cur.fetchone()[0]
        meta = psycopg2.connect(metadata_url(settings))
        try:
            with meta.cursor() as mcur:
                mcur.execute(EVENTS, {"tables": by_name_marts(settings), "after": after})
                rows = mcur.fetchall()
        finally:
            meta.close()
        added = 0
        for row in rows:  # entries of the last minute may be copied already: the key keeps each once
            cur.execute("insert into audit.akses_data_pribadi (log_id, waktu, pengguna, nama_pengguna, tindakan, "
                        "objek, format, jalur) values (%s, %s, %s, %s, %s, %s, %s, %s) on conflict do nothing", row)
            added += cur.rowcount
        conn.commit()
    return added


def report(settings, since: dt.date | None = None) -> list[dict]:
    """The copied events since a date (all without one), oldest first."""
    with db.connect(settings) as conn, conn.cursor() as cur:
        cur.execute("select waktu, pengguna, nama_pengguna, tindakan, objek, format from audit.akses_data_pribadi "
                    "where waktu >= coalesce(%s::date, '-infinity'::date) order by waktu, log_id", (since,))
        names = [c.name for c in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
