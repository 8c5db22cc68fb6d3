-- Dashboard 12 for readers not cleared for by-name-by-address data: the disability register with the name
-- masked (each word keeps its first 3 characters) and the NIK masked (first 6 digits kept); no birth date.
-- One row per register row. Key: (submission_id, source_row).
select
    -- ids
    submission_id,
    source_row,
    kode_kec,
    kode_desa,
    util.samarkan_nomor(nik) as nik_tersamar,
    -- text
    nama_kec,
    nama_desa,
    util.samarkan_nama(nama) as nama_tersamar,
    jenis_kelamin,
    jenis_disabilitas,
    kelompok_umur,
    -- numbers
    umur,
    -- flags
    is_di_dtks,
    is_menerima_bansos
from marts_next.mart_disabilitas
