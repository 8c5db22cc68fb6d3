-- Staging model of the kabupaten's proposal (prelist akhir) for a DTKS period: one row per proposed person,
-- typed, NIK and No. KK normalised and flagged; exact duplicates marked.
with

source as (
    -- the staging rows with their submission's declarations and row hash (bansos360.staging)
    select * from staging.usulan_baris
),

-- materialized: each cleaned column is computed once, however often the flags and windows below read it
renamed as materialized (
    select
        -- ids
        source.submission_id,
        source.source_file_id,
        source.source_row,
        source.periode,
        util.isian(source.id_usulan_rt) as id_usulan_rt,
        util.isian(source.idbdt) as idbdt,
        util.isian(source.nik) as nik_mentah,
        util.nomor_bersih(source.nik) as nik,
        util.isian(source.nokk) as nokk_mentah,
        util.nomor_bersih(source.nokk) as nokk,
        util.kode_bps(source.kdkec, 3) as kode_kec_bps,
        util.kode_bps(source.kddesa, 3) as kode_desa_bps,
        -- text
        util.isian(source.nama) as nama,
        util.nama_normal(source.nama) as nama_normal,
        -- numbers
        util.angka(source.hub_krt) as hub_krt,
        -- flags
        util.is_nomor_rusak(source.nik, 'nik' = any(string_to_array(source.numeric_cells, ','))) as is_nik_rusak,
        util.is_nomor_rusak(source.nokk, 'nokk' = any(string_to_array(source.numeric_cells, ',')))
            as is_nokk_rusak,
        source.row_hash
    from source
),

final as (
    select
        renamed.*,
        not renamed.is_nik_rusak and util.is_nik_valid(renamed.nik) as is_nik_valid,
        not renamed.is_nokk_rusak and util.is_kk_valid(renamed.nokk) as is_nokk_valid,
        row_number() over (
            partition by renamed.submission_id, renamed.row_hash order by renamed.source_row
        ) > 1 as is_exact_duplicate
    from renamed
)

select * from final
