-- Registries shipped with the project as data files and loaded by `bansos360 init`: the programme list
-- (a new programme is one line of data/program.csv) and known desa spelling variants.
create table warehouse.program (
    kode text primary key,
    sumber text not null unique,
    nama text not null,
    pemilik text not null
);

create table warehouse.ref_desa_alias (
    kode_desa text not null,
    nama_alias text not null,
    keterangan text,
    primary key (kode_desa, nama_alias)
);

-- Which version of each warehouse model built the objects in the database.
create table warehouse.model_version (
    name text primary key,
    sha256 text not null,
    applied_at timestamptz not null default now()
);
