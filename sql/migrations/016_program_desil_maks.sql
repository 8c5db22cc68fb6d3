-- The highest DTSEN desil a programme is meant for (docs/definitions.md, dashboard 13): a recipient whose
-- family's desil is above it is an inclusion-error candidate. Data the Dinas sets on the server
-- (`bansos360 program set --kode PKH --desil-maks 4 --by NAME`), audited in audit.registri_perubahan; NULL: the
-- programme has no limit. The shipped limits (PKH 4, SEMBAKO 5) are set once here for an existing database and
-- by `init` for a new one (data/program.csv); a value set on the server is never overwritten.
alter table warehouse.program
add column desil_maks integer constraint program_desil_maks_rentang check (desil_maks between 1 and 10);

update warehouse.program set desil_maks = case kode when 'PKH' then 4 when 'SEMBAKO' then 5 end
where bawaan and kode in ('PKH', 'SEMBAKO');
