-- The published register rows with their place, resolved when read from the register's kecamatan and desa
-- names through warehouse.wilayah_kunci (as penerima_bansos_lokasi does for the lists). Read by
-- mart_disabilitas.
with

register as (
    select * from warehouse.disabilitas
),

kecamatan as (
    select * from warehouse.wilayah_kunci
    where tingkat = 'kecamatan'
),

desa as (
    select * from warehouse.wilayah_kunci
    where tingkat = 'desa'
),

final as (
    select
        register.*,
        kecamatan.kode_kec,
        desa.kode_desa
    from register
    left join kecamatan on register.kunci_kec = kecamatan.kunci
    left join desa
        on
            kecamatan.kode_kec = desa.lingkup
            and register.kunci_desa = desa.kunci
)

select * from final
