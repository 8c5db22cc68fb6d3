-- Staging model of the DTKS household (RT) file: one row per data row of a DTKS submission, typed.
-- Exact duplicate rows are marked (kept out of the warehouse, counted); a key (IDBDT) carried by two rows
-- with different content is a conflict, found on the built warehouse partition, which stops the refresh
-- with the rows named.
with

source as (
    -- the staging rows with their submission's declarations and row hash (bansos360.staging)
    select * from staging.dtks_rt_baris
),

-- materialized: each cleaned column is computed once, however often the flags and windows below read it
renamed as materialized (
    select
        -- ids
        source.submission_id,
        source.source_file_id,
        source.source_row,
        util.isian(source.idbdt) as idbdt,
        util.kode_bps(source.kdprop, 2) as kdprop,
        util.kode_bps(source.kdkab, 2) as kdkab,
        util.kode_bps(source.kdkec, 3) as kode_kec_bps,
        util.kode_bps(source.kddesa, 3) as kode_desa_bps,
        source.periode,
        -- text
        util.isian(source.nama_krt) as nama_krt,
        util.nama_normal(source.nama_krt) as nama_krt_normal,
        util.isian(source.alamat) as alamat,
        util.isian(source.ruta6) as ruta6,
        util.isian(source.nopesertapbdt) as nopesertapbdt,
        util.isian(source.nopesertapkh) as nopesertapkh,
        util.isian(source.nopesertakks2016) as nopesertakks2016,
        util.isian(source.nopesertapbi) as nopesertapbi,
        util.isian(source.pesertakip) as pesertakip,
        util.isian(source.nama_sls) as nama_sls,
        util.isian(source.nomor_meter_air) as nomor_meter_air,
        util.isian(source.nomor_pln) as nomor_pln,
        util.isian(source.nomor_gas) as nomor_gas,
        -- numbers
        util.angka(source.jumlah_art) as jumlah_art,
        util.angka(source.jumlah_keluarga) as jumlah_keluarga,
        util.angka(source.percentile) as percentile,
        util.angka(source.status_kesejahteraan) as status_kesejahteraan,
        util.desil(source.status_kesejahteraan, source.percentile) as desil,
        util.angka(source.sta_bangunan) as sta_bangunan,
        util.angka(source.sta_lahan) as sta_lahan,
        util.angka(source.luas_lantai) as luas_lantai,
        util.angka(source.lantai) as lantai,
        util.angka(source.dinding) as dinding,
        util.angka(source.kondisi_dinding) as kondisi_dinding,
        util.angka(source.atap) as atap,
        util.angka(source.kondisi_atap) as kondisi_atap,
        util.angka(source.jumlah_kamar) as jumlah_kamar,
        util.angka(source.sumber_airminum) as sumber_airminum,
        util.angka(source.cara_proleh_airminum) as cara_proleh_airminum,
        util.angka(source.sumber_penerangan) as sumber_penerangan,
        util.angka(source.daya) as daya,
        util.angka(source.bb_masak) as bb_masak,
        util.angka(source.fasbab) as fasbab,
        util.angka(source.kloset) as kloset,
        util.angka(source.buang_tinja) as buang_tinja,
        util.angka(source.ada_tabung_gas) as ada_tabung_gas,
        util.angka(source.ada_lemari_es) as ada_lemari_es,
        util.angka(source.ada_ac) as ada_ac,
        util.angka(source.ada_pemanas) as ada_pemanas,
        util.angka(source.ada_telpon) as ada_telpon,
        util.angka(source.ada_tv) as ada_tv,
        util.angka(source.ada_emas) as ada_emas,
        util.angka(source.ada_laptop) as ada_laptop,
        util.angka(source.ada_sepeda) as ada_sepeda,
        util.angka(source.ada_motor) as ada_motor,
        util.angka(source.ada_mobil) as ada_mobil,
        util.angka(source.ada_perahu) as ada_perahu,
        util.angka(source.ada_motor_tempel) as ada_motor_tempel,
        util.angka(source.ada_perahu_motor) as ada_perahu_motor,
        util.angka(source.ada_kapal) as ada_kapal,
        util.angka(source.aset_tak_bergerak) as aset_tak_bergerak,
        util.angka(source.luas_atb) as luas_atb,
        util.angka(source.rumah_lain) as rumah_lain,
        util.angka(source.jumlah_sapi) as jumlah_sapi,
        util.angka(source.jumah_kerbau) as jumah_kerbau,
        util.angka(source.jumlah_kuda) as jumlah_kuda,
        util.angka(source.jumlah_babi) as jumlah_babi,
        util.angka(source.jumlah_kambing) as jumlah_kambing,
        util.angka(source.sta_art_usaha) as sta_art_usaha,
        util.angka(source.sta_kks) as sta_kks,
        util.angka(source.sta_kip) as sta_kip,
        util.angka(source.sta_kis) as sta_kis,
        util.angka(source.sta_bpjs_mandiri) as sta_bpjs_mandiri,
        util.angka(source.sta_jamsostek) as sta_jamsostek,
        util.angka(source.sta_asuransi) as sta_asuransi,
        util.angka(source.sta_pkh) as sta_pkh,
        util.angka(source.sta_rastra) as sta_rastra,
        util.angka(source.sta_kur) as sta_kur,
        util.angka(source.sta_keberadaan_rt) as sta_keberadaan_rt,
        source.row_hash
    from source
),

final as (
    select
        renamed.*,
        row_number() over (
            partition by renamed.submission_id, renamed.row_hash order by renamed.source_row
        ) > 1 as is_exact_duplicate
    from renamed
)

select * from final
