-- KPM rows with their identity checks, for dashboards 1, 2, 3 and 5: one row per KPM row, i.e. a row of a
-- published beneficiary list after blank rows and exact duplicates (same programme, same raw NIK, same
-- normalised name, across every published list of the programme) are dropped: the row of the earliest list is
-- kept (its as-of date; a list without one after those with one; on a tie the earlier submission), so the
-- order the lists were uploaded in does not matter.
-- Key: (submission_id, source_row). Located by the list's own place (warehouse.penerima_bansos_lokasi);
-- kode_kec/kode_desa NULL where it did not match (status_lokasi says which), and nama_kec/nama_desa then
-- 'Tidak cocok' (one value in every filter), the spellings as written in nama_kec_daftar/nama_desa_daftar.
-- nomor_nik numbers the valid NIKs of this build. By-name-by-address: never in a public view.
with

daftar as (
    select * from warehouse.penerima_bansos_lokasi
),

berkas as (
    select
        submission_file.submission_id,
        submission_file.original_name
    from audit.submission_file
    where submission_file.position = 0
),

dtks as (
    select * from marts_next.mart_dtks_nik
),

tanpa_duplikat as (
    select
        daftar.*,
        row_number() over (
            partition by daftar.program, daftar.nik_mentah, daftar.nama_normal
            order by daftar.as_of asc nulls last, daftar.submission_id asc, daftar.source_row asc
        ) as urutan
    from daftar
),

final as (
    select
        -- ids
        kpm.submission_id,
        kpm.source_row,
        kpm.program,
        kpm.kode_kec,
        kpm.kode_desa,
        kpm.nik,
        kpm.nik_mentah,
        kpm.nokk,
        -- text
        kpm.label,
        berkas.original_name as berkas_sumber,
        kpm.nama,
        kpm.nama_normal,
        coalesce(desa.nama_desa, 'Tidak cocok') as nama_desa,
        coalesce(kecamatan.nama_kec, 'Tidak cocok') as nama_kec,
        kpm.nama_desa_daftar,
        kpm.nama_kec_daftar,
        kpm.kode_desa_daftar,
        case
            when kpm.kode_desa is not null then 'cocok'
            when kpm.kode_kec is not null then 'desa_tidak_cocok'
            else 'tidak_diketahui'
        end as status_lokasi,
        case
            when dtks.nik is null then 'Tidak di DTKS'
            when dtks.desil in (1, 2) then 'Desil 1-2'
            when dtks.desil in (3, 4) then 'Desil 3-4'
            else 'Di DTKS tanpa desil'
        end as kelompok_desil,
        coalesce(dtks.jenis_kelamin, 'Kosong') as jenis_kelamin,
        util.kelompok_umur(dtks.umur) as kelompok_umur,
        -- numbers and codes
        -- a number per valid NIK (ordered by its hash, so it says nothing of the NIK): masked views count
        -- distinct persons with it
        case
            when kpm.is_nik_valid
                then dense_rank() over (partition by kpm.is_nik_valid order by md5(kpm.nik))
        end as nomor_nik,
        dtks.desil,
        dtks.jenis_cacat,
        dtks.penyakit_kronis,
        dtks.ijazah_tertinggi,
        dtks.lapangan_usaha,
        -- flags
        kpm.is_nik_valid,
        dtks.nik is not null as is_di_dtks,
        coalesce(dtks.is_kk_valid, false) as is_kk_valid,
        coalesce(dtks.is_pbi, false) as is_kis,
        dtks.is_disabilitas,
        -- dates
        dtks.tgl_lahir,
        kpm.as_of
    from tanpa_duplikat as kpm
    left join berkas on kpm.submission_id = berkas.submission_id
    left join dtks on kpm.is_nik_valid and kpm.nik = dtks.nik
    left join warehouse.nama_wilayah as kecamatan on kpm.kode_kec = kecamatan.kode_wilayah
    left join warehouse.nama_wilayah as desa on kpm.kode_desa = desa.kode_wilayah
    where kpm.urutan = 1
)

select * from final
