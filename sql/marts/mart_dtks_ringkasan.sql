-- DTKS per period and place for dashboard 6: one row per published period and desa, with households,
-- families, individuals and the individuals flagged for KKS, PBI (KIS), KIP, PKH and BPNT.
-- Key: (periode, kode_desa). Households, families and individuals are located by the household's place in
-- that period, so the rows add up to the period's totals.
-- The build adds nama_kec and nama_desa, the places' official names (models.yml: nama_tempat).
with

rumah_tangga as (
    select
        periode,
        kode_kec,
        kode_desa,
        count(*) as rumah_tangga
    from marts_next.mart_dtks_rumah_tangga
    group by periode, kode_kec, kode_desa
),

individu as (
    select
        periode,
        kode_kec,
        kode_desa,
        count(distinct idbdt || '/' || nuk::text) as keluarga,
        count(*) as individu,
        count(*) filter (where is_kks) as kks,
        count(*) filter (where is_pbi) as pbi,
        count(*) filter (where is_kip) as kip,
        count(*) filter (where is_pkh) as pkh,
        count(*) filter (where is_bpnt) as bpnt
    from marts_next.mart_dtks_individu
    group by periode, kode_kec, kode_desa
),

final as (
    select
        coalesce(rumah_tangga.periode, individu.periode) as periode,
        coalesce(rumah_tangga.kode_kec, individu.kode_kec) as kode_kec,
        coalesce(rumah_tangga.kode_desa, individu.kode_desa) as kode_desa,
        coalesce(rumah_tangga.rumah_tangga, 0) as rumah_tangga,
        coalesce(individu.keluarga, 0) as keluarga,
        coalesce(individu.individu, 0) as individu,
        coalesce(individu.kks, 0) as kks,
        coalesce(individu.pbi, 0) as pbi,
        coalesce(individu.kip, 0) as kip,
        coalesce(individu.pkh, 0) as pkh,
        coalesce(individu.bpnt, 0) as bpnt
    from rumah_tangga
    full outer join individu
        on
            rumah_tangga.periode = individu.periode
            and rumah_tangga.kode_desa is not distinct from individu.kode_desa
            and rumah_tangga.kode_kec is not distinct from individu.kode_kec
)

select * from final
