-- Cleaning functions shared by the warehouse models; each is the exact rule of DASHBOARDS.md / INPUTS.md.
create schema if not exists util;

-- Identity number as text: apostrophes, whitespace, dots and hyphens stripped; NULL when nothing is left.
create function util.nomor_bersih(raw text) returns text
language sql immutable parallel safe
as $$ select nullif(regexp_replace(raw, '[''[:space:].-]', '', 'g'), '') $$;

-- Corrupted: scientific notation, or the value came from a numeric spreadsheet cell.
create function util.is_nomor_rusak(raw text, is_numeric_cell boolean) returns boolean
language sql immutable parallel safe
as $$ select coalesce(is_numeric_cell, false) or coalesce(raw ~* '[0-9]e[+-]?[0-9]', false) $$;

create function util.is_kode_provinsi(two_digits text) returns boolean
language sql immutable parallel safe
as $$
    select two_digits in (
        '11', '12', '13', '14', '15', '16', '17', '18', '19', '21', '31', '32', '33', '34', '35', '36',
        '51', '52', '53', '61', '62', '63', '64', '65', '71', '72', '73', '74', '75', '76', '81', '82',
        '91', '92', '93', '94', '95', '96'
    )
$$;

-- Valid NIK (cleaned): 16 digits, province code, day 01-31 or 41-71, month 01-12, serial not 0000.
create function util.is_nik_valid(nik text) returns boolean
language sql immutable parallel safe
as $$
    select case
        when nik is null or nik !~ '^[0-9]{16}$' then false
        else util.is_kode_provinsi(substr(nik, 1, 2))
            and (substr(nik, 7, 2)::int between 1 and 31 or substr(nik, 7, 2)::int between 41 and 71)
            and substr(nik, 9, 2)::int between 1 and 12
            and substr(nik, 13, 4) <> '0000'
    end
$$;

-- Valid No. KK (cleaned): 16 digits with a province code.
create function util.is_kk_valid(nokk text) returns boolean
language sql immutable parallel safe
as $$
    select case
        when nokk is null or nokk !~ '^[0-9]{16}$' then false
        else util.is_kode_provinsi(substr(nokk, 1, 2))
    end
$$;

-- Normalised name: upper case, every non-letter a space, spaces collapsed, trimmed.
create function util.nama_normal(raw text) returns text
language sql immutable parallel safe
as $$ select nullif(btrim(regexp_replace(upper(raw), '[^[:alpha:]]+', ' ', 'g')), '') $$;

-- Place-name match keys (INPUTS.md): upper case, a leading KECAMATAN/KEC (or DESA/DS/KELURAHAN/KEL) word
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

-- A whole number, or NULL when the text is not one.
create function util.angka(raw text) returns int
language sql immutable parallel safe
as $$
    select case when btrim(raw) ~ '^[+-]?[0-9]{1,9}(\.0+)?$' then round(btrim(raw)::numeric)::int end
$$;

-- A date from YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY (a time part is ignored); NULL when impossible.
-- PL/pgSQL rather than SQL: it runs once per row of every DTKS period, and a plain SQL function with CTEs is
-- not inlined and costs ~100 us a call; this one costs a few.
create function util.tanggal(raw text) returns date
language plpgsql immutable parallel safe
as $$
declare
    parts text[];
    y int;
    m int;
    d int;
begin
    if raw is null then
        return null;
    end if;
    parts := regexp_match(raw, '^\s*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})([ T].*)?$');
    if parts is not null then
        y := parts[1]; m := parts[2]; d := parts[3];
    else
        parts := regexp_match(raw, '^\s*([0-9]{1,2})[/-]([0-9]{1,2})[/-]([0-9]{4})\s*$');
        if parts is null then
            return null;
        end if;
        y := parts[3]; m := parts[2]; d := parts[1];
    end if;
    if y not between 1800 and 2200 or m not between 1 and 12 or d < 1
        or d > extract(day from (make_date(y, m, 1) + interval '1 month - 1 day')) then
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
