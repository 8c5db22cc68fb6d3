-- Dashboard 2's NIK ganda list for readers not cleared for by-name-by-address data: mart_nik_ganda with the
-- NIK masked (first 6 digits kept) and each listed name masked (each word keeps its first 3 characters).
-- One row per NIK ganda and place (desa). Key: (nomor_nik, kode_kec, kode_desa).
select
    -- ids
    ganda.nomor_nik,
    ganda.kode_kec,
    ganda.kode_desa,
    util.samarkan_nomor(ganda.nik) as nik_tersamar,
    -- text
    coalesce(kecamatan.nama_kec, 'Tidak cocok') as nama_kec,
    coalesce(desa.nama_desa, 'Tidak cocok') as nama_desa,
    util.samarkan_nama(ganda.daftar_nama) as daftar_nama_tersamar,
    -- numbers
    ganda.jumlah_nama
from marts_next.mart_nik_ganda as ganda
left join warehouse.nama_wilayah as kecamatan on ganda.kode_kec = kecamatan.kode_wilayah
left join warehouse.nama_wilayah as desa on ganda.kode_desa = desa.kode_wilayah
