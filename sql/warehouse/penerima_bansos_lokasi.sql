-- The published KPM rows with their place, resolved when read (so a new reference or a new published spelling
-- re-locates every published list at the next mart build, without reloading one): the list's Kemendagri desa
-- code when the reference knows it, else its kecamatan and desa names through warehouse.wilayah_kunci.
-- kode_kec without kode_desa when only the kecamatan matched, both NULL when neither did. Read by mart_kpm.
with

daftar as (
    select * from warehouse.penerima_bansos
),

kode as (
    select
        kode_kec,
        kode_desa,
        replace(kode_desa, '.', '') as kunci_kode_desa
    from warehouse.ref_wilayah
),

final as (
    select
        daftar.*,
        coalesce(kode.kode_kec, kecamatan.kode_kec) as kode_kec,
        coalesce(kode.kode_desa, desa.kode_desa) as kode_desa
    from daftar
    left join kode on daftar.kunci_kode_desa = kode.kunci_kode_desa
    -- the kecamatan by its key, then the desa by its key within that kecamatan (warehouse.wilayah_kunci)
    left join warehouse.wilayah_kunci as kecamatan
        on kecamatan.tingkat = 'kecamatan' and daftar.kunci_kec = kecamatan.kunci
    left join warehouse.wilayah_kunci as desa
        on desa.tingkat = 'desa' and kecamatan.kode_kec = desa.lingkup and daftar.kunci_desa = desa.kunci
)

select * from final
