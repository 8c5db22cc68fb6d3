"""`bansos360 lineage` answers for every chart of the assets: a path from the chart through its dataset and the
marts and warehouse models it reads to the source kinds whose files feed it, every step a file of the repository."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from bansos360 import config, lineage, sources
from bansos360.superset_access import ASSETS

CHARTS = sorted((ASSETS / "charts").glob("*.yaml"))
KINDS = {*sources.fixed_kinds(), "program", "log_superset"}


def _walk(node: lineage.Node):
    yield node
    for r in node.reads:
        yield from _walk(r)


@pytest.mark.parametrize("path", CHARTS, ids=[p.stem for p in CHARTS])
def test_every_chart_leads_back_to_delivered_files(path):
    chart = yaml.safe_load(path.read_text())
    node = lineage.lineage(config.REPO_ROOT / "sql", chart["uuid"])
    assert (node.kind, node.name) == ("grafik", chart["slice_name"])
    (dataset,) = node.reads
    assert dataset.kind == "dataset" and dataset.reads and all(m.kind == "mart" for m in dataset.reads)
    steps = list(_walk(node))
    # every mart and model named is a file of the repository
    for step in steps:
        if step.kind in ("mart", "gudang", "staging", "grafik", "dataset"):
            assert (config.REPO_ROOT / step.where).is_file(), (step.kind, step.name, step.where)
    # every path ends at a source kind: no step reads nothing
    assert all(step.reads or step.kind in ("sumber", "registri", "audit") for step in steps), \
        [s.name for s in steps if not s.reads and s.kind not in ("sumber", "registri", "audit")]
    assert node.sources() and node.sources() <= KINDS, node.sources()


def test_the_command_prints_the_path_and_its_json():
    chart = yaml.safe_load((ASSETS / "charts" / "d2_nik_ganda.yaml").read_text())
    done = subprocess.run([sys.executable, "-m", "bansos360.cli", "lineage", chart["uuid"], "--json"],
                          capture_output=True, text=True, check=True)
    tree = json.loads(done.stdout)
    assert tree["jenis"] == "grafik" and tree["membaca"][0]["nama"] == "marts.nik_ganda_tersamar"
    names = json.dumps(tree)
    for step in ("mart_nik_ganda", "mart_kpm", "warehouse.penerima_bansos", "staging.daftar_kpm", "mart_dtks_nik",
                 "staging.dtks_art"):
        assert step in names, step
    unknown = subprocess.run([sys.executable, "-m", "bansos360.cli", "lineage", "tidak_ada"], capture_output=True,
                             text=True)
    assert unknown.returncode == 1 and "tidak ada grafik" in unknown.stderr
