"""Who a Superset request is, as far as the warehouse is concerned, and what Superset itself refuses or hides.

PostgreSQL is the barrier (docs/privacy.md): ``database_role`` picks the PostgreSQL role of the request's user,
and ``DB_CONNECTION_MUTATOR`` (superset_config.py) connects as it. The two barriers below only keep Superset from
carrying a crafted request that far, and from telling an uncleared reader more than the data:

- ``SecurityManager.raise_for_access``: for every user who is not an analyst, a chart data, samples or
  ``explore_json`` request may carry only the SQL expressions saved on a chart of its dataset (custom SQL
  metrics, columns, filters, ``where``/``having``), bare column names of the dataset, and ``COUNT(*)``; anything
  else is refused. Every ``sqlExpression`` counts, whatever its ``expressionType`` says (Superset builds SQL from
  any dict with a label and one), and a plain name must be a column (or saved metric) of the dataset, since
  Superset runs an unknown one as SQL. (A dashboard's request names its chart only in the browser; a saved
  chart's own query, whose ids the assets do not keep, does not: so the charts of the dataset, all saved by
  analysts, are the measure.) Samples, by any path, need Superset's ``can_samples`` permission, whoever asks.
- ``hide_sql_and_errors`` (an ``after_request`` hook): for the same users, answers lose the generated SQL
  (``query``) and stack traces, and a failed request's database message is replaced by a plain one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
from types import SimpleNamespace

from flask import g, has_app_context, request

logger = logging.getLogger(__name__)

NOBODY = "bansos360_tanpa_akses"
GUEST = "bansos360_publik"
ANALYST = "bansos360_analis"
WIDEST_FIRST = (ANALYST, "bansos360_pembaca")
KECAMATAN_PREFIX = "bansos360_kec_"
VERVAL_PREFIX = "bansos360_verval_"
SECRET = os.environ["BANSOS360_DB_ROLE_SECRET"]
ROLES = json.loads(os.environ.get("BANSOS360_DB_ROLES") or "{}")
# answers that may carry the generated SQL or a database's own error message
QUERY_PATHS = ("/api/v1/chart/", "/datasource/samples", "/superset/explore_json", "/api/v1/explore/")
PLAIN_ERROR = ("Permintaan tidak dapat dijalankan untuk peran Anda. / "
               "The request could not be run for your role.")


def database_role(security_manager) -> str:
    """The PostgreSQL role of the current request's user; the one that reads nothing when none applies."""
    user = getattr(g, "user", None) if has_app_context() else None
    if user is None:
        return NOBODY
    if security_manager.is_guest_user(user):
        return GUEST
    if getattr(user, "is_anonymous", True):
        return NOBODY
    mapped = {ROLES[r.name] for r in getattr(user, "roles", []) if r.name in ROLES}
    for widest in WIDEST_FIRST:
        if widest in mapped:
            return widest
    # a Verval Kecamatan role covers the Kecamatan role of the same kecamatan
    mapped -= {r.replace(VERVAL_PREFIX, KECAMATAN_PREFIX, 1) for r in mapped if r.startswith(VERVAL_PREFIX)}
    # one kecamatan or verval role; a user given two kecamatan (or none of the mapped roles) reads nothing
    return mapped.pop() if len(mapped) == 1 else NOBODY


def password(role: str) -> str:
    """A class role's password: HMAC-SHA256 of its name with the installation's secret (db_access.password)."""
    return hmac.new(SECRET.encode(), role.encode(), hashlib.sha256).hexdigest()


def _normal(expression: str) -> str:
    """An expression compared without case, spaces or parentheses (the browser wraps a saved filter in them)."""
    return re.sub(r"[\s()]+", "", expression).lower()


def _parts(clause: str) -> list[str]:
    """A ``where``/``having`` clause as the browser builds it, ``(a) AND (b)``, split into its saved filters."""
    return [p for p in re.split(r"\)\s*and\s*\(", clause, flags=re.IGNORECASE) if p.strip()]


