"""The daftar verval downloaded whole, for the field officers (a Flask blueprint of superset_config.py's BLUEPRINTS).

``GET /bansos360/daftar-verval.csv`` and ``GET /bansos360/daftar-verval.xlsx``
    Every row of the daftar verval (``marts.mart_daftar_verval``) the signed-in user may read, not cut at Superset's
    row limits: an analyst the whole kabupaten, a Verval Kecamatan user the rows of their kecamatan. The rows are
    read through Superset's own connection to the warehouse, so ``DB_CONNECTION_MUTATOR`` connects as the user's
    class role and PostgreSQL's grants and row-level security decide what comes back (docs/privacy.md); a user of
    any other class is refused before a query is sent, and PostgreSQL would refuse it anyway. The rows stream from
    a server-side cursor (CSV as it is read; the Excel file through XlsxWriter's constant-memory mode), so a whole
    kabupaten never sits in memory at once.

    Each download is written to Superset's action log (``logs``) before the first row leaves, naming the user, the
    dataset and the format; the who-saw-whom report (``bansos360 superset akses``) lists it as an export.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import tempfile

import bansos360_security
from flask import Blueprint, Response, g, jsonify, request, send_file, stream_with_context

blueprint = Blueprint("bansos360_ekspor", __name__, url_prefix="/bansos360")

DATABASE = "Gudang BANSOS 360"
DATASET = "mart_daftar_verval"
ACTION = "bansos360_ekspor"
# the columns of the download, with their headers in Bahasa Indonesia
COLUMNS = (("alasan", "Alasan"), ("program", "Program"), ("desil", "Desil"), ("nama", "Nama"), ("nik", "NIK"),
           ("nokk", "No. KK"), ("nama_kec", "Kecamatan"), ("nama_desa", "Desa"), ("alamat", "Alamat"),
           ("id_keluarga", "ID keluarga"), ("kode_kec", "Kode kecamatan"), ("kode_desa", "Kode desa"),
           ("periode_dtsen", "Pemutakhiran DTSEN"))
QUERY = (f"select {', '.join(c for c, _ in COLUMNS)} from marts.{DATASET} "  # noqa: S608 - constant text
         "order by kode_kec nulls last, kode_desa nulls last, alasan, program nulls first, id_keluarga, nik")
BATCH = 5000


def _refuse(status: int, pesan: str, message: str):
    return jsonify({"pesan": pesan, "message": message}), status


def _cleared(role: str) -> bool:
    """Whether a class role reads the daftar verval: the analysts', or a kecamatan's verval role."""
    return role == bansos360_security.ANALYST or role.startswith(bansos360_security.VERVAL_PREFIX)


def _log(fmt: str, dataset_id: int | None) -> None:
    """The download in Superset's action log, in the shape the who-saw-whom report reads."""
    from superset.extensions import db  # noqa: PLC0415
    from superset.models.core import Log  # noqa: PLC0415

    db.session.add(Log(action=ACTION, user_id=g.user.id, dttm=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                       json=json.dumps({"path": request.path, "format": fmt,
                                        "datasource": {"id": dataset_id, "type": "table"}})))
    db.session.commit()


def _open(database):
    """The rows the user's class role may read, as a server-side cursor opened now.

    Opened within the request, so the connection is made as the user's class role; ``_batches`` reads it.
    """
    stack = contextlib.ExitStack()
    try:
        engine = stack.enter_context(database.get_sqla_engine())
        conn = engine.raw_connection()
        stack.callback(conn.close)
        cur = conn.cursor(name="daftar_verval")
        cur.itersize = BATCH
        cur.execute(QUERY)
    except BaseException:
        stack.close()
        raise
    return stack, cur


def _batches(stack, cur):
    with stack:
        while batch := cur.fetchmany(BATCH):
            yield batch


@blueprint.route("/daftar-verval.<fmt>", methods=["GET"])
def daftar_verval(fmt: str):
    """The whole daftar verval the user may read, as CSV or Excel (see the module's docstring)."""
    from superset import security_manager  # noqa: PLC0415
    from superset.connectors.sqla.models import SqlaTable  # noqa: PLC0415
    from superset.extensions import db  # noqa: PLC0415
    from superset.models.core import Database  # noqa: PLC0415

    if fmt not in ("csv", "xlsx"):
        return _refuse(404, "format tidak dikenal (csv atau xlsx)", "unknown format (csv or xlsx)")
    user = getattr(g, "user", None)
    if user is None or getattr(user, "is_anonymous", True) or security_manager.is_guest_user(user):
        return _refuse(401, "masuk dahulu", "sign in first")
    role = bansos360_security.database_role(security_manager)
    if not _cleared(role):
        return _refuse(403, "daftar verval hanya untuk analis dan Verval Kecamatan",
                       "the daftar verval is for analysts and Verval Kecamatan only")
    database = db.session.query(Database).filter_by(database_name=DATABASE).one()
    dataset = db.session.query(SqlaTable).filter_by(schema="marts", table_name=DATASET).one_or_none()
    rows = _batches(*_open(database))
    _log(fmt, dataset.id if dataset else None)
    name = f"daftar-verval-{dt.date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        def lines():
            buf = io.StringIO()
            out = csv.writer(buf)
            out.writerow([header for _, header in COLUMNS])
            for batch in rows:
                out.writerows(batch)
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
            yield buf.getvalue()

        return Response(stream_with_context(lines()), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    import xlsxwriter  # noqa: PLC0415

    spool = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed (and deleted) with the response
    book = xlsxwriter.Workbook(spool.name, {"constant_memory": True})
    sheet = book.add_worksheet("Daftar verval")
    text = book.add_format({"num_format": "@"})  # NIK and No. KK stay text, not 3.5e15
    sheet.write_row(0, 0, [header for _, header in COLUMNS])
    n = 0
    for batch in rows:
        for row in batch:
            n += 1
            for col, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(n, col, value, text)
                else:
                    sheet.write(n, col, value)
    book.close()
    response = send_file(spool.name, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         as_attachment=True, download_name=name)
    response.call_on_close(spool.close)
    return response
