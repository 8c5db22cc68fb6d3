-- A masked NIK or No. KK keeps only its first 6 digits, the region (province, kabupaten, kecamatan). The 10
-- kept before also gave away the day and month of birth (digits 7-10 of a NIK).
create or replace function util.samarkan_nomor(nomor text) returns text
language sql immutable parallel safe
as $$ select left(nomor, 6) || repeat('*', greatest(length(nomor) - 6, 0)) $$;
