-- Proposal vs establishment for dashboard 8: for each published proposal period, one row per proposal row
-- (jenis = 'usulan', located by the proposal's own place codes) and one row per valid NIK of that period's
-- DTKS that was not proposed (jenis = 'inklusi', located by its household's place).
-- Established: a proposed valid NIK present in that period's DTKS; a proposed valid No. KK present there; a
-- proposed household (ID_USULAN_RT) with at least one member established. Key: (periode, jenis, baris).
with

usulan as (
    select * from warehouse.usulan
),

dtks as (
    select * from marts_next.mart_dtks_individu
),

nik_dtks as (
    select distinct
        periode,
        nik
    from dtks
    where is_nik_valid
),

kk_dtks as (
    select distinct
        periode,
        nokk
    from dtks
    where nokk is not null
),

diusulkan as (
    select
        usulan.periode,
        'usulan' as jenis,
        usulan.source_row as baris,
        usulan.id_usulan_rt,
        usulan.idbdt,
        usulan.kode_kec,
        usulan.kode_desa,
        case when usulan.is_nik_valid then usulan.nik end as nik,
        case when usulan.is_nokk_valid then usulan.nokk end as nokk,
        nik_dtks.nik is not null as is_nik_ditetapkan,
        kk_dtks.nokk is not null as is_kk_ditetapkan
    from usulan
    left join nik_dtks
        on
            usulan.periode = nik_dtks.periode
            and usulan.is_nik_valid
            and usulan.nik = nik_dtks.nik
    left join kk_dtks
        on
            usulan.periode = kk_dtks.periode
            and usulan.is_nokk_valid
            and usulan.nokk = kk_dtks.nokk
),

nik_diusulkan as (
    select distinct
        periode,
        nik
    from diusulkan
    where nik is not null
),

inklusi as (
    select
        dtks.periode,
        'inklusi' as jenis,
        row_number() over (partition by dtks.periode order by dtks.idartbdt) as baris,
        null::text as id_usulan_rt,
        dtks.idbdt,
        dtks.kode_kec,
        dtks.kode_desa,
        dtks.nik,
        null::text as nokk,
        true as is_nik_ditetapkan,
        false as is_kk_ditetapkan
    from dtks
    where
        dtks.is_nik_valid
        and dtks.periode in (select usulan.periode from usulan)
        and not exists (
            select 1 from nik_diusulkan
            where nik_diusulkan.periode = dtks.periode and nik_diusulkan.nik = dtks.nik
        )
),

final as (
    select * from diusulkan
    union all
    select * from inklusi
)

select * from final
