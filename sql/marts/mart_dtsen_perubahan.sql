-- Dashboard 14: for each published DTSEN update after the first, against the update before it, one row per family
-- of either (docs/definitions.md, "DTSEN"): in both with a desil in both, 'naik' (the number went up), 'turun' or
-- 'stagnan'; in both with a desil missing in either, 'tanpa_desil'; only in this update, 'baru'; only in the one
-- before, 'keluar' (placed where it was then). Key: (periode, id_keluarga).
with

keluarga as (
    select * from marts_next.mart_dtsen_keluarga
),

urutan as (
    select
        pemutakhiran.periode,
        lag(pemutakhiran.periode) over (order by pemutakhiran.periode) as periode_sebelum
    from (select distinct keluarga.periode from keluarga) as pemutakhiran
),

sekarang as (
    -- the families of this update, against the same family id in the update before
    select
        urutan.periode,
        ini.id_keluarga,
        ini.kode_kec,
        ini.kode_desa,
        dulu.desil as desil_sebelum,
        ini.desil,
        case
            when dulu.id_keluarga is null then 'baru'
            when ini.desil is null or dulu.desil is null then 'tanpa_desil'
            when ini.desil > dulu.desil then 'naik'
            when ini.desil < dulu.desil then 'turun'
            else 'stagnan'
        end as status
    from urutan
    inner join keluarga as ini on urutan.periode = ini.periode
    left join keluarga as dulu on urutan.periode_sebelum = dulu.periode and ini.id_keluarga = dulu.id_keluarga
    where urutan.periode_sebelum is not null
),

keluar as (
    -- the families of the update before that this one no longer has
    select
        urutan.periode,
        dulu.id_keluarga,
        dulu.kode_kec,
        dulu.kode_desa,
        dulu.desil as desil_sebelum,
        null::int as desil,
        'keluar' as status
    from urutan
    inner join keluarga as dulu on urutan.periode_sebelum = dulu.periode
    where not exists (
        select from keluarga as ini
        where ini.periode = urutan.periode and ini.id_keluarga = dulu.id_keluarga
    )
),

final as (
    select * from sekarang
    union all
    select * from keluar
)

select * from final
