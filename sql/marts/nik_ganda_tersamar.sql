-- Dashboard 2's NIK ganda list for readers not cleared for by-name-by-address data: mart_nik_ganda with the
-- NIK masked (first 6 digits kept) and each listed name masked (each word keeps its first 3 characters).
-- One row per NIK ganda and place. Key: (nomor_nik, kode_kec).
select
    -- ids
    nomor_nik,
    kode_kec,
    kode_desa,
    util.samarkan_nomor(nik) as nik_tersamar,
    -- text
    util.samarkan_nama(daftar_nama) as daftar_nama_tersamar,
    -- numbers
    jumlah_nama
from marts_next.mart_nik_ganda
