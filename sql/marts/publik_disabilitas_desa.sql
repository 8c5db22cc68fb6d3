-- Public, aggregate-only: persons on the disability register per desa, by gender and, separately, by type,
-- for village pages (never crossed: gender x type would isolate persons). Small cells are removed, not
-- masked: a category of fewer than 5 persons is merged into 'Lainnya' so that both breakdowns add up to the
-- same total and nothing can be derived by subtraction (util.gabung_sel_kecil). Persons are counted: a valid
-- NIK, else the NIK and name as written. Key: (kode_desa, dimensi, kategori).
with

orang as (
    select
        kode_kec,
        kode_desa,
        jenis_kelamin,
        jenis_disabilitas,
        case when is_nik_valid then nik else coalesce(nik, '') || '|' || coalesce(nama, '') end as orang
    from marts_next.mart_disabilitas
    where kode_desa is not null
),

jenis_kelamin as (
    select
        kode_kec,
        kode_desa,
        case jenis_kelamin when 'L' then 'Laki-laki' when 'P' then 'Perempuan' else 'Tidak tercatat' end
            as kategori,
        count(distinct orang) as jumlah
    from orang
    group by kode_kec, kode_desa, jenis_kelamin
),

jenis_disabilitas as (
    select
        kode_kec,
        kode_desa,
        coalesce(nullif(jenis_disabilitas, ''), 'Tidak tercatat') as kategori,
        count(distinct orang) as jumlah
    from orang
    group by kode_kec, kode_desa, coalesce(nullif(jenis_disabilitas, ''), 'Tidak tercatat')
),

per_desa as (
    select
        kode_kec,
        kode_desa,
        'Jenis kelamin' as dimensi,
        array_agg(kategori order by kategori) as kategori,
        array_agg(jumlah order by kategori) as jumlah
    from jenis_kelamin
    group by kode_kec, kode_desa
    union all
    select
        kode_kec,
        kode_desa,
        'Jenis disabilitas' as dimensi,
        array_agg(kategori order by jumlah desc, kategori asc) as kategori,
        array_agg(jumlah order by jumlah desc, kategori asc) as jumlah
    from jenis_disabilitas
    group by kode_kec, kode_desa
)

select
    per_desa.kode_kec,
    per_desa.kode_desa,
    per_desa.dimensi,
    sel.kategori,
    sel.jumlah
from per_desa
cross join lateral util.gabung_sel_kecil(per_desa.kategori, per_desa.jumlah) as sel
