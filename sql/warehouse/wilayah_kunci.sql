-- Name keys of every published desa/kelurahan, its official name and its known spelling variants:
-- one row per (kecamatan, desa name key). Lists and the disability register match places through it.
with

wilayah as (
    select * from warehouse.ref_wilayah
),

alias as (
    select * from warehouse.ref_desa_alias
),

keys as (
    select
        kode_kec,
        kode_desa,
        kunci_kec,
        kunci_desa
    from wilayah
    union
    select
        wilayah.kode_kec,
        wilayah.kode_desa,
        wilayah.kunci_kec,
        util.kunci_desa(alias.nama_alias) as kunci_desa
    from alias
    inner join wilayah on alias.kode_desa = wilayah.kode_desa
),

final as (
    select * from keys
)

select * from final
