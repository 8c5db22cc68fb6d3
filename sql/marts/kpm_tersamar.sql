-- Dashboard 5 for readers not cleared for by-name-by-address data: mart_kpm with names masked (each word
-- keeps its first 3 characters) and NIK and No. KK masked (first 6 digits, the region, kept); no address, no
-- raw NIK. A table, so that row-level security limits a kecamatan role to its rows (docs/privacy.md).
-- One row per KPM row. Key: (submission_id, source_row).
select
    -- ids
    submission_id,
    source_row,
    program,
    kode_kec,
    kode_desa,
    util.samarkan_nomor(nik) as nik_tersamar,
    util.samarkan_nomor(nokk) as nokk_tersamar,
    -- text
    label,
    berkas_sumber,
    util.samarkan_nama(nama_normal) as nama_tersamar,
    nama_desa,
    nama_kec,
    status_lokasi,
    kelompok_desil,
    jenis_kelamin,
    kelompok_umur,
    -- numbers and codes
    nomor_nik,
    desil,
    jenis_cacat,
    penyakit_kronis,
    ijazah_tertinggi,
    lapangan_usaha,
    -- flags
    is_nik_valid,
    is_di_dtks,
    is_kk_valid,
    is_disabilitas
from marts_next.mart_kpm
