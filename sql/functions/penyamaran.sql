-- Masking, for every view of a reader not cleared for by-name-by-address data (docs/definitions.md).

-- Each word of a name keeps its first 3 characters and the rest become '*'.
create or replace function util.samarkan_nama(nama text) returns text
language sql immutable parallel safe
as $$
    select string_agg(left(kata, 3) || repeat('*', greatest(length(kata) - 3, 0)), ' ' order by urutan)
    from unnest(string_to_array(btrim(nama), ' ')) with ordinality as k (kata, urutan)
    where kata <> ''
$$;

-- A NIK or No. KK keeps only its first 6 digits, the region (province, kabupaten, kecamatan): more would give
-- away the day and month of birth (digits 7-10 of a NIK).
create or replace function util.samarkan_nomor(nomor text) returns text
language sql immutable parallel safe
as $$ select left(nomor, 6) || repeat('*', greatest(length(nomor) - 6, 0)) $$;
