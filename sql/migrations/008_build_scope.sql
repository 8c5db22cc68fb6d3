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
