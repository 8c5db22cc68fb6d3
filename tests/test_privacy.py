"""Personal data is personal: masked views mask, public views hold aggregates only with small cells hidden."""

from __future__ import annotations

import re

from tests.conftest import query

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


def test_public_views_are_aggregates_with_small_cells_hidden(loaded):
    for view in ("publik_kpm_desa", "publik_dtks_desa", "publik_disabilitas_desa"):
        cols = columns(loaded, view)
        assert cols and not PERSONAL & set(cols), view
        counts = [c for c in cols if c not in ("program", "periode", "kode_kec", "kode_desa", "nama_kec", "nama_desa",
                                               "jenis_kelamin", "jenis_disabilitas")]
        rows = query(loaded, f"select {', '.join(counts)} from marts.{view}")
        assert rows, view
        values = [v for r in rows for v in r]
        assert all(v is None or v >= 5 for v in values), view
        assert any(v is None for v in values) or view == "publik_dtks_desa"  # small cells exist at test scale
    assert all(re.fullmatch(r"35\.03\.\d\d\.\d{4}", r[0])
               for r in query(loaded, "select kode_desa from marts.publik_kpm_desa"))
