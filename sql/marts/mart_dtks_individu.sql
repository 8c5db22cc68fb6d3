-- DTKS individuals for dashboards 6, 9 and 10: one row per individual (IDARTBDT) per published period.
-- Key: (periode, idartbdt). Located by the household's place in that period (the individual's own codes when
-- the household is missing from the RT file). Read by mart_dtks_ringkasan, the 360 views and figures.
with

individu as (
    select * from warehouse.dtks_individu
),

rumah_tangga as (
    select * from warehouse.dtks_rumah_tangga
),

wilayah as (
    select * from warehouse.nama_wilayah
    where tingkat = 'desa'
),

periode_terakhir as (
    select util.periode_tanggal(max(periode)) as hari_acuan
    from warehouse.dtks_individu
),

final as (
    select
        -- ids
        individu.periode,
        individu.idartbdt,
        individu.idbdt,
        individu.nuk,
        coalesce(rumah_tangga.kode_kec, individu.kode_kec) as kode_kec,
        coalesce(rumah_tangga.kode_desa, individu.kode_desa) as kode_desa,
        individu.nik,
        individu.nokk,
        -- text
        wilayah.nama_kec,
        wilayah.nama_desa,
        individu.nama,
        individu.nama_normal,
        case individu.jnskel when 1 then 'Laki-laki' when 2 then 'Perempuan' end as jenis_kelamin,
        individu.tmp_lahir,
        -- numbers and codes
        rumah_tangga.desil,
        individu.hub_krt,
        individu.hubkel,
        individu.sta_kawin,
        individu.jenis_cacat,
        individu.penyakit_kronis,
        individu.ijazah_tertinggi,
        individu.lapangan_usaha,
        individu.status_pekerjaan,
        extract(year from age(periode_terakhir.hari_acuan, individu.tgl_lahir))::int as umur,
        -- flags
        individu.is_nik_valid,
        individu.is_nokk_valid,
        coalesce(individu.jenis_cacat, 0) > 0 as is_disabilitas,
        individu.ada_kks = 1 as is_kks,
        individu.ada_pbi = 1 as is_pbi,
        individu.ada_kip = 1 as is_kip,
        individu.ada_pkh = 1 as is_pkh,
        individu.ada_bpnt = 1 as is_bpnt,
        individu.periode = (select max(i.periode) from warehouse.dtks_individu as i) as is_periode_terakhir,
        -- dates
        individu.tgl_lahir
    from individu
    cross join periode_terakhir
    left join rumah_tangga
        on
            individu.periode = rumah_tangga.periode
            and individu.idbdt = rumah_tangga.idbdt
    left join wilayah on coalesce(rumah_tangga.kode_desa, individu.kode_desa) = wilayah.kode_wilayah
)

select * from final
