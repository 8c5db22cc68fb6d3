-- Public, aggregate-only: KPM rows and distinct valid NIKs per programme and desa, for village embeds.
-- No name, NIK or No. KK; a cell of fewer than 5 is NULL (suppressed). Key: (program, kode_desa).
select
    program,
    kode_kec,
    kode_desa,
    nama_kec,
    nama_desa,
    util.sel_publik(count(*)) as baris_kpm,
    util.sel_publik(count(distinct nik) filter (where is_nik_valid)) as nik_unik,
    util.sel_publik(count(*) filter (where is_di_dtks)) as di_dtks,
    util.sel_publik(count(*) filter (where not is_di_dtks)) as tidak_di_dtks
from marts_next.mart_kpm
where kode_desa is not null
group by program, kode_kec, kode_desa, nama_kec, nama_desa
