-- Public, aggregate-only: DTKS households and individuals per period and desa, for village pages.
-- A period in which the desa has fewer than 5 households or individuals is left out (removed, not masked);
-- no other column is published, so nothing is derived by subtraction. Key: (periode, kode_desa).
select
    periode,
    kode_kec,
    kode_desa,
    rumah_tangga,
    individu
from marts_next.mart_dtks_ringkasan
where kode_desa is not null and rumah_tangga >= 5 and individu >= 5
