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
        util.kelompok_desil_dtsen(keluarga.desil) as kelompok_desil,
        -- numbers
        keluarga.desil,
        keluarga.jumlah_baris
    from keluarga
)

select * from final
