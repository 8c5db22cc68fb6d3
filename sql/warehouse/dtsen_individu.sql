-- DTSEN individuals: one row per individual row of an update (exact duplicates left out), every delivery kept;
-- warehouse.dtsen_individu shows the published update of each period. The row's family (id_keluarga) and the
-- desil its row carries (1-10, NULL for anything else: a finding, not a refusal). A valid NIK on the rows of
-- two or more families of one update is flagged (docs/definitions.md, dashboard 13: it takes the lowest desil).
with

individu as (
    select * from warehouse.stg_dtsen__individu
),

final as (
    select
        -- ids
        individu.submission_id,
        individu.source_file_id,
        individu.source_row,
        individu.periode,
        individu.id_keluarga,
        individu.nik,
        individu.nik_mentah,
        individu.nokk,
        individu.nokk_mentah,
        -- text
        individu.nama,
        individu.nama_normal,
        individu.jenis_kelamin,
        individu.alamat,
        individu.nama_kec_daftar,
        individu.nama_desa_daftar,
        individu.kode_desa_daftar,
        individu.kunci_kec,
        individu.kunci_desa,
        individu.kunci_kode_desa,
        individu.desil_mentah,
        -- numbers
        individu.desil,
        -- flags
        individu.is_kepala_keluarga,
        individu.is_nik_valid,
        individu.is_nik_rusak,
        individu.is_nokk_valid,
        individu.is_nokk_rusak,
        individu.is_nik_valid
        and min(individu.id_keluarga) over nik_sama <> max(individu.id_keluarga) over nik_sama
            as is_nik_beberapa_keluarga,
        -- dates
        individu.tgl_lahir
    from individu
    window nik_sama as (partition by individu.submission_id, individu.nik, individu.is_nik_valid)
)

select * from final
