-- Programmes per beneficiary for dashboard 4: one row per distinct valid NIK of the KPM rows, at two levels.
-- tingkat = 'kabupaten': over all its KPM rows (kode_kec, kode_desa NULL); tingkat = 'kecamatan': over its
-- KPM rows located in that kecamatan (so a NIK with PKH in K and SEMBAKO elsewhere is, for K, PKH without
-- SEMBAKO). Key: (tingkat, kode_kec, nik). Read by dashboard 4 and figures. jumlah_program and daftar_program
-- count and name every registered programme; the flags are those of dashboard 4's named combinations only.
with

kpm as (
    select * from marts_next.mart_kpm
    where is_nik_valid
),

per_tingkat as (
    select
        'kabupaten' as tingkat,
        null::text as kode_kec,
        nik,
        program,
        is_kis
    from kpm
    union all
    select
        'kecamatan' as tingkat,
        kode_kec,
        nik,
        program,
        is_kis
    from kpm
    where kode_kec is not null
),

final as (
    select
        -- ids
        tingkat,
        kode_kec,
        null::text as kode_desa,
        nik,
        -- numbers
        count(distinct program) as jumlah_program,
        -- text
        string_agg(distinct program, ' + ' order by program) as daftar_program,
        -- flags (the named combinations of dashboard 4)
        bool_or(program = 'PKH') as is_pkh,
        bool_or(program = 'SEMBAKO') as is_sembako,
        bool_or(program = 'KPE') as is_kpe,
        bool_or(is_kis) as is_kis
    from per_tingkat
    group by tingkat, kode_kec, nik
)

select * from final
