-- Dashboards 13 and 14: one row per family of every published DTSEN update, with its desil (the lowest known on
-- its rows) and its place (its head's row, resolved as for the lists), docs/definitions.md, "DTSEN".
-- Key: (periode, id_keluarga).
with

keluarga as (
    select * from warehouse.dtsen_keluarga_lokasi
),

final as (
    select
        -- ids
        keluarga.periode,
        keluarga.id_keluarga,
        keluarga.kode_kec,
        keluarga.kode_desa,
        -- text
        case
            when keluarga.desil is null then 'Tanpa desil'
            when keluarga.desil <= 4 then 'Desil 1-4'
            when keluarga.desil = 5 then 'Desil 5'
            else 'Desil 6-10'
        end as kelompok_desil,
        -- numbers
        keluarga.desil,
        keluarga.jumlah_baris
    from keluarga
)

select * from final
