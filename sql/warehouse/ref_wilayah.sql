-- Region reference and BPS-Kemendagri crosswalk: one row per desa/kelurahan per reference delivery;
-- warehouse.ref_wilayah shows the published one.
with

wilayah as (
    select * from warehouse.stg_ref_wilayah__wilayah
),

final as (
    select
        submission_id,
        source_file_id,
        source_row,
        kode_kec,
        kode_desa,
        kode_kec_bps,
        kode_desa_bps,
        nama_kec,
        nama_desa,
        jenis,
        status_kode_bps,
        kunci_kec,
        kunci_desa
    from wilayah
)

select * from final
