-- Staging model of a DTSEN update: one row per individual row of the delivery, typed; the desil 1-10 (NULL for
-- anything else, kept as delivered in desil_mentah), gender L/P, the head of the family flagged, and the place
-- keys of a Kemendagri desa code (its digits) and of kecamatan and desa names. Exact duplicates left out.
with

-- materialized: each row is typed once, before the exact duplicates are sorted out (models.yml: exact_duplicates)
source as materialized (
    -- the staging rows with their submission's declarations, typed as the input contract declares each
    -- column (bansos360.sources, docs/inputs.md), and the row hash
    select * from staging.dtsen_baris
),

final as (
    select
        source.*,
        util.isian(source.desil_asli) as desil_mentah,
        util.desil_dtsen(source.desil_asli) as desil,
        util.jenis_kelamin(source.jenis_kelamin_asli) as jenis_kelamin,
        util.is_kepala_keluarga(source.hub_kel_asli) as is_kepala_keluarga
    from source
)

select * from final
