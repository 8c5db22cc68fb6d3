-- Proposal vs establishment for dashboard 8, counted once at every level: one row per proposal period and
-- level — tingkat 'kabupaten' (all rows), 'kecamatan' (rows of one kecamatan), 'desa' (rows of one desa) —
-- with the distinct counts of docs/definitions.md. Distinct counts do not add up across places, so each level is
-- computed from its own rows; a chart reads one level (a kecamatan user's rule selects that kecamatan's).
-- Key: (periode, tingkat, kode_kec, kode_desa). Read by dashboard 8 and figures.
with

final as (
    select
        periode,
        case grouping(kode_kec, kode_desa) when 3 then 'kabupaten' when 1 then 'kecamatan' else 'desa' end as tingkat,
        kode_kec,
        kode_desa,
        count(distinct id_usulan_rt) filter (where jenis = 'usulan') as rt_usulan,
        count(distinct id_usulan_rt) filter (where jenis = 'usulan' and is_nik_ditetapkan) as rt_ditetapkan,
        count(distinct nokk) filter (where jenis = 'usulan') as keluarga_usulan,
        count(distinct nokk) filter (where jenis = 'usulan' and is_kk_ditetapkan) as keluarga_ditetapkan,
        count(distinct nik) filter (where jenis = 'usulan') as individu_usulan,
        count(distinct nik) filter (where jenis = 'usulan' and is_nik_ditetapkan) as individu_ditetapkan,
        count(distinct nik) filter (where jenis = 'usulan' and not is_nik_ditetapkan) as eksklusi,
        count(distinct nik) filter (where jenis = 'inklusi') as inklusi
    from marts_next.mart_usulan
    group by periode, grouping sets ((), (kode_kec), (kode_kec, kode_desa))
)

select
    final.*,
    case when final.tingkat = 'kabupaten' then null else coalesce(kecamatan.nama_kec, 'Tidak cocok') end as nama_kec,
    case when final.tingkat = 'desa' then coalesce(desa.nama_desa, 'Tidak cocok') end as nama_desa
from final
left join warehouse.nama_wilayah as kecamatan on final.kode_kec = kecamatan.kode_wilayah
left join warehouse.nama_wilayah as desa on final.kode_desa = desa.kode_wilayah
