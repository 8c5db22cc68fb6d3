-- Identity numbers (NIK, No. KK): cleaning, corruption and validity, exactly as docs/definitions.md defines them.
-- plugins/bansos360/rules.py mirrors util.nomor_bersih and util.is_nik_valid for the raw gate.

-- A number as text: apostrophes, whitespace, dots and hyphens stripped; NULL when nothing is left. A value of
-- digits only (nearly every NIK and No. KK) skips the regular expression: it runs for every row of a DTKS period.
create or replace function util.nomor_bersih(raw text) returns text
language sql immutable parallel safe
as $$
    select case
        when btrim(raw, '0123456789') = '' then nullif(raw, '')
        else nullif(regexp_replace(raw, '[''[:space:].-]', '', 'g'), '')
    end
$$;

-- Corrupted: the value came from a numeric spreadsheet cell, or is in scientific notation. Never repaired.
create or replace function util.is_nomor_rusak(raw text, is_numeric_cell boolean) returns boolean
language sql immutable parallel safe
as $$
    select coalesce(is_numeric_cell, false)
        or (btrim(raw, '0123456789') <> '' and coalesce(raw ~* '[0-9]e[+-]?[0-9]', false))
$$;

-- A province code (the first two digits of a NIK or No. KK).
create or replace function util.is_kode_provinsi(two_digits int) returns boolean
language sql immutable parallel safe
as $$
    select
        two_digits between 11 and 19 or two_digits = 21 or two_digits between 31 and 36
        or two_digits between 51 and 53 or two_digits between 61 and 65 or two_digits between 71 and 76
        or two_digits between 81 and 82 or two_digits between 91 and 96
$$;

-- Valid No. KK (cleaned): 16 digits with a province code.
create or replace function util.is_kk_valid(nokk text) returns boolean
language sql immutable parallel safe
as $$
    select case
        when nokk is null or nokk !~ '^[0-9]{16}$' then false
        else util.is_kode_provinsi(left(nokk, 2)::int)
    end
$$;

-- Valid NIK (cleaned): the form of a valid No. KK (16 digits, a province code), then a day 01-31 or 41-71, a month
-- 01-12 and a serial that is not 0000.
create or replace function util.is_nik_valid(nik text) returns boolean
language sql immutable parallel safe
as $$
    select case
        when not util.is_kk_valid(nik) then false
        else (substr(nik, 7, 2)::int between 1 and 31 or substr(nik, 7, 2)::int between 41 and 71)
            and substr(nik, 9, 2)::int between 1 and 12
            and right(nik, 4) <> '0000'
    end
$$;
