-- The published KPM rows with their place, resolved when read (so a new reference or a new published spelling
-- re-locates every published list at the next mart build, without reloading one): the list's Kemendagri desa
-- code when the reference knows it, else its kecamatan and desa names (models.yml: tempat: kode_atau_nama,
-- warehouse.WITH_PLACE). Read by mart_kpm.
select * from warehouse.penerima_bansos
