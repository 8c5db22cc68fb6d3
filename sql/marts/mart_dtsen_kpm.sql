-- Dashboard 13: the current KPM rows of every programme, the rows of its most recent published list (the latest
-- as-of date; on a tie the later submission) after blank rows and exact duplicates of that list, with the desil
-- of their NIK in the latest published DTSEN update Q and the programme's limit (docs/definitions.md, "DTSEN").
-- kelompok_dtsen: desil_1_4, desil_5, desil_6_10, tanpa_desil (in Q without a desil), tidak_di_dtsen (not in Q;
-- an invalid NIK too). Key: (submission_id, source_row).
with

daftar as (
    select * from warehouse.penerima_bansos_lokasi
),

program as (
    select * from warehouse.program
),

terkini as (
    select distinct on (daftar.program)
        daftar.program,
        daftar.submission_id
    from daftar
    order by daftar.program asc, daftar.as_of desc nulls last, daftar.submission_id desc
),

dtsen_nik as (
    select * from marts_next.mart_dtsen_nik
),

desil_q as (
    select distinct
        dtsen_nik.periode,
        dtsen_nik.nik,
        dtsen_nik.desil
    from dtsen_nik
    where dtsen_nik.periode = (select max(terakhir.periode) from dtsen_nik as terakhir)
),

final as (
    select
        -- ids
        daftar.submission_id,
        daftar.source_row,
        daftar.program,
        daftar.nik,
        daftar.nokk,
        daftar.kode_kec,
        daftar.kode_desa,
        -- text
        daftar.nama,
        daftar.alamat,
        (select max(terakhir.periode) from dtsen_nik as terakhir) as periode_dtsen,
        case
            when desil_q.nik is null then 'tidak_di_dtsen'
            else util.kelompok_desil_dtsen(desil_q.desil)
        end as kelompok_dtsen,
        -- numbers
        desil_q.desil,
        program.desil_maks,
        -- flags
        daftar.is_nik_valid,
        coalesce(desil_q.desil > program.desil_maks, false) as is_di_atas_batas
    from daftar
    inner join terkini on daftar.program = terkini.program and daftar.submission_id = terkini.submission_id
    inner join program on daftar.program = program.kode
    left join desil_q on daftar.is_nik_valid and daftar.nik = desil_q.nik
)

select * from final
