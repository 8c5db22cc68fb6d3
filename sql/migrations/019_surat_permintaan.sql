-- The mails of the third SOP (docs/requests.md, "Mails"): each move of a dashboard request from one state to
-- another (a row of audit.riwayat_permintaan whose states differ) is mailed once, as a submission's state changes
-- are (017_surat.sql). The history is the outbox; a row here says what became of one move's mail.
create table audit.surat_permintaan (
    riwayat_id bigint primary key references audit.riwayat_permintaan,
    keadaan text not null check (keadaan in ('terkirim', 'gagal', 'tanpa_penerima', 'tanpa_smtp', 'lama')),
    penerima text[] not null default '{}',
    percobaan integer not null default 0,
    galat text,
    pada timestamptz not null default now()
);

-- a move made before its mails existed is not mailed
insert into audit.surat_permintaan (riwayat_id, keadaan)
select
    riwayat_id,
    'lama' as keadaan
from audit.riwayat_permintaan
where dari is distinct from ke;

-- the free texts of a request have the lengths the pages allow (bansos360.dashboard_request.PANJANG)
alter table audit.permintaan_dasbor
add constraint permintaan_dasbor_panjang check (
    char_length(instansi) <= 200 and char_length(pertanyaan) <= 4000 and char_length(pengguna) <= 500
    and coalesce(char_length(data_baru), 0) <= 2000 and coalesce(char_length(sketsa_nama), 0) <= 200
);

alter table audit.riwayat_permintaan
add constraint riwayat_permintaan_panjang check (coalesce(char_length(catatan), 0) <= 2000);
