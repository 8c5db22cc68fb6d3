-- DTSEN families: one row per family (id_keluarga) of an update, every delivery kept; warehouse.dtsen_keluarga
-- shows the published update of each period. Built from the individuals of the same delivery, just built
-- (dtsen_individu, the partition of the submission in build). The family's desil is the lowest known desil
-- of its rows (rows that disagree are flagged: a finding); its place is where its head's row puts it (the
-- first row in file order when no row is the head), resolved when read (dtsen_keluarga_lokasi).
with

individu as (
    select * from warehouse.dtsen_individu_riwayat
    where submission_id = coalesce(util.submission_in_build(), submission_id)
),

keluarga as (
    select
        individu.*,
        min(individu.desil) over anggota as desil_keluarga,
        min(individu.desil) over anggota <> max(individu.desil) over anggota as is_desil_beda,
        count(*) over anggota as jumlah_baris,
        row_number() over (
            partition by individu.submission_id, individu.id_keluarga
            order by individu.is_kepala_keluarga desc, individu.source_row asc
        ) as urutan
    from individu
    window anggota as (partition by individu.submission_id, individu.id_keluarga)
),

final as (
    select
        -- ids: the row that places the family
        submission_id,
        source_file_id,
        source_row,
        periode,
        id_keluarga,
        -- text
        nama_kec_daftar,
        nama_desa_daftar,
        kode_desa_daftar,
        kunci_kec,
        kunci_desa,
        kunci_kode_desa,
        -- numbers
        desil_keluarga as desil,
        jumlah_baris,
        -- flags
        is_desil_beda
    from keluarga
    where urutan = 1
)

select * from final
