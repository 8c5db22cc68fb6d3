-- Public, aggregate-only: recipients (persons) per programme and desa, for village pages. No name, NIK or
-- No. KK. A person is a valid NIK, else a written NIK with a normalised name (two spellings of one name on a
-- list are one KPM row each but may be one person: counting persons keeps the threshold honest).
-- Small cells are removed, not masked: a programme with fewer than 5 recipients in the desa is merged into
-- 'Lainnya', and the merge leaves no remainder to subtract (util.gabung_sel_kecil). Key: (kode_desa, program).
with

per_program as (
    select
        kpm.kode_kec,
        kpm.kode_desa,
        kpm.program,
        coalesce(program.urutan, 999) as urutan_program,
        count(distinct case
            when kpm.is_nik_valid then kpm.nik
            else coalesce(kpm.nik_mentah, '') || '|' || coalesce(kpm.nama_normal, '')
        end) as penerima
    from marts_next.mart_kpm as kpm
    left join warehouse.program as program on kpm.program = program.kode
    where kpm.kode_desa is not null
    group by kpm.kode_kec, kpm.kode_desa, kpm.program, program.urutan
),

per_desa as (
    select
        kode_kec,
        kode_desa,
        array_agg(program order by urutan_program, program) as program,
        array_agg(penerima order by urutan_program, program) as penerima
    from per_program
    group by kode_kec, kode_desa
)

select
    per_desa.kode_kec,
    per_desa.kode_desa,
    sel.kategori as program,
    sel.jumlah as penerima
from per_desa
cross join lateral util.gabung_sel_kecil(per_desa.program, per_desa.penerima) as sel
