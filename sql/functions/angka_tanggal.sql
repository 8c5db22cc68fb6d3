-- Numbers, dates and periods as delivered, and the desil (docs/inputs.md).

-- A whole number, or NULL when the text is not one. Plain digits (nearly every cell) are recognised without a
-- regular expression: it runs for some 80 code columns of every DTKS row.
create or replace function util.angka(raw text) returns int
language sql immutable parallel safe
as $$
    select case
        when length(raw) between 1 and 9 and btrim(raw, '0123456789') = '' then raw::int
        when btrim(raw) ~ '^[+-]?[0-9]{1,9}(\.0+)?$' then round(btrim(raw)::numeric)::int
    end
$$;

-- A date from YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY (a time part is ignored); NULL when impossible.
-- It runs for every row of every DTKS period, so it avoids what is slow in PostgreSQL per row: SQL functions
-- that cannot be inlined and regular expressions with capture groups (the shape is tested with ~, the parts
-- are split out without a regex).
create or replace function util.tanggal(raw text) returns date
language plpgsql immutable parallel safe
as $$
declare
    parts text[];
    y int;
    m int;
    d int;
    last_day int;
begin
    if raw ~ '^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T].*)?$' then
        parts := string_to_array(split_part(split_part(btrim(raw), ' ', 1), 'T', 1), '-');
        y := parts[1];
        m := parts[2];
        d := parts[3];
    elsif raw ~ '^\s*[0-9]{1,2}[/-][0-9]{1,2}[/-][0-9]{4}\s*$' then
        parts := string_to_array(translate(btrim(raw), '/', '-'), '-');
        d := parts[1];
        m := parts[2];
        y := parts[3];
    else
        return null;
    end if;
    last_day := case
        when m in (4, 6, 9, 11) then 30
        when m <> 2 then 31
        when (y % 4 = 0 and y % 100 <> 0) or y % 400 = 0 then 29
        else 28
    end;
    if y < 1800 or y > 2200 or m < 1 or m > 12 or d < 1 or d > last_day then
        return null;
    end if;
    return make_date(y, m, d);
end
$$;

-- First day of a 'YYYY-MM' period.
create or replace function util.periode_tanggal(periode text) returns date
language sql immutable parallel safe
as $$ select to_date(periode || '-01', 'YYYY-MM-DD') $$;

-- Desil from Status_Kesejahteraan (1-4) when present, else from Percentile (1-10 -> 1 ... 31-40 -> 4).
create or replace function util.desil(status_kesejahteraan text, percentile text) returns int
language sql immutable parallel safe
as $$
    select coalesce(
        case when util.angka(status_kesejahteraan) between 1 and 4 then util.angka(status_kesejahteraan) end,
        case when util.angka(percentile) between 1 and 40 then (util.angka(percentile) + 9) / 10 end
    )
$$;

-- A DTSEN desil as delivered: a whole number 1-10; anything else is no desil (NULL), reported as a warning.
create or replace function util.desil_dtsen(raw text) returns int
language sql immutable parallel safe
as $$
    select case when util.angka(raw) between 1 and 10 then util.angka(raw) end
$$;

-- The DTSEN desil group of dashboard 13 (docs/definitions.md, "DTSEN"): desil_1_4, desil_5, desil_6_10, or
-- tanpa_desil for no desil.
create or replace function util.kelompok_desil_dtsen(desil int) returns text
language sql immutable parallel safe
as $$
    select case
        when desil is null then 'tanpa_desil'
        when desil <= 4 then 'desil_1_4'
        when desil = 5 then 'desil_5'
        else 'desil_6_10'
    end
$$;
