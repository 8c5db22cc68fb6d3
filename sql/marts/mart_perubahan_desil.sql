-- Desil change and graduation for dashboard 7: for each published period P after the first, one row per
-- household present in P or in the period before it, with its status against that period:
-- naik (desil number went up = more prosperous), turun, stagnan, tanpa_desil (desil missing in either),
-- baru (only in P), graduasi (only in the period before). Key: (periode, idbdt).
-- Located by the household's place in P (graduasi: in the period before).
-- The build adds nama_kec and nama_desa, the places' official names (models.yml: nama_tempat).
with

periode as (
    select
        periode,
        lag(periode) over (order by periode) as periode_sebelum
    from (select distinct periode from warehouse.dtks_rumah_tangga) as p
),

rumah_tangga as (
    select * from warehouse.dtks_rumah_tangga
),

kehadiran as (
    -- every household of a period P after the first (sekarang) and of the period before it (sebelum), each
    -- tagged with the comparison of P it belongs to
    select
        periode.periode,
        periode.periode_sebelum,
        dibaca.peran,
        rumah_tangga.idbdt,
        rumah_tangga.desil,
        rumah_tangga.kode_kec,
        rumah_tangga.kode_desa
    from periode
    cross join
        lateral (
            values (periode.periode, 'sekarang'), (periode.periode_sebelum, 'sebelum')
        ) as dibaca (periode, peran)
    inner join rumah_tangga on dibaca.periode = rumah_tangga.periode
    where periode.periode_sebelum is not null
),

sekarang as (
    select * from kehadiran
    where peran = 'sekarang'
),

sebelum as (
    select * from kehadiran
    where peran = 'sebelum'
),

final as (
    select
        -- ids
        coalesce(sekarang.periode, sebelum.periode) as periode,
        coalesce(sekarang.periode_sebelum, sebelum.periode_sebelum) as periode_sebelum,
        coalesce(sekarang.idbdt, sebelum.idbdt) as idbdt,
        coalesce(sekarang.kode_kec, sebelum.kode_kec) as kode_kec,
        coalesce(sekarang.kode_desa, sebelum.kode_desa) as kode_desa,
        -- text
        case
            when sebelum.idbdt is null then 'baru'
            when sekarang.idbdt is null then 'graduasi'
            when sekarang.desil is null or sebelum.desil is null then 'tanpa_desil'
            when sekarang.desil > sebelum.desil then 'naik'
            when sekarang.desil < sebelum.desil then 'turun'
            else 'stagnan'
        end as status,
        -- numbers
        sebelum.desil as desil_sebelum,
        sekarang.desil as desil_sekarang
    from sekarang
    full outer join sebelum
        on
            sekarang.periode = sebelum.periode
            and sekarang.idbdt = sebelum.idbdt
)

select * from final
