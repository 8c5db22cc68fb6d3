-- Persons with disabilities for dashboard 12: one row per row of the published register (blank rows and
-- exact duplicates already dropped), with gender L/P, the normalised type, the age group (from the birth
-- date on the first day of the latest DTKS period's month, else the age as given), whether the valid NIK is
-- in the latest DTKS period and whether it is on any published beneficiary list.
-- Key: (submission_id, source_row). Located by the register's place names (warehouse.disabilitas_lokasi),
-- the spellings as written kept in nama_kec_daftar/nama_desa_daftar.
-- The build adds nama_kec and nama_desa, the places' official names (models.yml: nama_tempat).
with

register as (
    select * from warehouse.disabilitas_lokasi
),

hari_acuan as (
    select util.periode_tanggal(max(periode)) as tanggal
    from warehouse.dtks_individu
),

dtks as (
    select nik from marts_next.mart_dtks_nik
),

kpm as (
    select distinct nik
    from marts_next.mart_kpm
    where is_nik_valid
),

umur as (
    select
        register.*,
        coalesce(extract(year from age(hari_acuan.tanggal, register.tgl_lahir))::int, register.umur_tercatat) as umur
    from register
    cross join hari_acuan
),

final as (
    select
        -- ids
        umur.submission_id,
        umur.source_row,
        umur.kode_kec,
        umur.kode_desa,
        umur.nik,
        umur.nik_mentah,
        -- text
        umur.nama,
        umur.nama_normal,
        umur.jenis_kelamin,
        umur.jenis_disabilitas,
        util.kelompok_umur(umur.umur) as kelompok_umur,
        umur.nama_kec_daftar,
        umur.nama_desa_daftar,
        -- numbers
        umur.umur,
        -- flags
        umur.is_nik_valid,
        dtks.nik is not null as is_di_dtks,
        kpm.nik is not null as is_menerima_bansos,
        -- dates
        umur.tgl_lahir
    from umur
    left join dtks on umur.is_nik_valid and umur.nik = dtks.nik
    left join kpm on umur.is_nik_valid and umur.nik = kpm.nik
)

select * from final
