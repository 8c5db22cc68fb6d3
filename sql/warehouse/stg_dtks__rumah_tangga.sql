-- Staging model of the DTKS household (RT) file: one row per data row of a DTKS submission, typed.
-- Exact duplicate rows are marked (kept out of the warehouse, counted); a key (IDBDT) carried by two rows
-- with different content is a conflict, found on the built warehouse partition, which stops the refresh
-- with the rows named.
with

source as (
    -- one submission while warehouse.build computes it, every row otherwise
    select * from staging.dtks_rt
    where submission_id = coalesce(util.submission_in_build(), submission_id)
),

submission as (
    select
        submission_id,
        periode
    from audit.submission
),

-- materialized: each cleaned column is computed once, however often the flags and windows below read it
renamed as materialized (
    select
        -- ids
        source.submission_id,
        source.source_file_id,
        source.source_row,
        util.isian(source.idbdt) as idbdt,
        lpad(btrim(source.kdprop), 2, '0') as kdprop,
        lpad(btrim(source.kdkab), 2, '0') as kdkab,
        lpad(btrim(source.kdkec), 3, '0') as kode_kec_bps,
        lpad(btrim(source.kddesa), 3, '0') as kode_desa_bps,
        submission.periode,
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
        md5(
            -- every delivered column, none of the lineage columns
            row(
                source.idbdt, source.ruta6, source.nopesertapbdt, source.kdprop, source.kdkab,
                source.kdkec, source.kddesa, source.alamat, source.nopesertapkh,
                source.nopesertakks2016, source.nopesertapbi, source.pesertakip, source.nama_sls,
                source.nama_krt, source.jumlah_art, source.jumlah_keluarga, source.sta_bangunan,
                source.sta_lahan, source.luas_lantai, source.lantai, source.dinding,
                source.kondisi_dinding, source.atap, source.kondisi_atap, source.jumlah_kamar,
                source.sumber_airminum, source.nomor_meter_air, source.cara_proleh_airminum,
                source.sumber_penerangan, source.daya, source.nomor_pln, source.bb_masak,
                source.nomor_gas, source.fasbab, source.kloset, source.buang_tinja,
                source.ada_tabung_gas, source.ada_lemari_es, source.ada_ac, source.ada_pemanas,
                source.ada_telpon, source.ada_tv, source.ada_emas, source.ada_laptop,
                source.ada_sepeda, source.ada_motor, source.ada_mobil, source.ada_perahu,
                source.ada_motor_tempel, source.ada_perahu_motor, source.ada_kapal,
                source.aset_tak_bergerak, source.luas_atb, source.rumah_lain, source.jumlah_sapi,
                source.jumah_kerbau, source.jumlah_kuda, source.jumlah_babi, source.jumlah_kambing,
                source.sta_art_usaha, source.sta_kks, source.sta_kip, source.sta_kis,
                source.sta_bpjs_mandiri, source.sta_jamsostek, source.sta_asuransi, source.sta_pkh,
                source.sta_rastra, source.sta_kur, source.sta_keberadaan_rt, source.percentile,
                source.status_kesejahteraan
            )::text
        ) as row_hash
    from source
    inner join submission on source.submission_id = submission.submission_id
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
