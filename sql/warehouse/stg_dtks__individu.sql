-- Staging model of the DTKS individual (ART) file: one row per data row of a DTKS submission, typed and
-- cleaned: NIK and No. KK normalised and flagged exactly as docs/definitions.md defines, names normalised,
-- impossible dates NULL with a flag. Exact duplicates are left out; key (IDARTBDT) conflicts are found on the
-- built warehouse partition (warehouse.build).
with

-- materialized: each row is typed once, before the exact duplicates are sorted out (models.yml: exact_duplicates)
source as materialized (
    -- the staging rows with their submission's declarations, typed as the input contract declares each
    -- column (bansos360.sources, docs/inputs.md), and the row hash
    select * from staging.dtks_art_baris
),

final as (
    select
        source.*,
        source.tgl_lahir_mentah is not null and source.tgl_lahir is null as is_tgl_lahir_tidak_valid
    from source
)

select * from final
