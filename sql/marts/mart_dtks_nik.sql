-- The latest DTKS period by valid NIK, for matching beneficiary lists and registers ("in DTKS").
-- One row per valid NIK present in the latest period. A NIK found more than once takes the lowest known
-- desil among its records, and KIS (PBI) or a valid No. KK holds if any of its records has it; the other
-- attributes come from its record with the lowest desil (then the lowest IDARTBDT).
-- Key: nik. Read by mart_kpm, mart_kpm_nik, mart_nik_ganda, mart_disabilitas.
with

individu as (
    select * from marts_next.mart_dtks_individu
    where is_periode_terakhir and is_nik_valid
),

per_nik as (
    select
        nik,
        min(desil) as desil,
        bool_or(is_pbi) as is_pbi,
        bool_or(is_nokk_valid) as is_kk_valid,
        count(*) as jumlah_catatan
    from individu
    group by nik
),

wakil as (
    select distinct on (nik) *
    from individu
    order by nik asc, desil asc nulls last, idartbdt asc
),

final as (
    select
        -- ids
        per_nik.nik,
        wakil.idartbdt,
        wakil.idbdt,
        wakil.kode_kec,
        wakil.kode_desa,
        wakil.nokk,
        -- text
        wakil.nama_normal,
        wakil.jenis_kelamin,
        -- numbers and codes
        per_nik.desil,
        per_nik.jumlah_catatan,
        wakil.umur,
        wakil.jenis_cacat,
        wakil.penyakit_kronis,
        wakil.ijazah_tertinggi,
        wakil.lapangan_usaha,
        -- flags
        per_nik.is_pbi,
        per_nik.is_kk_valid,
        wakil.is_disabilitas,
        -- dates
        wakil.tgl_lahir
    from per_nik
    inner join wakil on per_nik.nik = wakil.nik
)

select * from final
