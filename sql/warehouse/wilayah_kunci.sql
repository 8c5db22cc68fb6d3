-- Match keys of the published places, one row per (tingkat, lingkup, kunci): a kecamatan spelling names one
-- kecamatan (lingkup ''), a desa spelling one desa within its kecamatan (lingkup = kode_kec). The keys come
-- from the reference's names, the shipped spelling variants (ref_desa_alias) and the Dinas's published
-- desa_alias deliveries; where two name the same key, the reference wins, then the shipped variants, then the
-- latest delivery (then the lower code), so a row is never placed twice. A delivered spelling counts only while
-- the reference published now knows its code. Read by penerima_bansos_lokasi and disabilitas_lokasi.
with

wilayah as (
    select * from warehouse.ref_wilayah
),

tempat as (
    select * from warehouse.nama_wilayah
),

alias_bawaan as (
    select * from warehouse.ref_desa_alias
),

alias_dinas as (
    select * from warehouse.desa_alias
),

keys as (
    -- the reference's own names: each desa's, and its kecamatan's
    select distinct
        nama.tingkat,
        wilayah.kode_kec,
        nama.kode_desa,
        nama.kunci,
        1 as prioritas,
        0::bigint as submission_id
    from wilayah
    cross join
        lateral (
            values ('kecamatan', null::text, wilayah.kunci_kec), ('desa', wilayah.kode_desa, wilayah.kunci_desa)
        ) as nama (tingkat, kode_desa, kunci)
    union all
    -- the shipped spelling variants of desa names
    select
        'desa' as tingkat,
        wilayah.kode_kec,
        wilayah.kode_desa,
        util.kunci_desa(alias_bawaan.nama_alias) as kunci,
        2 as prioritas,
        0::bigint as submission_id
    from alias_bawaan
    inner join wilayah on alias_bawaan.kode_desa = wilayah.kode_desa
    union all
    -- the Dinas's spellings, of a kecamatan or of a desa, while the reference knows the code
    select
        alias_dinas.tingkat,
        tempat.kode_kec,
        case when alias_dinas.tingkat = 'desa' then tempat.kode_wilayah end as kode_desa,
        alias_dinas.kunci,
        3 as prioritas,
        alias_dinas.submission_id
    from alias_dinas
    inner join tempat
        on alias_dinas.kode_wilayah = tempat.kode_wilayah and alias_dinas.tingkat = tempat.tingkat
),

final as (
    select distinct on (tingkat, lingkup, kunci)
        tingkat,
        case when tingkat = 'desa' then kode_kec else '' end as lingkup,
        kunci,
        kode_kec,
        kode_desa
    from keys
    where kunci <> ''
    order by tingkat asc, lingkup asc, kunci asc, prioritas asc, submission_id desc, kode_desa asc
)

select * from final
