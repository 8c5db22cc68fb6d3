-- Dashboard 13 in aggregate, for every reader (docs/definitions.md, "DTSEN"): the daftar verval and the current KPM
-- counted at three levels, so that no reader needs a NIK to count distinct persons. tingkat = 'kabupaten' (kode_kec,
-- kode_desa NULL), 'kecamatan' (per kode_kec; NULL: rows placed nowhere), 'desa' (per kode_kec, kode_desa).
-- One row per level and programme (the current KPM rows by DTSEN group and the inclusion candidates, distinct valid
-- NIKs), and one per level with program NULL (the exclusion candidates: families and distinct valid NIKs of
-- their members, where the family is). Key: (tingkat, kode_kec, kode_desa, program).
with

kpm as (
    select * from marts_next.mart_dtsen_kpm
),

eksklusi as (
    select * from marts_next.mart_daftar_verval
    where alasan = 'eksklusi'
),

fakta as (
    select
        kpm.program,
        kpm.kode_kec,
        kpm.kode_desa,
        kpm.kelompok_dtsen,
        case when kpm.is_di_atas_batas then kpm.nik end as nik_inklusi,
        null::text as id_keluarga,
        null::text as nik_eksklusi,
        kpm.desil_maks
    from kpm
    union all
    select
        null as program,
        eksklusi.kode_kec,
        eksklusi.kode_desa,
        null as kelompok_dtsen,
        null as nik_inklusi,
        eksklusi.id_keluarga,
        case when eksklusi.is_nik_valid then eksklusi.nik end as nik_eksklusi,
        null as desil_maks
    from eksklusi
),

final as (
    select
        -- ids
        case grouping(fakta.kode_kec, fakta.kode_desa)
            when 3 then 'kabupaten' when 1 then 'kecamatan' else 'desa'
        end as tingkat,
        fakta.kode_kec,
        fakta.kode_desa,
        fakta.program,
        (select max(keluarga.periode) from marts_next.mart_dtsen_keluarga as keluarga) as periode_dtsen,
        -- numbers: current KPM rows by the desil group of their NIK in the latest update
        count(*) filter (where fakta.kelompok_dtsen = 'desil_1_4') as desil_1_4,
        count(*) filter (where fakta.kelompok_dtsen = 'desil_5') as desil_5,
        count(*) filter (where fakta.kelompok_dtsen = 'desil_6_10') as desil_6_10,
        count(*) filter (where fakta.kelompok_dtsen = 'tanpa_desil') as tanpa_desil,
        count(*) filter (where fakta.kelompok_dtsen = 'tidak_di_dtsen') as tidak_di_dtsen,
        -- numbers: candidates for a ground check
        count(distinct fakta.nik_inklusi) as inklusi,
        count(distinct fakta.id_keluarga) as eksklusi_keluarga,
        count(distinct fakta.nik_eksklusi) as eksklusi_individu,
        max(fakta.desil_maks) as desil_maks
    from fakta
    group by grouping sets (
        (fakta.program),
        (fakta.program, fakta.kode_kec),
        (fakta.program, fakta.kode_kec, fakta.kode_desa)
    )
)

select * from final
