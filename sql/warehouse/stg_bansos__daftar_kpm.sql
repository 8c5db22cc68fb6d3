-- Staging model of the beneficiary (KPM) lists of every programme: one row per non-blank list row, typed,
-- NIK and No. KK normalised and flagged, place names turned into match keys, a Kemendagri desa code (where
-- the list has one) reduced to its digits (typing kode_desa), and the programme the list's source kind is.
-- Exact duplicates (same programme, same raw NIK, same normalised name) are left out.
with

source as (
    -- the staging rows with their submission's declarations, typed as the input contract declares each
    -- column (bansos360.sources, docs/inputs.md)
    select * from staging.daftar_kpm_baris
),

program as (
    select * from warehouse.program
),

-- materialized: each row is typed once, before the exact duplicates are sorted out (models.yml: exact_duplicates)
renamed as materialized (
    select
        source.*,
        program.kode as program
    from source
    inner join program on source.sumber = program.sumber
)

select * from renamed
