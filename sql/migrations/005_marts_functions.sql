-- Functions the marts use.
-- Masking for readers not cleared for by-name-by-address data (docs/definitions.md): each word of a name keeps
-- its first 3 characters and the rest become '*'; a NIK or No. KK keeps its first 10 digits.
create function util.samarkan_nama(nama text) returns text
language sql immutable parallel safe
as $$
    select string_agg(left(kata, 3) || repeat('*', greatest(length(kata) - 3, 0)), ' ' order by urutan)
    from unnest(string_to_array(btrim(nama), ' ')) with ordinality as k (kata, urutan)
    where kata <> ''
$$;

create function util.samarkan_nomor(nomor text) returns text
language sql immutable parallel safe
as $$ select left(nomor, 10) || repeat('*', greatest(length(nomor) - 10, 0)) $$;

-- Public aggregates suppress cells of fewer than 5 persons.
create function util.sel_publik(jumlah bigint) returns bigint
language sql immutable parallel safe
as $$ select case when jumlah >= 5 then jumlah end $$;

-- Age groups of docs/definitions.md: 0-4, 5-17, 18-59, 60+ ('Kosong' when the age is unknown).
create function util.kelompok_umur(umur int) returns text
language sql immutable parallel safe
as $$
    select case
        when umur is null then 'Kosong'
        when umur < 5 then '0-4'
        when umur < 18 then '5-17'
        when umur < 60 then '18-59'
        else '60+'
    end
$$;
