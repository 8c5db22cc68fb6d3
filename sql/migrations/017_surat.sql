-- Notifications by e-mail (docs/airflow.md, "Notifications"): each state change that someone must hear about is
-- mailed once. The state changes themselves (audit.state_change, written in the transaction that changes the
-- state) are the outbox; a row here says what became of one: sent, to whom, or why not ('usang': the submission
-- no longer waits for approval when the sender comes to it).
create table audit.surat (
    state_change_id bigint primary key references audit.state_change,
    keadaan text not null check (keadaan in ('terkirim', 'gagal', 'tanpa_penerima', 'tanpa_smtp', 'usang', 'lama')),
    penerima text[] not null default '{}',
    percobaan integer not null default 0,
    galat text,
    pada timestamptz not null default now()
);

-- what happened before notifications existed is not mailed
insert into audit.surat (state_change_id, keadaan)
select
    state_change_id,
    'lama' as keadaan
from audit.state_change;

-- Who is told: the users of the deployment's users file (`bansos360 airflow setup --users FILE`), their address
-- and their SOP roles; replaced whole at each setup.
create table audit.pengguna (
    username text primary key,
    nama text,
    email text,
    peran text[] not null default '{}'
);
