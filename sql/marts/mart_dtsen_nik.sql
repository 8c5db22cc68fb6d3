-- Dashboards 13 and 14: one row per valid NIK of every published DTSEN update and place of its families (a NIK in
-- families of two kecamatan has a row in each; kode_kec NULL: a family placed nowhere), with the NIK's desil in
-- that update: the lowest known desil among all its families (docs/definitions.md, "DTSEN"). Individuals are
-- the distinct NIKs. Key: (periode, nik, kode_kec).
with

individu as (
    select * from warehouse.dtsen_individu
    where is_nik_valid
),

keluarga as (
    select * from marts_next.mart_dtsen_keluarga
),

final as (
    select
        individu.periode,
        individu.nik,
        keluarga.kode_kec,
        min(min(keluarga.desil)) over (partition by individu.periode, individu.nik) as desil
    from individu
    inner join keluarga on individu.periode = keluarga.periode and individu.id_keluarga = keluarga.id_keluarga
    group by individu.periode, individu.nik, keluarga.kode_kec
)

select * from final
