"""The synthetic lake: reproducible, complete, and its ground truth follows the figures contract."""

from __future__ import annotations

import json
import zipfile

import openpyxl

from bansos360 import raw_gate, sources
from bansos360.synth import generate
from tests.conftest import BLT_DD

CONTRACT_KEYS = {"periode_terakhir", "d1", "d2", "d3", "d4", "d6", "d7", "d8", "d11", "d12", "d13", "d14"}


def test_same_seed_same_bytes(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, seed=11, scale=0.003)
    generate(b, seed=11, scale=0.003)
    generate(c, seed=12, scale=0.003)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert (a / "ground_truth.json").read_bytes() != (c / "ground_truth.json").read_bytes()
    # a programme the registry adds gets its list after every other file: the rest stays the same bytes
    d = tmp_path / "d"
    generate(d, seed=11, scale=0.003, extra_programs=(BLT_DD,))
    for rel in files_a:
        if rel.parts[0] == "files":
            assert (a / rel).read_bytes() == (d / rel).read_bytes(), rel
    assert (d / "files" / "Daftar KPM BLT-DD 2020.xlsx").is_file()


def test_manifest_covers_every_source_kind(lake):
    manifest = json.loads((lake / "manifest.json").read_text())
    kinds = {e["source"] for e in manifest}
    programs = {p.sumber for p in sources.shipped_programs()} | {e["program_baru"]["sumber"] for e in manifest
                                                                  if "program_baru" in e}
    assert kinds == set(sources.fixed_kinds()) - {"ref_wilayah", "desa_alias"} | programs
    dtks = [e for e in manifest if e["source"] == "dtks"]
    assert [e["periode"] for e in dtks] == ["2018-05", "2019-07", "2019-10", "2020-01", "2020-10"]
    for e in dtks:  # report file names, period recognisable from the name, RT and ART inside
        assert raw_gate.periode_from_name(e["file"]) == e["periode"]
        with zipfile.ZipFile(lake / e["file"]) as zf:
            assert sorted(zf.namelist()) == ["3503_ART.csv", "3503_RT.csv"]
    for e in manifest:
        assert (lake / e["file"]).is_file()


def test_ground_truth_follows_the_contract(lake):
    truth = json.loads((lake / "ground_truth.json").read_text())
    assert set(truth) == CONTRACT_KEYS
    assert truth["periode_terakhir"] == "2020-10"
    assert set(truth["d6"]) == {"2018-05", "2019-07", "2019-10", "2020-01", "2020-10"}
    assert set(truth["d7"]) == {"2019-07", "2019-10", "2020-01", "2020-10"}
    assert set(truth["d8"]) == {"2020-01", "2020-10"}
    assert truth["d13"]["periode_dtsen"] == "2025-11" and set(truth["d14"]) == {"2025-05", "2025-08", "2025-11"}
    assert truth["d13"]["inklusi"]["PKH"] > 0 and truth["d13"]["eksklusi"]["keluarga"] > 0
    assert all(truth["d14"][u][k] > 0 for u in ("2025-08", "2025-11") for k in ("naik", "turun", "baru", "keluar"))
    assert set(truth["d1"]["per_program"]) == {"PKH", "SEMBAKO", "BST", "KPE", "BLT-DD"}
    assert set(truth["d4"]["jumlah_program"]) == {"1", "2", "3", "4", "5"}
    assert sum(truth["d11"].values()) > 0
    per_kec = json.loads((lake / "ground_truth_kecamatan.json").read_text())
    assert len(per_kec) == 14
    # restricted figures add up to the kabupaten where every record has a place
    for periode, row in truth["d6"].items():
        assert sum(k["d6"][periode]["individu"] for k in per_kec.values()) == row["individu"]
    assert sum(k["d11"]["A"] for k in per_kec.values()) == truth["d11"]["A"]


def test_defects_are_planted(lake):
    planted = json.loads((lake / "warehouse_truth.json").read_text())
    for periode, d in planted["dtks"].items():
        assert d["nik_tidak_valid"] > 0 and d["nik_rusak"] > 0, periode
    for program, d in planted["daftar"].items():
        assert d["nik_tidak_valid"] > 0, program
    assert sum(d["duplikat"] for d in planted["daftar"].values()) > 0
    for update, d in planted["dtsen"].items():
        assert d["nik_tidak_valid"] > 0 and d["duplikat"] > 0 and d["keluarga"] > 0, update
    assert sum(d["desa_tidak_cocok"] for d in planted["daftar"].values()) > 0
    sembako = (lake / "files/Program Sembako Tahap 8 Agustus 2020.xlsx")
    assert sembako.read_bytes()[:2] == b"PK"
    # the real-shaped lists of issue 14: no No. KK column, a title row above the header
    bst = openpyxl.load_workbook(lake / "files/BNBA BST Tahap 3.xlsx", read_only=True).active
    rows = list(bst.iter_rows(max_row=4, values_only=True))
    assert rows[0][0].startswith("DAFTAR PENERIMA") and rows[2] == ("NAMA PENERIMA", "NIK KTP", "TAHAP", "NM KEC",
                                                                    "NM KEL", "ALAMAT")
    kpe = (lake / "files/BNBA KPE 2020.csv").read_bytes().decode("cp1252").splitlines()
    assert kpe[0].startswith("BNBA KARTU PENYANGGA") and kpe[1] == "No;NIK;Nama KPM;Kecamatan;Desa/Kelurahan;Alamat"
