-- Boundaries of the kecamatan and desa (GeoJSON shipped in the package, loaded by `bansos360 init` like the
-- other registries) for the dashboards' choropleths: one row per polygon part, its outer ring as compact JSON
-- [[lon, lat], ...] (WGS84), the form the deck.gl polygon charts read.
create table warehouse.batas_wilayah (
    tingkat text not null check (tingkat in ('kecamatan', 'desa')),
    kode text not null,
    bagian integer not null,
    kode_kec text not null,
    nama text not null,
    batas text not null,
    primary key (tingkat, kode, bagian)
);
