-- Staging model of the DTKS household (RT) file: one row per data row of a DTKS submission, typed.
-- Exact duplicate rows are left out (counted); a key (IDBDT) carried by two rows
-- with different content is a conflict, found on the built warehouse partition, which stops the refresh
-- with the rows named.
with

-- materialized: each row is typed once, before the exact duplicates are sorted out (models.yml: exact_duplicates)
source as materialized (
    -- the staging rows with their submission's declarations, typed as the input contract declares each
    -- column (bansos360.sources, docs/inputs.md), and the row hash
    select * from staging.dtks_rt_baris
),

final as (
    select
        source.*,
        -- util.desil reads the cells as text: a typed number gives back the same
        util.desil(source.status_kesejahteraan::text, source.percentile::text) as desil
    from source
)

select * from final
