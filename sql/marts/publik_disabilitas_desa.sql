-- Public, aggregate-only: persons on the disability register per desa, by gender and, separately, by type,
-- for village pages (never crossed: gender x type would isolate persons). Small cells are removed, not
-- masked: a category of fewer than 5 persons is merged into 'Lainnya' so that both breakdowns add up to the
-- same total and nothing can be derived by subtraction (util.gabung_sel_kecil). Persons are counted, once.
-- Key: (kode_desa, dimensi, kategori).
with

-- one row per person (a valid NIK, else the NIK and normalised name as written) and desa: a person on two
-- register rows counts once in each breakdown, with one gender (none if the rows disagree) and one type (GANDA,
-- multiple, if the rows name several), so that both breakdowns add up to the same number of persons
orang as (
    select
        kode_kec,
        kode_desa,
        case when count(distinct jenis_kelamin) = 1 then min(jenis_kelamin) end as jenis_kelamin,
        case
            when count(distinct jenis_disabilitas) > 1 then 'GANDA'
            else coalesce(nullif(min(jenis_disabilitas), ''), 'Tidak tercatat')
        end as jenis_disabilitas
    from marts_next.mart_disabilitas
    where kode_desa is not null
    group by
        kode_kec,
        kode_desa,
        case
            when is_nik_valid then nik
            else coalesce(nik_mentah, '') || '|' || coalesce(nama_normal, '')
        end
),

jenis_kelamin as (
    select
        kode_kec,
        kode_desa,
        case jenis_kelamin when 'L' then 'Laki-laki' when 'P' then 'Perempuan' else 'Tidak tercatat' end
            as kategori,
        count(*) as jumlah
    from orang
    group by kode_kec, kode_desa, jenis_kelamin
),

jenis_disabilitas as (
    select
        kode_kec,
        kode_desa,
        jenis_disabilitas as kategori,
        count(*) as jumlah
    from orang
    group by kode_kec, kode_desa, jenis_disabilitas
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
