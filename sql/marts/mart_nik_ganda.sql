-- NIK ganda for dashboard 2: a valid NIK that appears, across all beneficiary lists and the latest DTKS
-- period, with two or more different normalised names. One row per NIK ganda and place (desa) where it has a
-- KPM row (kode_kec, kode_desa NULL for rows whose place did not match): a person listed in two desa of one
-- kecamatan (moved between two lists) has a row in each. Key: (nik, kode_kec, kode_desa). Kabupaten count:
-- distinct nik; a kecamatan's: distinct nik of its rows. nomor_nik is mart_kpm's number of the NIK (for masked
-- counts). By-name-by-address.
with

kpm as (
    select * from marts_next.mart_kpm
    where is_nik_valid
),

nama as (
    select
        nik,
        nama_normal
    from kpm
    union
    select
        nik,
        nama_normal
    from marts_next.mart_dtks_individu
    where is_periode_terakhir and is_nik_valid
),

ganda as (
    select
        nik,
        count(distinct nama_normal) as jumlah_nama,
        string_agg(distinct nama_normal, ' | ') as daftar_nama
    from nama
    group by nik
    having count(distinct nama_normal) > 1
),

final as (
    select distinct
        ganda.nik,
        kpm.nomor_nik,
        kpm.kode_kec,
        kpm.kode_desa,
        ganda.daftar_nama,
        ganda.jumlah_nama
    from ganda
    inner join kpm on ganda.nik = kpm.nik
)

select * from final
