"""The warehouse's own SQL functions: ``sql/functions/``, one file per family of rules (``util.*``).

A family is applied (``create or replace``) when its content differs from the version the database records in
``warehouse.function_version``, so no migration ever redefines a function and the file a reader opens is the
rule the database runs. History partitions are written once, with the functions of that day: a family that
changed after it had been applied makes every history model that uses it, directly, through another function or
through a view it reads, count as changed, and ``warehouse.init`` rebuilds those as it does a changed model.
The marts are built anew at every refresh, so they take a changed function at the next one.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from bansos360 import db

log = logging.getLogger(__name__)

_DEFINES = re.compile(r"create or replace function util\.(\w+)\s*\(", re.IGNORECASE)
_CALLS = re.compile(r"\butil\.(\w+)\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class Family:
    """One file of ``sql/functions``: the functions of one family of rules."""

    name: str
    path: Path

    @cached_property
    def text(self) -> str:
        return self.path.read_text()  # read once: families() keeps one Family per file for the process

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def defines(self) -> frozenset[str]:
        return frozenset(n.lower() for n in _DEFINES.findall(self.text))


@cache
def families(sql_dir: Path) -> tuple[Family, ...]:
    """The families in file-name order, the order they are applied in.

    PostgreSQL checks a SQL function's body when it is created: a function it calls must exist by then, earlier
    in the same file or in a family whose name sorts first.
    """
    return tuple(Family(p.stem, p) for p in sorted((sql_dir / "functions").glob("*.sql")))


def family_of(sql_dir: Path) -> dict[str, str]:
    """Which family defines each function (by its name, lower case)."""
    return {fn: f.name for f in families(sql_dir) for fn in f.defines}


def used(sql_text: str, sql_dir: Path) -> set[str]:
    """The families a piece of SQL uses: the functions it calls, and the functions those call, to the end."""
    owner, by_name = family_of(sql_dir), {f.name: f for f in families(sql_dir)}
    found: set[str] = set()
    todo = [sql_text]
    while todo:
        for fn in _CALLS.findall(todo.pop()):
            family = owner.get(fn.lower())
            if family and family not in found:
                found.add(family)
                todo.append(by_name[family].text)
    return found


def apply(cur, sql_dir: Path) -> set[str]:
    """Apply every family whose content the database does not have yet, in the caller's transaction.

    Returns the families that had been applied before in another version: the history models using them must
    be rebuilt. A family applied for the first time (a new database, or one whose functions migrations made) only
    records its version.
    """
    applied = db.versions(cur, "function_version")
    changed: set[str] = set()
    for f in families(sql_dir):
        if applied.get(f.name) == f.sha256:
            continue
        log.info("applying the functions of %s", f.path.name)
        cur.execute(f.text)
        db.record_version(cur, "function_version", f.name, f.sha256)
        if f.name in applied:
            changed.add(f.name)
    return changed
