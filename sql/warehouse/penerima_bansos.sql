-- Beneficiaries (KPM rows) of every programme list: one row per list row after blank rows and exact
-- duplicates are dropped, every delivery kept; warehouse.penerima_bansos shows the published lists.
-- The list's own place (names, match keys, Kemendagri desa code) is kept as written: the place itself is
-- resolved when read, by warehouse.penerima_bansos_lokasi.
with

daftar as (
    select * from warehouse.stg_bansos__daftar_kpm
),

final as (
    select
        -- ids
        daftar.submission_id,
        daftar.source_file_id,
        daftar.source_row,
        daftar.program,
        daftar.nik,
        daftar.nik_mentah,
        daftar.nokk,
        daftar.nokk_mentah,
        daftar.idartbdt,
        daftar.idsemesta,
        daftar.nomor_kartu,
        -- text
        daftar.label,
        daftar.tahap,
        daftar.nama,
        daftar.nama_normal,
        daftar.nama_kec_daftar,
        daftar.nama_desa_daftar,
        daftar.kode_desa_daftar,
        daftar.kunci_kec,
        daftar.kunci_desa,
        daftar.kunci_kode_desa,
        daftar.alamat,
        -- flags
        daftar.is_nik_valid,
        daftar.is_nik_rusak,
        daftar.is_nokk_valid,
        daftar.is_nokk_rusak,
        -- dates
        daftar.as_of
    from daftar
)

select * from final
