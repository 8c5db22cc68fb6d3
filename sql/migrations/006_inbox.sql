-- The watched inbox: every file seen there (by path, size and modification time) and the submission it became.
create table audit.kotak_masuk (
    kotak_masuk_id bigint generated always as identity primary key,
    relative_path text not null,
    size_bytes bigint not null,
    mtime_ns bigint not null,
    source text not null,
    periode text,
    label text,
    as_of text,
    uploaded_by text not null,
    original_name text,
    uploaded_at timestamptz not null default now(),
    submission_id bigint references audit.submission,
    registered_at timestamptz,
    unique (relative_path, size_bytes, mtime_ns)
);
