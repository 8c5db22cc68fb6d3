-- Staging model of the disability register: one row per non-blank register row, typed; gender normalised to
-- L/P, the type normalised like a name, place names turned into match keys; exact duplicates marked.
with

source as (
    -- the staging rows with their submission's declarations and row hash (bansos360.staging)
    select * from staging.disabilitas_baris
),

-- materialized: each cleaned column is computed once, however often the flags and windows below read it
renamed as materialized (
    select
        -- ids
        source.submission_id,
        source.source_file_id,
        source.source_row,
        util.isian(source.nik) as nik_mentah,
        util.nomor_bersih(source.nik) as nik,
        -- text
        util.isian(source.nama) as nama,
        util.nama_normal(source.nama) as nama_normal,
        case
            when util.nama_normal(source.jenis_kelamin) in ('L', 'LAKI LAKI', 'LAKI') then 'L'
            when util.nama_normal(source.jenis_kelamin) in ('P', 'PEREMPUAN', 'WANITA') then 'P'
        end as jenis_kelamin,
        util.nama_normal(source.jenis_disabilitas) as jenis_disabilitas,
        util.isian(source.kecamatan) as nama_kec_daftar,
        util.isian(source.desa) as nama_desa_daftar,
        util.kunci_kecamatan(source.kecamatan) as kunci_kec,
        util.kunci_desa(source.desa) as kunci_desa,
        util.isian(source.alamat) as alamat,
        -- numbers
        util.angka(source.umur) as umur_tercatat,
        -- flags
        util.is_nomor_rusak(source.nik, 'nik' = any(string_to_array(source.numeric_cells, ','))) as is_nik_rusak,
        -- dates
        util.isian(source.tanggal_lahir) as tgl_lahir_mentah,
        util.tanggal(source.tanggal_lahir) as tgl_lahir,
        source.row_hash
    from source
),

final as (
    select
        renamed.*,
        renamed.tgl_lahir_mentah is not null and renamed.tgl_lahir is null as is_tgl_lahir_tidak_valid,
        not renamed.is_nik_rusak and util.is_nik_valid(renamed.nik) as is_nik_valid,
        row_number() over (
            partition by renamed.submission_id, renamed.row_hash order by renamed.source_row
        ) > 1 as is_exact_duplicate
    from renamed
)

select * from final
