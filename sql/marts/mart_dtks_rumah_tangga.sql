-- DTKS households for dashboards 6 and 10: one row per household (IDBDT) per published period, with its
-- families, members, desil, programmes, members with a disability, lansia, housing and assets.
-- Key: (periode, idbdt). Located by the household's place in that period.
with

rumah_tangga as (
    select * from warehouse.dtks_rumah_tangga
),

anggota as (
    select
        periode,
        idbdt,
        count(*) as jumlah_individu,
        count(distinct nuk) as jumlah_keluarga,
        count(*) filter (where is_disabilitas) as jumlah_disabilitas,
        count(*) filter (where umur >= 60) as jumlah_lansia,
        min(nik) filter (where hub_krt = 1 and is_nik_valid) as nik_krt
    from marts_next.mart_dtks_individu
    group by periode, idbdt
),

program as (
    select
        individu.periode,
        individu.idbdt,
        count(distinct kpm.program) as jumlah_program
    from marts_next.mart_dtks_individu as individu
    inner join marts_next.mart_kpm as kpm on individu.is_nik_valid and individu.nik = kpm.nik and kpm.is_nik_valid
    group by individu.periode, individu.idbdt
),

wilayah as (
    select * from warehouse.nama_wilayah
    where tingkat = 'desa'
),

final as (
    select
        -- ids
        rumah_tangga.periode,
        rumah_tangga.idbdt,
        rumah_tangga.kode_kec,
        rumah_tangga.kode_desa,
        anggota.nik_krt,
        -- text
        wilayah.nama_kec,
        wilayah.nama_desa,
        rumah_tangga.nama_krt,
        rumah_tangga.alamat,
        -- numbers and codes
        rumah_tangga.desil,
        rumah_tangga.percentile,
        coalesce(anggota.jumlah_keluarga, 0) as jumlah_keluarga,
        coalesce(anggota.jumlah_individu, 0) as jumlah_individu,
        coalesce(anggota.jumlah_disabilitas, 0) as jumlah_disabilitas,
        coalesce(anggota.jumlah_lansia, 0) as jumlah_lansia,
        coalesce(program.jumlah_program, 0) as jumlah_program,
        rumah_tangga.sta_bangunan,
        rumah_tangga.sta_lahan,
        rumah_tangga.luas_lantai,
        rumah_tangga.lantai,
        rumah_tangga.dinding,
        rumah_tangga.atap,
        rumah_tangga.jumlah_kamar,
        rumah_tangga.sumber_airminum,
        rumah_tangga.sumber_penerangan,
        rumah_tangga.bb_masak,
        rumah_tangga.fasbab,
        rumah_tangga.ada_tabung_gas,
        rumah_tangga.ada_lemari_es,
        rumah_tangga.ada_tv,
        rumah_tangga.ada_motor,
        rumah_tangga.ada_mobil,
        -- flags
        rumah_tangga.periode = (select max(r.periode) from warehouse.dtks_rumah_tangga as r) as is_periode_terakhir
    from rumah_tangga
    left join anggota
        on
            rumah_tangga.periode = anggota.periode
            and rumah_tangga.idbdt = anggota.idbdt
    left join program
        on
            rumah_tangga.periode = program.periode
            and rumah_tangga.idbdt = program.idbdt
    left join wilayah on rumah_tangga.kode_desa = wilayah.kode_wilayah
)

select * from final
