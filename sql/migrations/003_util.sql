-- Cleaning functions shared by the warehouse models; each is the exact rule of docs/definitions.md / docs/inputs.md.
create schema if not exists util;

-- Identity number as text: apostrophes, whitespace, dots and hyphens stripped; NULL when nothing is left.
create function util.nomor_bersih(raw text) returns text
language sql immutable parallel safe
as $$ select nullif(regexp_replace(raw, '[''[:space:].-]', '', 'g'), '') $$;

-- Corrupted: scientific notation, or the value came from a numeric spreadsheet cell.
create function util.is_nomor_rusak(raw text, is_numeric_cell boolean) returns boolean
language sql immutable parallel safe
as $$ select coalesce(is_numeric_cell, false) or coalesce(raw ~* '[0-9]e[+-]?[0-9]', false) $$;

create function util.is_kode_provinsi(two_digits int) returns boolean
language sql immutable parallel safe
as $$
    select
        two_digits between 11 and 19 or two_digits = 21 or two_digits between 31 and 36
        or two_digits between 51 and 53 or two_digits between 61 and 65 or two_digits between 71 and 76
        or two_digits between 81 and 82 or two_digits between 91 and 96
$$;

-- Valid NIK (cleaned): 16 digits, province code, day 01-31 or 41-71, month 01-12, serial not 0000.
create function util.is_nik_valid(nik text) returns boolean
language sql immutable parallel safe
as $$
    select case
        when nik is null or nik !~ '^[0-9]{16}$' then false
        else util.is_kode_provinsi(left(nik, 2)::int)
            and (substr(nik, 7, 2)::int between 1 and 31 or substr(nik, 7, 2)::int between 41 and 71)
            and substr(nik, 9, 2)::int between 1 and 12
            and right(nik, 4) <> '0000'
    end
$$;

-- Valid No. KK (cleaned): 16 digits with a province code.
create function util.is_kk_valid(nokk text) returns boolean
language sql immutable parallel safe
as $$
    select case
        when nokk is null or nokk !~ '^[0-9]{16}$' then false
        else util.is_kode_provinsi(left(nokk, 2)::int)
    end
$$;

-- Normalised name: upper case, every non-letter a space, spaces collapsed, trimmed.
create function util.nama_normal(raw text) returns text
language sql immutable parallel safe
as $$ select nullif(btrim(regexp_replace(upper(raw), '[^[:alpha:]]+', ' ', 'g')), '') $$;

-- Place-name match keys (docs/inputs.md): upper case, a leading KECAMATAN/KEC (or DESA/DS/KELURAHAN/KEL) word
-- followed by a space or a dot dropped, then every character that is not a letter or digit dropped.
create function util.kunci_kecamatan(raw text) returns text
language sql immutable parallel safe
as $$
    select nullif(
        regexp_replace(regexp_replace(upper(btrim(raw)), '^(KECAMATAN|KEC)[ .]', ''), '[^A-Z0-9]', '', 'g'),
        ''
    )
$$;

create function util.kunci_desa(raw text) returns text
language sql immutable parallel safe
as $$
    select nullif(
        regexp_replace(
            regexp_replace(upper(btrim(raw)), '^(DESA|DS|KELURAHAN|KEL)[ .]', ''), '[^A-Z0-9]', '', 'g'
        ),
        ''
    )
$$;

-- A whole number, or NULL when the text is not one (the plain-digits case first: it is nearly every cell).
create function util.angka(raw text) returns int
language sql immutable parallel safe
as $$
    select case
        when raw ~ '^[0-9]{1,9}$' then raw::int
        when btrim(raw) ~ '^[+-]?[0-9]{1,9}(\.0+)?$' then round(btrim(raw)::numeric)::int
    end
$$;

-- A date from YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY (a time part is ignored); NULL when impossible.
-- It runs for every row of every DTKS period, so it avoids what is slow in PostgreSQL per row: SQL functions
-- that cannot be inlined and regular expressions with capture groups (the shape is tested with ~, the parts
-- are split out without a regex).
create function util.tanggal(raw text) returns date
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
create function util.periode_tanggal(periode text) returns date
language sql immutable parallel safe
as $$ select to_date(periode || '-01', 'YYYY-MM-DD') $$;

-- Desil from Status_Kesejahteraan (1-4) when present, else from Percentile (1-10 -> 1 ... 31-40 -> 4).
create function util.desil(status_kesejahteraan text, percentile text) returns int
language sql immutable parallel safe
as $$
    select coalesce(
        case when util.angka(status_kesejahteraan) between 1 and 4 then util.angka(status_kesejahteraan) end,
        case when util.angka(percentile) between 1 and 40 then (util.angka(percentile) + 9) / 10 end
    )
$$;
