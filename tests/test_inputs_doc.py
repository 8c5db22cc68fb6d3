"""docs/inputs.md's table of required columns says what sources.py enforces, column by column."""

from __future__ import annotations

import re
from pathlib import Path

from bansos360 import sources, staging

DOC = Path(__file__).resolve().parents[1] / "docs" / "inputs.md"
ENTITIES = {"list": sources.KPM_LIST, "disabilitas": sources.DISABILITAS, "usulan": sources.USULAN,
            "dtsen": sources.DTSEN, "dtks RT": sources.fixed_kinds()["dtks"].entities[0],
            "dtks ART": sources.fixed_kinds()["dtks"].entities[1]}


def _status(entity: sources.Entity, column: sources.Column) -> str:
    if column.required:
        return "required"
    if any(column.name in group for group in entity.one_of):
        return "one of"
    return "optional, warned" if column.warn_missing else "optional"


def _table() -> dict[tuple[str, str], str]:
    text = DOC.read_text().split("## Required columns", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] in ENTITIES:
            status = "one of" if cells[2].startswith("one of") else cells[2]
            rows[(cells[0], cells[1])] = status
    return rows


def test_every_column_the_code_checks_is_in_the_table_with_its_status():
    table = _table()
    for label, entity in ENTITIES.items():
        for column in entity.columns:
            key = (label, column.name.upper())
            status = _status(entity, column)
            if label.startswith("dtks") and status == "optional":
                assert table.get(key, "optional") == "optional", key  # the silent housing columns
                continue
            assert table.get(key) == status, (key, table.get(key), status)
    assert len(table) > 60


def test_the_lists_need_only_the_nik_the_name_and_a_place():
    assert [c.name for c in sources.KPM_LIST.required] == ["nik", "nama"]
    assert set(sources.KPM_LIST.one_of) == {("kecamatan", "kode_desa"), ("desa", "kode_desa")}
    ref = sources.fixed_kinds()["ref_wilayah"].entities[0]
    assert [c.name for c in ref.columns if not c.required] == ["status_kode_bps"]
    assert re.search(r"\| ref_wilayah \| every column but STATUS_KODE_BPS \| required \|", DOC.read_text())


def test_every_alias_the_code_accepts_is_listed():
    text = DOC.read_text().split("## Other names for a column (aliases)", 1)[1].split("\n## ", 1)[0]
    listed = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("source", "---"):
            listed[(cells[0], cells[1])] = [a.strip() for a in cells[2].split(",")]
    entities = {**ENTITIES, "desa_alias": sources.DESA_ALIAS, "ref_wilayah": sources.REF_WILAYAH}
    expected = {(label, c.name.upper()): list(c.aliases) for label, e in entities.items() for c in e.columns
                if c.aliases}
    assert listed == expected


def test_every_typing_the_code_declares_is_listed():
    """Each column whose typing is not its source's default, and every typing rule, is in docs/inputs.md."""
    text = DOC.read_text().split("## How each column is typed", 1)[1].split("\n## ", 1)[0]
    listed, rules = {}, set()
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("source", "---"):
            listed[(cells[0], cells[1])] = (cells[2], cells[3] or None)
        if len(cells) == 3 and cells[0] not in ("typing", "---"):
            rules.update(r.strip() for r in cells[0].split(","))
    entities = {**ENTITIES, "desa_alias": sources.DESA_ALIAS, "ref_wilayah": sources.REF_WILAYAH}
    expected = {(label, c.name.upper()): (c.typing, c.typed_as) for label, e in entities.items() for c in e.columns
                if c.typing != ("number" if label.startswith("dtks") else "text") or c.typed_as}
    assert listed == expected
    assert rules == set(staging.TYPINGS)
