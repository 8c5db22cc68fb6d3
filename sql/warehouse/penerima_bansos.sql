-- Beneficiaries (KPM rows) of every programme list: one row per list row after blank rows and exact
-- duplicates are dropped, every delivery kept; warehouse.penerima_bansos shows the published lists.
-- The place is the list's own Kemendagri desa code when it has one that the reference knows, else its
-- kecamatan/desa matched by name: kode_kec without kode_desa when only the kecamatan matched, both NULL when
-- neither did.
with

daftar as (
    select * from warehouse.stg_bansos__daftar_kpm
    where not is_exact_duplicate
),

kecamatan as (
    select distinct
        kode_kec,
        kunci_kec
    from warehouse.wilayah_kunci
),

desa as (
    select * from warehouse.wilayah_kunci
),

kode as (
    select
        kode_kec,
        kode_desa,
        replace(kode_desa, '.', '') as kunci_kode_desa
    from warehouse.ref_wilayah
),

final as (
    select
        -- ids
        daftar.submission_id,
        daftar.source_file_id,
        daftar.source_row,
        daftar.program,
        coalesce(kode.kode_kec, kecamatan.kode_kec) as kode_kec,
        coalesce(kode.kode_desa, desa.kode_desa) as kode_desa,
        daftar.nik,
        daftar.nik_mentah,
        daftar.nokk,
        daftar.nokk_mentah,
        daftar.idartbdt,
        daftar.idsemesta,
        daftar.nomor_kartu,
        -- text
        daftar.label,
        daftar.tahap,
        daftar.nama,
        daftar.nama_normal,
        daftar.nama_kec_daftar,
        daftar.nama_desa_daftar,
        daftar.kode_desa_daftar,
        daftar.alamat,
        -- flags
        daftar.is_nik_valid,
        daftar.is_nik_rusak,
        daftar.is_nokk_valid,
        daftar.is_nokk_rusak,
        -- dates
        daftar.as_of
    from daftar
    left join kode on daftar.kunci_kode_desa = kode.kunci_kode_desa
    left join kecamatan on daftar.kunci_kec = kecamatan.kunci_kec
    left join desa
        on
            kecamatan.kode_kec = desa.kode_kec
            and daftar.kunci_desa = desa.kunci_desa
)

select * from final
