-- Staging model of the region reference: one row per desa/kelurahan of a ref_wilayah submission, with the
-- name keys used to match beneficiary lists by place name.
with

-- materialized: each row is typed once, before the exact duplicates are sorted out (models.yml: exact_duplicates)
source as materialized (
    -- the staging rows with their submission's declarations, typed as the input contract declares each
    -- column (bansos360.sources, docs/inputs.md: the codes and names as delivered), and the row hash
    select * from staging.ref_wilayah_baris
),

final as (
    select
        source.*,
        btrim(source.kode_kec_asli) as kode_kec,
        btrim(source.kode_desa_asli) as kode_desa,
        btrim(source.nama_kec_asli) as nama_kec,
        btrim(source.nama_desa_asli) as nama_desa,
        lower(btrim(source.jenis_asli)) as jenis,
        coalesce(util.isian(source.status_kode_bps_asli), 'resmi') as status_kode_bps,
        util.kunci_kecamatan(source.nama_kec_asli) as kunci_kec,
        util.kunci_desa(source.nama_desa_asli) as kunci_desa
    from source
)

select * from final
