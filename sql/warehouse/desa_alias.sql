-- Spellings the Dinas added (desa_alias deliveries): one row per spelling per delivery, exact duplicates
-- dropped, every delivery kept; warehouse.desa_alias shows the published ones. A spelling maps to one
-- kecamatan (tingkat kecamatan) or to one desa within its kecamatan (tingkat desa): one code per
-- (tingkat, lingkup, kunci) in a delivery, else the build names the rows.
with

ejaan as (
    select * from warehouse.stg_desa_alias__ejaan
),

final as (
    select
        -- ids
        submission_id,
        source_file_id,
        source_row,
        kode_wilayah,
        kode_kec,
        -- text
        tingkat,
        case when tingkat = 'desa' then kode_kec else '' end as lingkup,
        ejaan,
        kunci,
        keterangan,
        kode_wilayah_mentah,
        -- flags
        is_kode_dikenal
    from ejaan
)

select * from final
