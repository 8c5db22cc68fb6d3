"""The watched inbox: folder conventions, settling, registering once, and the watcher firing once per file."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import time

import pytest

from bansos360 import inbox
from bansos360.triggers import InboxTrigger

DTKS = "3503 (DTKS OKT 2020).zip"


@pytest.fixture
def box(settings, tmp_path):
    return dataclasses.replace(settings, inbox=tmp_path / "kotak", inbox_settle_seconds=0.0)


def _drop(box, lake, name: str, *folders: str):
    target = box.inbox.joinpath(*folders, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(lake / "files" / name, target)
    return target


def test_folders_declare_kind_and_period_or_label(tmp_path):
    cases = {
        ("dtks", "2021-03", "a.zip"): ("dtks", "2021-03", None, None),
        ("bst", "BST Tahap 3", "b.csv"): ("bst", None, "BST Tahap 3", None),
        ("disabilitas", "2020-09-01", "c.xlsx"): ("disabilitas", None, None, "2020-09-01"),
        ("disabilitas", "Register 2020", "c.xlsx"): ("disabilitas", None, "Register 2020", None),
        # a label kind's folder is its label, even a date; a kind not fixed is a programme's list (label)
        ("desa_alias", "2026-11-01", "f.csv"): ("desa_alias", None, "2026-11-01", None),
        ("blt_dd", "2020-10-01", "g.xlsx"): ("blt_dd", None, "2020-10-01", None),
        ("dtks", "d.zip"): ("dtks", None, None, None),
        ("e.csv",): ("", None, None, None),
    }
    for parts, expected in cases.items():
        path = tmp_path.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        d = inbox.declared(tmp_path, path)
        assert (d.source, d.periode, d.label, d.as_of) == expected, parts


def test_uploads_in_progress_and_unsettled_files_wait(tmp_path):
    (tmp_path / "dtks").mkdir()
    for name in (".x.zip.part", "y.zip.part", "z.tmp", "ok.zip"):
        (tmp_path / "dtks" / name).write_text("x")
    (tmp_path / ".sembunyi").mkdir()
    (tmp_path / ".sembunyi" / "h.csv").write_text("x")
    assert [d.relative_path for d in inbox.settled(tmp_path, 0)] == ["dtks/ok.zip"]
    assert inbox.settled(tmp_path, 60) == []  # just written: not settled for a minute
    whole = inbox.declared(tmp_path, tmp_path / "dtks" / "ok.zip").key  # renamed into place by the upload page
    assert [d.relative_path for d in inbox.settled(tmp_path, 60, complete=frozenset({whole}))] == ["dtks/ok.zip"]
    assert [d.relative_path for d in inbox.settled(tmp_path, 60, now=time.time() + 61)] == ["dtks/ok.zip"]


def test_a_dropped_file_is_registered_once(box, lake):
    path = _drop(box, lake, DTKS, "dtks")
    (first,) = inbox.register(box)
    assert first["state"] == "diperiksa" and first["periode"] == "2020-10"  # period from the file name
    assert first["berkas"] == f"dtks/{DTKS}"
    assert inbox.register(box) == []
    assert inbox.waiting(box) == []
    # the same name with new content (a new mtime and size) is a new delivery
    with path.open("ab") as f:
        f.write(b"\0")
    (second,) = inbox.register(box)
    assert second["submission_id"] != first["submission_id"]
    assert path.exists()  # the inbox copy is left where it is; the lake holds the immutable copy


def _first_event(trigger: InboxTrigger, timeout: float):
    async def go():
        gen = trigger.run()
        try:
            return await asyncio.wait_for(gen.__anext__(), timeout)
        finally:
            await gen.aclose()
    return asyncio.run(go())


def test_watcher_fires_for_a_new_file_and_not_again_once_registered(box, lake, monkeypatch):
    monkeypatch.setenv("BANSOS360_DATABASE_URL", box.database_url)
    box.inbox.mkdir(parents=True)
    trigger = InboxTrigger(str(box.inbox), settle_seconds=1.0, rescan_seconds=300)
    assert trigger.serialize() == ("bansos360.triggers.InboxTrigger",
                                   {"inbox": str(box.inbox), "settle_seconds": 1.0, "rescan_seconds": 300})

    async def watch_then_drop():
        gen = trigger.run()
        task = asyncio.ensure_future(gen.__anext__())
        await asyncio.sleep(1.5)
        assert not task.done()  # nothing in the inbox yet: no event
        _drop(box, lake, DTKS, "dtks")
        event = await asyncio.wait_for(task, 30)
        await gen.aclose()
        return event

    event = asyncio.run(watch_then_drop())
    assert event.payload == {"berkas": [f"dtks/{DTKS}"]}
    inbox.register(dataclasses.replace(box, inbox_settle_seconds=1.0))
    # a restarted watcher does not fire for a registered file
    with pytest.raises(TimeoutError):
        _first_event(InboxTrigger(str(box.inbox), settle_seconds=1.0), timeout=4)
    os.utime(box.inbox / "dtks" / DTKS)  # touched: a new version under the same name
    assert _first_event(InboxTrigger(str(box.inbox), settle_seconds=1.0), timeout=30).payload == {
        "berkas": [f"dtks/{DTKS}"]}
