-- DTKS households: one row per household (IDBDT) per period, every delivery kept (history);
-- warehouse.dtks_rumah_tangga shows the published delivery of each period. Place codes are Kemendagri codes
-- reached from the file's BPS codes through the published crosswalk (NULL when the crosswalk has none).
with

rumah_tangga as (
    select * from warehouse.stg_dtks__rumah_tangga
),

padanan as (
    select * from warehouse.padanan_bps
),

final as (
    select
        rumah_tangga.submission_id,
        rumah_tangga.source_file_id,
        rumah_tangga.source_row,
        rumah_tangga.idbdt,
        rumah_tangga.periode,
        padanan.kode_kec,
        padanan.kode_desa,
        rumah_tangga.kode_kec_bps,
        rumah_tangga.kode_desa_bps,
        rumah_tangga.nama_krt,
        rumah_tangga.nama_krt_normal,
        rumah_tangga.alamat,
        rumah_tangga.ruta6,
        rumah_tangga.nopesertapbdt,
        rumah_tangga.nopesertapkh,
        rumah_tangga.nopesertakks2016,
        rumah_tangga.nopesertapbi,
        rumah_tangga.pesertakip,
        rumah_tangga.nama_sls,
        rumah_tangga.nomor_meter_air,
        rumah_tangga.nomor_pln,
        rumah_tangga.nomor_gas,
        rumah_tangga.jumlah_art,
        rumah_tangga.jumlah_keluarga,
        rumah_tangga.percentile,
        rumah_tangga.status_kesejahteraan,
        rumah_tangga.desil,
        rumah_tangga.sta_bangunan,
        rumah_tangga.sta_lahan,
        rumah_tangga.luas_lantai,
        rumah_tangga.lantai,
        rumah_tangga.dinding,
        rumah_tangga.kondisi_dinding,
        rumah_tangga.atap,
        rumah_tangga.kondisi_atap,
        rumah_tangga.jumlah_kamar,
        rumah_tangga.sumber_airminum,
        rumah_tangga.cara_proleh_airminum,
        rumah_tangga.sumber_penerangan,
        rumah_tangga.daya,
        rumah_tangga.bb_masak,
        rumah_tangga.fasbab,
        rumah_tangga.kloset,
        rumah_tangga.buang_tinja,
        rumah_tangga.ada_tabung_gas,
        rumah_tangga.ada_lemari_es,
        rumah_tangga.ada_ac,
        rumah_tangga.ada_pemanas,
        rumah_tangga.ada_telpon,
        rumah_tangga.ada_tv,
        rumah_tangga.ada_emas,
        rumah_tangga.ada_laptop,
        rumah_tangga.ada_sepeda,
        rumah_tangga.ada_motor,
        rumah_tangga.ada_mobil,
        rumah_tangga.ada_perahu,
        rumah_tangga.ada_motor_tempel,
        rumah_tangga.ada_perahu_motor,
        rumah_tangga.ada_kapal,
        rumah_tangga.aset_tak_bergerak,
        rumah_tangga.luas_atb,
        rumah_tangga.rumah_lain,
        rumah_tangga.jumlah_sapi,
        rumah_tangga.jumah_kerbau,
        rumah_tangga.jumlah_kuda,
        rumah_tangga.jumlah_babi,
        rumah_tangga.jumlah_kambing,
        rumah_tangga.sta_art_usaha,
        rumah_tangga.sta_kks,
        rumah_tangga.sta_kip,
        rumah_tangga.sta_kis,
        rumah_tangga.sta_bpjs_mandiri,
        rumah_tangga.sta_jamsostek,
        rumah_tangga.sta_asuransi,
        rumah_tangga.sta_pkh,
        rumah_tangga.sta_rastra,
        rumah_tangga.sta_kur,
        rumah_tangga.sta_keberadaan_rt
    from rumah_tangga
    left join padanan
        on
            (rumah_tangga.kdprop, rumah_tangga.kdkab, rumah_tangga.kode_kec_bps, rumah_tangga.kode_desa_bps)
            = (padanan.kdprop, padanan.kdkab, padanan.kode_kec_bps, padanan.kode_desa_bps)
)

select * from final
