-- Who saw whom (UU 27/2022), for the data-protection officer: every by-name dashboard opened, by-name chart data
-- read and by-name data exported in Superset, copied from Superset's log by `bansos360 superset akses`. A view:
-- it shows the copy as it is now, not as at the last publication. Analysts only. Key: (log_id, waktu).
select
    -- ids
    log_id,
    -- text
    pengguna,
    nama_pengguna,
    tindakan,
    objek,
    format,
    -- dates
    waktu
from audit.akses_data_pribadi
