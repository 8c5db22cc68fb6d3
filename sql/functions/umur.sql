-- Age groups of docs/definitions.md: 0-4, 5-17, 18-59, 60+ ('Kosong' when the age is unknown).
create or replace function util.kelompok_umur(umur int) returns text
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
