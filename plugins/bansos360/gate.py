"""Quality gates: Great Expectations suites from ``expectations/``, validated inside PostgreSQL.

Each suite validates the rows one submission wrote into a warehouse history table, through a query asset,
so every metric is computed by SQL in the database; no table is pulled into pandas. Reports name the
expectation, the column and the counts; they never quote values (NIKs and names stay out of logs).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from psycopg2 import sql

from bansos360.audit import Finding

log = logging.getLogger(__name__)


@dataclass
class GateResult:
    """The outcome of validating one suite; ``checks`` is one row per expectation for the quality report."""

    suite: str
    success: bool
    evaluated: int
    findings: list[Finding]
    checks: list[dict] = field(default_factory=list)


def _shown(value) -> float | int | None:
    """An observed value the quality report may show, or None.

    A number of fewer than 12 digits (a count, a share): never anything that could be a NIK, a KK number or a name.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if abs(value) < 1e11 else None


def suite_path(expectations_dir: Path, layer: str, table: str) -> Path:
    """Where the suite of a table lives: ``expectations/<layer>/<table>.json``."""
    return expectations_dir / layer / f"{table}.json"


def key_expectation(key: Sequence[str]) -> dict:
    """The uniqueness check a declared key (``key:`` in models.yml) makes: no two rows share the key's values.

    NULLs count as equal, as ``UNIQUE NULLS NOT DISTINCT`` would (a kabupaten row has no ``kode_kec``, and two
    such rows with the same other key values are a duplicate): GROUP BY groups NULLs together, while Great
    Expectations' own compound-uniqueness check joins on ``=`` and passes over rows with a NULL. The query
    returns a count per shared key, never the key's values, so no NIK reaches a report.
    """
    columns = ", ".join('"' + c.replace('"', '""') + '"' for c in key)
    listed = ", ".join(key)
    return {
        "type": "unexpected_rows_expectation",
        "kwargs": {"unexpected_rows_query":
                   # trusted parts only: column names from models.yml, quoted
                   f"select count(*) as baris from {{batch}} group by {columns} having count(*) > 1"},  # noqa: S608
        "meta": {"column": listed,
                 "pesan": f"kunci ({listed}) dipakai lebih dari satu baris (jumlah kunci ganda)",
                 "message": f"the key ({listed}) is shared by more than one row (number of shared keys)"},
    }


def validate(url: str, expectations_dir: Path, layer: str, table: str, query: str,
             parameters: dict, key: Sequence[str] = ()) -> GateResult | None:
    """Validate the rows a query returns against the table's suite and its declared key; None without either.

    The query becomes a view in the schema ``gerbang`` for the time of the validation, and Great
    Expectations reads it as a table asset: its columns come from the catalogue. (A query asset makes Great
    Expectations run the whole query once to learn its columns, which costs as much memory as the rows.)
    """
    path = suite_path(expectations_dir, layer, table)
    if not path.exists() and not key:
        return None
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no usage statistics leave the server
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
        from great_expectations.core.expectation_suite import ExpectationSuite
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = json.loads(path.read_text()) if path.exists() else {"name": f"{layer}.{table}", "expectations": []}
    expectations = spec["expectations"] + ([key_expectation(key)] if key else [])
    suite = ExpectationSuite(
        name=spec["name"],
        expectations=[ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta", {}))
                      for e in expectations],
    )
    view = f"{table}_{uuid.uuid4().hex[:12]}"
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("create schema if not exists gerbang")
        cur.execute(sql.SQL("create view {} as ").format(sql.Identifier("gerbang", view)) + sql.SQL(query))
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    datasource = context.data_sources.add_postgres(
        name="bansos360", connection_string=url, kwargs={"connect_args": {"options": "-c search_path=gerbang"}})
    try:
        asset = datasource.add_table_asset(name=table, table_name=view)
        batch = asset.add_batch_definition_whole_table("pengajuan").get_batch()
        result = batch.validate(suite, expectation_parameters=parameters,
                                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 0})
    finally:
        # close the pooled connections now: an idle one would keep locks that block the next mart swap
        datasource.get_engine().dispose()
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("drop view if exists {}").format(sql.Identifier("gerbang", view)))
        _remove_docs_dirs(context)
    findings, checks = [], []
    for r in result.results:
        cfg = r.expectation_config
        column = (cfg.kwargs.get("column") or ",".join(cfg.kwargs.get("column_list", []) or [])
                  or cfg.meta.get("column"))
        res = r.result or {}
        checks.append({"pemeriksaan": cfg.meta.get("pesan", cfg.type), "check": cfg.meta.get("message", cfg.type),
                       "jenis": cfg.type, "kolom": column or None, "lolos": bool(r.success),
                       "baris_salah": res.get("unexpected_count"), "baris": res.get("element_count"),
                       "persen": res.get("unexpected_percent"), "nilai": _shown(res.get("observed_value"))})
        if r.success:
            continue
        observed = res.get("observed_value")
        counts = (f"{res.get('unexpected_count')} dari/of {res.get('element_count')} baris/rows "
                  f"({res.get('unexpected_percent', 0):.2f}%)" if "unexpected_count" in res else f"{observed}")
        why = cfg.meta.get("pesan", cfg.type), cfg.meta.get("message", cfg.type)
        findings.append(Finding("error", f"gerbang:{cfg.type}", f"{why[0]} — {counts}", f"{why[1]} — {counts}",
                                f"{layer}.{table}", None, column or None))
    return GateResult(spec["name"], bool(result.success), len(result.results), findings, checks)


def _remove_docs_dirs(context) -> None:
    """An ephemeral context makes a temporary Data Docs folder on every call; remove it."""
    try:
        sites = context.variables.data_docs_sites or {}
    except Exception:  # noqa: BLE001 - best effort cleanup only
        return
    for site in sites.values():
        base = (site.get("store_backend") or {}).get("base_directory")
        if base and Path(base).is_dir() and Path(base).name.startswith("tmp"):
            shutil.rmtree(base, ignore_errors=True)
