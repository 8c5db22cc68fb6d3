-- Public, aggregate-only: persons on the disability register per desa, gender and type, for village
-- embeds. A cell of fewer than 5 is NULL (suppressed). Key: (kode_desa, jenis_kelamin, jenis_disabilitas).
select
    kode_kec,
    kode_desa,
    jenis_kelamin,
    jenis_disabilitas,
    util.sel_publik(count(*)) as jumlah
from marts_next.mart_disabilitas
where kode_desa is not null
group by kode_kec, kode_desa, jenis_kelamin, jenis_disabilitas
