-- Dashboard 14 in aggregate, for every reader (docs/definitions.md, "DTSEN"): per published update, its families,
-- individuals (distinct valid NIKs), families per desil 1-10 and the changes against the update before, counted at
-- three levels so that no reader needs a NIK to count distinct persons. tingkat = 'kabupaten' (kode_kec, kode_desa
-- NULL), 'kecamatan' (per kode_kec; NULL: families placed nowhere), 'desa' (per kode_kec, kode_desa). A family
-- counts where it is in the update concerned; 'keluar' where it was in the update before.
-- Key: (periode, tingkat, kode_kec, kode_desa).
with

keluarga as (
    select * from marts_next.mart_dtsen_keluarga
),

anggota as (
    select * from warehouse.dtsen_individu
    where is_nik_valid
),

perubahan as (
    select * from marts_next.mart_dtsen_perubahan
),

fakta as (
    select
        keluarga.periode,
        keluarga.kode_kec,
        keluarga.kode_desa,
        keluarga.id_keluarga,
        keluarga.desil,
        null::text as nik,
        null::text as status
    from keluarga
    union all
    select
        keluarga.periode,
        keluarga.kode_kec,
        keluarga.kode_desa,
        null as id_keluarga,
        null as desil,
        anggota.nik,
        null as status
    from anggota
    inner join keluarga on anggota.periode = keluarga.periode and anggota.id_keluarga = keluarga.id_keluarga
    union all
    select
        perubahan.periode,
        perubahan.kode_kec,
        perubahan.kode_desa,
        null as id_keluarga,
        null as desil,
        null as nik,
        perubahan.status
    from perubahan
),

final as (
    select
        -- ids
        fakta.periode,
        case grouping(fakta.kode_kec, fakta.kode_desa)
            when 3 then 'kabupaten' when 1 then 'kecamatan' else 'desa'
        end as tingkat,
        fakta.kode_kec,
        fakta.kode_desa,
        -- numbers
        count(fakta.id_keluarga) as keluarga,
        count(distinct fakta.nik) as individu,
        count(*) filter (where fakta.desil = 1) as desil_1,
        count(*) filter (where fakta.desil = 2) as desil_2,
        count(*) filter (where fakta.desil = 3) as desil_3,
        count(*) filter (where fakta.desil = 4) as desil_4,
        count(*) filter (where fakta.desil = 5) as desil_5,
        count(*) filter (where fakta.desil = 6) as desil_6,
        count(*) filter (where fakta.desil = 7) as desil_7,
        count(*) filter (where fakta.desil = 8) as desil_8,
        count(*) filter (where fakta.desil = 9) as desil_9,
        count(*) filter (where fakta.desil = 10) as desil_10,
        count(fakta.id_keluarga) filter (where fakta.desil is null) as tanpa_desil,
        count(*) filter (where fakta.status = 'naik') as naik,
        count(*) filter (where fakta.status = 'turun') as turun,
        count(*) filter (where fakta.status = 'stagnan') as stagnan,
        count(*) filter (where fakta.status = 'baru') as baru,
        count(*) filter (where fakta.status = 'keluar') as keluar
    from fakta
    group by grouping sets (
        (fakta.periode),
        (fakta.periode, fakta.kode_kec),
        (fakta.periode, fakta.kode_kec, fakta.kode_desa)
    )
)

select * from final
