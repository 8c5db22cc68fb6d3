-- Spellings of kecamatan and desa names the Dinas adds without a release: each `desa_alias` delivery (one per
-- label) maps spellings to Kemendagri codes. Locations are resolved when the marts are built, so a published
-- spelling re-locates every published list and register row it matches, and reloads nothing.
create unlogged table staging.desa_alias (
    submission_id bigint not null,
    source_file_id bigint not null,
    source_member text,
    source_row int not null,
    numeric_cells text,
    kode_wilayah text,
    ejaan text,
    keterangan text
);
create index on staging.desa_alias (submission_id);
