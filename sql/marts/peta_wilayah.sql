-- Boundaries for the choropleths of dashboards 1, 6, 8 and 12: one row per polygon part of a kecamatan or
-- desa, its outer ring as compact JSON [[lon, lat], ...]. Key: (tingkat, kode, bagian). kode_desa is NULL on
-- kecamatan rows. No personal data.
select
    tingkat,
    kode,
    bagian,
    kode_kec,
    case when tingkat = 'desa' then kode end as kode_desa,
    nama,
    batas
from warehouse.batas_wilayah
