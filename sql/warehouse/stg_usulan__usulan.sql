-- Staging model of the kabupaten's proposal (prelist akhir) for a DTKS period: one row per proposed person,
-- typed, NIK and No. KK normalised and flagged; exact duplicates left out.
with

-- materialized: each row is typed once, before the exact duplicates are sorted out (models.yml: exact_duplicates)
source as materialized (
    -- the staging rows with their submission's declarations, typed as the input contract declares each
    -- column (bansos360.sources, docs/inputs.md), and the row hash
    select * from staging.usulan_baris
)

select * from source
