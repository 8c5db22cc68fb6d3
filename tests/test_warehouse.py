"""The warehouse reproduces, for the synthetic lake, the counts the generator planted."""

import json

import pytest

from bansos360.lake import sha256_of
from tests.conftest import query


@pytest.fixture(scope="module")
def planted(lake):
    return json.loads((lake / "warehouse_truth.json").read_text())


def test_dtks_rows_per_period(loaded, planted):
    rt = dict(query(loaded, "select periode, count(*) from warehouse.dtks_rumah_tangga group by 1"))
    art = dict(query(loaded, "select periode, count(*) from warehouse.dtks_individu group by 1"))
    for periode, want in planted["dtks"].items():
        assert rt.get(periode) == want["rumah_tangga"], f"RT {periode}: want {want['rumah_tangga']}, got {rt[periode]}"
        assert art.get(periode) == want["individu"], f"ART {periode}: want {want['individu']}, got {art.get(periode)}"


def test_dtks_quality_flags_per_period(loaded, planted):
    rows = query(loaded, """
        select periode,
               count(*) filter (where not is_nik_valid),
               count(*) filter (where is_nik_rusak),
               count(*) filter (where is_tgl_lahir_tidak_valid),
               count(*) filter (where not is_nokk_valid)
        from warehouse.dtks_individu group by 1""")
    got = {p: tuple(rest) for p, *rest in rows}
    for periode, want in planted["dtks"].items():
        expected = (want["nik_tidak_valid"], want["nik_rusak"], want["tgl_lahir_tidak_valid"], want["kk_tidak_valid"])
        assert got[periode] == expected, f"{periode}: want {expected}, got {got[periode]}"


def test_duplicates_dropped_are_counted(loaded, planted):
    rows = query(loaded, """
        select s.periode, s.profile -> 'dimuat' -> 'duplikat_dibuang'
        from audit.submission s where s.source = 'dtks' and s.state = 'terbit'""")
    for periode, dropped in rows:
        assert dropped["dtks_rumah_tangga"] == planted["dtks"][periode]["rt_duplikat"]
        assert dropped["dtks_individu"] == planted["dtks"][periode]["art_duplikat"]


def test_beneficiary_lists(loaded, planted):
    rows = query(loaded, """
        select program, count(*), count(*) filter (where not is_nik_valid),
               count(*) filter (where kode_kec is null), count(*) filter (where kode_desa is null)
        from warehouse.penerima_bansos_lokasi group by 1""")
    got = {p: rest for p, *rest in rows}
    for program, want in planted["daftar"].items():
        expected = [want["baris_kpm"], want["nik_tidak_valid"], want["kecamatan_tidak_cocok"],
                    want["desa_tidak_cocok"]]
        assert got[program] == expected, f"{program}: want {expected}, got {got[program]}"


def test_register_and_proposals(loaded, planted):
    assert query(loaded, "select count(*) from warehouse.disabilitas")[0][0] == planted["disabilitas"]["baris"]
    got = dict(query(loaded, "select periode, count(*) from warehouse.usulan group by 1"))
    assert got == {p: v["baris"] for p, v in planted["usulan"].items()}


def test_every_row_traces_to_its_lake_file(loaded):
    for table in ("dtks_individu", "dtks_rumah_tangga", "penerima_bansos", "disabilitas", "usulan"):
        missing = query(loaded, f"""
            select count(*) from warehouse.{table} w
            left join lake.file f on f.file_id = w.source_file_id
            where f.file_id is null or w.source_row is null""")[0][0]
        assert missing == 0, table
    for sha, path in query(loaded, "select sha256, lake_path from lake.file"):
        assert sha256_of(loaded.lake / path) == sha


def test_places_reach_kemendagri_codes(loaded):
    # every DTKS household is located in the reference through the BPS crosswalk
    assert query(loaded, "select count(*) from warehouse.dtks_rumah_tangga where kode_desa is null")[0][0] == 0
    kec = query(loaded, "select count(distinct kode_kec) from warehouse.dtks_rumah_tangga")[0][0]
    assert kec == 14


def test_both_relation_columns_of_the_dtks_layout_are_loaded_each_into_its_own(loaded):
    """The national ART layout has HubKRT (the relation as text) and Hub_KRT (its code), which differ only by an
    underscore: each is loaded into its own column (before issue 25 the text went into hub_krt and the code was
    dropped), and every person's pair is the generator's."""
    from bansos360.synth.files import RELATION_NAMES

    pairs = query(loaded, "select hub_krt, hubkrt_teks, count(*) from warehouse.dtks_individu group by 1, 2")
    assert pairs and all(code is not None for code, _, _ in pairs), pairs
    assert all(text == RELATION_NAMES.get(code) for code, text, _ in pairs), pairs
    assert {code for code, _, _ in pairs} >= {1, 3}
