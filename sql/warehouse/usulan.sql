-- The kabupaten's proposals: one row per proposed person per DTKS period, every delivery kept;
-- warehouse.usulan shows the published proposal of each period. Places through the BPS crosswalk.
with

usulan as (
    select * from warehouse.stg_usulan__usulan
),

padanan as (
    select * from warehouse.padanan_bps
),

final as (
    select
        -- ids
        usulan.submission_id,
        usulan.source_file_id,
        usulan.source_row,
        usulan.periode,
        usulan.id_usulan_rt,
        usulan.idbdt,
        padanan.kode_kec,
        padanan.kode_desa,
        usulan.nik,
        usulan.nik_mentah,
        usulan.nokk,
        usulan.nokk_mentah,
        -- text
        usulan.nama,
        usulan.nama_normal,
        -- numbers
        usulan.hub_krt,
        -- flags
        usulan.is_nik_valid,
        usulan.is_nik_rusak,
        usulan.is_nokk_valid,
        usulan.is_nokk_rusak
    from usulan
    left join padanan
        on
            usulan.kode_kec_bps = padanan.kode_kec_bps
            and usulan.kode_desa_bps = padanan.kode_desa_bps
)

select * from final
