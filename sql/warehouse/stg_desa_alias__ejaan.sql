-- Staging model of the spelling deliveries: one row per non-blank row; the code in dotted Kemendagri form
-- (a kecamatan `35.03.12` or a desa `35.03.12.2005`, dots optional), the spelling turned into the match key
-- of its level. Rows whose code the published reference does not know are flagged; a row mapping the same
-- spelling key to the same code as an earlier one is an exact duplicate, left out.
with

source as (
    -- the staging rows with their submission's declarations, typed as the input contract declares each
    -- column (bansos360.sources, docs/inputs.md: the code and the spelling as delivered)
    select * from staging.desa_alias_baris
),

kode_dikenal as (
    select kode_kec as kode from warehouse.ref_wilayah
    union
    select kode_desa as kode from warehouse.ref_wilayah
),

digits as (
    select
        source.*,
        regexp_replace(coalesce(source.kode_wilayah_asli, ''), '[^0-9]', '', 'g') as angka
    from source
),

renamed as (
    select
        -- ids
        digits.submission_id,
        digits.source_file_id,
        digits.source_row,
        case length(digits.angka)
            when 6 then regexp_replace(digits.angka, '^(..)(..)(..)$', '\1.\2.\3')
            when 10 then regexp_replace(digits.angka, '^(..)(..)(..)(....)$', '\1.\2.\3.\4')
        end as kode_wilayah,
        util.isian(digits.kode_wilayah_asli) as kode_wilayah_mentah,
        -- text
        case length(digits.angka) when 6 then 'kecamatan' when 10 then 'desa' end as tingkat,
        util.isian(digits.ejaan_asli) as ejaan,
        case length(digits.angka)
            when 6 then util.kunci_kecamatan(digits.ejaan_asli)
            else util.kunci_desa(digits.ejaan_asli)
        end as kunci,
        digits.keterangan
    from digits
),

final as (
    select
        renamed.*,
        left(renamed.kode_wilayah, 8) as kode_kec,
        coalesce(
            renamed.kode_wilayah in (select kode_dikenal.kode from kode_dikenal) and renamed.kunci <> '', false
        ) as is_kode_dikenal
    from renamed
)

select * from final
