-- The published register rows with their place, resolved when read from the register's kecamatan and desa
-- names through warehouse.wilayah_kunci (as penerima_bansos_lokasi does for the lists). Read by
-- mart_disabilitas.
with

register as (
    select * from warehouse.disabilitas
),

final as (
    select
        register.*,
        kecamatan.kode_kec,
        desa.kode_desa
    from register
    -- the kecamatan by its key, then the desa by its key within that kecamatan (warehouse.wilayah_kunci)
    left join warehouse.wilayah_kunci as kecamatan
        on kecamatan.tingkat = 'kecamatan' and register.kunci_kec = kecamatan.kunci
    left join warehouse.wilayah_kunci as desa
        on desa.tingkat = 'desa' and kecamatan.kode_kec = desa.lingkup and register.kunci_desa = desa.kunci
)

select * from final
