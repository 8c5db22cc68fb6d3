"""Personal data is personal: masked views mask; public views hold aggregates only, with no count under 5 and
none derivable by subtraction."""

from __future__ import annotations

import re

import pytest

from tests.conftest import query
from tests.helpers import approve_and_refresh, submit

PERSONAL = {"nik", "nik_mentah", "nokk", "nama", "nama_normal", "alamat", "tgl_lahir", "idartbdt"}


def columns(s, view):
    return [r[0] for r in query(s, "select column_name from information_schema.columns "
                                   "where table_schema = 'marts' and table_name = %s", (view,))]


def test_masked_view_masks_names_and_numbers(loaded):
    assert not PERSONAL & set(columns(loaded, "kpm_tersamar"))
    rows = query(loaded, "select k.nik_tersamar, k.nama_tersamar, m.nik, m.nama_normal from marts.kpm_tersamar k "
                         "join marts.mart_kpm m using (submission_id, source_row) where m.is_nik_valid limit 500")
    assert rows
    for masked_nik, masked_name, nik, name in rows:
        assert masked_nik == nik[:6] + "*" * 10
        words, originals = masked_name.split(" "), name.split(" ")
        assert len(words) == len(originals)
        for w, o in zip(words, originals, strict=True):
            assert w == o[:3] + "*" * max(len(o) - 3, 0)


def test_public_views_are_aggregates_with_no_cell_under_five(loaded):
    """The village views hold aggregates only, and every published count is 5 or more: small cells are removed,
    not masked (a NULL in a row would still say that someone is there)."""
    counts = {"publik_kpm_desa": ["penerima"], "publik_dtks_desa": ["rumah_tangga", "individu"],
              "publik_disabilitas_desa": ["jumlah"], "publik_dtsen_desa": ["keluarga"]}
    published = {"publik_kpm_desa": {"kode_kec", "kode_desa", "program", "penerima"},
                 "publik_dtks_desa": {"periode", "kode_kec", "kode_desa", "rumah_tangga", "individu"},
                 "publik_disabilitas_desa": {"kode_kec", "kode_desa", "dimensi", "kategori", "jumlah"},
                 "publik_dtsen_desa": {"periode", "kode_kec", "kode_desa", "kelompok_desil", "keluarga"}}
    for view, measures in counts.items():
        cols = columns(loaded, view)
        assert set(cols) == published[view], view  # nothing more: an order column once told what was merged away
        rows = query(loaded, f"select {', '.join(measures)} from marts.{view}")
        # at test scale no desa has 5 registered persons: the register's view is empty, as it should be (the
        # planted delivery below publishes some)
        assert rows or view == "publik_disabilitas_desa", view
        assert all(v is not None and v >= 5 for r in rows for v in r), view
    assert all(re.fullmatch(r"35\.03\.\d\d\.\d{4}", r[0])
               for r in query(loaded, "select kode_desa from marts.publik_kpm_desa"))


@pytest.mark.parametrize("cells, published", [
    ({"A": 10, "B": 3, "C": 7}, {"A": 10, "Lainnya": 10}),  # 3 alone would be 'Lainnya 3': C (smallest >= 5) joins
    ({"A": 6, "B": 2, "C": 3}, {"A": 6, "Lainnya": 5}),
    ({"A": 3, "B": 1}, {}),  # the whole desa is under 5: nothing
    ({"A": 5}, {"A": 5}),
    ({"A": 8, "LAINNYA": 6, "B": 0}, {"A": 8, "Lainnya": 6}),
    ({"A": 4, "B": 9, "C": 9}, {"C": 9, "Lainnya": 13}),  # of two equal smallest, the first listed joins
    ({"A": 7, "lainnya": 2, None: 6}, {"A": 7, "Lainnya": 8}),  # 'lainnya' in any case and no name join Lainnya
    ({"A": 20, "B": 3, "C": 10, "D": 4}, {"A": 20, "C": 10, "Lainnya": 7}),  # 3 + 4 = 7: no large one joins
])
def test_small_cells_merge_into_lainnya_and_leave_no_remainder(loaded, cells, published):
    rows = query(loaded, "select kategori, jumlah, urutan from util.gabung_sel_kecil(%s::text[], %s) order by urutan",
                 (list(cells), list(cells.values())))
    assert {k: n for k, n, _ in rows} == published
    assert [u for _, _, u in rows] == list(range(1, len(rows) + 1))  # no gap where a category was merged away
    if published:
        assert rows[-1][0] == list(published)[-1]  # 'Lainnya' comes last
        assert sum(n for _, n, _ in rows) == sum(cells.values())  # nothing left over to subtract


