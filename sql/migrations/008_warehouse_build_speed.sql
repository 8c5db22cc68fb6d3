-- What makes a warehouse build fast (docs/design.md, "A build types one submission").

-- The submission a warehouse build is computing, set by warehouse.build with
-- `set local bansos360.submission_id = N`; NULL outside a build. The staging models read their staging table
-- through it, so a build types one submission's rows only, while a plain query of the view sees every row.
create function util.submission_in_build() returns bigint
language sql stable parallel safe
as $$ select nullif(current_setting('bansos360.submission_id', true), '')::bigint $$;

-- The same rule as in 003_util.sql, cheaper per call: plain digits (nearly every cell) are recognised without
-- a regular expression. It runs for some 80 code columns of every DTKS row.
create or replace function util.angka(raw text) returns int
language sql immutable parallel safe
as $$
    select case
        when length(raw) between 1 and 9 and btrim(raw, '0123456789') = '' then raw::int
        when btrim(raw) ~ '^[+-]?[0-9]{1,9}(\.0+)?$' then round(btrim(raw)::numeric)::int
    end
$$;

-- Same rules as in 003_util.sql; a value of digits only (nearly every NIK and No. KK) skips the regular
-- expressions.
create or replace function util.nomor_bersih(raw text) returns text
language sql immutable parallel safe
as $$
    select case
        when btrim(raw, '0123456789') = '' then nullif(raw, '')
        else nullif(regexp_replace(raw, '[''[:space:].-]', '', 'g'), '')
    end
$$;

create or replace function util.is_nomor_rusak(raw text, is_numeric_cell boolean) returns boolean
language sql immutable parallel safe
as $$
    select coalesce(is_numeric_cell, false)
        or (btrim(raw, '0123456789') <> '' and coalesce(raw ~* '[0-9]e[+-]?[0-9]', false))
$$;