def _expressions(item, out: set[str]) -> set[str]:
    """Every ``sqlExpression`` anywhere in a nested form data or query, whatever its ``expressionType`` says.

    Superset builds SQL from any dict that has a ``label`` and a ``sqlExpression`` (``is_adhoc_column``), so the
    type is no guide: every such text counts as SQL. A ``sqlExpression`` that is not text is kept as its repr,
    which matches nothing saved, so the request is refused.
    """
    if isinstance(item, dict):
        expression = item.get("sqlExpression")
        if isinstance(expression, str):
            if expression.strip():
                out.add(_normal(expression))
        elif expression is not None:
            out.add(repr(expression))
        for value in item.values():
            _expressions(value, out)
    elif isinstance(item, list | tuple):
        for value in item:
            _expressions(value, out)
    return out


def _clauses(extras) -> set[str]:
    if not isinstance(extras, dict):
        return set()
    return {_normal(part) for k in ("where", "having") for part in _parts(extras.get(k) or "")}


def requested_sql(query_context) -> set[str]:
    """The SQL a chart data request carries.

    Every ``sqlExpression`` of every query, wherever it sits (columns, metrics, orderby, filters' ``col``,
    series, post-processing, ...), and the ``where``/``having`` clauses.
    """
    out: set[str] = set()
    for q in query_context.queries:
        _expressions([v for k, v in vars(q).items() if k != "datasource"], out)
        out |= _clauses(q.extras)
    return out


def _label(item) -> str | None:
    return item.get("label") if isinstance(item, dict) and isinstance(item.get("label"), str) else None


def unknown_names(query_context) -> set[str]:
    """Plain names a query uses that are not what they must be.

    Superset runs an unknown plain column of a grouped query as SQL (``literal_column``), so a column, series,
    filter or time column must be a column of the dataset, a metric a saved metric of it, an order a column,
    metric or label of the same query.
    """
    ds = query_context.datasource
    columns = set(ds.column_names) | {"__timestamp"}
    verbose = {c.verbose_name for c in getattr(ds, "columns", []) if getattr(c, "verbose_name", None)}
    metrics = {m.metric_name for m in getattr(ds, "metrics", [])}
    out: set[str] = set()
    for q in query_context.queries:
        labels = {_label(i) for i in [*(q.metrics or []), *(q.columns or [])]} - {None}
        for c in [*(q.columns or []), *(q.series_columns or [])]:
            if not isinstance(c, dict) and c not in columns:
                out.add(f"column {c!r}")
        for m in [*(q.metrics or []), q.series_limit_metric]:
            if isinstance(m, dict) and m.get("expressionType") == "SIMPLE":
                name = (m.get("column") or {}).get("column_name") if isinstance(m.get("column"), dict) else None
                if name not in columns:
                    out.add(f"metric column {name!r}")
            elif m is not None and not isinstance(m, dict) and m not in metrics:
                out.add(f"metric {m!r}")
        for order in q.orderby or []:
            c = order[0] if isinstance(order, list | tuple) and order else order
            if not isinstance(c, dict) and c not in columns | metrics | labels:
                out.add(f"order {c!r}")
        for f in q.filter or []:
            c = f.get("col") if isinstance(f, dict) else f
            if not isinstance(c, dict) and c is not None and c not in columns | verbose | metrics:
                out.add(f"filter {c!r}")
        if q.granularity is not None and q.granularity not in columns:
            out.add(f"time column {q.granularity!r}")
        if q.annotation_layers:  # an annotation layer runs another chart's query; no chart of ours has one
            out.add("annotation layers")
    return out


def saved_sql(chart) -> set[str]:
    """The SQL saved on a chart: its form data's and its saved query context's."""
    out = _expressions(chart.params_dict, set())
    out |= _clauses(chart.params_dict)
    out |= _clauses(chart.params_dict.get("extras"))
    for q in json.loads(chart.query_context or "{}").get("queries", []):
        _expressions(q, out)
        out |= _clauses(q.get("extras"))
    return out


def _charts_of(datasource) -> list:
    """The saved charts of a dataset (read without the list filter, which hides every chart from a guest)."""
    from superset.extensions import db  # noqa: PLC0415
    from superset.models.slice import Slice  # noqa: PLC0415

    return db.session.query(Slice).filter_by(datasource_id=datasource.id, datasource_type="table").all()