def test_a_village_page_reveals_no_small_cell_by_subtraction(loaded):
    """Per desa, the gender and the type breakdowns each add up to the register's count in the desa (or are both
    empty when that count is under 5), and the programme breakdown adds up to the desa's recipients: with no
    total hidden, no difference of published figures isolates fewer than 5 persons."""
    register = dict(query(loaded, "select kode_desa, count(distinct case when is_nik_valid then nik else "
                                  "coalesce(nik_mentah, '') || '|' || coalesce(nama_normal, '') end) "
                                  "from marts.mart_disabilitas where kode_desa is not null group by 1"))
    shown = query(loaded, "select kode_desa, dimensi, sum(jumlah) from marts.publik_disabilitas_desa group by 1, 2")
    by_dim = {(d, dim): n for d, dim, n in shown}
    assert {d for d, n in register.items() if n >= 5} == {d for d, _ in by_dim}
    assert all(dim in ("Jenis kelamin", "Jenis disabilitas") for _, dim in by_dim)
    for (desa, _), n in by_dim.items():
        assert n == register[desa], desa
    assert any(n < 5 for n in register.values()), "the test lake has no desa with fewer than 5 registered persons"
    small = query(loaded, "select count(*) from (select kode_desa, jenis_kelamin, jenis_disabilitas from "
                          "marts.mart_disabilitas group by 1, 2, 3 having count(*) < 5) s")[0][0]
    assert small > 0, "the test lake has no small cell to hide"
    kpm = query(loaded, "select kode_desa, program, count(distinct case when is_nik_valid then nik else "
                        "coalesce(nik_mentah, '') || '|' || coalesce(nama_normal, '') end) from marts.mart_kpm "
                        "where kode_desa is not null group by 1, 2")
    per_desa: dict[str, int] = {}
    for desa, _, n in kpm:
        per_desa[desa] = per_desa.get(desa, 0) + n
    published = dict(query(loaded, "select kode_desa, sum(penerima) from marts.publik_kpm_desa group by 1"))
    assert published == {d: n for d, n in per_desa.items() if n >= 5}
    assert any(n < 5 for _, _, n in kpm), "the test lake has no programme under 5 in a desa"
    assert query(loaded, "select count(*) from marts.publik_kpm_desa where program = 'Lainnya'")[0][0] > 0


def test_village_pages_show_the_latest_dtsen_families_by_desil_group_with_small_cells_merged(loaded):
    """Per desa, the published desil groups of the latest DTSEN update add up to its families there (or nothing
    when under 5); a group under 5 is merged into 'Lainnya', never shown."""
    latest = "(select max(periode) from marts.mart_dtsen_keluarga)"
    families = dict(query(loaded, "select kode_desa, count(*) from marts.mart_dtsen_keluarga "  # noqa: S608
                                  f"where kode_desa is not null and periode = {latest} group by 1"))
    published = dict(query(loaded, "select kode_desa, sum(keluarga) from marts.publik_dtsen_desa group by 1"))
    assert published and published == {d: n for d, n in families.items() if n >= 5}
    groups = {r[0] for r in query(loaded, "select distinct kelompok_desil from marts.publik_dtsen_desa")}
    assert {"Desil 1-4", "Desil 6-10", "Lainnya"} <= groups <= {"Desil 1-4", "Desil 5", "Desil 6-10", "Tanpa desil",
                                                                 "Lainnya"}
    small = query(loaded, "select count(*) from (select kode_desa, util.kelompok_desil_dtsen(desil) "  # noqa: S608
                          f"from marts.mart_dtsen_keluarga where periode = {latest} group by 1, 2 "
                          "having count(*) < 5) as s")[0][0]
    assert small > 0, "the test lake has no small desil group to hide"
    assert query(loaded, "select distinct periode from marts.publik_dtsen_desa") == \
        query(loaded, f"select {latest}")  # noqa: S608


def test_a_register_delivery_reaches_the_village_page_with_small_cells_merged(settings, tmp_path):
    """Planted: Besuki has 15 registered persons (8 L: 5 MENTAL, 3 RUNGU; 7 P: 6 INTELEKTUAL and one woman on two
    rows, RUNGU and WICARA, who is one person of type GANDA), Terbis 4. Published for Besuki: by gender L 8, P 7; by
    type INTELEKTUAL 6 and 'Lainnya' 9 (RUNGU 3 and GANDA 1 are merged with the smallest cell of 5 or more, MENTAL 5,
    so that no 4 can be derived). Terbis: nothing at all."""
    planted = [("Besuki", "L", "MENTAL")] * 5 + [("Besuki", "L", "RUNGU")] * 3 + \
        [("Besuki", "P", "INTELEKTUAL")] * 6 + [("Terbis", "P", "RUNGU")] * 4
    lines = ["NIK,NAMA,JENIS KELAMIN,UMUR,JENIS DISABILITAS,KECAMATAN,DESA,ALAMAT"]
    lines += [f"35030141019{i:05d},WARGA {chr(65 + i % 26)}{chr(65 + i // 26)},{g},40,{t},Panggul,{d},RT 01"
              for i, (d, g, t) in enumerate(planted)]
    lines += [f"3503014101999999,SITI GANDA,P,40,{t},Panggul,Besuki,RT 02" for t in ("RUNGU", "WICARA")]
    path = tmp_path / "Data Disabilitas Panggul.csv"
    path.write_text("\n".join(lines) + "\n")
    result = submit(settings, path, "disabilitas")
    assert approve_and_refresh(settings, result["submission_id"]).state == "terbit"
    rows = query(settings, "select d.nama_desa, p.dimensi, p.kategori, p.jumlah from marts.publik_disabilitas_desa p "
                           "join warehouse.ref_wilayah d using (kode_desa) order by 1, 2, 3")
    assert rows == [("Besuki", "Jenis disabilitas", "INTELEKTUAL", 6), ("Besuki", "Jenis disabilitas", "Lainnya", 9),
                    ("Besuki", "Jenis kelamin", "Laki-laki", 8), ("Besuki", "Jenis kelamin", "Perempuan", 7)]
    # both breakdowns add up to the 15 persons: nothing left to subtract; Terbis's 4 appear nowhere
    assert {dim: sum(n for _, d, _, n in rows if d == dim) for dim in ("Jenis disabilitas", "Jenis kelamin")} == \
        {"Jenis disabilitas": 15, "Jenis kelamin": 15}
