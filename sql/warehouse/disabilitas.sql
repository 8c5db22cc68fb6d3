-- Persons with disabilities from the Dinas's register: one row per register row after blank rows and exact
-- duplicates are dropped, every delivery kept; warehouse.disabilitas shows the published register.
with

register as (
    select * from warehouse.stg_disabilitas__register
    where not is_exact_duplicate
),

kecamatan as (
    select distinct
        kode_kec,
        kunci_kec
    from warehouse.wilayah_kunci
),

desa as (
    select * from warehouse.wilayah_kunci
),

final as (
    select
        -- ids
        register.submission_id,
        register.source_file_id,
        register.source_row,
        kecamatan.kode_kec,
        desa.kode_desa,
        register.nik,
        register.nik_mentah,
        -- text
        register.nama,
        register.nama_normal,
        register.jenis_kelamin,
        register.jenis_disabilitas,
        register.nama_kec_daftar,
        register.nama_desa_daftar,
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
    left join kecamatan on register.kunci_kec = kecamatan.kunci_kec
    left join desa
        on
            kecamatan.kode_kec = desa.kode_kec
            and register.kunci_desa = desa.kunci_desa
)

select * from final
