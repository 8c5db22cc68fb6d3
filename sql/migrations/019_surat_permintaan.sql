-- The mails of the third SOP (docs/requests.md, "Mails"): each move of a dashboard request from one state to
-- another (a row of audit.riwayat_permintaan whose states differ) is mailed once, as a submission's state changes
-- are (017_surat.sql). The history is the outbox; a row here says what became of one move's mail.
create table audit.surat_permintaan (
    riwayat_id bigint primary key references audit.riwayat_permintaan,
    keadaan text not null check (keadaan in ('terkirim', 'gagal', 'tanpa_penerima', 'tanpa_smtp')),
    penerima text[] not null default '{}',
    percobaan integer not null default 0,
    galat text,
    pada timestamptz not null default now()
);
