-- The BPS-Kemendagri crosswalk of the published region reference, keyed as a DTKS file places a row: by
-- province, kabupaten, BPS kecamatan and BPS desa codes (KDPROP, KDKAB, KDKEC, KDDESA). One row per desa. The
-- province and kabupaten are the first two parts of the Kemendagri kecamatan code, which the warehouse gate
-- holds to the form 35.03.01. Read by dtks_rumah_tangga and dtks_individu; usulan places by the BPS
-- kecamatan and desa codes alone (a proposal has no province or kabupaten column).
with

wilayah as (
    select * from warehouse.ref_wilayah
),

final as (
    select
        left(wilayah.kode_kec, 2) as kdprop,
        substr(wilayah.kode_kec, 4, 2) as kdkab,
        wilayah.kode_kec_bps,
        wilayah.kode_desa_bps,
        wilayah.kode_kec,
        wilayah.kode_desa
    from wilayah
)

select * from final
