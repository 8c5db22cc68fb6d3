-- Staging model of the beneficiary (KPM) lists of every programme: one row per non-blank list row, typed,
-- NIK and No. KK normalised and flagged, place names turned into match keys, a Kemendagri desa code (where
-- the list has one) reduced to its digits. Exact duplicates (same programme, same raw NIK, same normalised
-- name) are marked.
with

source as (
    -- the staging rows with their submission's declarations and row hash (bansos360.staging)
    select * from staging.daftar_kpm_baris
),

program as (
    select * from warehouse.program
),

-- materialized: each cleaned column is computed once, however often the flags and windows below read it
renamed as materialized (
    select
        -- ids
        source.submission_id,
        source.source_file_id,
        source.source_row,
        program.kode as program,
        util.isian(source.nik) as nik_mentah,
        util.nomor_bersih(source.nik) as nik,
        util.isian(source.nokk) as nokk_mentah,
        util.nomor_bersih(source.nokk) as nokk,
        util.isian(source.idartbdt) as idartbdt,
        util.isian(source.idsemesta) as idsemesta,
        util.isian(source.nomor_kartu) as nomor_kartu,
        -- text
        source.label,
        util.isian(source.tahap) as tahap,
        util.isian(source.nama) as nama,
        util.nama_normal(source.nama) as nama_normal,
        util.isian(source.kecamatan) as nama_kec_daftar,
        util.isian(source.desa) as nama_desa_daftar,
        util.kunci_kecamatan(source.kecamatan) as kunci_kec,
        util.kunci_desa(source.desa) as kunci_desa,
        util.isian(source.kode_desa) as kode_desa_daftar,
        nullif(regexp_replace(source.kode_desa, '[^0-9]', '', 'g'), '') as kunci_kode_desa,
        util.isian(source.alamat) as alamat,
        -- flags
        util.is_nomor_rusak(source.nik, 'nik' = any(string_to_array(source.numeric_cells, ','))) as is_nik_rusak,
        util.is_nomor_rusak(source.nokk, 'nokk' = any(string_to_array(source.numeric_cells, ',')))
            as is_nokk_rusak,
        -- dates
        source.as_of
    from source
    inner join program on source.sumber = program.sumber
),

final as (
    select
        renamed.*,
        not renamed.is_nik_rusak and util.is_nik_valid(renamed.nik) as is_nik_valid,
        not renamed.is_nokk_rusak and util.is_kk_valid(renamed.nokk) as is_nokk_valid,
        row_number() over (
            partition by renamed.submission_id, renamed.nik_mentah, renamed.nama_normal
            order by renamed.source_row
        ) > 1 as is_exact_duplicate
    from renamed
)

select * from final
