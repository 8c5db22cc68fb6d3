-- The published register rows with their place, resolved when read from the register's kecamatan and desa
-- names (models.yml: tempat: nama, warehouse.WITH_PLACE), as for the lists. Read by mart_disabilitas.
select * from warehouse.disabilitas
