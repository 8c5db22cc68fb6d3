-- DTKS individuals: one row per individual (IDARTBDT) per period, every delivery kept (history);
-- warehouse.dtks_individu shows the published delivery of each period. A family is (IDBDT, NUK).
with

individu as (
    select * from warehouse.stg_dtks__individu
),

padanan as (
    select * from warehouse.padanan_bps
),

final as (
    select
        -- ids
        individu.submission_id,
        individu.source_file_id,
        individu.source_row,
        individu.idartbdt,
        individu.idbdt,
        individu.periode,
        padanan.kode_kec,
        padanan.kode_desa,
        individu.kode_kec_bps,
        individu.kode_desa_bps,
        individu.nik,
        individu.nik_mentah,
        individu.nokk,
        individu.nokk_mentah,
        individu.nopesertapkh,
        -- text
        individu.nama,
        individu.nama_normal,
        individu.tmp_lahir,
        individu.hubkrt_teks,
        individu.nama_ibu_kandung,
        -- numbers and codes
        individu.jnskel,
        individu.hub_krt,
        individu.nuk,
        individu.hubkel,
        individu.umur,
        individu.sta_kawin,
        individu.ada_akta_nikah,
        individu.ada_dikk,
        individu.ada_kartu_identitas,
        individu.sta_hamil,
        individu.jenis_cacat,
        individu.penyakit_kronis,
        individu.partisipasi_sekolah,
        individu.pendidikan_tertinggi,
        individu.kelas_tertinggi,
        individu.ijazah_tertinggi,
        individu.sta_bekerja,
        individu.jumlah_jamkerja,
        individu.lapangan_usaha,
        individu.status_pekerjaan,
        individu.sta_keberadaan_art,
        individu.sta_kepesertaan_pbi,
        individu.ada_kks,
        individu.ada_pbi,
        individu.ada_kip,
        individu.ada_pkh,
        individu.ada_bpnt,
        individu.anak_diluar_rt,
        -- flags
        individu.is_nik_valid,
        individu.is_nik_rusak,
        individu.is_nokk_valid,
        individu.is_nokk_rusak,
        individu.is_tgl_lahir_tidak_valid,
        -- dates
        individu.tgl_lahir
    from individu
    left join padanan
        on
            (individu.kdprop, individu.kdkab, individu.kode_kec_bps, individu.kode_desa_bps)
            = (padanan.kdprop, padanan.kdkab, padanan.kode_kec_bps, padanan.kode_desa_bps)
)

select * from final
