-- The mart gate's reconciliation with the published warehouse: one row per check, with the difference
-- (mart minus warehouse) that must be 0. Validated by expectations/marts/rekonsiliasi.json.
with

individu_gudang as (
    select
        periode,
        count(*) as n
    from warehouse.dtks_individu
    group by periode
),

rumah_tangga_gudang as (
    select
        periode,
        count(*) as n
    from warehouse.dtks_rumah_tangga
    group by periode
),

ringkasan as (
    select
        periode,
        sum(individu) as individu,
        sum(rumah_tangga) as rumah_tangga
    from marts_next.mart_dtks_ringkasan
    group by periode
),

individu_mart as (
    select
        periode,
        count(*) as n
    from marts_next.mart_dtks_individu
    group by periode
),

rumah_tangga_mart as (
    select
        periode,
        count(*) as n
    from marts_next.mart_dtks_rumah_tangga
    group by periode
),

checks as (
    select
        'individu per periode ' || g.periode as cek,
        coalesce(m.n, 0) - g.n as selisih
    from individu_gudang as g
    left join individu_mart as m on g.periode = m.periode
    union all
    select
        'rumah tangga per periode ' || g.periode as cek,
        coalesce(m.n, 0) - g.n as selisih
    from rumah_tangga_gudang as g
    left join rumah_tangga_mart as m on g.periode = m.periode
    union all
    select
        'ringkasan individu ' || g.periode as cek,
        coalesce(r.individu, 0) - g.n as selisih
    from individu_gudang as g
    left join ringkasan as r on g.periode = r.periode
    union all
    select
        'ringkasan rumah tangga ' || g.periode as cek,
        coalesce(r.rumah_tangga, 0) - g.n as selisih
    from rumah_tangga_gudang as g
    left join ringkasan as r on g.periode = r.periode
    union all
    select
        'segmen = rumah tangga' as cek,
        (select count(*) from marts_next.mart_segmen_rumah_tangga)
        - (select count(distinct idbdt) from warehouse.dtks_rumah_tangga) as selisih
    union all
    select
        'baris KPM = daftar tanpa duplikat' as cek,
        (select count(*) from marts_next.mart_kpm)
        - (
            select count(*) from (
                select distinct
                    program,
                    nik_mentah,
                    nama_normal
                from warehouse.penerima_bansos
            ) as d
        ) as selisih
    union all
    select
        'register disabilitas' as cek,
        (select count(*) from marts_next.mart_disabilitas)
        - (select count(*) from warehouse.disabilitas) as selisih
    union all
    select
        'keluarga DTSEN' as cek,
        (select count(*) from marts_next.mart_dtsen_keluarga)
        - (select count(*) from warehouse.dtsen_keluarga) as selisih
    union all
    select
        'baris KPM terkini = baris daftarnya' as cek,
        (select count(*) from marts_next.mart_dtsen_kpm)
        - (
            select count(*) from warehouse.penerima_bansos
            where submission_id in (select kpm.submission_id from marts_next.mart_dtsen_kpm as kpm)
        ) as selisih
)

select * from checks
