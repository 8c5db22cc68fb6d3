"""DAG policy: every DAG file imports and carries tags, an owner, retries and docs (no metadata database)."""

from __future__ import annotations

from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[1] / "dags"
EXPECTED = {"bansos360_intake", "bansos360_refresh", "bansos360_maintenance"}


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
        mp.setenv("BANSOS360_INBOX", str(tmp_path_factory.mktemp("inbox")))
        from airflow.dag_processing.dagbag import DagBag

        yield DagBag(dag_folder=str(DAGS))


def test_every_dag_file_imports(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == EXPECTED


def test_dag_id_is_the_file_name(dagbag):
    for dag_id in dagbag.dag_ids:
        assert Path(dagbag.dags[dag_id].fileloc).stem == dag_id


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_policy(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert "bansos360" in dag.tags
    assert dag.doc_md and "When it fails" in dag.doc_md, "doc_md must tell the engineer what to do on failure"
    assert dag.max_active_runs == 1
    assert not dag.catchup
    for t in dag.tasks:
        assert t.owner == "kominfo", t.task_id
        assert t.retries is not None, t.task_id


def test_gates_and_refusals_are_not_retried(dagbag):
    dag = dagbag.dags["bansos360_refresh"]
    retries = {t.task_id: t.retries for t in dag.tasks}
    assert retries["periksa_pengajuan"] == 0
    assert retries["gudang.gerbang_gudang"] == 0
    assert retries["mart.gerbang_mart"] == 0
    assert retries["putusan"] == 0
    # steps a retry can help (connection trouble, the refresh lock) are retried
    assert retries["gudang.muat_staging"] >= 1
    assert retries["mart.bangun_mart"] >= 1


def test_refresh_order(dagbag):
    dag = dagbag.dags["bansos360_refresh"]
    order = ["periksa_pengajuan", "gudang.mulai", "gudang.muat_staging", "gudang.bangun_gudang",
             "gudang.gerbang_gudang", "mart.bangun_mart", "mart.gerbang_mart", "mart.terbitkan", "putusan"]
    for upstream, downstream in zip(order, order[1:], strict=False):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}


def test_intake_is_driven_by_the_inbox_watcher(dagbag):
    from airflow.triggers.base import BaseEventTrigger

    from bansos360.triggers import InboxTrigger

    dag = dagbag.dags["bansos360_intake"]
    assets = list(dag.timetable.asset_condition.objects)
    assert [a.name for a in assets] == ["kotak_masuk_bansos360"]
    (watcher,) = assets[0].watchers
    assert isinstance(watcher.trigger, InboxTrigger) and isinstance(watcher.trigger, BaseEventTrigger)


def test_lineage_lake_warehouse_marts(dagbag):
    intake, refresh = dagbag.dags["bansos360_intake"], dagbag.dags["bansos360_refresh"]
    assert [a.name for a in intake.get_task("daftarkan_berkas").outlets] == ["danau_bansos360"]
    assert [a.name for a in refresh.get_task("periksa_pengajuan").inlets] == ["danau_bansos360"]
    assert [a.name for a in refresh.get_task("gudang.gerbang_gudang").outlets] == ["gudang_bansos360"]
    assert [a.name for a in refresh.get_task("mart.terbitkan").outlets] == ["mart_bansos360"]
