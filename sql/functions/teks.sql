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
