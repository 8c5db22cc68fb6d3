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

-- Valid No. KK (cleaned): 16 digits, the first two a province code (11-19, 21, 31-36, 51-53, 61-65, 71-76, 81-82,
-- 91-96).
-- Each rule below reads its argument once, as one regular expression: PostgreSQL inlines a SQL function only when
-- an argument that is an expression (here util.nomor_bersih of a raw cell) is used at most once, and a function
-- run call by call cost most of the typing of a DTSEN update (docs/benchmarks.md).
create or replace function util.is_kk_valid(nokk text) returns boolean
language sql immutable parallel safe
as $$
    select coalesce(nokk ~ '^(1[1-9]|21|3[1-6]|5[1-3]|6[1-5]|7[1-6]|8[12]|9[1-6])[0-9]{14}$', false)
$$;

-- Valid NIK (cleaned): the form of a valid No. KK (16 digits, a province code), then a day 01-31 or 41-71, a month
-- 01-12, two digits of the year and a serial that is not 0000.
create or replace function util.is_nik_valid(nik text) returns boolean
language sql immutable parallel safe
as $$
    select coalesce(
        nik ~ ('^(1[1-9]|21|3[1-6]|5[1-3]|6[1-5]|7[1-6]|8[12]|9[1-6])[0-9]{4}'  -- province, regency, district
            || '(0[1-9]|[12][0-9]|3[01]|4[1-9]|[56][0-9]|7[01])(0[1-9]|1[0-2])[0-9]{2}'  -- day (+40: female), month, year
            || '(?!0000)[0-9]{4}$'),  -- serial
        false
    )
$$;
