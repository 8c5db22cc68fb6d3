-- The third SOP: asking for a new dashboard (docs/requests.md). A request goes from its requester through the
-- product owner, the data analyst and the data engineer; each move is one row of audit.riwayat_permintaan, written
-- in the transaction that moves it (bansos360.dashboard_request).
create type audit.keadaan_permintaan as enum ('diajukan', 'ditelaah', 'dirancang', 'dibangun', 'terbit', 'ditutup');

create table audit.permintaan_dasbor (
    permintaan_id bigint generated always as identity primary key,
    pemohon text not null,
    instansi text not null,
    pertanyaan text not null,
    pengguna text not null,
    data_diminta text[] not null check (cardinality(data_diminta) > 0),
    data_baru text,
    frekuensi text not null
    check (frekuensi in ('harian', 'mingguan', 'bulanan', 'triwulanan', 'semesteran', 'tahunan', 'sekali')),
    akses text not null check (akses in ('agregat', 'by_name')),
    per_kecamatan boolean not null,
    sketsa_sha256 text,
    sketsa_nama text,
    sketsa_jenis text,
    keadaan audit.keadaan_permintaan not null default 'diajukan',
    dasbor_uuid uuid,
    dibuat_pada timestamptz not null default now(),
    diubah_pada timestamptz not null default now(),
    -- "data baru" is described; a published request names its dashboard, and only a published one does
    check ((data_baru is not null and data_baru <> '') = ('data_baru' = any(data_diminta))),
    check ((keadaan = 'terbit') = (dasbor_uuid is not null)),
    check ((sketsa_sha256 is null) = (sketsa_nama is null))
);

create table audit.riwayat_permintaan (
    riwayat_id bigint generated always as identity primary key,
    permintaan_id bigint not null references audit.permintaan_dasbor,
    dari audit.keadaan_permintaan,
    ke audit.keadaan_permintaan not null,
    oleh text not null,
    peran text not null,
    catatan text,
    pada timestamptz not null default now()
);

create index riwayat_permintaan_permintaan on audit.riwayat_permintaan (permintaan_id, riwayat_id);