SAMPLES = "samples"
CUSTOM_SQL_REFUSED = "SQL kustom tidak diizinkan untuk peran Anda. / Custom SQL is not allowed for your role."
SAMPLES_REFUSED = ("Contoh baris tidak diizinkan untuk peran Anda. / "
                   "Samples are not allowed for your role.")


def _result_types(query_context) -> set[str]:
    types = {str(query_context.result_type or "")}
    return types | {str(q.result_type or "") for q in query_context.queries}


class _LegacyQuery:
    """A legacy viz's query (``explore_json``) in the shape of a chart data request, so one rule checks both."""

    def __init__(self, viz):
        qo = viz.query_obj()
        self.datasource, self.result_type = viz.datasource, None
        self.queries = [SimpleNamespace(
            columns=[*(qo.get("columns") or []), *(qo.get("groupby") or [])], metrics=qo.get("metrics") or [],
            orderby=qo.get("orderby") or [], filter=qo.get("filter") or [], series_columns=[],
            series_limit_metric=qo.get("timeseries_limit_metric") or qo.get("series_limit_metric"),
            granularity=qo.get("granularity"), annotation_layers=[], extras=qo.get("extras") or {},
            form_data=viz.form_data, result_type=None)]


def _refuse(reason: str, message: str) -> None:
    logger.warning("%s", reason)
    from superset.errors import ErrorLevel, SupersetError, SupersetErrorType  # noqa: PLC0415
    from superset.exceptions import SupersetSecurityException  # noqa: PLC0415

    raise SupersetSecurityException(SupersetError(
        error_type=SupersetErrorType.QUERY_SECURITY_ACCESS_ERROR, level=ErrorLevel.ERROR, message=message))


def make_security_manager(base):
    """Superset's security manager with the custom-SQL rule for users who are not analysts."""

    class SecurityManager(base):
        def raise_for_access(self, **kwargs) -> None:
            super().raise_for_access(**kwargs)
            query_context, viz = kwargs.get("query_context"), kwargs.get("viz")
            if query_context is None and viz is None:
                return
            if query_context is not None and SAMPLES in _result_types(query_context) \
                    and not self.can_access("can_samples", "Datasource"):
                _refuse("samples without the permission", SAMPLES_REFUSED)
            if database_role(self) == ANALYST:
                return
            if query_context is None:  # the legacy explore_json: its query as the viz builds it
                query_context = _LegacyQuery(viz)
            allowed = {_normal(c) for c in query_context.datasource.column_names} | {_normal("COUNT(*)")}
            for chart in _charts_of(query_context.datasource):
                allowed |= saved_sql(chart)
            refused = (requested_sql(query_context) - allowed) | unknown_names(query_context)
            if refused:
                _refuse(f"custom SQL refused for a non-analyst request: {sorted(refused)[:5]}", CUSTOM_SQL_REFUSED)

    return SecurityManager


def hide_sql_and_errors(response):
    """For users who are not analysts: no generated SQL, no stack trace, no database message in an answer."""
    if (not request.path.startswith(QUERY_PATHS) or response.mimetype != "application/json"
            or response.direct_passthrough or response.is_streamed):
        return response
    from superset import security_manager  # noqa: PLC0415

    if database_role(security_manager) == ANALYST:
        return response
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return response
    failed = response.status_code in (400, 500)  # a database's failure; 401/403/404 are Superset's own words
    result = body.get("result") if isinstance(body, dict) else None
    parts = [body] + (result if isinstance(result, list) else [result] if isinstance(result, dict) else [])
    for part in parts:
        if not isinstance(part, dict):
            continue
        part.pop("query", None)
        part.pop("stacktrace", None)
        if failed or part.get("status") == "failed":
            for key in ("message", "error"):
                if isinstance(part.get(key), str):
                    part[key] = PLAIN_ERROR
            for error in part.get("errors") or []:
                if isinstance(error, dict):
                    error["message"] = PLAIN_ERROR
                    error.pop("extra", None)
    response.set_data(json.dumps(body))
    return response
