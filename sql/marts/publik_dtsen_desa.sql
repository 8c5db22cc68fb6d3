-- Public, aggregate-only: DTSEN families of the latest published update per desa by desil group (Desil 1-4,
-- Desil 5, Desil 6-10, Tanpa desil), for village pages. No family id, name or NIK. Small cells are removed, not
-- masked: a group of fewer than 5 families in the desa is merged into 'Lainnya', leaving no remainder to
-- subtract (util.gabung_sel_kecil). Key: (kode_desa, kelompok_desil).
with

keluarga as (
    select * from marts_next.mart_dtsen_keluarga
    where
        kode_desa is not null
        and periode = (select max(terakhir.periode) from marts_next.mart_dtsen_keluarga as terakhir)
),

per_kelompok as (
    select
        keluarga.periode,
        keluarga.kode_kec,
        keluarga.kode_desa,
        case keluarga.kelompok_desil
            when 'desil_1_4' then 'Desil 1-4'
            when 'desil_5' then 'Desil 5'
            when 'desil_6_10' then 'Desil 6-10'
            else 'Tanpa desil'
        end as kelompok_desil,
        count(*) as keluarga
    from keluarga
    group by keluarga.periode, keluarga.kode_kec, keluarga.kode_desa, keluarga.kelompok_desil
),

per_desa as (
    select
        periode,
        kode_kec,
        kode_desa,
        array_agg(kelompok_desil order by kelompok_desil) as kelompok_desil,
        array_agg(keluarga order by kelompok_desil) as keluarga
    from per_kelompok
    group by periode, kode_kec, kode_desa
)

select
    per_desa.periode,
    per_desa.kode_kec,
    per_desa.kode_desa,
    sel.kategori as kelompok_desil,
    sel.jumlah as keluarga
from per_desa
cross join lateral util.gabung_sel_kecil(per_desa.kelompok_desil, per_desa.keluarga) as sel
