-- Place names of the published lists and disability register that matched no place of the reference, for the
-- data-quality dashboard (analysts): one row per source, status and raw spelling, with how many rows carry
-- it. status: kecamatan_tidak_cocok (placed nowhere) or desa_tidak_cocok (in its kecamatan, no desa). A
-- published desa_alias delivery naming the spelling moves those rows to their place at the next build.
-- Key: (sumber, status, kode_kec, ejaan_kecamatan, ejaan_desa, kode_desa_daftar).
with

kpm as (
    select
        program as sumber,
        kode_kec,
        kode_desa,
        nama_kec_daftar,
        nama_desa_daftar,
        kode_desa_daftar
    from marts_next.mart_kpm
),

register as (
    select
        'DISABILITAS' as sumber,
        kode_kec,
        kode_desa,
        nama_kec_daftar,
        nama_desa_daftar,
        null::text as kode_desa_daftar
    from marts_next.mart_disabilitas
),

baris as (
    select * from kpm
    union all
    select * from register
),

final as (
    select
        -- ids
        baris.sumber,
        baris.kode_kec,
        null::text as kode_desa,
        -- text
        case
            when baris.kode_kec is null then 'kecamatan_tidak_cocok'
            else 'desa_tidak_cocok'
        end as status,
        kecamatan.nama_kec,
        coalesce(baris.nama_kec_daftar, '') as ejaan_kecamatan,
        coalesce(baris.nama_desa_daftar, '') as ejaan_desa,
        coalesce(baris.kode_desa_daftar, '') as kode_desa_daftar,
        -- numbers
        count(*) as jumlah_baris
    from baris
    left join warehouse.nama_wilayah as kecamatan on baris.kode_kec = kecamatan.kode_wilayah
    where baris.kode_desa is null
    group by
        baris.sumber,
        baris.kode_kec,
        kecamatan.nama_kec,
        baris.nama_kec_daftar,
        baris.nama_desa_daftar,
        baris.kode_desa_daftar
)

select * from final
