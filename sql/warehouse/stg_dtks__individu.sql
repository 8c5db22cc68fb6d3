-- Staging model of the DTKS individual (ART) file: one row per data row of a DTKS submission, typed and
-- cleaned: NIK and No. KK normalised and flagged exactly as docs/definitions.md defines, names normalised,
-- impossible dates NULL with a flag. Exact duplicates are marked; key (IDARTBDT) conflicts are found on the
-- built warehouse partition (warehouse.build).
with

source as (
    -- the staging rows with their submission's declarations and row hash (bansos360.staging)
    select * from staging.dtks_art_baris
),

-- materialized: each cleaned column is computed once, however often the flags and windows below read it
renamed as materialized (
    select
        -- ids
        source.submission_id,
        source.source_file_id,
        source.source_row,
        util.isian(source.idbdt) as idbdt,
        util.isian(source.idartbdt) as idartbdt,
        util.kode_bps(source.kdprop, 2) as kdprop,
        util.kode_bps(source.kdkab, 2) as kdkab,
        util.kode_bps(source.kdkec, 3) as kode_kec_bps,
        util.kode_bps(source.kddesa, 3) as kode_desa_bps,
        source.periode,
        util.isian(source.nik) as nik_mentah,
        util.nomor_bersih(source.nik) as nik,
        util.isian(source.nokk) as nokk_mentah,
        util.nomor_bersih(source.nokk) as nokk,
        util.isian(source.nopesertapkh) as nopesertapkh,
        -- text
        util.isian(source.nama) as nama,
        util.nama_normal(source.nama) as nama_normal,
        util.isian(source.tmplahir) as tmp_lahir,
        util.isian(source.hubkrt) as hubkrt_teks,
        util.isian(source.namagadis_ibukandung) as nama_ibu_kandung,
        -- numbers and codes
        util.angka(source.jnskel) as jnskel,
        util.angka(source.hub_krt) as hub_krt,
        util.angka(source.nuk) as nuk,
        util.angka(source.hubkel) as hubkel,
        util.angka(source.umur) as umur,
        util.angka(source.sta_kawin) as sta_kawin,
        util.angka(source.ada_akta_nikah) as ada_akta_nikah,
        util.angka(source.ada_dikk) as ada_dikk,
        util.angka(source.ada_kartu_identitas) as ada_kartu_identitas,
        util.angka(source.sta_hamil) as sta_hamil,
        util.angka(source.jenis_cacat) as jenis_cacat,
        util.angka(source.penyakit_kronis) as penyakit_kronis,
        util.angka(source.partisipasi_sekolah) as partisipasi_sekolah,
        util.angka(source.pendidikan_tertinggi) as pendidikan_tertinggi,
        util.angka(source.kelas_tertinggi) as kelas_tertinggi,
        util.angka(source.ijazah_tertinggi) as ijazah_tertinggi,
        util.angka(source.sta_bekerja) as sta_bekerja,
        util.angka(source.jumlah_jamkerja) as jumlah_jamkerja,
        util.angka(source.lapangan_usaha) as lapangan_usaha,
        util.angka(source.status_pekerjaan) as status_pekerjaan,
        util.angka(source.sta_keberadaan_art) as sta_keberadaan_art,
        util.angka(source.sta_kepesertaan_pbi) as sta_kepesertaan_pbi,
        util.angka(source.ada_kks) as ada_kks,
        util.angka(source.ada_pbi) as ada_pbi,
        util.angka(source.ada_kip) as ada_kip,
        util.angka(source.ada_pkh) as ada_pkh,
        util.angka(source.ada_bpnt) as ada_bpnt,
        util.angka(source.anak_diluar_rt) as anak_diluar_rt,
        -- flags
        util.is_nomor_rusak(source.nik, 'nik' = any(string_to_array(source.numeric_cells, ','))) as is_nik_rusak,
        util.is_nomor_rusak(source.nokk, 'nokk' = any(string_to_array(source.numeric_cells, ',')))
            as is_nokk_rusak,
        -- dates
        util.isian(source.tgllahir) as tgl_lahir_mentah,
        util.tanggal(source.tgllahir) as tgl_lahir,
        source.row_hash
    from source
),

final as (
    select
        renamed.*,
        renamed.tgl_lahir_mentah is not null and renamed.tgl_lahir is null as is_tgl_lahir_tidak_valid,
        not renamed.is_nik_rusak and util.is_nik_valid(renamed.nik) as is_nik_valid,
        not renamed.is_nokk_rusak and util.is_kk_valid(renamed.nokk) as is_nokk_valid,
        row_number() over (
            partition by renamed.submission_id, renamed.row_hash order by renamed.source_row
        ) > 1 as is_exact_duplicate
    from renamed
)

select * from final
