-- Text as delivered: blank cells, names and place-name match keys (docs/definitions.md, docs/inputs.md).

-- A delivered cell: trimmed, NULL when blank. Every staging model reads its text columns through it. (A SQL
-- function of one expression: PostgreSQL inlines it, so it costs nothing per row.)
create or replace function util.isian(raw text) returns text
language sql immutable parallel safe
as $$ select nullif(btrim(raw), '') $$;

-- A BPS region code as delivered: trimmed and zero-padded to its width (a spreadsheet drops leading zeros).
create or replace function util.kode_bps(raw text, width int) returns text
language sql immutable parallel safe
as $$ select lpad(btrim(raw), width, '0') $$;

-- Normalised name: upper case, every non-letter a space, spaces collapsed, trimmed.
create or replace function util.nama_normal(raw text) returns text
language sql immutable parallel safe
as $$ select nullif(btrim(regexp_replace(upper(raw), '[^[:alpha:]]+', ' ', 'g')), '') $$;

-- Place-name match keys: upper case, a leading KECAMATAN/KEC (or DESA/DS/KELURAHAN/KEL) word followed by a space
-- or a dot dropped, then every character that is not a letter or digit dropped.
create or replace function util.kunci_kecamatan(raw text) returns text
language sql immutable parallel safe
as $$
    select nullif(
        regexp_replace(regexp_replace(upper(btrim(raw)), '^(KECAMATAN|KEC)[ .]', ''), '[^A-Z0-9]', '', 'g'),
        ''
    )
$$;

create or replace function util.kunci_desa(raw text) returns text
language sql immutable parallel safe
as $$
    select nullif(
        regexp_replace(
            regexp_replace(upper(btrim(raw)), '^(DESA|DS|KELURAHAN|KEL)[ .]', ''), '[^A-Z0-9]', '', 'g'
        ),
        ''
    )
$$;

-- Gender as L or P: the code of the national registers (1 men, 2 women) or the word, in any case and spelling
-- of L, LAKI-LAKI, LAKI, P, PEREMPUAN, WANITA; NULL otherwise.
create or replace function util.jenis_kelamin(raw text) returns text
language sql immutable parallel safe
as $$
    select case
        when btrim(raw) = '1' or util.nama_normal(raw) in ('L', 'LAKI LAKI', 'LAKI') then 'L'
        when btrim(raw) = '2' or util.nama_normal(raw) in ('P', 'PEREMPUAN', 'WANITA') then 'P'
    end
$$;

-- The head of a family: the relation code 1 or the words KEPALA KELUARGA (or KEPALA).
create or replace function util.is_kepala_keluarga(raw text) returns boolean
language sql immutable parallel safe
as $$
    select coalesce(btrim(raw) = '1' or util.nama_normal(raw) in ('KEPALA KELUARGA', 'KEPALA'), false)
$$;
