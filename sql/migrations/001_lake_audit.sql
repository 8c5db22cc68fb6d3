-- Lake and audit: the immutable file store's manifest, submissions, their state changes and findings.
create schema if not exists lake;
create schema if not exists audit;
create schema if not exists staging;
create schema if not exists warehouse;

create table lake.file (
    file_id bigint generated always as identity primary key,
    sha256 text not null unique,
    size_bytes bigint not null,
    lake_path text not null,
    first_seen_at timestamptz not null default now()
);

create table audit.submission (
    submission_id bigint generated always as identity primary key,
    source text not null,
    periode text,
    label text,
    as_of date,
    slot text not null,
    state text not null default 'diterima'
    check (state in ('diterima', 'diperiksa', 'ditolak', 'disetujui', 'diproses', 'terbit', 'gagal')),
    is_held boolean not null default false,
    submitted_by text not null,
    submitted_at timestamptz not null default now(),
    approved_by text,
    approved_at timestamptz,
    profile jsonb not null default '{}'::jsonb
);

create table audit.submission_file (
    submission_id bigint not null references audit.submission,
    file_id bigint not null references lake.file,
    original_name text not null,
    position int not null,
    primary key (submission_id, position)
);

create table audit.state_change (
    state_change_id bigint generated always as identity primary key,
    submission_id bigint not null references audit.submission,
    from_state text,
    to_state text not null,
    changed_by text not null,
    changed_at timestamptz not null default now(),
    note text
);

create table audit.finding (
    finding_id bigint generated always as identity primary key,
    submission_id bigint not null references audit.submission,
    stage text not null,
    level text not null check (level in ('error', 'warning', 'info')),
    code text not null,
    file_name text,
    row_no int,
    column_name text,
    pesan text not null,
    message text not null,
    created_at timestamptz not null default now()
);
create index on audit.finding (submission_id);

-- What is published: per source kind and slot (a DTKS period, a list label, the single register),
-- the submission whose rows the warehouse serves. A publication is one row changed in one transaction.
create table warehouse.publikasi (
    sumber text not null,
    slot text not null,
    submission_id bigint not null references audit.submission,
    published_at timestamptz not null default now(),
    primary key (sumber, slot)
);
