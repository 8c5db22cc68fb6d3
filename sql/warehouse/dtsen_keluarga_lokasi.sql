-- The families of the published DTSEN updates with their place, resolved when read (models.yml: tempat:
-- kode_atau_nama, warehouse.WITH_PLACE) as for the lists: the Kemendagri desa code of the family's placing row
-- when the reference knows it, else its kecamatan and desa names. Read by the DTSEN marts.
select * from warehouse.dtsen_keluarga
