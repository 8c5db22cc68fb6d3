"""Proof of exactness: `figures` read from the published marts equals the generator's ground truth, for the
whole kabupaten and for every kecamatan."""

from __future__ import annotations

import json

import psycopg2
import pytest

from bansos360 import figures

KECAMATAN = [f"35.03.{i:02d}" for i in range(1, 15)]


@pytest.fixture(scope="module")
def truth(lake):
    return json.loads((lake / "ground_truth.json").read_text())


@pytest.fixture(scope="module")
def truth_kec(lake):
    return json.loads((lake / "ground_truth_kecamatan.json").read_text())


def test_kabupaten_figures_equal_ground_truth(loaded, truth):
    with psycopg2.connect(loaded.database_url) as conn:
        actual = figures.figures(conn)
    diffs = figures.compare(truth, actual)
    assert not diffs, "\n".join(diffs[:40])


@pytest.mark.parametrize("kode_kec", KECAMATAN)
def test_kecamatan_figures_equal_ground_truth(loaded, truth_kec, kode_kec):
    with psycopg2.connect(loaded.database_url) as conn:
        actual = figures.figures(conn, kode_kec)
    diffs = figures.compare(truth_kec[kode_kec], actual)
    assert not diffs, "\n".join(diffs[:40])
