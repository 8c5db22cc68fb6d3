-- Recency x frequency segments for dashboard 11: one row per household (IDBDT) ever in a published period.
-- Recency: Tinggi if present in the latest period L, Sedang if last present in one of the periods just
-- before L (how many: the setting bansos360.recency_sedang_periode, default 2), Rendah otherwise.
-- Frequency: periods present, Tinggi >= bansos360.frekuensi_tinggi (4), Sedang >= bansos360.frekuensi_sedang
-- (2), Rendah below. Segments A (Tinggi/Tinggi) ... I (Rendah/Rendah) as the report's Table 8.3.
-- Key: idbdt. Located by the household's place in the last period it is present; desil is its last known.
-- The build adds nama_kec and nama_desa, the places' official names (models.yml: nama_tempat).
with

pengaturan as (
    select
        current_setting('bansos360.frekuensi_tinggi')::int as frekuensi_tinggi,
        current_setting('bansos360.frekuensi_sedang')::int as frekuensi_sedang,
        current_setting('bansos360.recency_sedang_periode')::int as recency_sedang_periode
),

periode as (
    select
        periode,
        rank() over (order by periode desc) - 1 as jarak_dari_terakhir
    from (select distinct periode from warehouse.dtks_rumah_tangga) as p
),

rumah_tangga as (
    select
        rumah_tangga.*,
        periode.jarak_dari_terakhir
    from warehouse.dtks_rumah_tangga as rumah_tangga
    inner join periode on rumah_tangga.periode = periode.periode
),

terakhir as (
    select distinct on (idbdt)
        idbdt,
        periode as periode_terakhir_hadir,
        jarak_dari_terakhir,
        kode_kec,
        kode_desa,
        nama_krt
    from rumah_tangga
    order by idbdt asc, periode desc
),

desil_terakhir as (
    select distinct on (idbdt)
        idbdt,
        desil
    from rumah_tangga
    where desil is not null
    order by idbdt asc, periode desc
),

frekuensi as (
    select
        idbdt,
        count(distinct periode) as jumlah_periode
    from rumah_tangga
    group by idbdt
),

nilai as (
    select
        terakhir.*,
        frekuensi.jumlah_periode,
        desil_terakhir.desil,
        case
            when terakhir.jarak_dari_terakhir = 0 then 'Tinggi'
            when terakhir.jarak_dari_terakhir <= pengaturan.recency_sedang_periode then 'Sedang'
            else 'Rendah'
        end as recency,
        case
            when frekuensi.jumlah_periode >= pengaturan.frekuensi_tinggi then 'Tinggi'
            when frekuensi.jumlah_periode >= pengaturan.frekuensi_sedang then 'Sedang'
            else 'Rendah'
        end as frequency
    from terakhir
    cross join pengaturan
    inner join frekuensi on terakhir.idbdt = frekuensi.idbdt
    left join desil_terakhir on terakhir.idbdt = desil_terakhir.idbdt
),

final as (
    select
        -- ids
        idbdt,
        kode_kec,
        kode_desa,
        -- text
        nama_krt,
        periode_terakhir_hadir,
        recency,
        frequency,
        substr(
            'ABCDEFGHI',
            3 * array_position(array['Tinggi', 'Sedang', 'Rendah'], recency)
            + array_position(array['Tinggi', 'Sedang', 'Rendah'], frequency) - 3,
            1
        ) as segmen,
        -- numbers
        jumlah_periode,
        desil,
        -- the desil as dashboards show it: 'Desil 1' ... 'Desil 4', or 'Tanpa desil'
        coalesce('Desil ' || desil::int, 'Tanpa desil') as label_desil
    from nilai
)

select * from final
