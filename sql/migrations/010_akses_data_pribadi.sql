-- Who saw whom (UU 27/2022): every opening of a by-name dashboard, reading of by-name chart data and export of
-- by-name data in Superset, copied from Superset's own action log by `bansos360 superset akses` (and the
-- maintenance DAG). One row per log entry of the Superset installation; never updated, never deleted.
create table audit.akses_data_pribadi (
    log_id bigint not null,
    waktu timestamptz not null,
    pengguna text not null,
    nama_pengguna text,
    tindakan text not null check (tindakan in ('membuka_dasbor', 'membaca_data', 'mengekspor')),
    objek text,
    format text,
    jalur text,
    primary key (log_id, waktu)
);
