-- Persons with disabilities from the Dinas's register: one row per register row after blank rows and exact
-- duplicates are dropped, every delivery kept; warehouse.disabilitas shows the published register. The
-- place names are kept as written: warehouse.disabilitas_lokasi resolves the place when read.
with

register as (
    select * from warehouse.stg_disabilitas__register
),

final as (
    select
        -- ids
        register.submission_id,
        register.source_file_id,
        register.source_row,
        register.nik,
        register.nik_mentah,
        -- text
        register.nama,
        register.nama_normal,
        register.jenis_kelamin,
        register.jenis_disabilitas,
        register.nama_kec_daftar,
        register.nama_desa_daftar,
        register.kunci_kec,
        register.kunci_desa,
        register.alamat,
        -- numbers
        register.umur_tercatat,
        -- flags
        register.is_nik_valid,
        register.is_nik_rusak,
        register.is_tgl_lahir_tidak_valid,
        -- dates
        register.tgl_lahir
    from register
)

select * from final
