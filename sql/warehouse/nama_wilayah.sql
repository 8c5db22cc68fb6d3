-- The official names of the places of the published region reference, one row per region code: a
-- kecamatan's (tingkat 'kecamatan': its name, the first if the reference spells it two ways) and a desa's
-- (tingkat 'desa': its name and its kecamatan's as the reference row gives them). The one place every mart
-- takes place names from: a mart joins it by its kode_kec and by its kode_desa (the two kinds of code never
-- meet: a desa code is longer). A row that matched no place has no code to join, and a mart shows
-- 'Tidak cocok' for it (docs/definitions.md, "Places").
with

wilayah as (
    select * from warehouse.ref_wilayah
),

kecamatan as (
    select
        kode_kec as kode_wilayah,
        'kecamatan' as tingkat,
        kode_kec,
        min(nama_kec) as nama_kec,
        null::text as nama_desa
    from wilayah
    group by kode_kec
),

desa as (
    select
        kode_desa as kode_wilayah,
        'desa' as tingkat,
        kode_kec,
        nama_kec,
        nama_desa
    from wilayah
),

final as (
    select * from kecamatan
    union all
    select * from desa
)

select * from final
