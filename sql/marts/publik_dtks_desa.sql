-- Public, aggregate-only: DTKS households, families and individuals per period and desa, for village
-- embeds. A cell of fewer than 5 is NULL (suppressed). Key: (periode, kode_desa).
select
    periode,
    kode_kec,
    kode_desa,
    util.sel_publik(rumah_tangga) as rumah_tangga,
    util.sel_publik(keluarga) as keluarga,
    util.sel_publik(individu) as individu,
    util.sel_publik(pkh) as pkh,
    util.sel_publik(bpnt) as bpnt
from marts_next.mart_dtks_ringkasan
where kode_desa is not null
