-- Staging model of the disability register: one row per non-blank register row, typed; gender normalised to
-- L/P, the type normalised like a name, place names turned into match keys; exact duplicates left out.
with

-- materialized: each row is typed once, before the exact duplicates are sorted out (models.yml: exact_duplicates)
source as materialized (
    -- the staging rows with their submission's declarations, typed as the input contract declares each
    -- column (bansos360.sources, docs/inputs.md), and the row hash
    select * from staging.disabilitas_baris
),

final as (
    select
        source.*,
        util.jenis_kelamin(source.jenis_kelamin_asli) as jenis_kelamin,
        util.nama_normal(source.jenis_disabilitas_asli) as jenis_disabilitas,
        source.tgl_lahir_mentah is not null and source.tgl_lahir is null as is_tgl_lahir_tidak_valid
    from source
)

select * from final
