-- Staging model of the region reference: one row per desa/kelurahan of a ref_wilayah submission, with the
-- name keys used to match beneficiary lists by place name.
with

source as (
    -- one submission while warehouse.build computes it, every row otherwise
    select * from staging.ref_wilayah
    where submission_id = coalesce(util.submission_in_build(), submission_id)
),

-- materialized: each cleaned column is computed once, however often the flags and windows below read it
renamed as materialized (
    select
        source.submission_id,
        source.source_file_id,
        source.source_row,
        btrim(source.kode_kec) as kode_kec,
        btrim(source.kode_desa) as kode_desa,
        lpad(btrim(source.kode_kec_bps), 3, '0') as kode_kec_bps,
        lpad(btrim(source.kode_desa_bps), 3, '0') as kode_desa_bps,
        btrim(source.nama_kec) as nama_kec,
        btrim(source.nama_desa) as nama_desa,
        lower(btrim(source.jenis)) as jenis,
        coalesce(util.isian(source.status_kode_bps), 'resmi') as status_kode_bps,
        util.kunci_kecamatan(source.nama_kec) as kunci_kec,
        util.kunci_desa(source.nama_desa) as kunci_desa,
        md5(
            -- every delivered column, none of the lineage columns
            row(
                source.kode_kec, source.nama_kec, source.kode_desa, source.nama_desa, source.jenis,
                source.kode_kec_bps, source.kode_desa_bps, source.status_kode_bps
            )::text
        ) as row_hash
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
