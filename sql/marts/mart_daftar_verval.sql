-- The daftar verval of dashboard 13: the candidates for a ground check in the latest published DTSEN update Q,
-- by name and address (docs/definitions.md, "DTSEN"; docs/privacy.md):
-- - 'inklusi': a valid NIK among a programme's current KPM whose desil in Q is above the programme's limit, once
--   per programme and kecamatan of its current rows of that programme;
-- - 'eksklusi': each member of a family of Q with desil 1-4 none of whose members' valid NIKs is among the
--   current KPM of any programme (wherever that list row places it), placed where the family is.
-- Key: (alasan, program, id_keluarga, nik, kode_kec).
with

kpm as (
    select * from marts_next.mart_dtsen_kpm
),

keluarga as (
    select * from marts_next.mart_dtsen_keluarga
    where periode = (select max(terakhir.periode) from marts_next.mart_dtsen_keluarga as terakhir)
),

anggota as (
    select * from warehouse.dtsen_individu
    where periode = (select max(terakhir.periode) from marts_next.mart_dtsen_keluarga as terakhir)
),

penerima as (
    select distinct kpm.nik from kpm
    where kpm.is_nik_valid
),

inklusi as (
    select
        'inklusi' as alasan,
        kpm.program,
        null::text as id_keluarga,
        kpm.nik,
        kpm.kode_kec,
        min(kpm.kode_desa) as kode_desa,
        min(kpm.nokk) as nokk,
        min(kpm.nama) as nama,
        min(kpm.alamat) as alamat,
        min(kpm.desil) as desil,
        true as is_nik_valid
    from kpm
    where kpm.is_di_atas_batas
    group by kpm.program, kpm.nik, kpm.kode_kec
),

eksklusi as (
    select distinct on (anggota.id_keluarga, anggota.nik)
        'eksklusi' as alasan,
        null::text as program,
        anggota.id_keluarga,
        anggota.nik,
        keluarga.kode_kec,
        keluarga.kode_desa,
        anggota.nokk,
        anggota.nama,
        anggota.alamat,
        keluarga.desil,
        anggota.is_nik_valid
    from keluarga
    inner join anggota on keluarga.id_keluarga = anggota.id_keluarga
    where
        keluarga.desil between 1 and 4
        and not exists (
            select from anggota as sesama
            inner join penerima on sesama.nik = penerima.nik
            where sesama.id_keluarga = keluarga.id_keluarga and sesama.is_nik_valid
        )
    order by anggota.id_keluarga asc, anggota.nik asc, anggota.source_row asc
),

final as (
    select * from inklusi
    union all
    select * from eksklusi
)

select
    final.*,
    (select max(terakhir.periode) from marts_next.mart_dtsen_keluarga as terakhir) as periode_dtsen
from final
